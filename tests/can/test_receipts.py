"""Delivery receipts: ``POST /can/inbound/<channel>/status`` with ``id`` and ``status``."""

import datetime
import json
import uuid

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as fuzz_settings
from hypothesis import strategies as st

from can import services
from can.models import Notification, Reply, StaffPhone
from monusco.crypto import phone_hash
from monusco.models import AuditLog
from tests.conftest import SignInClient as Client
from tests.factories import TOKEN, make_alert, make_channel

pytestmark = pytest.mark.django_db

SENT_AT = timezone.now().replace(microsecond=0) - datetime.timedelta(minutes=2)


def _url(channel) -> str:
    return f"/can/inbound/{channel.uid}/status"


def _post(channel, data, *, token=TOKEN, as_json=False):
    headers = {"HTTP_ACCEPT_LANGUAGE": "en"} | ({"HTTP_X_GATEWAY_TOKEN": token} if token is not None else {})
    if as_json:
        return Client().post(_url(channel), json.dumps(data), content_type="application/json", **headers)
    return Client().post(_url(channel), data, **headers)


def _reply(channel, alert, **extra) -> Reply:
    fields = {"status": "sent", "sent_at": SENT_AT, "attempts": 1} | extra
    return Reply.objects.create(
        alert=alert,
        kind="received",
        sms_channel=channel,
        to_number="+243990000111",
        to_hash=phone_hash("+243990000111"),
        language="fr",
        text="MONUSCO: alerte reçue.",
        **fields,
    )


def _sms_notification(alert, user, **extra) -> Notification:
    fields = {"status": "sent", "sent_at": SENT_AT, "attempts": 1} | extra
    return Notification.objects.create(alert=alert, recipient=user, channel="sms", **fields)


@pytest.fixture
def alert(world):
    return make_alert(world.base, locality=world.sange)


def test_delivered_receipt_marks_the_reply_delivered_and_is_audited(channel, alert):
    reply = _reply(channel, alert)
    audits = AuditLog.objects.count()
    response = _post(channel, {"id": str(reply.uid), "status": "delivered"})
    assert response.status_code == 200
    assert response.json() == {"id": str(reply.uid), "receipt": "delivered", "status": "delivered", "applied": True}
    reply.refresh_from_db()
    assert (reply.status, reply.receipt_status, reply.sent_at) == ("delivered", "delivered", SENT_AT)
    assert reply.receipt_at is not None
    assert AuditLog.objects.count() == audits + 1
    row = AuditLog.objects.latest("pk")
    assert (row.action, row.model) == ("update", "can.reply")
    assert "receipt_status" in row.detail["fields"]


def test_json_body_and_every_status_in_order(channel, alert):
    reply = _reply(channel, alert)
    for status, expected in [("queued", "sent"), ("sent", "sent")]:
        response = _post(channel, {"id": str(reply.uid), "status": status}, as_json=True)
        assert response.status_code == 200
        assert response.json()["receipt"] == status
        assert response.json()["status"] == expected


def test_a_receipt_never_moves_a_message_backwards(channel, alert):
    reply = _reply(channel, alert)
    assert _post(channel, {"id": str(reply.uid), "status": "delivered"}).json()["applied"] is True
    audits = AuditLog.objects.count()
    for late in ("sent", "queued", "failed", "delivered"):
        response = _post(channel, {"id": str(reply.uid), "status": late})
        assert response.status_code == 200
        assert response.json() == {
            "id": str(reply.uid),
            "receipt": "delivered",
            "status": "delivered",
            "applied": False,
        }
    reply.refresh_from_db()
    assert (reply.status, reply.receipt_status) == ("delivered", "delivered")
    assert AuditLog.objects.count() == audits  # nothing written


def test_receipt_order_is_queued_sent_failed_delivered():
    assert sorted(services.RECEIPT_RANK, key=services.RECEIPT_RANK.get) == ["queued", "sent", "failed", "delivered"]


def test_failed_receipt_marks_the_reply_failed_for_a_retry(channel, alert):
    reply = _reply(channel, alert, attempts=2)
    now = SENT_AT + datetime.timedelta(seconds=30)
    outcome = services.message_receipt_record(channel=channel, reference=reply.uid, status="failed", now=now)
    assert outcome is not None and outcome.applied
    reply.refresh_from_db()
    assert (reply.status, reply.receipt_status, reply.receipt_at) == ("failed", "failed", now)
    assert reply.next_attempt_at == now + datetime.timedelta(minutes=5)  # the 2nd try failed: 5 minutes
    assert reply.claimed_until is None
    assert reply.error == services.receipts.RECEIPT_FAILED_ERROR
    # A late "sent" for the same attempt does not undo the failure.
    later = services.message_receipt_record(channel=channel, reference=reply.uid, status="sent", now=now)
    assert later is not None and not later.applied
    reply.refresh_from_db()
    assert reply.status == "failed"


def test_a_message_sent_again_takes_the_new_attempts_receipts(channel, alert):
    reply = _reply(channel, alert)
    first = SENT_AT + datetime.timedelta(seconds=10)
    services.message_receipt_record(channel=channel, reference=reply.uid, status="failed", now=first)
    # The retry went out after that receipt (as the retry sender does: status sent, sent_at now).
    resent = first + datetime.timedelta(minutes=1)
    Reply.objects.filter(pk=reply.pk).update(status="sent", sent_at=resent, attempts=2, next_attempt_at=None)
    outcome = services.message_receipt_record(
        channel=channel, reference=reply.uid, status="sent", now=resent + datetime.timedelta(seconds=2)
    )
    assert outcome is not None and outcome.applied
    again = services.message_receipt_record(
        channel=channel, reference=reply.uid, status="failed", now=resent + datetime.timedelta(seconds=5)
    )
    assert again is not None and again.applied
    reply.refresh_from_db()
    assert (reply.status, reply.next_attempt_at) == ("failed", resent + datetime.timedelta(seconds=5, minutes=5))


def test_failed_receipt_on_a_reply_still_sending_takes_it_back(channel, alert):
    held = timezone.now() + datetime.timedelta(minutes=1)
    reply = _reply(channel, alert, status="sending", sent_at=None, claimed_until=held)
    assert _post(channel, {"id": str(reply.uid), "status": "failed"}).json()["status"] == "failed"
    reply.refresh_from_db()
    assert (reply.status, reply.claimed_until, reply.attempts) == ("failed", None, 1)


def test_delivered_receipt_before_the_worker_marked_it_sent_dates_it(channel, alert):
    reply = _reply(channel, alert, status="sending", sent_at=None, claimed_until=timezone.now())
    assert _post(channel, {"id": str(reply.uid), "status": "delivered"}).status_code == 200
    reply.refresh_from_db()
    assert reply.status == "delivered"
    assert reply.sent_at == reply.receipt_at


def test_receipts_for_an_sms_notification(channel, alert, users):
    StaffPhone.objects.create(user=users["duty"], phone="+243997777777")
    notification = _sms_notification(alert, users["duty"], attempts=1)
    response = _post(channel, {"id": str(notification.uid), "status": "delivered"})
    assert response.json() == {"id": str(notification.uid), "receipt": "delivered", "status": "sent", "applied": True}
    other = _sms_notification(make_alert(alert.base), users["duty"], attempts=1)
    now = timezone.now()
    services.message_receipt_record(channel=channel, reference=other.uid, status="failed", now=now)
    other.refresh_from_db()
    assert (other.status, other.receipt_status, other.next_attempt_at) == (
        "failed",
        "failed",
        now + datetime.timedelta(minutes=1),
    )


def test_unknown_ids_are_404_and_change_nothing(world, channel, alert, users):
    other_channel = make_channel(world.base, name="Second gateway")
    far_channel = make_channel(world.far_base, name="Beni gateway")
    reply = _reply(other_channel, alert)  # sent through another channel
    in_app = Notification.objects.create(alert=alert, recipient=users["duty"], channel="in_app", status="pending")
    sms_elsewhere = _sms_notification(alert, users["cla"])
    audits = AuditLog.objects.count()
    for target, reference in [
        (channel, uuid.uuid4()),  # nothing has this id
        (channel, reply.uid),
        (channel, in_app.uid),  # not an SMS
        (far_channel, sms_elsewhere.uid),  # another base's notification
    ]:
        response = _post(target, {"id": str(reference), "status": "delivered"})
        assert response.status_code == 404
        assert response.json() == {"error": "This channel sent no message with this id."}
    assert AuditLog.objects.count() == audits
    assert set(Reply.objects.values_list("receipt_status", flat=True)) == {""}
    assert set(Notification.objects.values_list("receipt_status", flat=True)) == {""}


def test_token_and_channel_are_checked_first(world, channel, alert):
    reply = _reply(channel, alert)
    data = {"id": str(reply.uid), "status": "delivered"}
    assert _post(channel, data, token="wrong").status_code == 401
    assert _post(channel, data, token=None).status_code == 401
    assert _post(channel, data, token=None).json() == {"error": "Wrong or missing gateway token."}
    unknown = Client().post(
        f"/can/inbound/{uuid.uuid4()}/status", data, HTTP_X_GATEWAY_TOKEN=TOKEN, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert unknown.status_code == 404
    assert Client().get(_url(channel), HTTP_X_GATEWAY_TOKEN=TOKEN, HTTP_ACCEPT_LANGUAGE="en").status_code == 405
    reply.refresh_from_db()
    assert (reply.status, reply.receipt_status) == ("sent", "")


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"status": "delivered"}, "The id is missing or is not a message reference."),
        ({"id": "A-0123", "status": "delivered"}, "The id is missing or is not a message reference."),
        ({"id": "1" * 5000, "status": "delivered"}, "The id is missing or is not a message reference."),
        ({"id": "REF", "status": "read"}, "The id is missing or is not a message reference."),
        ({"id": "VALID", "status": "read"}, "The status must be queued, sent, delivered or failed."),
        ({"id": "VALID"}, "The status must be queued, sent, delivered or failed."),
    ],
)
def test_bad_fields_are_400_with_a_clear_error(channel, alert, data, error):
    reply = _reply(channel, alert)
    data = {key: str(reply.uid) if value == "VALID" else value for key, value in data.items()}
    for as_json in (False, True):
        response = _post(channel, data, as_json=as_json)
        assert response.status_code == 400
        assert response.json() == {"error": error}
    reply.refresh_from_db()
    assert reply.receipt_status == ""


def test_errors_are_translated(channel, alert):
    reply = _reply(channel, alert)
    response = Client().post(
        _url(channel), {"id": str(reply.uid), "status": "lu"}, HTTP_X_GATEWAY_TOKEN=TOKEN, HTTP_ACCEPT_LANGUAGE="fr"
    )
    assert response.status_code == 400
    assert response.json() == {"error": "Le statut doit être queued, sent, delivered ou failed."}


def test_status_is_read_case_insensitively_and_json_numbers_are_text(channel, alert):
    reply = _reply(channel, alert)
    assert _post(channel, {"id": str(reply.uid), "status": " Delivered "}).json()["receipt"] == "delivered"
    response = _post(channel, {"id": 123, "status": "sent"}, as_json=True)
    assert response.status_code == 400


def test_body_not_form_nor_json_object_is_400(channel):
    for body in (b"[1, 2]", b"{not json", b'"text"'):
        response = Client().post(
            _url(channel), body, content_type="application/json", HTTP_X_GATEWAY_TOKEN=TOKEN, HTTP_ACCEPT_LANGUAGE="en"
        )
        assert response.status_code == 400
        assert response.json() == {"error": "The body is not a JSON object or form fields."}


def test_body_too_large_is_413(settings, channel, alert):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    reply = _reply(channel, alert)
    body = json.dumps({"id": str(reply.uid), "status": "delivered", "pad": "x" * 2000})
    response = Client().post(
        _url(channel), body, content_type="application/json", HTTP_X_GATEWAY_TOKEN=TOKEN, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 413
    assert response.json() == {"error": "The receipt is too large: a gateway may send at most 1000 bytes."}
    reply.refresh_from_db()
    assert reply.receipt_status == ""


def test_one_receipt_costs_few_queries(channel, alert, django_assert_max_num_queries):
    reply = _reply(channel, alert)
    services.sms_channel_for_intake(uid=channel.uid)  # the channel is cached, as under traffic
    with django_assert_max_num_queries(7):
        assert _post(channel, {"id": str(reply.uid), "status": "delivered"}).status_code == 200


# --- fuzzing: never a 500 ---------------------------------------------------------------------

FUZZ = fuzz_settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=60),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
content_types = st.sampled_from(
    ["application/json", "application/x-www-form-urlencoded", "text/plain", "multipart/form-data", "", "text/json"]
)


@FUZZ
@given(
    body=st.one_of(
        st.binary(max_size=3000),
        st.builds(lambda v: json.dumps(v).encode(), json_values),
        st.builds(
            lambda i, s: json.dumps({"id": i, "status": s}).encode(),
            json_values,
            st.one_of(st.sampled_from(["queued", "sent", "delivered", "failed", "DELIVERED"]), json_values),
        ),
        st.builds(lambda i, s: f"id={i}&status={s}".encode(), st.text(max_size=80), st.text(max_size=20)),
    ),
    content_type=content_types,
    known=st.booleans(),
)
def test_no_body_is_ever_a_500(settings, channel, alert, body, content_type, known):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000
    reply = Reply.objects.filter(sms_channel=channel).first() or _reply(channel, alert)
    if known and body.startswith(b"{") and b'"id"' not in body:
        body = json.dumps({"id": str(reply.uid), "status": body.decode("utf-8", "replace")[:20]}).encode()
    response = Client().post(
        _url(channel), body, content_type=content_type, HTTP_X_GATEWAY_TOKEN=TOKEN, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code in (200, 400, 404, 413), response.content
    assert "error" in response.json() or response.json()["id"] == str(reply.uid)
