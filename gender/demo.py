"""Demo reviews: for the submitted demo reports of every registered type, some approved, some
returned with comments and resubmitted by their author. Idempotent: a report that already has a
review is left alone."""

from typing import Any

from monusco.demo import DemoContext, register

RETURN_COMMENTS = [
    "Les chiffres par sexe et âge manquent pour les jeunes. Qui marche vers les champs et les marchés ?",
    "Le rapport parle des femmes mais pas du rôle des hommes ni des chefs. Merci de compléter.",
    "Précisez si les femmes ont été consultées à part, et leurs préoccupations propres.",
]


@register(40, "gender reviews")
def seed_reviews(ctx: DemoContext) -> None:
    from django.contrib.contenttypes.models import ContentType

    from .models import Review, ReviewAnswer, ReviewStatus
    from .registry import reports
    from .selectors.reviews import active_checklist
    from .services import checklist_ensure_defaults, report_submit, review_record

    checklist_ensure_defaults()
    reviewer = ctx.users.get("demo-gender")
    if reviewer is None:
        return
    for report_type in reports.all():
        # A registered model is a Report with a uid (BaseModel), which type[Model] cannot say.
        model: type[Any] = report_type.model
        reviewed_ids = set(
            Review.objects.filter(content_type=ContentType.objects.get_for_model(model)).values_list(
                "object_id", flat=True
            )
        )
        checklist = active_checklist(report_type=report_type.slug)
        if checklist is None:  # checklist_ensure_defaults made one for every type
            continue
        items = list(checklist.items.all())
        submitted = list(
            model._default_manager.filter(review_status=ReviewStatus.SUBMITTED)
            .exclude(pk__in=reviewed_ids)
            .order_by("submitted_at", "pk")
        )
        for report in submitted:
            i = report.uid.int % 6
            if i in (1, 4):
                continue  # about a third stays in the queue (decided by the uid, so reruns agree)
            answers = {}
            for j, item in enumerate(items):
                pick = (i + j) % 5
                answer = [
                    ReviewAnswer.Answer.YES,
                    ReviewAnswer.Answer.YES,
                    ReviewAnswer.Answer.PARTLY,
                    ReviewAnswer.Answer.NO,
                    ReviewAnswer.Answer.NOT_APPLICABLE,
                ][pick]
                answers[item.pk] = (answer, "" if answer == ReviewAnswer.Answer.YES else "À compléter.")
            if i % 3 == 0:
                review_record(
                    report=report,
                    reviewer=reviewer,
                    decision=Review.Decision.RETURNED,
                    comment=RETURN_COMMENTS[i % len(RETURN_COMMENTS)],
                    answers=answers,
                )
                if i % 2 == 0:  # half of the returned ones were corrected and sent again
                    author = getattr(report, report_type.author_field)
                    report_submit(report=report, user=author)
            else:
                review_record(
                    report=report,
                    reviewer=reviewer,
                    decision=Review.Decision.APPROVED,
                    comment="Bon rapport, merci.",
                    answers=answers,
                )
