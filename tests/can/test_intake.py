"""The SMS and missed-call intake contract (RapidPro Courier "External" shape)."""

import datetime
import json
import logging
import time

import pytest
from django.utils import timezone

from can import services
from can.models import Alert, AlertEvent, AlertStatus, Notification, StaffPhone
from tests.factories import TOKEN, make_focal_point

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


def test_good_sms_is_stored_matched_parsed_and_notified(
    client, channel, world, users, django_capture_on_commit_callbacks
):
    fp = make_focal_point(world.base, world.sange, phone=PHONE)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post_sms(
            client,
            channel,
            {
                "from": "0990000111",
                "text": "Attaque des hommes armés à Sangé",
                "date": "2026-11-23T08:15:00+02:00",
                "id": "gw-1",
            },
        )
    assert response.status_code == 200
    body = response.json()
    alert = Alert.objects.get()
    assert body == {
        "alert": str(alert.uid),
        "created": True,
        "status": "received",
        "needs_triage": False,
        "warnings": [],
    }
    assert (alert.channel, alert.base, alert.locality, alert.territory, alert.threat_category) == (
        "sms",
        world.base,
        world.sange,
        world.uvira_t,
        "armed_attack",
    )
    assert alert.focal_point == fp
    assert alert.sender_number == PHONE
    assert alert.raw_text == "Attaque des hommes armés à Sangé"
    assert alert.sent_at == datetime.datetime(2026, 11, 23, 6, 15, tzinfo=datetime.UTC)
    assert alert.sms_channel == channel
    assert list(alert.events.values_list("kind", "to_status")) == [("received", "received")]
    assert len(callbacks) == 1
    # The base's roster (duty officer and CLA of Uvira) got one in-app notification each.
    assert sorted(Notification.objects.values_list("recipient__username", "channel", "status")) == [
        ("t-cla", "in_app", "sent"),
        ("t-duty", "in_app", "sent"),
    ]
    assert Alert.objects.get().notified_at is not None


def test_json_body_is_accepted(client, channel, world):
    response = post_sms(
        client,
        channel,
        json.dumps({"from": PHONE, "text": "Wametekwa watu Sange", "id": 77}),
        content_type="application/json",
    )
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
    response = client.post(
        "/can/inbound/00000000-0000-0000-0000-000000000000/receive",
        {"from": PHONE, "text": "x"},
        HTTP_X_GATEWAY_TOKEN=TOKEN,
    )
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
    # receipt and its key, which carries the 10-minute bucket it was received in.)
    eleven_ago = timezone.now() - datetime.timedelta(minutes=11)
    old = Alert.objects.get(uid=first["alert"])
    bucket = int(eleven_ago.timestamp()) // 600
    Alert.objects.filter(pk=old.pk).update(
        received_at=eleven_ago,
        created_at=eleven_ago,
        idempotency_key=old.idempotency_key.rsplit(":", 1)[0] + f":{bucket}",
    )
    later = post_sms(client, channel, {"from": PHONE, "text": "Attaque Uvira"}).json()
    assert later["created"] is True
    assert Alert.objects.count() == 3


def test_garbage_text_is_kept_for_triage(client, channel, world):
    response = post_sms(client, channel, {"from": PHONE, "text": "%%## ??? 12 zzz"})
    assert response.status_code == 200
    alert = Alert.objects.get()
    assert (alert.raw_text, alert.threat_category, alert.locality, alert.needs_triage) == (
        "%%## ??? 12 zzz",
        "other",
        None,
        True,
    )
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
    response = client.post(
        receive_url(channel), body, content_type="application/x-www-form-urlencoded", HTTP_X_GATEWAY_TOKEN=TOKEN
    )
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
        response = client.post(
            receive_url(channel),
            body,
            content_type="application/json",
            HTTP_X_GATEWAY_TOKEN=TOKEN,
            HTTP_ACCEPT_LANGUAGE="en",
        )
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
        AlertStatus.CALLBACK_NEEDED,
        "missed_call",
        2,
        fp,
        True,
    )
    assert list(alert.events.values_list("kind", flat=True)) == ["received", "repeated"]
    eleven_ago = timezone.now() - datetime.timedelta(minutes=11)
    Alert.objects.update(
        received_at=eleven_ago,
        created_at=eleven_ago,
        idempotency_key=alert.idempotency_key.rsplit(":", 1)[0] + f":{int(eleven_ago.timestamp()) // 600}",
    )
    third = client.post(call_url(channel), {"from": PHONE}, HTTP_X_GATEWAY_TOKEN=TOKEN).json()
    assert third["created"] is True
    assert Alert.objects.count() == 2


def test_missed_call_wrong_token_is_401(client, channel):
    assert client.post(call_url(channel), {"from": PHONE}, HTTP_X_GATEWAY_TOKEN="nope").status_code == 401
    assert Alert.objects.count() == 0


def test_phone_numbers_never_reach_the_logs(
    client, channel, world, users, settings, caplog, django_capture_on_commit_callbacks
):
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
    assert post_sms(client, channel, {"from": PHONE, "text": "Attaque Uvira 1", "id": "c-1"}).status_code == 200
    channel.is_active = False
    channel.save()
    # Within the cache period the gateway is still answered (nothing is lost while it is switched off)...
    assert post_sms(client, channel, {"from": PHONE, "text": "Attaque Uvira 2", "id": "c-2"}).status_code == 200
    # ...after it, the channel is unknown.
    later = time.monotonic() + services.CHANNEL_CACHE_SECONDS + 1
    monkeypatch.setattr(services.channels, "_clock", lambda: later)
    assert post_sms(client, channel, {"from": PHONE, "text": "Attaque Uvira 3", "id": "c-3"}).status_code == 404
    assert Alert.objects.count() == 2


def test_sms_intake_writes_in_one_statement_and_audits_both_rows(client, channel, world, django_assert_num_queries):
    from django.db import connection

    from monusco.models import AuditLog

    focal_point = make_focal_point(world.base, world.sange, phone=PHONE)
    post_sms(client, channel, {"from": PHONE, "text": "Tirs à Sange", "id": "gw-warm"})  # caches channel and places
    before = AuditLog.objects.count()
    # The repeat check by content (one probe of alert_content_recent_idx), then the focal point
    # match, the alert, its first event and their two audit rows: one statement on PostgreSQL (in
    # a savepoint here, as the test runs in a transaction); on SQLite, the match inside the
    # alert's INSERT, then the event's and the audit rows' INSERTs, in a savepoint.
    with django_assert_num_queries(4 if connection.vendor == "postgresql" else 6) as captured:
        response = post_sms(client, channel, {"from": PHONE, "text": "Pillage à Sange", "id": "gw-q"})
    assert response.status_code == 200
    check = captured.captured_queries[0]["sql"]
    assert check.startswith("SELECT") and '"content_hash" = ' in check and '"received_at" >= ' in check
    assert check.endswith('ORDER BY "can_alert"."received_at" DESC LIMIT 1')
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


# --- the sender's date: any date is survivable, a bad one is ignored and flagged ----------------

OUT_OF_RANGE = "The date is before 2000 or more than a day ahead; the time of receipt is used."
UNREADABLE = "The date is not an RFC 3339 date-time; the time of receipt is used."


def post_call(client, channel, data):
    return client.post(call_url(channel), data, HTTP_X_GATEWAY_TOKEN=TOKEN, HTTP_ACCEPT_LANGUAGE="en")


def _in_three_days():
    return (timezone.now() + datetime.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.parametrize(
    ("date", "warning"),
    [
        ("0001-01-01T00:00:00+14:00", OUT_OF_RANGE),  # year 0 in UTC: stored once, unreadable since
        ("9999-12-31T23:59:59-14:00", OUT_OF_RANGE),  # year 10000 in UTC
        ("0001-01-01T00:00:00Z", OUT_OF_RANGE),
        ("1999-12-31T23:59:59.999999Z", OUT_OF_RANGE),
        (_in_three_days(), OUT_OF_RANGE),
        ("infinity", UNREADABLE),
        ("2026-11-23T08:15:00+24:00", UNREADABLE),
        ("2026-02-30T08:15:00Z", UNREADABLE),
    ],
)
@pytest.mark.parametrize("kind", ["sms", "missed_call"])
def test_a_date_out_of_range_is_ignored_flagged_and_every_page_still_answers(
    client, channel, users, date, warning, kind
):
    data = {"from": PHONE, "text": "Attaque Uvira", "date": date} if kind == "sms" else {"from": PHONE, "date": date}
    before = timezone.now()
    response = post_sms(client, channel, data) if kind == "sms" else post_call(client, channel, data)
    assert response.status_code == 200
    assert response.json()["warnings"] == [warning]
    alert = Alert.objects.get()
    assert (alert.sent_at, alert.sent_at_ignored, alert.sent_at_as_received) == (None, True, date)
    assert before <= alert.received_at <= timezone.now()
    # The alert reads back everywhere it is listed or shown, with its flag.
    client.force_login(users["duty"])
    inbox = client.get("/can/inbox/", HTTP_ACCEPT_LANGUAGE="en")
    assert inbox.status_code == 200
    assert inbox.content.decode().count(">gateway date ignored</span>") == 1
    page = client.get(f"/can/alerts/{alert.uid}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert ">gateway date ignored</span>" in page
    assert f"“{date}” could not be used: the time of receipt is shown." in page
    api = client.get("/api/v1/alerts/", HTTP_ACCEPT_LANGUAGE="en")
    assert [(row["uid"], row["sent_at_ignored"]) for row in api.json()["results"]] == [(str(alert.uid), True)]


def test_the_flag_is_translated(client, channel, users):
    post_sms(client, channel, {"from": PHONE, "text": "Attaque Uvira", "date": "0001-01-01T00:00:00+14:00"})
    client.force_login(users["duty"])
    for language, flag in (("fr", "date de la passerelle ignorée"), ("sw", "tarehe ya gateway imepuuzwa")):
        client.cookies["django_language"] = language
        assert f">{flag}</span>" in client.get("/can/inbox/").content.decode()
    client.cookies.clear()  # the gateway speaks the language of its Accept-Language
    response = client.post(
        receive_url(channel),
        {"from": PHONE, "text": "Pillage", "date": "0001-01-01"},
        HTTP_X_GATEWAY_TOKEN=TOKEN,
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert response.json()["warnings"] == [
        "La date est antérieure à 2000 ou en avance de plus d'un jour ; l'heure de réception est utilisée."
    ]


def test_another_base_sees_the_flag_but_not_the_date_as_received(client, channel, users):
    post_sms(client, channel, {"from": PHONE, "text": "Attaque Uvira", "date": "0001-01-01T00:00:00+14:00"})
    alert = Alert.objects.get()
    client.force_login(users["manager"])  # South Kivu, read only
    page = client.get(f"/can/alerts/{alert.uid}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert ">gateway date ignored</span>" in page
    assert "It could not be used: the time of receipt is shown." in page
    assert "0001-01-01" not in page


@pytest.mark.parametrize(
    ("offset", "utc"),
    [
        ("-23:59", datetime.timedelta(hours=23, minutes=59)),
        ("+16:00", -datetime.timedelta(hours=16)),
        ("-16:00", datetime.timedelta(hours=16)),
        ("+23:59:59", -datetime.timedelta(hours=23, minutes=59, seconds=59)),
        ("+1530", -datetime.timedelta(hours=15, minutes=30)),
    ],
)
@pytest.mark.parametrize("kind", ["sms", "missed_call"])
def test_an_offset_postgresql_refuses_is_converted_to_utc_and_the_message_kept(
    client, channel, offset, utc, kind, django_assert_max_num_queries
):
    local = (timezone.now() - datetime.timedelta(days=2)).replace(microsecond=0, tzinfo=None)
    date = local.isoformat() + offset
    data = {"from": PHONE, "text": "Attaque Uvira", "date": date} if kind == "sms" else {"from": PHONE, "date": date}
    with django_assert_max_num_queries(20) as captured:
        response = post_sms(client, channel, data) if kind == "sms" else post_call(client, channel, data)
    assert (response.status_code, response.json()["warnings"]) == (200, [])
    alert = Alert.objects.get()
    assert alert.sent_at == (local + utc).replace(tzinfo=datetime.UTC)
    assert (alert.sent_at_ignored, alert.sent_at_as_received) == (False, "")
    # The offset never reached the database: the date went in as UTC.
    assert not [q["sql"] for q in captured.captured_queries if offset in q["sql"]]


def test_the_window_edges(client, channel):
    now = timezone.now()
    edges = [
        ("2000-01-01T00:00:00Z", datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)),
        ("2000-01-01T01:00:00+01:00", datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)),
        ("1999-12-31T23:59:59Z", None),
        ("2000-01-01T00:59:59+01:00", None),
        (
            (now + datetime.timedelta(hours=23)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            (now + datetime.timedelta(hours=23)).replace(microsecond=0),
        ),
        ((now + datetime.timedelta(hours=25)).strftime("%Y-%m-%dT%H:%M:%SZ"), None),
    ]
    for n, (date, expected) in enumerate(edges):
        response = post_sms(client, channel, {"from": PHONE, "text": f"Attaque {n}", "date": date})
        alert = Alert.objects.get(uid=response.json()["alert"])
        assert (date, alert.sent_at, alert.sent_at_ignored) == (date, expected, expected is None)


def test_a_date_without_offset_is_utc_and_an_empty_one_is_no_date(client, channel):
    first = post_sms(client, channel, {"from": PHONE, "text": "Attaque 1", "date": "2026-11-23T08:15:00"}).json()
    second = post_sms(client, channel, {"from": PHONE, "text": "Attaque 2", "date": "  "}).json()
    assert Alert.objects.get(uid=first["alert"]).sent_at == datetime.datetime(2026, 11, 23, 8, 15, tzinfo=datetime.UTC)
    flagged = Alert.objects.get(uid=second["alert"])
    assert (flagged.sent_at, flagged.sent_at_ignored, second["warnings"]) == (None, False, [])


def test_a_long_or_nul_date_is_kept_cut_and_clean(client, channel):
    date = "2026-11-23T08:15:00Z" + "\x00" + "9" * 200
    response = post_sms(client, channel, {"from": PHONE, "text": "Attaque Uvira", "date": date})
    assert response.json()["warnings"] == [UNREADABLE]
    alert = Alert.objects.get()
    assert alert.sent_at_as_received == ("2026-11-23T08:15:00Z\ufffd" + "9" * 200)[:64]


def test_the_service_itself_refuses_a_date_out_of_range(channel):
    """Whoever calls it, the service stores no date outside the window, and stores UTC."""
    east = datetime.timezone(datetime.timedelta(hours=14))
    alert, created = services.alert_receive_sms(
        channel=channel, sender=PHONE, text="Attaque", sent_at=datetime.datetime(1, 1, 1, tzinfo=east)
    )
    assert (alert.sent_at, alert.sent_at_ignored, alert.sent_at_as_received) == (
        None,
        True,
        "0001-01-01T00:00:00+14:00",
    )
    west = datetime.timezone(-datetime.timedelta(hours=23, minutes=59))
    call, _created = services.alert_receive_missed_call(
        channel=channel, sender=PHONE, sent_at=datetime.datetime(2026, 11, 23, 8, 0, tzinfo=west)
    )
    call.refresh_from_db()
    assert call.sent_at == datetime.datetime(2026, 11, 24, 7, 59, tzinfo=datetime.UTC)
    assert call.sent_at.utcoffset() == datetime.timedelta(0)


def test_a_planted_date_out_of_range_is_refused_by_the_database(channel, world):
    from django.db import IntegrityError, transaction

    alert, _created = services.alert_receive_sms(channel=channel, sender=PHONE, text="Attaque")
    for field, value in (
        ("sent_at", datetime.datetime(1999, 12, 31, 23, 59, 59, tzinfo=datetime.UTC)),
        ("sent_at", datetime.datetime(2100, 1, 1, tzinfo=datetime.UTC)),
        ("received_at", datetime.datetime(1999, 12, 31, 23, 59, 59, tzinfo=datetime.UTC)),
        ("received_at", datetime.datetime(9999, 12, 31, tzinfo=datetime.UTC)),
        ("received_on", datetime.date(1999, 12, 31)),
        ("received_on", datetime.date(2100, 1, 2)),
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            Alert.objects.filter(pk=alert.pk).update(**{field: value})
    for value in (
        datetime.datetime(1999, 12, 31, 23, 59, 59, tzinfo=datetime.UTC),
        datetime.datetime(2100, 1, 1, tzinfo=datetime.UTC),
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            AlertEvent.objects.filter(alert=alert).update(at=value)
    assert Alert.objects.filter(pk=alert.pk, sent_at=None, received_at=alert.received_at).count() == 1
    assert AlertEvent.objects.get(alert=alert).at == alert.received_at


# --- repeats by content whatever the gateway id ------------------------------------------------


def test_same_sender_and_text_with_a_new_gateway_id_is_the_same_alert(client, channel):
    first = post_sms(client, channel, {"from": PHONE, "text": "Attaque Uvira", "id": "gw-1"}).json()
    again = post_sms(client, channel, {"from": "0990000111", "text": "Attaque Uvira", "id": "gw-2"})
    assert again.status_code == 200
    assert (again.json()["alert"], again.json()["created"]) == (first["alert"], False)
    assert (Alert.objects.count(), AlertEvent.objects.count()) == (1, 1)
    # Another text from the same sender, or the same text from another sender, is another alert.
    assert post_sms(client, channel, {"from": PHONE, "text": "Pillage Uvira", "id": "gw-3"}).json()["created"] is True
    assert (
        post_sms(client, channel, {"from": "+243990000222", "text": "Attaque Uvira", "id": "gw-4"}).json()["created"]
        is True
    )
    # Eleven minutes after the first, the same text with a new id is a new alert.
    eleven_ago = timezone.now() - datetime.timedelta(minutes=11)
    Alert.objects.filter(uid=first["alert"]).update(received_at=eleven_ago, created_at=eleven_ago)
    assert post_sms(client, channel, {"from": PHONE, "text": "Attaque Uvira", "id": "gw-5"}).json()["created"] is True
    assert Alert.objects.count() == 4


def test_a_repeat_by_content_costs_one_query(client, channel, django_assert_num_queries):
    post_sms(client, channel, {"from": PHONE, "text": "Attaque Uvira", "id": "gw-1"})
    with django_assert_num_queries(1) as captured:
        response = post_sms(client, channel, {"from": PHONE, "text": "Attaque Uvira", "id": "gw-2"})
    assert response.json()["created"] is False
    assert captured.captured_queries[0]["sql"].endswith('ORDER BY "can_alert"."received_at" DESC LIMIT 1')


# --- bodies: sizes, encodings, shapes ------------------------------------------------------------


def test_a_text_beyond_the_limit_keeps_its_beginning_and_is_flagged(client, channel, users):
    from can.models import MAX_SMS_TEXT

    text = "Attaque à Sange " + "x" * 20_000
    response = post_sms(client, channel, {"from": PHONE, "text": text, "id": "huge"})
    assert response.status_code == 200
    assert response.json()["warnings"] == [
        f"The text is longer than {MAX_SMS_TEXT} characters: only the first {MAX_SMS_TEXT} are kept."
    ]
    alert = Alert.objects.get()
    assert (alert.raw_text, alert.description, alert.text_truncated) == (text[:10_000], text[:10_000], True)
    assert alert.threat_category == "armed_attack"
    client.force_login(users["duty"])
    assert ">text cut</span>" in client.get("/can/inbox/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    page = client.get(f"/can/alerts/{alert.uid}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The SMS was longer than the longest text kept; its beginning is kept." in page
    assert client.get(f"/api/v1/alerts/{alert.uid}/").json()["text_truncated"] is True


def test_a_text_at_the_limit_is_whole_and_not_flagged(client, channel):
    text = "y" * 10_000
    response = post_sms(client, channel, {"from": PHONE, "text": text})
    assert response.json()["warnings"] == []
    assert Alert.objects.filter(raw_text=text, text_truncated=False).count() == 1


@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "application/json", "multipart/form-data"]
)
@pytest.mark.parametrize("language", ["en", "fr", "sw"])
def test_a_body_beyond_the_upload_limit_is_a_json_413(client, channel, settings, content_type, language):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    text = "Attaque " + "x" * 2000
    if content_type == "application/json":
        response = client.post(
            receive_url(channel),
            json.dumps({"from": PHONE, "text": text}),
            content_type=content_type,
            HTTP_X_GATEWAY_TOKEN=TOKEN,
            HTTP_ACCEPT_LANGUAGE=language,
        )
    elif content_type == "multipart/form-data":
        response = client.post(
            receive_url(channel),
            {"from": PHONE, "text": text},
            HTTP_X_GATEWAY_TOKEN=TOKEN,
            HTTP_ACCEPT_LANGUAGE=language,
        )
    else:
        response = client.post(
            receive_url(channel),
            f"from=%2B243990000111&text={text}",
            content_type=content_type,
            HTTP_X_GATEWAY_TOKEN=TOKEN,
            HTTP_ACCEPT_LANGUAGE=language,
        )
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "error": {
            "en": "The message is too large: a gateway may send at most 1000 bytes.",
            "fr": "Le message est trop volumineux : une passerelle peut envoyer au plus 1000 octets.",
            "sw": "Ujumbe ni mkubwa mno: gateway inaweza kutuma baiti 1000 kwa juu kabisa.",
        }[language]
    }
    assert Alert.objects.count() == 0


def test_the_default_upload_limit_applies(client, channel):
    from django.conf import settings

    body = json.dumps({"from": PHONE, "text": "x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE})
    response = client.post(
        receive_url(channel),
        body,
        content_type="application/json",
        HTTP_X_GATEWAY_TOKEN=TOKEN,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 413
    assert Alert.objects.count() == 0


def test_lone_surrogates_in_json_are_kept_as_replacement_characters(client, channel):
    body = b'{"from": "+243990000111", "text": "Tirs \\ud800 Uvira \\udfff", "id": "\\ud83d", "date": "\\udc00"}'
    response = client.post(receive_url(channel), body, content_type="application/json", HTTP_X_GATEWAY_TOKEN=TOKEN)
    assert response.status_code == 200
    alert = Alert.objects.get()
    assert (alert.raw_text, alert.sent_at_as_received) == ("Tirs \ufffd Uvira \ufffd", "\ufffd")


def test_utf16_json_and_a_bom_are_read(client, channel, world):
    for n, body in enumerate(
        [
            json.dumps({"from": PHONE, "text": "Attaque à Sange 1"}, ensure_ascii=False).encode("utf-16"),
            b"\xef\xbb\xbf" + json.dumps({"from": PHONE, "text": "Attaque à Sange 2"}, ensure_ascii=False).encode(),
        ],
        start=1,
    ):
        response = client.post(receive_url(channel), body, content_type="application/json", HTTP_X_GATEWAY_TOKEN=TOKEN)
        assert response.status_code == 200
        assert Alert.objects.get(uid=response.json()["alert"]).raw_text == f"Attaque à Sange {n}"


def test_json_numbers_lists_and_objects_are_kept_as_text(client, channel):
    big = "9" * 5000  # longer than Python converts to int by default
    body = '{"from": 243990000111, "text": ["Attaque", {"lieu": "Uvira"}], "id": ' + big + ', "date": 1.5e999}'
    response = client.post(receive_url(channel), body, content_type="application/json", HTTP_X_GATEWAY_TOKEN=TOKEN)
    assert response.status_code == 200
    alert = Alert.objects.get()
    assert (alert.sender_number, alert.raw_text, alert.sent_at_as_received) == (
        "+243990000111",
        '["Attaque", {"lieu": "Uvira"}]',
        "1.5e999",
    )
    assert alert.idempotency_key.endswith(":id:" + __import__("hashlib").sha256(big.encode()).hexdigest())


def test_deeply_nested_json_is_a_400_not_a_500(client, channel):
    for body in ("[" * 100_000, '{"text": ' + "[" * 100_000 + "]" * 100_000 + "}"):
        response = client.post(
            receive_url(channel),
            body,
            content_type="application/json",
            HTTP_X_GATEWAY_TOKEN=TOKEN,
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert (response.status_code, response.json()) == (
            400,
            {"error": "The body is not a JSON object or form fields."},
        )
    assert Alert.objects.count() == 0


def test_too_many_form_fields_is_a_json_400(client, channel):
    body = "&".join(f"f{n}=1" for n in range(1100)) + "&text=Attaque"
    response = client.post(
        receive_url(channel),
        body,
        content_type="application/x-www-form-urlencoded",
        HTTP_X_GATEWAY_TOKEN=TOKEN,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert (response.status_code, response.json()) == (400, {"error": "The body is not a JSON object or form fields."})
    assert Alert.objects.count() == 0


@pytest.mark.parametrize("content_type", ["text/plain", "application/octet-stream", ""])
def test_a_body_under_another_content_type_is_read_as_json_or_form(client, channel, content_type):
    as_json = client.post(
        receive_url(channel),
        json.dumps({"from": PHONE, "text": "Attaque 1"}),
        content_type=content_type,
        HTTP_X_GATEWAY_TOKEN=TOKEN,
    )
    as_form = client.post(
        receive_url(channel),
        "from=%2B243990000111&text=Attaque+2",
        content_type=content_type,
        HTTP_X_GATEWAY_TOKEN=TOKEN,
    )
    assert (as_json.status_code, as_form.status_code) == (200, 200)
    assert sorted(Alert.objects.values_list("raw_text", flat=True)) == ["Attaque 1", "Attaque 2"]


def test_raw_control_characters_in_a_json_string_are_kept(client, channel):
    body = '{"from": "+243990000111", "text": "Attaque\nUvira\tcentre"}'
    response = client.post(receive_url(channel), body, content_type="application/json", HTTP_X_GATEWAY_TOKEN=TOKEN)
    assert response.status_code == 200
    assert Alert.objects.get().raw_text == "Attaque\nUvira\tcentre"


def test_a_form_in_another_charset_is_read_in_that_charset(client, channel, world):
    from urllib.parse import quote

    body = "from=%2B243990000111&text=" + quote("Attaque à Sangé", encoding="latin-1")
    response = client.post(
        receive_url(channel),
        body,
        content_type="application/x-www-form-urlencoded; charset=iso-8859-1",
        HTTP_X_GATEWAY_TOKEN=TOKEN,
    )
    assert response.status_code == 200
    alert = Alert.objects.get()
    assert (alert.raw_text, alert.locality) == ("Attaque à Sangé", world.sange)


def test_lower_case_t_and_z_are_rfc_3339_too(client, channel):
    response = post_sms(client, channel, {"from": PHONE, "text": "Attaque Uvira", "date": "2026-11-23t08:15:00z"})
    assert response.json()["warnings"] == []
    assert Alert.objects.get().sent_at == datetime.datetime(2026, 11, 23, 8, 15, tzinfo=datetime.UTC)


def test_a_missed_call_ignores_any_text_without_a_warning(client, channel):
    response = post_call(client, channel, {"from": PHONE, "text": "x" * 20_000})
    assert (response.status_code, response.json()["warnings"]) == (200, [])
    assert Alert.objects.get().raw_text == ""


def test_utf16_big_endian_json_ending_in_a_newline_is_read(client, channel):
    body = (json.dumps({"from": PHONE, "text": "Attaque Uvira"}) + "\n").encode("utf-16-be")
    response = client.post(receive_url(channel), body, content_type="application/json", HTTP_X_GATEWAY_TOKEN=TOKEN)
    assert response.status_code == 200
    assert Alert.objects.get().raw_text == "Attaque Uvira"
