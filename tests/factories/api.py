"""Records the API tests read: meetings with concerns and follow-ups, plans with threats and actions."""

import datetime

import factory

from cla.models import CommunityProtectionPlan, UrafikiMeeting

from . import cla
from .monusco import UserFactory

# The CLA factories with the values the API tests assert (English texts, authors, dates in 2026).


class MeetingFactory(cla.MeetingFactory):
    held_on = factory.Sequence(lambda n: datetime.date(2026, 1, 1) + datetime.timedelta(days=n % 300))
    topics = "Roads to the fields and markets"
    stakeholder_groups = ["chief", "women_associations"]
    women = 6
    men = 4
    girls = 1
    boys = 2
    created_by = factory.SubFactory(UserFactory)


class ConcernFactory(cla.ConcernFactory):
    description = "Shops looted at night"


class FollowUpFactory(cla.FollowUpFactory):
    action = "Night patrol request"
    responsible = "fardc"


class PlanFactory(cla.PlanFactory):
    period_start = factory.Sequence(lambda n: datetime.date(2020, 1, 1) + datetime.timedelta(days=n))
    period_end = factory.LazyAttribute(lambda o: o.period_start + datetime.timedelta(days=180))
    summary = "Plan for the dry season"
    women = 10
    men = 8
    created_by = factory.SubFactory(UserFactory)


class ThreatFactory(cla.ThreatFactory):
    category = "abduction"
    perpetrator_type = "armed_group"
    description = "Abductions on the road to the fields"
    at_risk_groups = ["women", "girls"]
    at_risk_detail = "Women walking to the fields at dawn"
    vulnerabilities = "No phone network"
    capacities = "Women walk in groups"


class ActionFactory(cla.ActionFactory):
    description = "Escort on market days"
    responsible = "monusco"
    deadline = datetime.date(2026, 3, 1)


def meeting_with_details(*, base, **kwargs) -> UrafikiMeeting:
    meeting = MeetingFactory(base=base, **kwargs)
    ConcernFactory(meeting=meeting)
    FollowUpFactory(meeting=meeting)
    return meeting


def plan_with_details(*, base, **kwargs) -> CommunityProtectionPlan:
    plan = PlanFactory(base=base, **kwargs)
    threat = ThreatFactory(plan=plan)
    ActionFactory(threat=threat)
    return plan


def mission(*, localities, bases=(), lead=None, **kwargs):
    """A planned JPT mission with two recommendations (one overdue) and one finding."""
    from jpt.models import Finding, JPTMission, Recommendation

    item = JPTMission.objects.create(
        title=kwargs.pop("title", "Fizi highlands"), lead=lead or UserFactory(), start_date=datetime.date(2026, 2, 2),
        end_date=datetime.date(2026, 2, 6), objectives="Assess threats on the roads to the markets", women=5, men=3,
        summary=kwargs.pop("summary", "Report summary"), **kwargs,
    )
    item.localities.set(localities)
    item.bases.set(bases)
    Recommendation.objects.create(mission=item, text="Patrol the market road", responsible="fardc",
                                  deadline=datetime.date(2026, 3, 1))
    Recommendation.objects.create(mission=item, text="Lighting at the water point", responsible="local_authority",
                                  deadline=datetime.date(2099, 1, 1), follow_up_status="in_progress")
    Finding.objects.create(mission=item, category="looting", description="Market looted twice", locality=localities[0])
    return item


def review(*, report, reviewer, report_type: str, decision: str = "returned", comment: str = "Add women's views"):
    """A review round of ``report`` with one answer of each kind."""
    from django.contrib.contenttypes.models import ContentType

    from gender.models import ChecklistItem, Review, ReviewAnswer, ReviewChecklist

    checklist, _ = ReviewChecklist.objects.get_or_create(report_type=report_type, version=1)
    items = [
        ChecklistItem.objects.get_or_create(
            checklist=checklist, position=n, defaults={"measure": "sadd", "text_fr": "q", "text_sw": "q", "text_en": "q"}
        )[0]
        for n in range(4)
    ]
    rounds = Review.objects.filter(content_type=ContentType.objects.get_for_model(report), object_id=report.pk).count()
    item = Review.objects.create(
        content_type=ContentType.objects.get_for_model(report), object_id=report.pk, round=rounds + 1,
        checklist=checklist, reviewer=reviewer, decision=decision, comment=comment, report_type=report_type,
        days_to_review=2.5,
    )
    for checklist_item, answer in zip(items, ["yes", "partly", "no", "na"], strict=True):
        ReviewAnswer.objects.create(review=item, item=checklist_item, answer=answer)
    return item
