"""Reads from a streaming read replica, where it is safe: ``DATABASE_REPLICA_URL`` adds the
``replica`` database and ``ReplicaRouter`` sends it the reads made inside ``replica_reads``.

Only chosen reads go there: the dashboard's aggregates, API reads by token clients, exports. The
rest, and every write, go to the primary. A block reads from the replica only when:
- a replica is configured, answers, and has replayed the primary's WAL to within
  ``REPLICA_MAX_LAG_SECONDS`` (checked at most every ``REPLICA_CHECK_SECONDS`` per process, with a
  short connect timeout: a stopped replica costs one failed connect per interval, not per request);
- the user has not written anything within ``REPLICA_STICKY_SECONDS`` (read-your-writes: what a
  user just saved is read back from the primary, where it certainly is). Every unsafe request by a
  signed-in user or a token client marks them (``ReplicaStickyMiddleware``), in the shared cache;
  while the cache is down, every user reads from the primary.
If the replica fails in the middle of a block (``replica_or_primary``), the read is made again on
the primary and the replica is taken as down until its next check: never an error page.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connections

logger = logging.getLogger(__name__)

REPLICA = "replica"
_reading = contextvars.ContextVar("monusco_replica_reads", default=False)
T = TypeVar("T")

# What the replica is: "none" (not configured), "ok", "lagging" or "down"; per process, re-read
# after REPLICA_CHECK_SECONDS.
_state = {"value": "", "checked": float("-inf"), "lag": None}
_state_lock = threading.Lock()
_clock: Callable[[], float] = time.monotonic

# The replica's delay behind the primary, in seconds: 0 when everything received is replayed (an
# idle primary sends nothing, and the last replay time would look old).
LAG_SQL = """
SELECT CASE
  WHEN NOT pg_is_in_recovery() THEN 0
  WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0
  ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)
END
"""


def configured() -> bool:
    return REPLICA in settings.DATABASES


def _check() -> tuple[str, float | None]:
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(LAG_SQL)
            lag = float(cursor.fetchone()[0])
    except DatabaseError as exc:
        logger.warning("The read replica does not answer (%s); reads go to the primary", type(exc).__name__)
        connections[REPLICA].close()
        return "down", None
    if lag > settings.REPLICA_MAX_LAG_SECONDS:
        logger.warning("The read replica is %.0f s behind; reads go to the primary", lag)
        return "lagging", lag
    return "ok", lag


def state() -> str:
    """``none``, ``ok``, ``lagging`` or ``down`` (for /healthz, and to choose where to read)."""
    if not configured():
        return "none"
    now = _clock()
    with _state_lock:
        fresh = now - _state["checked"] < settings.REPLICA_CHECK_SECONDS  # type: ignore[operator]
        if fresh:
            return str(_state["value"])
    value, lag = _check()
    with _state_lock:
        _state.update(value=value, checked=_clock(), lag=lag)
    return value


def lag_seconds() -> float | None:
    state()
    lag = _state["lag"]
    return None if lag is None else float(lag)  # type: ignore[arg-type]


def mark_down() -> None:
    with _state_lock:
        _state.update(value="down", checked=_clock(), lag=None)


def reset() -> None:
    """Forget the last check (tests, and after a settings change)."""
    with _state_lock:
        _state.update(value="", checked=float("-inf"), lag=None)


def _sticky_key(user_id: int) -> str:
    return f"replica:wrote:{user_id}"


def _cache_failing() -> bool:
    client = getattr(cache, "_cache", None)
    probe = getattr(client, "_breaker", None)
    return bool(probe is not None and probe().failing)


def wrote_recently(user) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return cache.get(_sticky_key(user.pk)) is not None or _cache_failing()


def mark_wrote(user) -> None:
    cache.set(_sticky_key(user.pk), 1, timeout=settings.REPLICA_STICKY_SECONDS)


@contextlib.contextmanager
def replica_reads(user=None) -> Iterator[bool]:
    """Reads in this block go to the replica if it is fit for ``user`` (see the module); yields
    whether they do."""
    use = configured() and not wrote_recently(user) and state() == "ok"
    token = _reading.set(use)
    try:
        yield use
    finally:
        _reading.reset(token)


def begin_reads(user=None) -> contextvars.Token | None:
    """``replica_reads`` for a block that does not fit a ``with`` (an API view, from its
    authentication to its response): the token to pass to ``end_reads``, or None when the replica
    is not fit."""
    if not (configured() and not wrote_recently(user) and state() == "ok"):
        return None
    return _reading.set(True)


def end_reads(token: contextvars.Token | None) -> None:
    if token is not None:
        _reading.reset(token)


def replica_or_primary(read: Callable[[], T], user=None) -> T:
    """``read()`` on the replica when it is fit, else on the primary; made again on the primary if
    the replica fails midway. ``read`` must only read (and must evaluate its queries)."""
    with replica_reads(user) as on_replica:
        if not on_replica:
            return read()
        try:
            return read()
        except DatabaseError as exc:
            logger.warning("The read replica failed mid-read (%s); read again from the primary", type(exc).__name__)
            mark_down()
            connections[REPLICA].close()
    return read()


class ReplicaRouter:
    """Reads inside ``replica_reads`` go to the replica; everything else to the primary."""

    def db_for_read(self, model, **hints):
        return REPLICA if _reading.get() else "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same data on both

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


class ReplicaStickyMiddleware:
    """After an unsafe request by a signed-in user or a token client (whatever its answer: a
    refusal wrote nothing, but nothing is lost by reading it from the primary), their reads stay on
    the primary for ``REPLICA_STICKY_SECONDS`` (read-your-writes)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if configured() and request.method not in ("GET", "HEAD", "OPTIONS", "TRACE"):
            user = getattr(request, "user", None)  # DRF sets the token client's user here too
            if user is not None and user.is_authenticated:
                mark_wrote(user)
        return response
