"""The audit rows of the CAN's bulk writes: the missed-call counter, the notification planning
(``notified_at``) and every change of a notification's status (claim, sent, failed, delivered in
the app). Each path writes exactly the rows expected, on both engines."""

import datetime

import pytest
from django.utils import timezone

from can import services
from can.models import Alert, AlertEvent, Notification, StaffPhone
from monusco.models import AuditLog
from tests.factories import make_alert, make_channel

pytestmark = pytest.mark.django_db

SENT_FIELDS = ["claimed_until", "error", "sent_at", "status", "updated_at"]
CLAIM_FIELDS = ["attempts", "claimed_until", "possible_duplicate", "status", "updated_at"]
IN_APP_FIELDS = ["attempts", "sent_at", "status", "updated_at"]


def _rows():
    """(model, object id, action, field names) of every audit row, in the order written."""
    return [
        (model, object_pk, action, detail.get("fields"))
        for model, object_pk, action, detail in AuditLog.objects.order_by("pk").values_list(
            "model", "object_pk", "action", "detail"
        )
    ]


def _new_alert(world, **extra):
    return make_alert(world.base, locality=world.sange, notified_at=None, **extra)


def test_a_second_missed_call_writes_one_update_row_and_its_event(world):
    channel = make_channel(world.base)
    alert, created = services.alert_receive_missed_call(channel=channel, sender="+243990000111")
    assert created is True
    AuditLog.objects.all().delete()
    again, created = services.alert_receive_missed_call(channel=channel, sender="+243990000111")
    assert (again.pk, created, again.missed_calls) == (alert.pk, False, 2)
    event = AlertEvent.objects.get(alert=alert, kind="repeated")
    assert _rows() == [
        ("can.alert", str(alert.pk), "update", ["missed_calls", "updated_at"]),
        ("can.alertevent", str(event.pk), "create", None),
    ]
    assert AuditLog.objects.get(model="can.alert").object_repr == alert.audit_repr


def test_alert_notify_audits_the_planning_and_the_sending(world, users):
    StaffPhone.objects.create(user=users["duty"], phone="+243997777777")
    alert = _new_alert(world)
    AuditLog.objects.all().delete()
    assert services.alert_notify(alert_id=alert.pk) == 3
    notifications = list(Notification.objects.order_by("pk"))
    sms = next(n for n in notifications if n.channel == "sms")
    assert _rows() == [
        *(("can.notification", str(n.pk), "create", None) for n in notifications),
        ("can.alert", str(alert.pk), "update", ["notified_at", "updated_at"]),
        ("can.notification", str(sms.pk), "update", SENT_FIELDS),
    ]
    assert set(AuditLog.objects.filter(model="can.notification").values_list("object_repr", flat=True)) == {
        f"notification {n.uid}" for n in notifications
    }


def test_a_notification_sent_alone_audits_its_claim_and_its_delivery(world, users):
    alert = _new_alert(world)
    notification = Notification.objects.create(alert=alert, recipient=users["duty"], channel="in_app")
    AuditLog.objects.all().delete()
    assert services.notification_send(notification_id=notification.pk) is True
    assert _rows() == [
        ("can.notification", str(notification.pk), "update", CLAIM_FIELDS),
        ("can.notification", str(notification.pk), "update", SENT_FIELDS),
    ]
    AuditLog.objects.all().delete()
    assert services.notification_send(notification_id=notification.pk) is False  # nothing to claim: nothing written
    assert _rows() == []


def test_a_failed_sms_audits_its_failure(world, users, settings):
    settings.SMS_BACKEND = "tests.can.test_notifications.FailingBackend"
    StaffPhone.objects.create(user=users["duty"], phone="+243997777777")
    alert = _new_alert(world)
    notification = Notification.objects.create(alert=alert, recipient=users["duty"], channel="sms")
    AuditLog.objects.all().delete()
    assert services.notification_send(notification_id=notification.pk) is False
    assert _rows() == [
        ("can.notification", str(notification.pk), "update", CLAIM_FIELDS),
        (
            "can.notification",
            str(notification.pk),
            "update",
            ["claimed_until", "error", "next_attempt_at", "status", "updated_at"],
        ),
    ]


def test_an_unconfirmed_repeat_given_up_is_audited(world, users):
    alert = _new_alert(world)
    notification = Notification.objects.create(
        alert=alert,
        recipient=users["duty"],
        channel="sms",
        status="sending",
        possible_duplicate=True,
        attempts=2,
        claimed_until=timezone.now() - datetime.timedelta(seconds=1),
    )
    AuditLog.objects.all().delete()
    assert services.notification_send(notification_id=notification.pk) is False
    assert _rows() == [
        (
            "can.notification",
            str(notification.pk),
            "update",
            ["attempts", "claimed_until", "error", "status", "updated_at"],
        ),
    ]


def test_in_app_delivery_is_audited(world, users):
    alert = _new_alert(world)
    mine = Notification.objects.create(alert=alert, recipient=users["duty"], channel="in_app")
    Notification.objects.create(
        alert=alert, recipient=users["cla"], channel="in_app", status="sent", sent_at=timezone.now(), attempts=1
    )
    AuditLog.objects.all().delete()
    others = Notification.objects.exclude(pk=mine.pk).values_list("pk", flat=True)
    assert services.notifications_deliver_in_app(notification_ids=[mine.pk, *others]) == 1
    assert _rows() == [("can.notification", str(mine.pk), "update", IN_APP_FIELDS)]


def test_escalation_audits_the_alert_and_the_notifications_planned(world, users, django_capture_on_commit_callbacks):
    alert = _new_alert(world, received_at=timezone.now() - datetime.timedelta(minutes=30))
    AuditLog.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=False):
        assert services.alert_escalate(alert_id=alert.pk) is True
    event = AlertEvent.objects.get(alert=alert, kind="escalated")
    planned = list(Notification.objects.filter(alert=alert).order_by("pk"))
    assert _rows() == [
        ("can.alert", str(alert.pk), "update", ["escalated_at", "escalation_level", "updated_at"]),
        ("can.alertevent", str(event.pk), "create", None),
        *(("can.notification", str(n.pk), "create", None) for n in planned),
    ]
    assert Alert.objects.get(pk=alert.pk).escalation_level == 1
