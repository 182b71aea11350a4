"""Every report model joins the registry; the sex/age constraints hold in the database."""

import datetime

import pytest
from django.apps import apps
from django.db import IntegrityError, transaction

from cla.models import UrafikiMeeting
from gender.models import Report
from gender.registry import ReportRegistry, reports
from monusco.models import User

pytestmark = pytest.mark.django_db


def test_every_report_model_is_registered():
    report_models = {m for m in apps.get_models() if issubclass(m, Report)}
    assert report_models == {rt.model for rt in reports.all()}
    assert reports.slugs() == ["alert", "jpt_mission", "meeting", "protection_plan"]


def test_registry_rejects_a_model_that_is_not_a_report_and_a_taken_slug():
    registry = ReportRegistry()
    options = {
        "slug": "x",
        "label": "X",
        "date_field": "held_on",
        "base_path": None,
        "territory_path": None,
        "province_path": None,
        "author_field": "created_by",
    }
    with pytest.raises(TypeError):
        registry.register(User, **options)
    registry.register(UrafikiMeeting, **options)
    with pytest.raises(ValueError):
        registry.register(reports.get("alert").model, **options)


def test_dashboard_facts_are_inferred_until_given():
    meeting, alert, plan, mission = (reports.get(s) for s in ("meeting", "alert", "protection_plan", "jpt_mission"))
    assert (meeting.consultation_field, meeting.counts_participants, meeting.counts_people_at_risk) == (
        "women_consulted_separately",
        True,
        False,
    )
    assert (alert.counts_participants, alert.counts_people_at_risk) == (False, True)
    assert (plan.counts_participants, plan.counts_people_at_risk, plan.has_multi_valued_paths) == (False, False, False)
    assert (mission.has_multi_valued_paths, mission.base_model._meta.label) == (True, "cla.OperatingBase")


def _meeting(world, users, **sadd):
    return UrafikiMeeting(
        base=world.base, locality=world.uvira, held_on=datetime.date(2026, 1, 5), created_by=users["cla"], **sadd
    )


@pytest.mark.parametrize(
    "sadd",
    [
        {
            "women": 2,
            "men": 1,
            "girls": 1,
            "boys": 1,
            "age_0_5": 1,
            "age_6_12": 0,
            "age_13_17": 0,
            "age_18_49": 3,
            "age_50_59": 0,
            "age_60_plus": 0,
        },  # children bands add to 1, not 2
        {
            "women": 2,
            "men": 1,
            "age_0_5": 0,
            "age_6_12": 0,
            "age_13_17": 0,
            "age_18_49": 2,
            "age_50_59": 0,
            "age_60_plus": 0,
        },  # adult bands add to 2, not 3
        {"women": 2, "men": 1, "age_0_5": 0},  # some bands given, others left empty
    ],
)
def test_bands_that_do_not_add_up_are_rejected(world, users, sadd):
    with pytest.raises(IntegrityError), transaction.atomic():
        _meeting(world, users, **sadd).save()
    assert UrafikiMeeting.objects.count() == 0


def test_negative_counts_are_rejected_and_good_bands_accepted(world, users):
    with pytest.raises(IntegrityError), transaction.atomic():
        UrafikiMeeting.objects.bulk_create([_meeting(world, users, women=-1)])
    good = _meeting(
        world,
        users,
        women=2,
        men=1,
        girls=1,
        boys=1,
        age_0_5=1,
        age_6_12=1,
        age_13_17=0,
        age_18_49=2,
        age_50_59=0,
        age_60_plus=1,
    )
    good.save()
    assert (good.total_people, good.has_age_bands) == (5, True)
