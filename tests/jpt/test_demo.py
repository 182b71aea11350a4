import datetime

import pytest
from django.utils.module_loading import autodiscover_modules

from jpt.models import (
    Finding,
    ItineraryStop,
    JPTMission,
    MeetingHeld,
    MissionMember,
    Recommendation,
    RecommendationUpdate,
)
from jpt.selectors import mission_composition_warnings
from monusco.demo import DemoContext, seeders

MODELS = [JPTMission, MissionMember, ItineraryStop, MeetingHeld, Finding, Recommendation, RecommendationUpdate]


def _seed(today):
    autodiscover_modules("demo")
    ctx = DemoContext(today=today, password="demo-pass")
    for order, _name, func in seeders():
        if order <= 30:
            func(ctx)
    return ctx


@pytest.mark.django_db
def test_jpt_demo_is_idempotent_and_covers_every_status():
    today = datetime.date(2026, 11, 23)
    _seed(today)
    first = {model.__name__: model.objects.count() for model in MODELS}
    _seed(today)
    assert {model.__name__: model.objects.count() for model in MODELS} == first
    assert first == {
        "JPTMission": 6,
        "MissionMember": 24,
        "ItineraryStop": 9,
        "MeetingHeld": 10,
        "Finding": 8,
        "Recommendation": 8,
        "RecommendationUpdate": 8,
    }
    assert sorted(JPTMission.objects.values_list("status", flat=True)) == [
        "approved",
        "completed",
        "ongoing",
        "planned",
        "report_submitted",
        "report_submitted",
    ]
    assert set(JPTMission.objects.values_list("lead__username", flat=True)) == {"demo-jpt"}
    assert JPTMission.objects.filter(start_date__lt=today - datetime.timedelta(days=183)).count() == 0
    overdue = Recommendation.objects.filter(deadline__lt=today, follow_up_status__in=["open", "in_progress", "blocked"])
    assert overdue.count() == 6
    assert overdue.filter(updates__isnull=False).distinct().count() == 4
    no_woman = [
        m.title
        for m in JPTMission.objects.order_by("start_date")
        if any("no woman" in w for w in mission_composition_warnings(mission=m))
    ]
    assert no_woman == ["Fizi–Baraka lakeshore", "Sange: response to assaults on women"]
