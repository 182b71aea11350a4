"""Report rows for the gender tests, built with the cla models (tests may import any app)."""

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


def review(report, reviewer, decision, checklist, answers=None, comment="Checked."):
    from gender import services

    given = {item.pk: ((answers or {}).get(item.position, "yes"), "") for item in checklist.items.all()}
    return services.review_record(report=report, reviewer=reviewer, decision=decision, comment=comment, answers=given)
