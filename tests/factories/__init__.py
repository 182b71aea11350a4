"""Builders for test rows, one module per app; the public builders are re-exported here.

``tests.factories.api`` holds the variants of the CLA factories with the values the API tests
assert (English texts, authors, dates in 2026); import them from there."""

from .api import api_alert, meeting_with_details, mission, plan_with_details
from .can import TOKEN, make_alert, make_channel, make_focal_point
from .cla import (
    ActionFactory,
    ConcernFactory,
    FollowUpFactory,
    MeetingFactory,
    OperatingBaseFactory,
    PlanFactory,
    ThreatFactory,
)
from .gender import all_answers, make_meeting, make_review
from .jpt import (
    FindingFactory,
    MeetingHeldFactory,
    MemberFactory,
    MissionFactory,
    RecommendationFactory,
    RecommendationUpdateFactory,
    StopFactory,
)
from .monusco import PASSWORD, LocalityFactory, ProvinceFactory, TerritoryFactory, UserFactory, make_user

__all__ = [
    "PASSWORD",
    "TOKEN",
    "ActionFactory",
    "ConcernFactory",
    "FindingFactory",
    "FollowUpFactory",
    "LocalityFactory",
    "MeetingFactory",
    "MeetingHeldFactory",
    "MemberFactory",
    "MissionFactory",
    "OperatingBaseFactory",
    "PlanFactory",
    "ProvinceFactory",
    "RecommendationFactory",
    "RecommendationUpdateFactory",
    "StopFactory",
    "TerritoryFactory",
    "ThreatFactory",
    "UserFactory",
    "all_answers",
    "make_alert",
    "make_channel",
    "make_focal_point",
    "make_meeting",
    "make_review",
    "make_user",
    "api_alert",
    "meeting_with_details",
    "mission",
    "plan_with_details",
]
