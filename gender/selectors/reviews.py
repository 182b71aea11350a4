"""The review of one report: its rounds, what changed between them, the checklist to answer, and
the reports returned to their author."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import OuterRef, QuerySet, Subquery

from monusco.scope import scope_for

from ..models import Review, ReviewChecklist, ReviewStatus
from ..registry import ReportType, reports
from ..snapshots import field_display, field_label


def review_history(*, report) -> QuerySet[Review]:
    """Every review round of a report, oldest first, with answers and items loaded. The caller has
    already fetched ``report`` within the user's scope."""
    return (
        Review.objects.filter(content_type=ContentType.objects.get_for_model(report), object_id=report.pk)
        .select_related("reviewer", "checklist")
        .prefetch_related("answers__item")
        .order_by("round")
    )


# Answers that ask the author for a correction.
TO_FIX = {"no", "partly"}


def review_rounds(*, report, language: str) -> list[Review]:
    """``review_history`` for a report's own page: each round carries its checklist answers as
    (item text in ``language``, answer, comment): ``to_fix``, the items answered "no" or "partly"
    (what the author must correct), ``met``, the others, and ``items``, both, to fix first."""
    reviews = list(review_history(report=report))
    for review in reviews:
        answers = list(review.answers.all())
        to_fix = [(a.item.text_for(language), a.get_answer_display(), a.comment) for a in answers if a.answer in TO_FIX]
        met = [
            (a.item.text_for(language), a.get_answer_display(), a.comment) for a in answers if a.answer not in TO_FIX
        ]
        # for the page only, not fields
        review.to_fix, review.met, review.items = to_fix, met, to_fix + met  # type: ignore[attr-defined]
    return reviews


def active_checklist(*, report_type: str) -> ReviewChecklist | None:
    return ReviewChecklist.objects.filter(report_type=report_type, is_active=True).prefetch_related("items").first()


def review_changes(*, report, history: list[Review], snapshot: dict[str, str]) -> list[dict]:
    """What changed in the report since the previous round: ``label``, ``before``, ``after``.
    ``snapshot`` is the report as it is now (``snapshots.report_snapshot``)."""
    if not history:
        return []
    before = history[-1].report_snapshot or {}
    changes = []
    for name, after in snapshot.items():
        if name in before and before[name] != after:
            label = field_label(type(report), name, reports.for_model(type(report)))
            changes.append(
                {
                    "field": name,
                    "label": label,
                    "before": before[name],
                    "after": after,
                    "before_shown": field_display(report, name, before[name]),
                    "after_shown": field_display(report, name, after),
                }
            )
    return changes


def shows_phone_numbers(*, user, report_type: ReportType, report) -> bool:
    """Whether phone numbers typed in a report's text (an SMS asking to be called back) show in
    clear to ``user``: only to users of the report's own base, as the sender's number; everyone
    else, the gender office included, reads them masked (``monusco.redaction``)."""
    path = report_type.base_path
    if not path or "__" in path:
        return False
    base_id = getattr(report, path, None)
    return base_id is not None and base_id in scope_for(user).base_ids


def returned_to_author(*, user) -> list[dict]:
    """The user's own reports that the gender office returned, with the reviewer's last comment."""
    rows: list[dict] = []
    for report_type in reports.all():
        if not report_type.author_field:
            continue
        last_comment = (
            Review.objects.filter(report_type=report_type.slug, object_id=OuterRef("pk"))
            .order_by("-round")
            .values("comment")[:1]
        )
        qs = (
            report_type.model._default_manager.filter(
                **{report_type.author_field: user}, review_status=ReviewStatus.RETURNED
            )
            .annotate(last_comment=Subquery(last_comment))
            .select_related()
            .order_by("reviewed_at")[:20]
        )
        rows.extend({"report_type": report_type, "report": report, "comment": report.last_comment} for report in qs)
    return rows
