"""Encryption at rest, database constraints, registration with gender, parsing, measures, the
channel command and the demo seeder."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from can import parsing, selectors, services
from can.models import Alert, AlertEvent, FocalPoint, Notification, SmsChannel
from gender.registry import reports
from monusco.models import AuditLog
from tests.factories import make_alert, make_focal_point

pytestmark = pytest.mark.django_db


def _raw(table, column, pk):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_names_and_numbers_are_encrypted_at_rest(world):
    fp = make_focal_point(world.base, world.sange, phone="+243990000123", name="Maman Furaha")
    alert = make_alert(world.base, sender_number="+243990000123")
    for table, column, pk, clear in [
        ("can_focalpoint", "name", fp.pk, "Maman Furaha"),
        ("can_focalpoint", "phone", fp.pk, "+243990000123"),
        ("can_alert", "sender_number", alert.pk, "+243990000123"),
    ]:
        stored = _raw(table, column, pk)
        assert stored.startswith("gAAAA")  # a Fernet token
        assert clear not in stored and "990000123" not in stored
    assert FocalPoint.objects.get(pk=fp.pk).name == "Maman Furaha"
    assert _raw("can_focalpoint", "phone_hash", fp.pk) == fp.phone_hash
    assert len(fp.phone_hash) == 64


def test_audit_log_names_the_code_never_the_person(world):
    fp = make_focal_point(world.base, world.sange, name="Maman Furaha")
    entry = AuditLog.objects.get(model="can.focalpoint", object_pk=str(fp.pk))
    assert entry.object_repr == fp.code
    assert "Furaha" not in str(entry.detail)


@pytest.mark.parametrize(
    "field,value",
    [
        ("channel", "pigeon"),
        ("status", "lost"),
        ("threat_category", "aliens"),
        ("response_type", "airstrike"),
        ("outcome", "maybe"),
        ("escalation_level", 7),
        ("women", -1),
    ],
)
def test_alert_constraints(world, field, value):
    alert = make_alert(world.base)
    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.filter(pk=alert.pk).update(**{field: value})


def test_closed_alert_needs_an_outcome_and_keys_are_unique(world):
    alert = make_alert(world.base, status="acknowledged")
    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.filter(pk=alert.pk).update(status="closed", closed_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        make_alert(world.base, idempotency_key=alert.idempotency_key)
    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.filter(pk=alert.pk).update(status="verified", acknowledged_at=None)


def test_focal_point_constraints(world):
    make_focal_point(world.base, world.sange, phone="+243990000777")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_focal_point(world.base, world.sange, phone="+243990000777")  # one active holder per number
    make_focal_point(world.base, world.sange, phone="+243990000777", is_active=False, deactivated_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        make_focal_point(world.base, world.sange, phone="", community_role="wizard")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_focal_point(world.base, world.sange, phone="", is_active=False)  # deactivation must be dated


def test_notification_unique_per_alert_recipient_channel(world, users):
    alert = make_alert(world.base)
    Notification.objects.create(alert=alert, recipient=users["duty"], channel="in_app")
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(alert=alert, recipient=users["duty"], channel="in_app")
    Notification.objects.create(alert=alert, recipient=users["duty"], channel="sms")
    assert Notification.objects.count() == 2


def test_alert_is_a_registered_report():
    report_type = reports.get("alert")
    assert report_type.model is Alert
    assert (
        report_type.date_field,
        report_type.base_path,
        report_type.territory_path,
        report_type.province_path,
        report_type.threat_path,
        report_type.author_field,
    ) == ("received_on", "base_id", "territory_id", "territory__province_id", "threat_category", "reported_by")


def test_alert_without_locality_is_still_in_its_province(world, users):
    alert = make_alert(world.base, locality=None)
    assert list(selectors.alert_list(user=users["manager"]).values_list("pk", flat=True)) == [alert.pk]
    assert list(selectors.alert_list(user=users["far_manager"])) == []


@pytest.mark.parametrize(
    "text,category,place",
    [
        ("Attaque des hommes armés à SANGÉ cette nuit", "armed_attack", "Sange"),
        ("Watu watatu wametekwa karibu na Uvira", "abduction", "Uvira"),
        ("Un civil tué ce matin", "killing", None),
        ("Wakimbizi wengi wanafika Minembwe", "displacement", "Minembwe"),
        ("Barrière illégale, taxe imposée", "extortion", None),
        ("Un volontaire est passé à Sange", None, "Sange"),
        ("", None, None),
        ("\ufffd\ufffd 12345", None, None),
    ],
)
def test_parsing_french_and_swahili(world, text, category, place):
    parsed = parsing.parse_message(text, world.base)
    names = {world.sange.pk: "Sange", world.uvira.pk: "Uvira", world.minembwe.pk: "Minembwe"}
    assert (parsed.threat_category, names.get(parsed.locality_id)) == (category, place)
    assert parsed.complete is (category is not None and place is not None)


def test_measures_per_base_and_month(world, users):
    t0 = timezone.make_aware(datetime.datetime(2026, 10, 5, 8, 0))
    a = make_alert(
        world.base,
        status="closed",
        received_at=t0,
        acknowledged_at=t0 + datetime.timedelta(minutes=10),
        response_at=t0 + datetime.timedelta(minutes=40),
        outcome="addressed",
    )
    make_alert(
        world.base,
        status="closed",
        received_at=t0,
        acknowledged_at=t0 + datetime.timedelta(minutes=20),
        outcome="false_alarm",
    )
    make_alert(world.base, received_at=t0 + datetime.timedelta(days=30))
    make_alert(world.far_base, received_at=t0)
    rows = selectors.alert_measures(user=users["manager"])
    assert rows == [
        {
            "base_id": world.base.pk,
            "base_code": "cob-uvira",
            "base_name": "Uvira",
            "month": datetime.date(2026, 10, 1),
            "alerts": 2,
            "acknowledged": 2,
            "responded": 1,
            "closed": 2,
            "addressed": 1,
            "time_to_acknowledge_seconds": 900.0,
            "time_to_response_seconds": 2400.0,
            "share_addressed": 0.5,
        },
        {
            "base_id": world.base.pk,
            "base_code": "cob-uvira",
            "base_name": "Uvira",
            "month": datetime.date(2026, 11, 1),
            "alerts": 1,
            "acknowledged": 0,
            "responded": 0,
            "closed": 0,
            "addressed": 0,
            "time_to_acknowledge_seconds": None,
            "time_to_response_seconds": None,
            "share_addressed": None,
        },
    ]
    assert a.pk
    assert selectors.alert_measures(user=users["manager"], start=datetime.date(2026, 11, 1))[0]["alerts"] == 1
    assert selectors.alert_measures(user=users["norole"]) == []


def test_create_sms_channel_command(world):
    out = io.StringIO()
    call_command("create_sms_channel", "Uvira gateway 2", "--base", "cob-uvira", stdout=out)
    channel = SmsChannel.objects.get()
    lines = dict(line.split(": ", 1) for line in out.getvalue().splitlines())
    assert lines["channel"] == str(channel.uid)
    assert services.sms_channel_check_token(channel=channel, token=lines["token"]) is True
    assert lines["token"] not in channel.token_hash
    assert channel.base == world.base
    call_command("create_sms_channel", "By name", "--base", "minembwe", stdout=io.StringIO())
    assert SmsChannel.objects.get(name="By name").base == world.other_base
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_sms_channel", "Uvira gateway 2", "--base", "cob-uvira", stdout=io.StringIO())
    with pytest.raises(CommandError, match="No single base"):
        call_command("create_sms_channel", "X", "--base", "nowhere", stdout=io.StringIO())
    assert SmsChannel.objects.count() == 2


def test_demo_seeder_is_idempotent():
    call_command("seed_demo", stdout=io.StringIO())
    counts = [m.objects.count() for m in (FocalPoint, Alert, AlertEvent, SmsChannel)]
    call_command("seed_demo", stdout=io.StringIO())
    assert [m.objects.count() for m in (FocalPoint, Alert, AlertEvent, SmsChannel)] == counts
    assert counts[0] == 13 and counts[1] == 90 and counts[3] == 1
    statuses = set(Alert.objects.values_list("status", flat=True))
    assert statuses == {"received", "callback_needed", "acknowledged", "verified", "response_dispatched", "closed"}
    assert set(Alert.objects.exclude(outcome="").values_list("outcome", flat=True)) == {
        "addressed",
        "false_alarm",
        "no_response_possible",
    }
    assert Alert.objects.filter(escalation_level__gt=0).exists()
