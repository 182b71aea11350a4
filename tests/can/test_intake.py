"""The SMS and missed-call intake contract (RapidPro Courier "External" shape)."""

import datetime
import json
import logging

import pytest
from django.utils import timezone

from can import services
from can.models import Alert, AlertEvent, AlertStatus, Notification, StaffPhone
from tests.can.factories import TOKEN, make_focal_point

pytestmark = pytest.mark.django_db

PHONE = "+243990000111"


def receive_url(channel):
    return f"/can/inbound/{channel.uid}/receive"


def call_url(channel):
    return f"/can/inbound/{channel.uid}/missed-call"


def post_sms(client, channel, data, token=TOKEN, **kwargs):
    headers = {"HTTP_X_GATEWAY_TOKEN": token} if token is not None else {}
    headers.setdefault("HTTP_ACCEPT_LANGUAGE", "en")
    return client.post(receive_url(channel), data, **headers, **kwargs)


def test_good_sms_is_stored_matched_parsed_and_notified(client, channel, world, users, django_capture_on_commit_callbacks):
    fp = make_focal_point(world.base, world.sange, phone=PHONE)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post_sms(client, channel, {"from": "0990000111", "text": "Attaque des hommes armés à Sangé", "date": "2026-11-23T08:15:00+02:00", "id": "gw-1"})
    assert response.status_code == 200
    body = response.json()
    alert = Alert.objects.get()
    assert body == {"alert": str(alert.uid), "created": True, "status": "received", "needs_triage": False, "warnings": []}
    assert (alert.channel, alert.base, alert.locality, alert.territory, alert.threat_category) == (
        "sms", world.base, world.sange, world.uvira_t, "armed_attack")
    assert alert.focal_point == fp
    assert alert.sender_number == PHONE
    assert alert.raw_text == "Attaque des hommes armés à Sangé"
    assert alert.sent_at == datetime.datetime(2026, 11, 23, 6, 15, tzinfo=datetime.UTC)
    assert alert.sms_channel == channel
    assert list(alert.events.values_list("kind", "to_status")) == [("received", "received")]
    assert len(callbacks) == 1
    # The base's roster (duty officer and CLA of Uvira) got one in-app notification each.
    assert sorted(Notification.objects.values_list("recipient__username", "channel", "status")) == [
        ("t-cla", "in_app", "sent"), ("t-duty", "in_app", "sent")]
    assert Alert.objects.get().notified_at is not None


def test_json_body_is_accepted(client, channel, world):
    response = post_sms(client, channel, json.dumps({"from": PHONE, "text": "Wametekwa watu Sange", "id": 77}), content_type="application/json")
    assert response.status_code == 200
    alert = Alert.objects.get()
    assert (alert.threat_category, alert.locality, alert.needs_triage) == ("abduction", world.sange, False)
    assert alert.idempotency_key == Alert.objects.get().idempotency_key  # stored with a key
    assert alert.idempotency_key.startswith(f"sms:{channel.uid}:id:")


@pytest.mark.parametrize("token", [None, "", "wrong-token"])
def test_wrong_or_missing_token_is_401_and_stores_nothing(client, channel, token):
    response = post_sms(client, channel, {"from": PHONE, "text": "Attaque"}, token=token)
    assert response.status_code == 401
    assert response.json() == {"error": "Wrong or missing gateway token."}
    assert Alert.objects.count() == 0


def test_unknown_or_inactive_channel_is_404(client, channel):
    response = client.post("/can/inbound/00000000-0000-0000-0000-000000000000/receive", {"from": PHONE, "text": "x"}, HTTP_X_GATEWAY_TOKEN=TOKEN)
    assert response.status_code == 404
    channel.is_active = False
    channel.save()
    services.sms_channel_cache_clear()  # a deactivation applies within CHANNEL_CACHE_SECONDS
    assert post_sms(client, channel, {"from": PHONE, "text": "x"}).status_code == 404
    assert client.post(call_url(channel), {"from": PHONE}, HTTP_X_GATEWAY_TOKEN=TOKEN).status_code == 404
    assert Alert.objects.count() == 0


def test_get_is_not_allowed(client, channel):
    assert client.get(receive_url(channel), HTTP_X_GATEWAY_TOKEN=TOKEN).status_code == 405
    assert Alert.objects.count() == 0


def test_duplicate_by_gateway_id_returns_the_same_alert(client, channel):
    first = post_sms(client, channel, {"from": PHONE, "text": "Attaque Uvira", "id": "gw-9"}).json()
    second = post_sms(client, channel, {"from": PHONE, "text": "Attaque Uvira (retry)", "id": "gw-9"})
    assert second.status_code == 200
    assert second.json()["alert"] == first["alert"]
    assert second.json()["created"] is False
    assert Alert.objects.count() == 1
    assert AlertEvent.objects.count() == 1


def test_duplicate_by_sender_and_text_within_ten_minutes(client, channel):
    first = post_sms(client, channel, {"from": PHONE, "text": "Attaque Uvira"}).json()
    again = post_sms(client, channel, {"from": "0990000111", "text": "Attaque Uvira"}).json()
    assert (again["alert"], again["created"]) == (first["alert"], False)
    other_text = post_sms(client, channel, {"from": PHONE, "text": "Pillage Uvira"}).json()
    assert other_text["created"] is True
    assert Alert.objects.count() == 2
    # Eleven minutes later the same text is a new alert. (Move the first alert back in time: its
    # creation and its key, which carries the 10-minute bucket it was received in.)
    eleven_ago = timezone.now() - datetime.timedelta(minutes=11)
    old = Alert.objects.get(uid=first["alert"])
    bucket = int(eleven_ago.timestamp()) // 600
    Alert.objects.filter(pk=old.pk).update(created_at=eleven_ago, idempotency_key=old.idempotency_key.rsplit(":", 1)[0] + f":{bucket}")
    later = post_sms(client, channel, {"from": PHONE, "text": "Attaque Uvira"}).json()
    assert later["created"] is True
    assert Alert.objects.count() == 3


def test_garbage_text_is_kept_for_triage(client, channel, world):
    response = post_sms(client, channel, {"from": PHONE, "text": "%%## ??? 12 zzz"})
    assert response.status_code == 200
    alert = Alert.objects.get()
    assert (alert.raw_text, alert.threat_category, alert.locality, alert.needs_triage) == ("%%## ??? 12 zzz", "other", None, True)
    assert alert.territory == world.uvira_t  # the base's territory until the place is known


def test_empty_text_is_kept(client, channel):
    response = post_sms(client, channel, {"from": PHONE, "text": ""})
    assert response.status_code == 200
    assert response.json()["needs_triage"] is True
    alert = Alert.objects.get()
    assert (alert.raw_text, alert.status, alert.needs_triage) == ("", "received", True)


def test_five_thousand_characters_are_kept_whole(client, channel):
    text = ("Attaque à Sange " + "x" * 5000)[:5000]
    response = post_sms(client, channel, {"from": PHONE, "text": text, "id": "long"})
    assert response.status_code == 200
    alert = Alert.objects.get()
    assert len(alert.raw_text) == 5000
    assert alert.raw_text == text
    assert alert.threat_category == "armed_attack"


def test_invalid_utf8_form_body_is_kept(client, channel, world):
    body = b"from=%2B243990000111&text=Attaque+%FF%FE+Sange&id=bad-bytes"
    response = client.post(receive_url(channel), body, content_type="application/x-www-form-urlencoded", HTTP_X_GATEWAY_TOKEN=TOKEN)
    assert response.status_code == 200
    alert = Alert.objects.get()
    assert alert.raw_text == "Attaque \ufffd\ufffd Sange"
    assert (alert.threat_category, alert.locality) == ("armed_attack", world.sange)


def test_invalid_utf8_json_body_and_nul_bytes_are_kept(client, channel):
    body = b'{"from": "+243990000111", "text": "Tirs \xff\xfe Uvira \\u0000 fin", "id": "j1"}'
    response = client.post(receive_url(channel), body, content_type="application/json", HTTP_X_GATEWAY_TOKEN=TOKEN)
    assert response.status_code == 200
    assert Alert.objects.get().raw_text == "Tirs \ufffd\ufffd Uvira \ufffd fin"


def test_bad_date_is_answered_and_the_alert_kept(client, channel):
    response = post_sms(client, channel, {"from": PHONE, "text": "Attaque Uvira", "date": "yesterday at noon"})
    assert response.status_code == 200
    assert response.json()["warnings"] == ["The date is not an RFC 3339 date-time; the time of receipt is used."]
    alert = Alert.objects.get()
    assert alert.sent_at is None
    assert alert.received_at is not None


def test_impossible_date_is_answered_and_the_alert_kept(client, channel):
    response = post_sms(client, channel, {"from": PHONE, "text": "Attaque Uvira", "date": "2026-13-45T99:00:00Z"})
    assert response.status_code == 200
    assert len(response.json()["warnings"]) == 1
    assert Alert.objects.count() == 1


def test_missing_sender_is_kept_with_a_warning(client, channel):
    response = post_sms(client, channel, {"text": "Attaque Uvira"})
    assert response.status_code == 200
    assert response.json()["warnings"] == ["No sender number: the alert is kept, but no one can call back."]
    alert = Alert.objects.get()
    assert (alert.sender_number, alert.sender_hash, alert.focal_point) == ("", "", None)


def test_body_that_is_not_an_object_is_400(client, channel):
    for body in ("[1, 2]", "{not json"):
        response = client.post(receive_url(channel), body, content_type="application/json", HTTP_X_GATEWAY_TOKEN=TOKEN, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 400
        assert response.json() == {"error": "The body is not a JSON object or form fields."}
    assert Alert.objects.count() == 0


def test_unknown_number_is_allowed(client, channel):
    post_sms(client, channel, {"from": "+243811111111", "text": "Attaque Uvira"})
    alert = Alert.objects.get()
    assert alert.focal_point is None
    assert alert.sender_number == "+243811111111"


def test_inactive_focal_point_is_not_matched(client, channel, world):
    make_focal_point(world.base, world.uvira, phone=PHONE, is_active=False, deactivated_at=timezone.now())
    post_sms(client, channel, {"from": PHONE, "text": "Attaque Uvira"})
    assert Alert.objects.get().focal_point is None


def test_missed_call_needs_callback_and_repeats_join(client, channel, world):
    fp = make_focal_point(world.base, world.uvira, phone=PHONE)
    first = client.post(call_url(channel), {"from": PHONE, "date": "2026-11-23T08:00:00Z"}, HTTP_X_GATEWAY_TOKEN=TOKEN)
    assert first.status_code == 200
    assert first.json()["status"] == "callback_needed"
    second = client.post(call_url(channel), {"from": "0990000111"}, HTTP_X_GATEWAY_TOKEN=TOKEN).json()
    assert (second["alert"], second["created"]) == (first.json()["alert"], False)
    alert = Alert.objects.get()
    assert (alert.status, alert.channel, alert.missed_calls, alert.focal_point, alert.needs_triage) == (
        AlertStatus.CALLBACK_NEEDED, "missed_call", 2, fp, True)
    assert list(alert.events.values_list("kind", flat=True)) == ["received", "repeated"]
    eleven_ago = timezone.now() - datetime.timedelta(minutes=11)
    Alert.objects.update(created_at=eleven_ago, idempotency_key=alert.idempotency_key.rsplit(":", 1)[0] + f":{int(eleven_ago.timestamp()) // 600}")
    third = client.post(call_url(channel), {"from": PHONE}, HTTP_X_GATEWAY_TOKEN=TOKEN).json()
    assert third["created"] is True
    assert Alert.objects.count() == 2


def test_missed_call_wrong_token_is_401(client, channel):
    assert client.post(call_url(channel), {"from": PHONE}, HTTP_X_GATEWAY_TOKEN="nope").status_code == 401
    assert Alert.objects.count() == 0


def test_phone_numbers_never_reach_the_logs(client, channel, world, users, settings, caplog, django_capture_on_commit_callbacks):
    settings.SMS_BACKEND = "can.sms.LogBackend"
    StaffPhone.objects.create(user=users["duty"], phone="+243997777777")
    make_focal_point(world.base, world.uvira, phone=PHONE)
    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True):
        post_sms(client, channel, {"from": PHONE, "text": f"Attaque Uvira, rappelez {PHONE}", "id": "log-1"})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(call_url(channel), {"from": PHONE}, HTTP_X_GATEWAY_TOKEN=TOKEN)
    assert Notification.objects.filter(channel="sms", status="sent").count() == 2
    assert "SMS notification" in caplog.text
    for fragment in ("990000111", "0990000111", "997777777", "Maman Furaha"):
        assert fragment not in caplog.text


def test_gateway_answers_in_french_by_default(client, channel):
    response = client.post(receive_url(channel), {"from": PHONE, "text": "x"}, HTTP_X_GATEWAY_TOKEN="bad")
    assert response.json() == {"error": "Jeton de passerelle absent ou incorrect."}


def test_channel_deactivation_applies_after_the_cache_period(client, channel, monkeypatch):
    assert post_sms(client, channel, {"from": PHONE, "text": "Attaque Uvira", "id": "c-1"}).status_code == 200
    channel.is_active = False
    channel.save()
    # Within the cache period the gateway is still answered (nothing is lost while it is switched off)...
    assert post_sms(client, channel, {"from": PHONE, "text": "Attaque Uvira", "id": "c-2"}).status_code == 200
    # ...after it, the channel is unknown.
    monkeypatch.setattr(services, "CHANNEL_CACHE_SECONDS", 0.0)
    assert post_sms(client, channel, {"from": PHONE, "text": "Attaque Uvira", "id": "c-3"}).status_code == 404
    assert Alert.objects.count() == 2


def test_sms_intake_writes_in_one_statement_and_audits_both_rows(client, channel, world, django_assert_num_queries):
    from django.db import connection

    from monusco.models import AuditLog

    focal_point = make_focal_point(world.base, world.sange, phone=PHONE)
    post_sms(client, channel, {"from": PHONE, "text": "Pillage à Sange", "id": "gw-warm"})  # caches channel and places
    before = AuditLog.objects.count()
    # The focal point match, the alert, its first event and their two audit rows: one statement on
    # PostgreSQL (in a savepoint here, as the test runs in a transaction); on SQLite, the match
    # inside the alert's INSERT, then the event's and the audit rows' INSERTs, in a savepoint.
    with django_assert_num_queries(3 if connection.vendor == "postgresql" else 5):
        response = post_sms(client, channel, {"from": PHONE, "text": "Pillage à Sange", "id": "gw-q"})
    assert response.status_code == 200
    alert = Alert.objects.get(uid=response.json()["alert"])
    assert alert.focal_point_id == focal_point.pk
    event = alert.events.get()
    assert (event.kind, event.to_status, event.at) == ("received", "received", alert.received_at)
    assert AuditLog.objects.count() == before + 2
    assert sorted(AuditLog.objects.order_by("-pk")[:2].values_list("action", "model", "object_pk", "object_repr")) == [
        ("create", "can.alert", str(alert.pk), alert.audit_repr),
        ("create", "can.alertevent", str(event.pk), f"alert event {event.uid}"),
    ]


def test_a_repeat_delivered_at_once_keeps_the_first_alert_and_its_audit(client, channel):
    from monusco.models import AuditLog

    post_sms(client, channel, {"from": PHONE, "text": "Pillage à Sange", "id": "gw-r"})
    audits = AuditLog.objects.count()
    response = post_sms(client, channel, {"from": PHONE, "text": "Pillage à Sange", "id": "gw-r"})
    assert response.status_code == 200
    assert response.json()["created"] is False
    assert Alert.objects.count() == 1
    assert AlertEvent.objects.count() == 1
    assert AuditLog.objects.count() == audits  # the failed insert's audit rows were never written
