"""Notifications: at most once per alert, recipient and channel; escalation; the sweep; backends."""

import datetime
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.utils import timezone

from can import services, tasks
from can.models import Alert, AlertEvent, Notification, StaffPhone
from can.sms import HttpBackend, MemoryBackend, SmsError
from cla.models import BaseAssignment
from tests.can.factories import make_alert, make_focal_point
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def _new_alert(world, **extra):
    return make_alert(world.base, locality=world.sange, notified_at=None, **extra)


def test_notified_once_per_alert_and_recipient(world, users):
    StaffPhone.objects.create(user=users["duty"], phone="+243997777777")
    alert = _new_alert(world)
    assert services.alert_notify(alert_id=alert.pk) == 3
    assert services.alert_notify(alert_id=alert.pk) == 0
    assert tasks.notify_alert(alert.pk) == 0
    rows = sorted(Notification.objects.values_list("recipient__username", "channel", "status", "attempts"))
    assert rows == [("t-cla", "in_app", "sent", 1), ("t-duty", "in_app", "sent", 1), ("t-duty", "sms", "sent", 1)]
    assert [m["to"] for m in MemoryBackend.outbox] == ["+243997777777"]
    text = MemoryBackend.outbox[0]["text"]
    assert text.startswith(f"CAN alert {alert.short_id} Uvira: Armed attack, Sange.")
    assert text.endswith(f"/can/alerts/{alert.uid}/")
    # Sending a notification again does nothing.
    sms = Notification.objects.get(channel="sms")
    assert services.notification_send(notification_id=sms.pk) is False
    assert len(MemoryBackend.outbox) == 1


def test_message_respects_do_not_call_back_and_names_no_one(world, users, django_assert_num_queries):
    StaffPhone.objects.create(user=users["duty"], phone="+243997777777")
    fp = make_focal_point(world.base, world.sange, phone="+243990000555", name="Mama Zawadi", do_not_call_back=True)
    alert = _new_alert(world, focal_point=fp, sender_number="+243990000555", status="callback_needed", acknowledged_at=None)
    with django_assert_num_queries(12):  # as for any alert: what the text needs came with the lock
        services.alert_notify(alert_id=alert.pk)
    text = MemoryBackend.outbox[0]["text"]
    assert "Do not call back." in text
    assert "Callback needed." in text
    assert "Zawadi" not in text and "990000555" not in text


def test_message_in_the_recipient_language(world, users):
    users["duty"].preferred_language = "fr"
    users["duty"].save()
    StaffPhone.objects.create(user=users["duty"], phone="+243997777777")
    alert = _new_alert(world)
    services.alert_notify(alert_id=alert.pk)
    assert MemoryBackend.outbox[0]["text"].startswith(f"Alerte CAN {alert.short_id} Uvira: Attaque armée, Sange.")


def test_failed_sms_is_retried_by_the_sweep_then_sent_once(world, users, settings):
    StaffPhone.objects.create(user=users["duty"], phone="+243997777777")
    alert = _new_alert(world)
    settings.SMS_BACKEND = "tests.can.test_notifications.FailingBackend"
    services.alert_notify(alert_id=alert.pk)
    sms = Notification.objects.get(channel="sms")
    assert (sms.status, sms.attempts, sms.error) == ("failed", 1, "gateway down")
    settings.SMS_BACKEND = "can.sms.MemoryBackend"
    Notification.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=5))
    assert tasks.sweep_outstanding_notifications() == 1
    assert tasks.sweep_outstanding_notifications() == 0
    sms.refresh_from_db()
    assert (sms.status, sms.attempts, sms.error) == ("sent", 2, "")
    assert len(MemoryBackend.outbox) == 1


def test_a_worker_behind_plans_waiting_alerts_in_one_batch(world, users, settings, django_assert_num_queries):
    settings.SMS_BACKEND = "can.sms.MemoryBackend"
    MemoryBackend.outbox.clear()
    StaffPhone.objects.create(user=users["duty"], phone="+243997777777")
    done = _new_alert(world)
    assert services.alert_notify(alert_id=done.pk) == 3
    first, second, third = _new_alert(world), _new_alert(world), _new_alert(world)
    # Work check, lock and batch, roster, phones, existing, 2 inserts (in-app ones written
    # delivered, SMS ones written claimed), mark notified (a savepoint around these); then one
    # update marking the SMS sent. The count does not grow with the batch.
    with django_assert_num_queries(12):
        assert services.alert_notify(alert_id=second.pk) == 9
    with django_assert_num_queries(1):  # already planned in the batch: one unlocked check
        assert services.alert_notify(alert_id=first.pk) == 0
    assert services.alert_notify(alert_id=third.pk) == 0
    assert services.alert_notify(alert_id=done.pk) == 0
    for alert in (done, first, second, third):
        assert sorted(alert.notifications.values_list("channel", "status")) == [
            ("in_app", "sent"), ("in_app", "sent"), ("sms", "sent")
        ]
    assert len(MemoryBackend.outbox) == 4


class FailingBackend:
    def send(self, *, to, text, reference):
        raise SmsError("gateway down")


def test_sweep_notifies_alerts_left_unnotified(world, users):
    old = _new_alert(world)
    fresh = _new_alert(world)
    Alert.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=3))
    assert tasks.sweep_outstanding_notifications() == 1  # the fresh alert is still within its grace
    assert Notification.objects.filter(alert=old).count() == 2
    # The old alert's task plans, in the same batch, the other alert still waiting.
    assert Notification.objects.filter(alert=fresh).count() == 2
    assert tasks.sweep_outstanding_notifications() == 0
    assert Notification.objects.filter(alert=old, status="sent").count() == 2
    assert Notification.objects.filter(alert=fresh, status="sent").count() == 2


def test_periodic_tasks_do_not_overlap(world, users):
    old = _new_alert(world)
    Alert.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=3))
    with tasks.periodic_lock("sweep") as acquired:
        assert acquired is True
        assert tasks.sweep_outstanding_notifications() == 0
        with tasks.periodic_lock("sweep") as again:
            assert again is False
    assert Notification.objects.count() == 0
    assert tasks.sweep_outstanding_notifications() == 1
    with tasks.periodic_lock("escalate"):
        assert tasks.escalate_overdue_alerts() == 0


def test_escalation_after_the_limit(world, users, django_capture_on_commit_callbacks):
    def escalate():
        with django_capture_on_commit_callbacks(execute=True):
            return tasks.escalate_overdue_alerts()

    commander = make_user("duty_officer", username="t-commander")
    BaseAssignment.objects.create(user=commander, base=world.base, function="commander", starts_on=datetime.date(2020, 1, 1))
    make_user("manager", territory=world.uvira_t, username="t-sector")
    world.base.alert_ack_minutes = 20
    world.base.save()
    now = timezone.now()
    alert = _new_alert(world, received_at=now - datetime.timedelta(minutes=19))
    acknowledged = make_alert(world.base, status="acknowledged", received_at=now - datetime.timedelta(hours=3))
    assert escalate() == 0
    Alert.objects.filter(pk=alert.pk).update(received_at=now - datetime.timedelta(minutes=21))
    assert escalate() == 1
    assert escalate() == 0  # the next level waits for the next period
    alert.refresh_from_db()
    assert alert.escalation_level == 1
    assert list(Notification.objects.filter(alert=alert).values_list("recipient__username", "level", "status")) == [
        ("t-commander", 1, "sent")]
    Alert.objects.filter(pk=alert.pk).update(received_at=now - datetime.timedelta(minutes=41))
    assert escalate() == 1
    Alert.objects.filter(pk=alert.pk).update(received_at=now - datetime.timedelta(minutes=61))
    assert escalate() == 1
    Alert.objects.filter(pk=alert.pk).update(received_at=now - datetime.timedelta(hours=5))
    assert escalate() == 0  # the provincial level is the last
    alert.refresh_from_db()
    assert alert.escalation_level == 3
    assert sorted(Notification.objects.filter(alert=alert).values_list("recipient__username", "level")) == [
        ("t-commander", 1), ("t-manager", 3), ("t-sector", 2)]
    assert list(AlertEvent.objects.filter(alert=alert).values_list("kind", "escalation_level")) == [
        ("escalated", 1), ("escalated", 2), ("escalated", 3)]
    acknowledged.refresh_from_db()
    assert acknowledged.escalation_level == 0


def test_acknowledged_alert_is_not_escalated(world, users):
    alert = _new_alert(world, received_at=timezone.now() - datetime.timedelta(minutes=30))
    services.alert_acknowledge(alert=alert, user=users["duty"])
    assert services.alert_escalate(alert_id=alert.pk) is False
    assert tasks.escalate_overdue_alerts() == 0


def test_broker_failure_on_commit_is_swallowed(world, users, monkeypatch, django_capture_on_commit_callbacks, caplog):
    def broken(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.notify_alert, "delay", broken)
    from tests.can.factories import make_channel

    channel = make_channel(world.base)
    with django_capture_on_commit_callbacks(execute=True):
        alert, created = services.alert_receive_sms(channel=channel, sender="+243990000111", text="Attaque Uvira")
    assert created is True
    assert Alert.objects.filter(pk=alert.pk, notified_at__isnull=True).count() == 1
    assert "the sweep will retry" in caplog.text


class _Gateway(BaseHTTPRequestHandler):
    received: list = []
    status = 200

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Gateway.received.append((self.headers["Authorization"], json.loads(body)))
        self.send_response(_Gateway.status)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_http_backend(settings):
    server = HTTPServer(("127.0.0.1", 0), _Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        settings.SMS_HTTP_URL = f"http://127.0.0.1:{server.server_port}/send"
        settings.SMS_HTTP_TOKEN = "secret"
        HttpBackend().send(to="+243997777777", text="hello", reference="ref-1")
        assert _Gateway.received == [("Bearer secret", {"to": "+243997777777", "text": "hello", "reference": "ref-1"})]
        _Gateway.status = 503
        with pytest.raises(SmsError, match="gateway answered 503"):
            HttpBackend().send(to="+243997777777", text="hello", reference="ref-2")
    finally:
        server.shutdown()
        _Gateway.status = 200
    settings.SMS_HTTP_URL = "http://127.0.0.1:9/unreachable"
    with pytest.raises(SmsError, match="gateway unreachable"):
        HttpBackend().send(to="+243997777777", text="hello", reference="ref-3")


class _Clock:
    """Stands in for ``time`` inside ``can.services``: a monotonic clock the test moves, and a
    ``sleep`` that records its waits and runs what the test gave it (alerts arriving meanwhile)."""

    def __init__(self):
        self.now = 1000.0
        self.slept: list[float] = []
        self.during_sleep = None

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        if self.during_sleep:
            self.during_sleep()


@pytest.fixture
def coalesced(settings, monkeypatch):
    """Coalesced notify tasks, with ``delay`` recording instead of publishing (the worker is
    played by calling the task), and a clock the test controls."""
    settings.CAN_COALESCE_NOTIFY_TASKS = True
    settings.CAN_NOTIFY_GATHER_SECONDS = 0.1
    clock = _Clock()
    monkeypatch.setattr(services, "time", clock)
    monkeypatch.setattr(services, "_last_publish", [float("-inf")])
    queued: list[int] = []
    monkeypatch.setattr(tasks.notify_alert, "delay", queued.append)
    return queued, clock


def _receive(channel, n, capture):
    with capture(execute=True):
        return services.alert_receive_sms(
            channel=channel, sender=f"+24399000{n:04d}", text="Pillage à Sange", message_id=f"c-{n}"
        )[0]


def _roster_notified(*alerts):
    return [sorted(a.notifications.values_list("recipient__username", "status")) for a in alerts]


def test_a_burst_of_alerts_queues_one_task_that_notifies_them_all(world, users, coalesced, django_capture_on_commit_callbacks):
    from tests.can.factories import make_channel

    queued, clock = coalesced
    channel = make_channel(world.base)
    first = _receive(channel, 1, django_capture_on_commit_callbacks)
    clock.now += 0.079  # within 0.8 of the gather time: the task queued for the first covers these
    second = _receive(channel, 2, django_capture_on_commit_callbacks)
    third = _receive(channel, 3, django_capture_on_commit_callbacks)
    assert queued == [first.pk]
    # An alert committed while the task gathers is covered too.
    late = []
    clock.during_sleep = lambda: late.append(_receive(channel, 4, django_capture_on_commit_callbacks))
    assert tasks.notify_alert(first.pk) == 8
    assert clock.slept == [0.1]  # it gathered before reading which alerts wait
    assert _roster_notified(first, second, third, *late) == [[("t-cla", "sent"), ("t-duty", "sent")]] * 4
    assert queued == [first.pk]
    # Once 0.8 of the gather time has passed since the last task was queued, an alert queues its own.
    clock.now += 0.002
    fifth = _receive(channel, 5, django_capture_on_commit_callbacks)
    assert queued == [first.pk, fifth.pk]


def test_a_coalesced_task_notifies_alerts_beyond_one_batch(world, users, coalesced, monkeypatch):
    monkeypatch.setattr(services, "NOTIFY_BATCH", 2)
    alerts = [_new_alert(world) for _ in range(5)]
    assert tasks.notify_alert(alerts[0].pk) == 10
    assert Alert.objects.filter(notified_at__isnull=True).count() == 0
    assert Notification.objects.filter(status="sent").count() == 10


def test_a_failed_publish_is_not_counted(world, users, coalesced, monkeypatch, django_capture_on_commit_callbacks):
    from tests.can.factories import make_channel

    queued, _clock = coalesced
    channel = make_channel(world.base)

    def broken(alert_id):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.notify_alert, "delay", broken)
    alert = _receive(channel, 1, django_capture_on_commit_callbacks)
    assert Alert.objects.filter(pk=alert.pk).exists()  # stored whatever the broker does
    monkeypatch.setattr(tasks.notify_alert, "delay", queued.append)
    again = _receive(channel, 2, django_capture_on_commit_callbacks)  # at the same instant: it tries again
    assert queued == [again.pk]
    assert tasks.notify_alert(again.pk) == 4  # and its task notifies the one left behind too
    assert _roster_notified(alert, again) == [[("t-cla", "sent"), ("t-duty", "sent")]] * 2


def test_with_coalesced_tasks_the_sweep_queues_one_task_for_all_waiting_alerts(world, users, coalesced):
    queued, _clock = coalesced
    alerts = [_new_alert(world) for _ in range(3)]
    Alert.objects.filter(pk__in=[a.pk for a in alerts]).update(created_at=timezone.now() - datetime.timedelta(minutes=3))
    assert tasks.sweep_outstanding_notifications() == 1
    assert queued == [alerts[0].pk]
    assert tasks.notify_alert(alerts[0].pk) == 6
    assert _roster_notified(*alerts) == [[("t-cla", "sent"), ("t-duty", "sent")]] * 3
