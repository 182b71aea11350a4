"""Records the API tests read: meetings with concerns and follow-ups, plans with threats and actions,
missions with recommendations and a finding. Alerts, focal points and reviews come from the one
builder of each (``make_alert``, ``make_focal_point``, ``make_review``)."""

import datetime

import factory

from cla.models import CommunityProtectionPlan, UrafikiMeeting

from . import cla
from .can import make_alert
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
        title=kwargs.pop("title", "Fizi highlands"),
        lead=lead or UserFactory(),
        start_date=datetime.date(2026, 2, 2),
        end_date=datetime.date(2026, 2, 6),
        objectives="Assess threats on the roads to the markets",
        women=5,
        men=3,
        summary=kwargs.pop("summary", "Report summary"),
        **kwargs,
    )
    item.localities.set(localities)
    item.bases.set(bases)
    Recommendation.objects.create(
        mission=item, text="Patrol the market road", responsible="fardc", deadline=datetime.date(2026, 3, 1)
    )
    Recommendation.objects.create(
        mission=item,
        text="Lighting at the water point",
        responsible="local_authority",
        deadline=datetime.date(2099, 1, 1),
        follow_up_status="in_progress",
    )
    Finding.objects.create(mission=item, category="looting", description="Market looted twice", locality=localities[0])
    return item


def api_alert(world, **overrides):
    """The alert most API tests read: looting at Uvira, acknowledged with its two events, counted
    2 women, 1 man, 1 girl."""
    values = {
        "locality": world.uvira,
        "threat_category": "looting",
        "description": "Shops looted at the market",
        "status": "acknowledged",
        "events": True,
        "women": 2,
        "men": 1,
        "girls": 1,
    }
    return make_alert(world.base, **(values | overrides))
