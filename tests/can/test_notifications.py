"""Notifications: at most once per alert, recipient and channel; escalation; the sweep; backends."""

import datetime
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.db import connection
from django.utils import timezone

from can import queue, selectors, services, tasks
from can.models import Alert, AlertEvent, Notification, StaffPhone
from can.sms import HttpBackend, MemoryBackend, SmsError
from cla.models import BaseAssignment
from tests.factories import make_alert, make_focal_point, make_user

pytestmark = pytest.mark.django_db

# An audited bulk change (``monusco.audit.audited_update``) is one statement on PostgreSQL; elsewhere
# it is an UPDATE ... RETURNING and the audit INSERT in a savepoint: three more queries each.
ON_POSTGRESQL = connection.vendor == "postgresql"


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
    alert = _new_alert(
        world, focal_point=fp, sender_number="+243990000555", status="callback_needed", acknowledged_at=None
    )
    with django_assert_num_queries(
        12 if ON_POSTGRESQL else 18
    ):  # as for any alert: what the text needs came with the lock
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
    before = timezone.now()
    services.alert_notify(alert_id=alert.pk)
    after = timezone.now()
    sms = Notification.objects.get(channel="sms")
    assert (sms.status, sms.attempts, sms.error) == ("failed", 1, "gateway down")
    # Retried a minute later, not before: the sweep leaves it until then.
    assert before + datetime.timedelta(minutes=1) <= sms.next_attempt_at <= after + datetime.timedelta(minutes=1)
    settings.SMS_BACKEND = "can.sms.MemoryBackend"
    Notification.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=5))
    assert tasks.sweep_outstanding_notifications() == 0
    Notification.objects.update(next_attempt_at=timezone.now() - datetime.timedelta(seconds=1))  # the minute passed
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
    # update marking the SMS sent. The count does not grow with the batch. Marking notified and
    # marking sent are audited: elsewhere than on PostgreSQL, three more queries each.
    with django_assert_num_queries(12 if ON_POSTGRESQL else 18):
        assert services.alert_notify(alert_id=second.pk) == 9
    with django_assert_num_queries(1):  # already planned in the batch: one unlocked check
        assert services.alert_notify(alert_id=first.pk) == 0
    assert services.alert_notify(alert_id=third.pk) == 0
    assert services.alert_notify(alert_id=done.pk) == 0
    for alert in (done, first, second, third):
        assert sorted(alert.notifications.values_list("channel", "status")) == [
            ("in_app", "sent"),
            ("in_app", "sent"),
            ("sms", "sent"),
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
    BaseAssignment.objects.create(
        user=commander, base=world.base, function="commander", starts_on=datetime.date(2020, 1, 1)
    )
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
        ("t-commander", 1, "sent")
    ]
    Alert.objects.filter(pk=alert.pk).update(received_at=now - datetime.timedelta(minutes=41))
    assert escalate() == 1
    Alert.objects.filter(pk=alert.pk).update(received_at=now - datetime.timedelta(minutes=61))
    assert escalate() == 1
    Alert.objects.filter(pk=alert.pk).update(received_at=now - datetime.timedelta(hours=5))
    assert escalate() == 0  # the provincial level is the last
    alert.refresh_from_db()
    assert alert.escalation_level == 3
    assert sorted(Notification.objects.filter(alert=alert).values_list("recipient__username", "level")) == [
        ("t-commander", 1),
        ("t-manager", 3),
        ("t-sector", 2),
    ]
    assert list(AlertEvent.objects.filter(alert=alert).values_list("kind", "escalation_level")) == [
        ("escalated", 1),
        ("escalated", 2),
        ("escalated", 3),
    ]
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
    from tests.factories import make_channel

    channel = make_channel(world.base)
    with django_capture_on_commit_callbacks(execute=True):
        alert, created = services.alert_receive_sms(channel=channel, sender="+243990000111", text="Attaque Uvira")
    assert created is True
    assert Alert.objects.filter(pk=alert.pk, notified_at__isnull=True).count() == 1
    assert "the sweep will retry" in caplog.text


class _Gateway(BaseHTTPRequestHandler):
    received: list = []
    status = 200
    answered = threading.Event()  # cleared: the gateway takes the message and keeps the answer back

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Gateway.received.append((self.headers["Authorization"], json.loads(body)))
        _Gateway.answered.wait(5)
        self.send_response(_Gateway.status)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_http_backend(settings):
    server = HTTPServer(("127.0.0.1", 0), _Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Gateway.answered.set()
    try:
        settings.SMS_HTTP_URL = f"http://127.0.0.1:{server.server_port}/send"
        settings.SMS_HTTP_TOKEN = "secret"
        HttpBackend().send(to="+243997777777", text="hello", reference="ref-1")
        assert _Gateway.received == [("Bearer secret", {"to": "+243997777777", "text": "hello", "reference": "ref-1"})]
        _Gateway.status = 503
        with pytest.raises(SmsError, match="gateway answered 503") as refused:
            HttpBackend().send(to="+243997777777", text="hello", reference="ref-2")
        assert refused.value.maybe_sent is False
        # The gateway took the message and no answer came in time: it may have gone out.
        _Gateway.answered.clear()
        backend = HttpBackend()
        backend.timeout = 0.2
        with pytest.raises(SmsError, match="no answer from the gateway: TimeoutError") as lost:
            backend.send(to="+243997777777", text="hello", reference="ref-3")
        assert lost.value.maybe_sent is True
        assert [body["reference"] for _auth, body in _Gateway.received] == ["ref-1", "ref-2", "ref-3"]
    finally:
        _Gateway.answered.set()
        server.shutdown()
        _Gateway.status = 200
        _Gateway.received.clear()
    settings.SMS_HTTP_URL = "http://127.0.0.1:9/unreachable"
    with pytest.raises(SmsError, match="gateway unreachable: ConnectionRefusedError") as unreachable:
        HttpBackend().send(to="+243997777777", text="hello", reference="ref-4")
    assert unreachable.value.maybe_sent is False


class _Clock:
    """Stands in for ``time`` inside the CAN services: a monotonic clock the test moves, and a
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


def _use_clock(monkeypatch, clock):
    for module in (queue, services._leases, services.notifications):
        monkeypatch.setattr(module, "time", clock)


@pytest.fixture
def coalesced(settings, monkeypatch):
    """Coalesced notify tasks, with ``delay`` recording instead of publishing (the worker is
    played by calling the task), and a clock the test controls."""
    settings.CAN_COALESCE_NOTIFY_TASKS = True
    settings.CAN_NOTIFY_GATHER_SECONDS = 0.1
    clock = _Clock()
    _use_clock(monkeypatch, clock)
    monkeypatch.setattr(queue, "_last_publish", [float("-inf")])
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


def test_a_burst_of_alerts_queues_one_task_that_notifies_them_all(
    world, users, coalesced, django_capture_on_commit_callbacks
):
    from tests.factories import make_channel

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
    monkeypatch.setattr(services.notifications, "NOTIFY_BATCH", 2)
    alerts = [_new_alert(world) for _ in range(5)]
    assert tasks.notify_alert(alerts[0].pk) == 10
    assert Alert.objects.filter(notified_at__isnull=True).count() == 0
    assert Notification.objects.filter(status="sent").count() == 10


def test_a_failed_publish_is_not_counted(world, users, coalesced, monkeypatch, django_capture_on_commit_callbacks):
    from tests.factories import make_channel

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
    Alert.objects.filter(pk__in=[a.pk for a in alerts]).update(
        created_at=timezone.now() - datetime.timedelta(minutes=3)
    )
    assert tasks.sweep_outstanding_notifications() == 1
    assert queued == [alerts[0].pk]
    assert tasks.notify_alert(alerts[0].pk) == 6
    assert _roster_notified(*alerts) == [[("t-cla", "sent"), ("t-duty", "sent")]] * 3


# --- claims are leases: a worker that dies mid-batch --------------------------------------------


class WorkerKilled(BaseException):
    """Stands for SIGKILL: nothing in the worker catches it, so nothing after it runs."""


class Gateway:
    """An SMS backend that records every message handed to it. Each message takes ``seconds`` on
    the test's clock; the ``kill_at``-th message (counting from 1) reaches the gateway, then the
    worker dies before the answer comes back. ``maybe_sent_from``: from that message on, the
    request reaches the gateway and the answer is lost (``SmsError(maybe_sent=True)``)."""

    clock = None
    seconds = 0.0
    kill_at = None
    maybe_sent_from = None
    during: dict = {}  # message number -> what else happens while the gateway takes it
    received: list = []

    def send(self, *, to, text, reference):
        Gateway.received.append((reference, text))
        if happening := Gateway.during.pop(len(Gateway.received), None):
            happening()
        if Gateway.clock is not None:
            Gateway.clock.now += Gateway.seconds
        if Gateway.kill_at is not None and len(Gateway.received) >= Gateway.kill_at:
            raise WorkerKilled
        if Gateway.maybe_sent_from is not None and len(Gateway.received) >= Gateway.maybe_sent_from:
            raise SmsError("no answer from the gateway: TimeoutError", maybe_sent=True)


@pytest.fixture
def gateway(settings, monkeypatch):
    settings.SMS_BACKEND = "tests.can.test_notifications.Gateway"
    clock = _Clock()
    _use_clock(monkeypatch, clock)
    monkeypatch.setattr(Gateway, "clock", clock)
    monkeypatch.setattr(Gateway, "seconds", 0.0)
    monkeypatch.setattr(Gateway, "kill_at", None)
    monkeypatch.setattr(Gateway, "maybe_sent_from", None)
    monkeypatch.setattr(Gateway, "during", {})
    monkeypatch.setattr(Gateway, "received", [])
    return Gateway


LEASE = datetime.timedelta(seconds=60)  # CAN_SMS_LEASE_SECONDS by default


def _sms_states():
    return list(
        Notification.objects.filter(channel="sms")
        .order_by("pk")
        .values_list("status", "possible_duplicate", "attempts")
    )


def _sends(notification):
    return [text for reference, text in Gateway.received if reference == str(notification.uid)]


def test_a_slow_batch_writes_its_progress_so_a_killed_worker_leaves_little_unconfirmed(
    world, users, gateway, django_assert_num_queries
):
    StaffPhone.objects.create(user=users["duty"], phone="+243997777777")
    alerts = [_new_alert(world) for _ in range(10)]
    gateway.seconds = 0.3  # a slow gateway: progress is written before the 5th message (1.2 s in)
    gateway.kill_at = 8  # the 8th message reaches the gateway, then the worker dies
    # The usual 12 queries but the last (the 8th message is never confirmed), plus one progress
    # write: a savepoint around marking the first 4 sent, keeping the next 4 "sending" and
    # holding the last 2 as "pending", all with a renewed lease. Elsewhere than on PostgreSQL,
    # each of the four audited updates takes three more queries.
    with django_assert_num_queries(16 if ON_POSTGRESQL else 28), pytest.raises(WorkerKilled):
        services.alert_notify(alert_id=alerts[0].pk)
    assert len(gateway.received) == 8
    assert _sms_states() == [("sent", False, 1)] * 4 + [("sending", False, 1)] * 4 + [("pending", False, 1)] * 2
    held = Notification.objects.filter(channel="sms", status__in=["pending", "sending"])
    leases = set(held.values_list("claimed_until", flat=True))  # renewed together by the progress write
    assert len(leases) == 1 and leases.pop() > timezone.now() + LEASE / 2
    assert Notification.objects.filter(channel="in_app", status="sent").count() == 20

    # While the lease lasts, nothing is taken back.
    now = timezone.now()
    assert selectors.outstanding_work(grace=datetime.timedelta(0), now=now) == ([], [])
    for notification in held:
        assert services.notification_send(notification_id=notification.pk, now=now) is False
    assert len(gateway.received) == 8
    assert _sms_states()[4:] == [("sending", False, 1)] * 4 + [("pending", False, 1)] * 2

    # Once it has passed, the sweep takes all six back.
    gateway.kill_at = None
    later = now + LEASE + datetime.timedelta(seconds=1)
    _alert_ids, notification_ids = selectors.outstanding_work(grace=datetime.timedelta(0), now=later)
    assert notification_ids == sorted(held.values_list("pk", flat=True))
    assert [services.notification_send(notification_id=pk, now=later) for pk in notification_ids] == [True] * 6
    assert selectors.outstanding_work(grace=datetime.timedelta(0), now=later) == ([], [])
    assert _sms_states() == [("sent", False, 1)] * 4 + [("sent", True, 2)] * 4 + [("sent", False, 2)] * 2
    sms = list(Notification.objects.filter(channel="sms").order_by("pk"))
    # Confirmed before the kill: once. Maybe sent: twice, the second marked. Certainly not sent: once.
    assert [len(_sends(n)) for n in sms] == [1, 1, 1, 1, 2, 2, 2, 2, 1, 1]
    for notification in sms[4:8]:
        first, second = _sends(notification)
        assert not first.startswith("Possible repeat.")
        assert second == f"Possible repeat. {first}"
    assert not any(text.startswith("Possible repeat.") for n in sms[8:] for text in _sends(n))


def test_a_quick_batch_writes_no_progress(world, users, gateway, django_assert_num_queries):
    StaffPhone.objects.create(user=users["duty"], phone="+243997777777")
    alerts = [_new_alert(world) for _ in range(10)]
    gateway.seconds = 0.09  # ten messages in 0.9 s: within one progress interval
    with django_assert_num_queries(12 if ON_POSTGRESQL else 18):
        assert services.alert_notify(alert_id=alerts[0].pk) == 30
    assert _sms_states() == [("sent", False, 1)] * 10
    assert Notification.objects.filter(claimed_until__isnull=False).count() == 0


def test_a_worker_stalled_past_its_lease_skips_what_was_taken_back(world, users, gateway):
    StaffPhone.objects.create(user=users["duty"], phone="+243997777777")
    alerts = [_new_alert(world) for _ in range(5)]
    gateway.seconds = 0.6
    fourth = []

    def sweep_takes_back_the_fourth():  # as if this worker had stalled past its lease meanwhile
        sms = Notification.objects.filter(channel="sms").order_by("pk")[3]
        fourth.append(sms)
        assert services.notification_send(
            notification_id=sms.pk, now=timezone.now() + LEASE + datetime.timedelta(seconds=1)
        )

    gateway.during[2] = sweep_takes_back_the_fourth
    assert services.alert_notify(alert_id=alerts[0].pk) == 10 + 4  # in-app, and the SMS this worker sent
    assert _sms_states() == [("sent", False, 1)] * 3 + [("sent", True, 2)] + [("sent", False, 1)]
    # The fourth went out once, from the worker that took it back, marked (it could not know).
    assert [reference for reference, _text in gateway.received].count(str(fourth[0].uid)) == 1
    assert len(gateway.received) == 5


def test_a_possible_repeat_is_sent_again_at_most_once(world, users, gateway):
    StaffPhone.objects.create(user=users["duty"], phone="+243997777777")
    alert = _new_alert(world)
    gateway.kill_at = 1  # the message reaches the gateway; the worker dies before it is confirmed
    with pytest.raises(WorkerKilled):
        services.alert_notify(alert_id=alert.pk)
    sms = Notification.objects.get(channel="sms")
    assert _sms_states() == [("sending", False, 1)]
    first_expiry = timezone.now() + LEASE + datetime.timedelta(seconds=1)
    assert selectors.outstanding_work(grace=datetime.timedelta(0), now=first_expiry)[1] == [sms.pk]
    with pytest.raises(WorkerKilled):  # the worker sending the marked repeat dies too
        services.notification_send(notification_id=sms.pk, now=first_expiry)
    assert _sms_states() == [("sending", True, 2)]
    assert len(_sends(sms)) == 2

    second_expiry = first_expiry + LEASE + datetime.timedelta(seconds=1)
    assert selectors.outstanding_work(grace=datetime.timedelta(0), now=second_expiry)[1] == [sms.pk]
    gateway.kill_at = None
    assert services.notification_send(notification_id=sms.pk, now=second_expiry) is False  # it may have gone out twice
    sms.refresh_from_db()
    assert (sms.status, sms.possible_duplicate, sms.attempts, sms.claimed_until) == (
        "failed",
        True,
        services.MAX_SEND_ATTEMPTS,
        None,
    )
    assert sms.error == services.UNCONFIRMED_TWICE
    assert selectors.outstanding_work(grace=datetime.timedelta(0), now=second_expiry) == ([], [])
    assert tasks.sweep_outstanding_notifications(grace_seconds=0) == 0
    assert len(_sends(sms)) == 2


def test_an_answer_lost_after_the_request_makes_a_possible_repeat(world, users, gateway):
    StaffPhone.objects.create(user=users["duty"], phone="+243997777777")
    alert = _new_alert(world)
    gateway.maybe_sent_from = 1
    services.alert_notify(alert_id=alert.pk)
    sms = Notification.objects.get(channel="sms")
    assert _sms_states() == [("failed", True, 1)]
    # The sweep's retry is marked, and its answer is lost too: it is never sent a third time.
    retry = timezone.now() + datetime.timedelta(minutes=1, seconds=1)
    assert services.notification_send(notification_id=sms.pk, now=retry) is False
    assert _sends(sms)[1].startswith("Possible repeat. CAN alert")
    sms.refresh_from_db()
    assert sms.status == "failed"
    assert (sms.possible_duplicate, sms.attempts, sms.error) == (True, 4, services.UNCONFIRMED_TWICE)
    later = retry + datetime.timedelta(hours=1)
    assert services.notification_send(notification_id=sms.pk, now=later) is False
    assert len(_sends(sms)) == 2


def test_a_certain_failure_is_retried_unmarked(world, users, gateway, settings):
    StaffPhone.objects.create(user=users["duty"], phone="+243997777777")
    alert = _new_alert(world)
    settings.SMS_BACKEND = "tests.can.test_notifications.FailingBackend"
    services.alert_notify(alert_id=alert.pk)
    settings.SMS_BACKEND = "tests.can.test_notifications.Gateway"
    sms = Notification.objects.get(channel="sms")
    assert services.notification_send(notification_id=sms.pk) is False  # its retry is a minute away
    retry = timezone.now() + datetime.timedelta(minutes=1, seconds=1)
    assert services.notification_send(notification_id=sms.pk, now=retry) is True
    assert _sms_states() == [("sent", False, 2)]
    assert [text.startswith("CAN alert") for text in _sends(sms)] == [True]


def test_the_possible_repeat_mark_is_in_the_recipient_language(world, users, gateway):
    users["duty"].preferred_language = "sw"
    users["duty"].save()
    StaffPhone.objects.create(user=users["duty"], phone="+243997777777")
    alert = _new_alert(world)
    gateway.kill_at = 1
    with pytest.raises(WorkerKilled):
        services.alert_notify(alert_id=alert.pk)
    gateway.kill_at = None
    sms = Notification.objects.get(channel="sms")
    assert services.notification_send(
        notification_id=sms.pk, now=timezone.now() + LEASE + datetime.timedelta(seconds=1)
    )
    first, second = _sends(sms)
    assert second == f"Huenda ni marudio. {first}"
    assert first.startswith(f"Tahadhari CAN {alert.short_id} Uvira: Shambulio la silaha, Sange.")


def test_outstanding_work_includes_expired_claims_only(world, users):
    now = timezone.now()
    old = now - datetime.timedelta(minutes=5)
    soon, gone = now + datetime.timedelta(seconds=30), now - datetime.timedelta(seconds=1)
    cases = {
        "pending, free": ("pending", None, False, 0),
        "pending, held": ("pending", soon, False, 1),
        "pending, held until a lease that passed": ("pending", gone, False, 1),
        "sending, held": ("sending", soon, False, 1),
        "sending, lease passed": ("sending", gone, False, 1),
        "sending, lease passed, already a repeat": ("sending", gone, True, 2),
        "failed, attempts left": ("failed", None, False, 1),
        "failed, no attempts left": ("failed", None, True, 5),
        "sent": ("sent", None, False, 1),
    }
    made = {}
    for name, (status, until, repeat, attempts) in cases.items():
        alert = make_alert(world.base)
        made[name] = Notification.objects.create(
            alert=alert,
            recipient=users["duty"],
            channel="sms",
            status=status,
            claimed_until=until,
            possible_duplicate=repeat,
            attempts=attempts,
            sent_at=now if status == "sent" else None,
        )
    Notification.objects.update(created_at=old)
    _alert_ids, ids = selectors.outstanding_work(now=now)
    assert [name for name, n in made.items() if n.pk in ids] == [
        "pending, free",
        "pending, held until a lease that passed",
        "sending, lease passed",
        "sending, lease passed, already a repeat",
        "failed, attempts left",
    ]
