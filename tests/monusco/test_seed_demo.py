import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.test import override_settings

from monusco.models import User

PROJECT_APPS = ("monusco", "cla", "can", "jpt", "gender")
# Tables that must hold demo rows after seeding: every part of the mission.
DEMO_TABLES = [
    "monusco.Province",
    "monusco.Territory",
    "monusco.Locality",
    "monusco.User",
    "monusco.UserScope",
    "cla.OperatingBase",
    "cla.CommunityLiaisonAssistant",
    "cla.BaseAssignment",
    "cla.UrafikiMeeting",
    "cla.SecurityConcern",
    "cla.MeetingFollowUp",
    "cla.CommunityProtectionPlan",
    "cla.PlanRevision",
    "cla.PlanThreat",
    "cla.PlanAction",
    "can.FocalPoint",
    "can.SmsChannel",
    "can.Alert",
    "can.AlertEvent",
    "jpt.JPTMission",
    "jpt.MissionMember",
    "jpt.ItineraryStop",
    "jpt.MeetingHeld",
    "jpt.Finding",
    "jpt.Recommendation",
    "jpt.RecommendationUpdate",
    "gender.ReviewChecklist",
    "gender.ChecklistItem",
    "gender.Review",
    "gender.ReviewAnswer",
    "monusco.ApiClient",
]


def _counts():
    return {
        m._meta.label: m.objects.count()
        for m in apps.get_models()
        if m._meta.app_label in PROJECT_APPS and m._meta.label != "monusco.AuditLog"
    }


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_loads_every_part_of_the_mission():
    call_command("seed_demo", verbosity=0)
    first = _counts()
    call_command("seed_demo", verbosity=0)
    assert _counts() == first
    assert sorted(label for label in DEMO_TABLES if first.get(label, 0) == 0) == []
    assert set(User.objects.filter(username__startswith="demo-").values_list("username", flat=True)) == {
        "demo-cla",
        "demo-cla2",
        "demo-duty",
        "demo-jpt",
        "demo-gender",
        "demo-manager",
        "demo-admin",
    }


@pytest.mark.django_db
def test_demo_users_sign_in_with_the_demo_password(client):
    call_command("seed_demo", verbosity=0)
    assert client.login(username="demo-cla", password="monusco-demo")


@pytest.mark.django_db
@override_settings(DEMO_USERS_ALLOWED=False)
def test_seed_demo_refuses_under_production_settings():
    with pytest.raises(CommandError):
        call_command("seed_demo", verbosity=0)
    assert User.objects.filter(username__startswith="demo-").count() == 0
