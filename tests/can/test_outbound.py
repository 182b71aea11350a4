"""Sending replies: one claim, the channel's throttle, retries at 1, 5 and 15 minutes then failed
for good, a possible repeat sent again at most once, and a broker outage that loses nothing and
sends nothing twice. A fake clock throughout (``now=``, ``can.throttle._clock``): nothing sleeps."""

import datetime
import itertools
import logging

import pytest
from django.utils import timezone

from can import selectors, selectors_outbound, services, tasks, throttle
from can.models import AlertEvent, Notification, Reply, StaffPhone
from can.services import outbound
from can.sms import MemoryBackend, SmsError
from monusco import breaker
from tests.factories import make_alert

SENDER = "+243990000111"
MINUTE = datetime.timedelta(minutes=1)


class FailingBackend:
    calls: list[str] = []

    def send(self, *, to, text, reference):
        FailingBackend.calls.append(reference)
        raise SmsError("gateway down")


class LostAnswerBackend:
    """The request reaches the gateway, the answer never comes back."""

    calls: list[str] = []

    def send(self, *, to, text, reference):
        LostAnswerBackend.calls.append(reference)
        raise SmsError("no answer", maybe_sent=True)


@pytest.fixture(autouse=True)
def _clear():
    FailingBackend.calls.clear()
    LostAnswerBackend.calls.clear()


@pytest.fixture
def slept(monkeypatch):
    waits: list[float] = []
    monkeypatch.setattr(outbound, "_sleep", waits.append)
    return waits


_seconds = itertools.count(2_000_000_000, 1000)  # a second of its own for each test: the throttle's windows


@pytest.fixture
def clock(monkeypatch):
    now = [float(next(_seconds))]
    monkeypatch.setattr(throttle, "_clock", lambda: now[0])
    return now


def _reply(world, channel, **extra) -> Reply:
    alert = make_alert(world.base, sender=SENDER, sms_channel=channel, description="Attaque à Sange")
    values = {"alert": alert, "kind": "received", "sms_channel": channel, "language": "fr", "text": "MONUSCO : reçu."}
    values.update(to_number=SENDER, to_hash=alert.sender_hash, **extra)
    return Reply.objects.create(**values)


def _state(reply):
    reply.refresh_from_db()
    return reply.status, reply.attempts, reply.next_attempt_at


def test_a_reply_is_claimed_once_and_sent(world, channel, clock, slept):
    reply = _reply(world, channel)
    t0 = timezone.now()
    assert services.reply_send(reply_id=reply.pk, now=t0) is True
    assert services.reply_send(reply_id=reply.pk, now=t0) is False  # already sent: nothing to claim
    assert _state(reply) == ("sent", 1, None)
    assert reply.sent_at == t0
    assert MemoryBackend.outbox == [{"to": SENDER, "text": "MONUSCO : reçu.", "reference": str(reply.uid)}]
    assert list(AlertEvent.objects.filter(alert=reply.alert_id).values_list("kind", "note")) == [
        ("reply_sent", "received")
    ]
    assert slept == []


def test_retries_at_1_5_and_15_minutes_then_failed_for_good(world, channel, settings, clock, slept):
    settings.SMS_BACKEND = "tests.can.test_outbound.FailingBackend"
    reply = _reply(world, channel)
    t0 = timezone.now()
    assert services.reply_send(reply_id=reply.pk, now=t0) is False
    assert _state(reply) == ("failed", 1, t0 + MINUTE)
    assert services.reply_send(reply_id=reply.pk, now=t0 + MINUTE - datetime.timedelta(seconds=1)) is False  # not yet
    assert _state(reply) == ("failed", 1, t0 + MINUTE)
    t1 = t0 + MINUTE
    services.reply_send(reply_id=reply.pk, now=t1)
    assert _state(reply) == ("failed", 2, t1 + 5 * MINUTE)
    t2 = t1 + 5 * MINUTE
    assert selectors_outbound.replies_due_ids(grace=datetime.timedelta(0), now=t2 - datetime.timedelta(seconds=1)) == []
    assert selectors_outbound.replies_due_ids(grace=datetime.timedelta(0), now=t2) == [reply.pk]
    services.reply_send(reply_id=reply.pk, now=t2)
    assert _state(reply) == ("failed", 3, t2 + 15 * MINUTE)
    t3 = t2 + 15 * MINUTE
    services.reply_send(reply_id=reply.pk, now=t3)
    assert _state(reply) == ("failed", 4, None)  # three retries: failed for good
    assert reply.error == "gateway down"
    assert services.reply_send(reply_id=reply.pk, now=t3 + datetime.timedelta(days=1)) is False
    assert selectors_outbound.replies_due_ids(grace=datetime.timedelta(0), now=t3 + datetime.timedelta(days=1)) == []
    assert FailingBackend.calls == [str(reply.uid)] * 4
    assert list(AlertEvent.objects.filter(alert=reply.alert_id).values_list("kind", "note")) == [
        ("reply_failed", "received")
    ]


def test_a_retry_that_succeeds_is_sent_once(world, channel, settings, clock, slept):
    settings.SMS_BACKEND = "tests.can.test_outbound.FailingBackend"
    reply = _reply(world, channel)
    t0 = timezone.now()
    services.reply_send(reply_id=reply.pk, now=t0)
    settings.SMS_BACKEND = "can.sms.MemoryBackend"
    assert services.reply_send(reply_id=reply.pk, now=t0 + MINUTE) is True
    assert _state(reply) == ("sent", 2, None)
    assert len(MemoryBackend.outbox) == 1


def test_a_possible_repeat_is_sent_again_at_most_once(world, channel, settings, clock, slept):
    settings.SMS_BACKEND = "tests.can.test_outbound.LostAnswerBackend"
    reply = _reply(world, channel)
    t0 = timezone.now()
    services.reply_send(reply_id=reply.pk, now=t0)
    assert _state(reply) == ("failed", 1, t0 + MINUTE)
    assert reply.error == outbound.MAYBE_SENT + "no answer"
    services.reply_send(reply_id=reply.pk, now=t0 + MINUTE)  # it may have gone out twice now: never a third
    assert _state(reply) == ("failed", 4, None)
    assert reply.error == outbound.UNCONFIRMED_TWICE
    assert services.reply_send(reply_id=reply.pk, now=t0 + datetime.timedelta(hours=1)) is False
    assert LostAnswerBackend.calls == [str(reply.uid)] * 2


def test_a_worker_that_died_while_sending_leaves_one_more_send_at_most(world, channel, settings, clock, slept):
    reply = _reply(world, channel)
    t0 = timezone.now()
    lease = datetime.timedelta(seconds=settings.CAN_SMS_LEASE_SECONDS)
    Reply.objects.filter(pk=reply.pk).update(status="sending", attempts=1, claimed_until=t0)  # its holder died
    assert selectors_outbound.replies_due_ids(now=t0 + datetime.timedelta(seconds=1)) == [reply.pk]
    settings.SMS_BACKEND = "tests.can.test_outbound.LostAnswerBackend"
    services.reply_send(reply_id=reply.pk, now=t0 + datetime.timedelta(seconds=1))  # taken back, marked
    assert _state(reply)[:2] == ("failed", 4)
    assert reply.error == outbound.UNCONFIRMED_TWICE
    # And a marked one whose holder dies again is failed, not sent.
    again = _reply(world, channel)
    Reply.objects.filter(pk=again.pk).update(
        status="sending", attempts=2, claimed_until=t0, error=outbound.MAYBE_SENT + "lease lapsed"
    )
    assert services.reply_send(reply_id=again.pk, now=t0 + lease) is False
    assert _state(again) == ("failed", 4, None)
    assert LostAnswerBackend.calls == [str(reply.uid)]


def test_the_channel_throttle_is_honoured(world, channel, clock, slept, django_capture_on_commit_callbacks):
    """Two a second: the first two go now, the next two after a wait under a second (slept), the
    fifth is two seconds away: its claim is given back, due then, and not counted as an attempt."""
    channel.max_per_second = 2
    channel.save()
    replies = [_reply(world, channel) for _ in range(5)]
    t0 = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        results = [services.reply_send(reply_id=r.pk, now=t0) for r in replies]
    assert results == [True, True, True, True, False]
    assert slept == [1.0, 1.0]
    assert [_state(r) for r in replies] == [("sent", 1, None)] * 4 + [
        ("pending", 0, t0 + datetime.timedelta(seconds=2))
    ]
    assert len(MemoryBackend.outbox) == 4
    clock[0] += 2
    assert services.reply_send(reply_id=replies[4].pk, now=t0 + datetime.timedelta(seconds=2)) is True
    assert slept == [1.0, 1.0]
    assert len(MemoryBackend.outbox) == 5


def test_sms_notifications_back_off_at_1_5_and_15_minutes(world, users, settings):
    settings.SMS_BACKEND = "tests.can.test_outbound.FailingBackend"
    StaffPhone.objects.create(user=users["duty"], phone="+243997777777")
    alert = make_alert(world.base, notified_at=None)
    sms = Notification.objects.create(alert=alert, recipient=users["duty"], channel="sms")
    t = timezone.now()
    for attempt, delay in ((1, 1), (2, 5), (3, 15)):
        assert services.notification_send(notification_id=sms.pk, now=t) is False
        sms.refresh_from_db()
        assert (sms.status, sms.attempts, sms.next_attempt_at) == ("failed", attempt, t + delay * MINUTE)
        assert services.notification_send(notification_id=sms.pk, now=t + delay * MINUTE / 2) is False  # not yet
        t += delay * MINUTE
    services.notification_send(notification_id=sms.pk, now=t)
    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == ("failed", services.MAX_SEND_ATTEMPTS)
    assert selectors.outstanding_work(grace=datetime.timedelta(0), now=t + datetime.timedelta(days=1))[1] == []
    assert selectors_outbound.alert_failed_notifications(alert=alert) == 1
    assert len(FailingBackend.calls) == 4


@pytest.fixture
def dead_broker():
    from tests.can.test_worker import free_port, publishing_to, start_redis, stop

    port = free_port()
    stop(start_redis(port))
    breaker.reset_all()
    with publishing_to(f"redis://127.0.0.1:{port}/12") as app:
        yield app
    breaker.reset_all()


def test_broker_down_during_replies_loses_nothing_and_sends_nothing_twice(
    world, channel, dead_broker, caplog, clock, slept, django_capture_on_commit_callbacks
):
    """Ten SMS alerts arrive while the broker is down: nothing is queued, nothing sent. The notify
    task the sweep runs later plans the replies; their tasks cannot be queued either. Once the
    broker is back (eager here), the sweep sends every reply exactly once, and a second sweep
    sends nothing."""
    caplog.set_level(logging.WARNING, logger="can.queue")
    with django_capture_on_commit_callbacks(execute=True):
        alerts = [
            services.alert_receive_sms(channel=channel, sender=f"+24399000{n:04d}", text=f"Attaque {n}")[0]
            for n in range(10)
        ]
        for alert in alerts:  # what the sweep's notify tasks do, the broker still down
            services.alert_notify(alert_id=alert.pk)
    assert Reply.objects.filter(status="pending", attempts=0).count() == 10
    assert MemoryBackend.outbox == []
    later = timezone.now() + 2 * MINUTE
    due = selectors_outbound.replies_due_ids(now=later)
    assert sorted(due) == sorted(Reply.objects.values_list("pk", flat=True))
    assert "Could not run notify_alert" in caplog.text  # then the broker's breaker skips publishing
    dead_broker.conf.task_always_eager = True  # the broker is back (tasks run here, at once)
    Reply.objects.update(created_at=timezone.now() - 2 * MINUTE)
    assert tasks.sweep_outstanding_notifications() == 10
    assert tasks.sweep_outstanding_notifications() == 0
    assert sorted(m["to"] for m in MemoryBackend.outbox) == sorted(f"+24399000{n:04d}" for n in range(10))
    assert len({m["reference"] for m in MemoryBackend.outbox}) == 10
    assert Reply.objects.filter(status="sent", attempts=1).count() == 10
    assert slept == [1.0] * 5  # five a second on this channel: the second five waited their second
