"""Per-channel throttling of outbound SMS: a channel's gateway never gets more than its
``SmsChannel.max_per_second`` messages in any one second, however many workers send.

Each second of the clock is a window with a counter in the shared cache (Redis in production:
``INCR`` is atomic across processes). ``reserve`` takes the first window, from now on, whose counter
is still under the rate, and says how long to wait for it. So a flood of replies is spread over the
following seconds, in the order the workers asked, and nothing is refused.

Staff notifications (``can.services.notifications``) leave through ``settings.SMS_BACKEND``, the
deployment's one outbound gateway, not through a channel: they are throttled as channel 0
(``STAFF_CHANNEL``, no channel has that id) at ``settings.SMS_OUTBOUND_PER_SECOND``, a limit of
their own, so a flood of replies on the channels never makes an alert's notification wait.

If the shared cache cannot be reached (its circuit breaker is failing, ``monusco.cache``), each
process counts for itself: the limit then holds per process, not across them, which is the best
that can be done without the shared counter; the outage is logged by the cache backend.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from cachetools import TTLCache
from django.core.cache import cache

# How far ahead a message may be booked: past this, the caller is told to come back later (the
# task is re-queued with that delay rather than holding a worker).
HORIZON_SECONDS = 600
_WINDOW_TTL = 5  # a window's counter outlives its second by a few seconds, for clocks a little apart

STAFF_CHANNEL = 0  # the key of the staff-notification path (SMS_BACKEND), which has no channel

_clock: Callable[[], float] = time.time  # replaced by tests
_sleep: Callable[[float], None] = time.sleep  # replaced by tests


_namespace = "can:sms-rate"  # each test counts under its own (tests/can/conftest.py)


def _key(channel_id: int, second: int) -> str:
    return f"{_namespace}:{channel_id}:{second}"


_local: TTLCache = TTLCache(maxsize=10_000, ttl=HORIZON_SECONDS + _WINDOW_TTL)
_local_lock = threading.Lock()


def _shared_failing() -> bool:
    """Whether the shared cache is failing (``monusco.cache`` then answers as an empty cache, so
    its counters cannot be trusted). Always False for a cache with no breaker (the local one)."""
    client = getattr(cache, "_cache", None)
    probe = getattr(client, "_breaker", None)
    return bool(probe is not None and probe().failing)


def _count(key: str) -> int:
    """Add one to this window's counter and return it: in the shared cache, or in the process."""
    value: int | None = None
    if not _shared_failing():
        timeout = HORIZON_SECONDS + _WINDOW_TTL
        if cache.add(key, 1, timeout=timeout):
            value = 1
        else:
            try:
                value = int(cache.incr(key))
            except ValueError:  # the window expired between the two calls: it starts again
                value = 1 if cache.add(key, 1, timeout=timeout) else None
    if value is not None and not _shared_failing():
        return value
    with _local_lock:
        _local[key] = _local.get(key, 0) + 1
        return _local[key]


def reserve(*, channel_id: int, per_second: int) -> float:
    """Book one message on this channel: the seconds to wait before handing it to the gateway
    (0.0 means now). Every call books a slot, so call it once per message, just before sending."""
    per_second = max(1, per_second)
    now = _clock()
    first = math.floor(now)
    start = max(first, _full_until.get((channel_id, per_second), first - 1) + 1)
    for second in range(start, first + HORIZON_SECONDS):
        if _count(_key(channel_id, second)) <= per_second:
            return max(0.0, second - now)
        _remember_full(channel_id, per_second, second)
    return float(HORIZON_SECONDS)


# The last second this process found full, per channel and rate: a counter only grows, so a full
# second stays full, and a flood books each message in one or two counts instead of walking every
# full second again (which, at one message a second, would be a round trip per second booked).
_full_until: dict[tuple[int, int], int] = {}


def _remember_full(channel_id: int, per_second: int, second: int) -> None:
    with _local_lock:
        if second > _full_until.get((channel_id, per_second), second - 1):
            _full_until[(channel_id, per_second)] = second
        if len(_full_until) > 10_000:  # channels and rates are few; never grows without bound
            _full_until.clear()


def wait_for_slot(*, channel_id: int, per_second: int) -> float:
    """Book one message on this channel and sleep until its slot; returns the seconds slept. For
    the staff-notification path, where an alert's message is never put off to a later task."""
    wait = reserve(channel_id=channel_id, per_second=per_second)
    if wait > 0:
        _sleep(wait)
    return wait
