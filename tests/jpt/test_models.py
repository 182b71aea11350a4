import datetime

import pytest
from django.db import IntegrityError, transaction

from gender.registry import reports
from jpt.models import JPTMission
from tests.factories import (
    FindingFactory,
    MeetingHeldFactory,
    MemberFactory,
    MissionFactory,
    RecommendationFactory,
    RecommendationUpdateFactory,
    StopFactory,
)


def _rejected(factory, **kwargs):
    with pytest.raises(IntegrityError), transaction.atomic():
        factory(**kwargs)


@pytest.mark.django_db
def test_mission_is_a_registered_report():
    report_type = reports.get("jpt_mission")
    assert report_type.model is JPTMission
    assert (report_type.date_field, report_type.author_field, report_type.territory_path) == (
        "start_date",
        "lead",
        "localities__territory_id",
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "kwargs",
    [
        {"status": "cancelled"},
        {"start_date": datetime.date(2026, 10, 9), "end_date": datetime.date(2026, 10, 8)},
        {"status": "approved"},  # approved with no approval date
        {"women": -1},
        {
            "women": 2,
            "men": 1,
            "age_18_49": 1,
            "age_50_59": 1,
            "age_60_plus": 0,
            "age_0_5": 0,
            "age_6_12": 0,
            "age_13_17": 0,
        },  # adult bands add up to 2, not 3
        {"review_status": "submitted"},  # submitted with no date
    ],
)
def test_mission_constraints(users, kwargs):
    _rejected(MissionFactory, lead=users["jpt"], **kwargs)
    assert JPTMission.objects.count() == 0


@pytest.mark.django_db
def test_mission_bands_that_add_up_are_accepted(users):
    mission = MissionFactory(
        lead=users["jpt"],
        women=2,
        men=1,
        girls=1,
        boys=0,
        age_0_5=0,
        age_6_12=1,
        age_13_17=0,
        age_18_49=2,
        age_50_59=1,
        age_60_plus=0,
    )
    assert mission.total_people == 4


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("factory", "kwargs"),
    [
        (MemberFactory, {"section": "logistics"}),
        (MemberFactory, {"sex": "x"}),
        (MemberFactory, {"external_name": "", "user": None}),
        (StopFactory, {"arrive_on": datetime.date(2026, 10, 6), "leave_on": datetime.date(2026, 10, 5)}),
        (MeetingHeldFactory, {"kind": "party"}),
        (MeetingHeldFactory, {"men": -3}),
        (FindingFactory, {"category": "weather"}),
        (RecommendationFactory, {"responsible": "nobody"}),
        (RecommendationFactory, {"follow_up_status": "forgotten"}),
    ],
)
def test_child_constraints(mission, world, factory, kwargs):
    extra = {"locality": world.sange} if factory in (StopFactory, MeetingHeldFactory) else {}
    _rejected(factory, mission=mission, **{**extra, **kwargs})


@pytest.mark.django_db
def test_update_status_and_member_once(mission, users):
    rec = RecommendationFactory(mission=mission)
    _rejected(RecommendationUpdateFactory, recommendation=rec, author=users["jpt"], status="lost")
    MemberFactory(mission=mission, user=users["cla"], external_name="")
    _rejected(MemberFactory, mission=mission, user=users["cla"], external_name="")
