"""Report rows and review rounds for the gender tests, built with the cla models (tests may import
any app)."""

import datetime

from django.utils import timezone

from cla.models import SecurityConcern, UrafikiMeeting
from gender.models import ReviewStatus


def make_meeting(
    *,
    world,
    author,
    base=None,
    locality=None,
    held_on=datetime.date(2026, 3, 10),
    status=ReviewStatus.SUBMITTED,
    submitted_days_ago=1,
    women=0,
    men=0,
    girls=0,
    boys=0,
    separately=False,
    concerns=(),
    topics="Security on the road to the fields",
):
    base = base or world.base
    locality = locality or base.locality
    submitted = status != ReviewStatus.DRAFT
    meeting = UrafikiMeeting.objects.create(
        base=base,
        locality=locality,
        held_on=held_on,
        created_by=author,
        women=women,
        men=men,
        girls=girls,
        boys=boys,
        women_consulted_separately=separately,
        topics=topics,
        review_status=status,
        review_round=1 if submitted else 0,
        submitted_at=timezone.now() - datetime.timedelta(days=submitted_days_ago) if submitted else None,
    )
    for category in concerns:
        SecurityConcern.objects.create(meeting=meeting, category=category, description="Reported at the meeting")
    return meeting


def all_answers(checklist, answer="yes", comment=""):
    return {item.pk: (answer, comment) for item in checklist.items.all()}


def make_review(
    report, reviewer, decision, checklist=None, *, answers=None, comment="Checked.", direct=False, report_type=None
):
    """A review round of ``report`` by ``reviewer``.

    By default through ``review_record``, as a reviewer records it (the report must be submitted):
    each item of ``checklist`` is answered ``yes`` unless ``answers`` (item position → answer) says
    otherwise.

    With ``direct=True``, the rows are written as they are, without the workflow's checks, for a
    report never submitted: on version 1 of ``report_type``'s checklist (made if missing, four
    items), the items answered yes, partly, no and na, 2.5 days to review, the next round."""
    if direct:
        return _review_rows(report, reviewer, decision, comment=comment, report_type=report_type)
    from gender import services

    given = {item.pk: ((answers or {}).get(item.position, "yes"), "") for item in checklist.items.all()}
    return services.review_record(report=report, reviewer=reviewer, decision=decision, comment=comment, answers=given)


def _review_rows(report, reviewer, decision, *, comment, report_type):
    from django.contrib.contenttypes.models import ContentType

    from gender.models import ChecklistItem, Review, ReviewAnswer, ReviewChecklist

    checklist, _ = ReviewChecklist.objects.get_or_create(report_type=report_type, version=1)
    items = [
        ChecklistItem.objects.get_or_create(
            checklist=checklist,
            position=n,
            defaults={"measure": "sadd", "text_fr": "q", "text_sw": "q", "text_en": "q"},
        )[0]
        for n in range(4)
    ]
    rounds = Review.objects.filter(content_type=ContentType.objects.get_for_model(report), object_id=report.pk).count()
    item = Review.objects.create(
        content_type=ContentType.objects.get_for_model(report),
        object_id=report.pk,
        round=rounds + 1,
        checklist=checklist,
        reviewer=reviewer,
        decision=decision,
        comment=comment,
        report_type=report_type,
        days_to_review=2.5,
    )
    for checklist_item, answer in zip(items, ["yes", "partly", "no", "na"], strict=True):
        ReviewAnswer.objects.create(review=item, item=checklist_item, answer=answer)
    return item
