"""The per-channel SMS throttle (can/throttle.py), on a fake clock: the local cache, a real Redis
(this helper's database, or a throwaway one), and a Redis that is down (each process then counts
for itself). Nothing here times anything: waits are read, never slept."""

import itertools
import random
import threading
from collections import Counter

import pytest
from django.core.cache import cache
from django.test import override_settings

from can import throttle
from monusco import breaker
from tests.can.test_worker import free_port, start_redis, stop

NOW = 1_800_000_000.25  # a quarter past some second
_channels = itertools.count(random.randrange(10**6, 10**9, 1000), 10)  # apart from earlier runs on a shared Redis


@pytest.fixture(autouse=True)
def fake_clock(monkeypatch):
    clock = {"now": NOW}
    monkeypatch.setattr(throttle, "_clock", lambda: clock["now"])
    slept: list[float] = []
    monkeypatch.setattr(throttle, "_sleep", slept.append)
    throttle._local.clear()
    throttle._full_until.clear()
    yield clock, slept
    throttle._local.clear()
    throttle._full_until.clear()


@pytest.fixture
def channel_id():
    return next(_channels)  # a channel no other test (or helper on a shared Redis) counts on


def _redis_cache(url: str) -> dict:
    return {
        "default": {
            "BACKEND": "monusco.cache.FailOpenRedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.5},
        }
    }


@pytest.fixture(params=["local", "redis"])
def shared_cache(request):
    """The local cache, then a real Redis on a throwaway server."""
    if request.param == "local":
        yield "local"
        return
    port = free_port()
    process = start_redis(port)
    breaker.reset_all()
    try:
        with override_settings(CACHES=_redis_cache(f"redis://127.0.0.1:{port}/0")):
            assert cache.ping() is True
            yield "redis"
    finally:
        stop(process)
        breaker.reset_all()


def _booked_seconds(waits: list[float]) -> Counter:
    """How many messages each second of the clock was given (the second a message goes out)."""
    return Counter(int(NOW + wait) for wait in waits)


def test_the_first_messages_go_now_then_each_second_takes_the_rate(channel_id):
    waits = [throttle.reserve(channel_id=channel_id, per_second=3) for _ in range(7)]
    assert waits == [0.0, 0.0, 0.0, 0.75, 0.75, 0.75, 1.75]


def test_the_clock_moving_on_frees_the_next_second(fake_clock, channel_id):
    clock, _slept = fake_clock
    assert [throttle.reserve(channel_id=channel_id, per_second=1) for _ in range(2)] == [0.0, 0.75]
    clock["now"] = NOW + 2  # both booked seconds have passed
    assert throttle.reserve(channel_id=channel_id, per_second=1) == 0.0


def test_channels_are_counted_apart(channel_id):
    assert throttle.reserve(channel_id=channel_id, per_second=1) == 0.0
    assert throttle.reserve(channel_id=channel_id + 1, per_second=1) == 0.0
    assert throttle.reserve(channel_id=channel_id, per_second=1) == 0.75


def test_a_rate_below_one_counts_as_one(channel_id):
    assert [throttle.reserve(channel_id=channel_id, per_second=0) for _ in range(2)] == [0.0, 0.75]


def test_past_the_horizon_the_caller_is_told_to_come_back(monkeypatch, channel_id):
    monkeypatch.setattr(throttle, "HORIZON_SECONDS", 3)
    waits = [throttle.reserve(channel_id=channel_id, per_second=2) for _ in range(8)]
    assert waits == [0.0, 0.0, 0.75, 0.75, 1.75, 1.75, 3.0, 3.0]


def test_a_flood_costs_a_count_or_two_per_message_not_one_per_full_second(monkeypatch, channel_id):
    counted: list[str] = []
    count = throttle._count
    monkeypatch.setattr(throttle, "_count", lambda key: counted.append(key) or count(key))
    waits = [throttle.reserve(channel_id=channel_id, per_second=1) for _ in range(100)]
    assert waits == [0.0] + [second - 0.25 for second in range(1, 100)]
    assert len(counted) == 1 + 2 * 99  # each later message: its full predecessor, then its own second


def test_a_second_found_full_is_skipped_only_at_that_rate(channel_id):
    assert [throttle.reserve(channel_id=channel_id, per_second=1) for _ in range(2)] == [0.0, 0.75]
    # The channel's rate was raised: the second that was full at 1 a second has room again.
    assert throttle.reserve(channel_id=channel_id, per_second=3) == 0.0


def test_wait_for_slot_sleeps_the_wait(fake_clock, channel_id):
    _clock, slept = fake_clock
    assert throttle.wait_for_slot(channel_id=channel_id, per_second=1) == 0.0
    assert throttle.wait_for_slot(channel_id=channel_id, per_second=1) == 0.75
    assert slept == [0.75]  # nothing slept for the message that could go at once


@pytest.mark.parametrize("rate", [1, 5, 20])
def test_a_flood_from_many_threads_never_exceeds_the_rate(shared_cache, channel_id, rate):
    threads, per_thread = 8, 25
    waits: list[float] = []
    lock = threading.Lock()

    def flood():
        mine = [throttle.reserve(channel_id=channel_id, per_second=rate) for _ in range(per_thread)]
        with lock:
            waits.extend(mine)

    workers = [threading.Thread(target=flood) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    booked = _booked_seconds(waits)
    total = threads * per_thread
    assert sum(booked.values()) == total  # nothing refused
    assert max(booked.values()) == rate  # never more than the rate in any second
    full, rest = divmod(total, rate)
    seconds = sorted(booked)
    assert seconds == list(range(int(NOW), int(NOW) + full + (1 if rest else 0)))  # no second left idle
    assert all(booked[second] == rate for second in seconds[:full])


def test_the_shared_counter_holds_across_processes_views(shared_cache, channel_id):
    """What one process booked, the next one sees: the counters are in the cache, not in the
    process (its own counters, the Redis-down fallback, are emptied between the two here)."""
    first = [throttle.reserve(channel_id=channel_id, per_second=2) for _ in range(2)]
    throttle._local.clear()
    throttle._full_until.clear()
    second = [throttle.reserve(channel_id=channel_id, per_second=2) for _ in range(2)]
    assert (first, second) == ([0.0, 0.0], [0.75, 0.75])
    assert not throttle._local  # the fallback was not used


def test_with_redis_down_each_process_still_limits_itself(channel_id):
    port = free_port()
    stop(start_redis(port))  # a Redis that ran on this port and is gone
    breaker.reset_all()
    try:
        with override_settings(CACHES=_redis_cache(f"redis://127.0.0.1:{port}/0")):
            waits = [throttle.reserve(channel_id=channel_id, per_second=4) for _ in range(10)]
            assert breaker.breaker("cache", f"redis://127.0.0.1:{port}/0").failing
    finally:
        breaker.reset_all()
    assert waits == [0.0] * 4 + [0.75] * 4 + [1.75] * 2
    assert _booked_seconds(waits) == Counter({int(NOW): 4, int(NOW) + 1: 4, int(NOW) + 2: 2})


def test_the_staff_notification_path_is_throttled_as_channel_zero(settings, world, users, fake_clock):
    from can import services
    from can.models import StaffPhone
    from can.sms import MemoryBackend
    from tests.factories import make_alert

    _clock, slept = fake_clock
    settings.SMS_OUTBOUND_PER_SECOND = 2
    cache.delete_many([throttle._key(throttle.STAFF_CHANNEL, int(NOW) + n) for n in range(3)])
    for user in ("duty", "cla"):
        StaffPhone.objects.create(user=users[user], phone=f"+24399777777{len(user)}")
    alerts = [make_alert(world.base, locality=world.sange, notified_at=None) for _ in range(2)]
    sent = sum(services.alert_notify(alert_id=alert.pk) for alert in alerts)
    assert sent == 8  # 4 in the app, 4 by SMS
    assert len(MemoryBackend.outbox) == 4
    assert slept == [0.75, 0.75]  # the 3rd and 4th SMS waited for the next second
    assert throttle.STAFF_CHANNEL == 0


pytestmark = pytest.mark.django_db
