"""Circuit breakers for Redis (the cache and the Celery broker): after a failure, skip it for a while.

While Redis is down, every call to it would otherwise wait for a connection to fail (and a Celery
publish retries on top of that: about 0.6 s per message). A breaker opens at the first failure and
for ``REDIS_BREAKER_SECONDS`` (default 5) every call is skipped at once; the first call after that
is a trial, which closes the breaker when it succeeds and opens it again when it fails. A warning
is logged when the breaker opens, then at most once per ``WARN_SECONDS`` while it stays open, with
the number of calls skipped; recovery is logged once. ``REDIS_BREAKER_SECONDS = 0`` turns the
skipping off (every call tries), which is what ``bench/redis_outage.py`` compares against.

Each process keeps its own breakers, shared by its threads: ``breaker(name, target)`` returns the
one for a Redis (``name`` is ``"cache"`` or ``"broker"``, as the logs say; ``target`` its URL, so
that another Redis, such as a new broker, starts with a closed breaker).
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings

logger = logging.getLogger(__name__)

WARN_SECONDS = 30.0
_CLOSED = float("-inf")


class CircuitBreaker:
    def __init__(self, name: str):
        self.name = name
        self._open_until = _CLOSED
        self._failing_since: float | None = None
        self._warned_at = _CLOSED
        self._skipped = 0
        self._lock = threading.Lock()

    @property
    def seconds(self) -> float:
        return float(getattr(settings, "REDIS_BREAKER_SECONDS", 5))

    @property
    def is_open(self) -> bool:
        return time.monotonic() < self._open_until

    @property
    def failing(self) -> bool:
        """True from a failure until the next success (open, or waiting for its trial call)."""
        return self._failing_since is not None

    def allows(self) -> bool:
        """False while open (the call is counted as skipped); True when closed or for a trial."""
        if time.monotonic() >= self._open_until:
            return True
        with self._lock:
            self._skipped += 1
        return False

    def failed(self, exc: BaseException) -> None:
        now = time.monotonic()
        with self._lock:
            self._open_until = now + self.seconds
            first = self._failing_since is None
            if self._failing_since is None:
                self._failing_since = now
            since = self._failing_since
            if not (first or now - self._warned_at >= WARN_SECONDS):
                return
            skipped, self._skipped, self._warned_at = self._skipped, 0, now
        if first:
            logger.warning(
                "Redis (%s) is unreachable (%s); calls to it are skipped for %s s at a time until it answers",
                self.name,
                type(exc).__name__,
                self.seconds,
            )
        else:
            logger.warning(
                "Redis (%s) is still unreachable (%s) after %.0f s; %d calls skipped since the last warning",
                self.name,
                type(exc).__name__,
                now - since,
                skipped,
            )

    def succeeded(self) -> None:
        if self._failing_since is None:  # the usual case: nothing to lock
            return
        with self._lock:
            if self._failing_since is None:
                return
            down = time.monotonic() - self._failing_since
            self._open_until, self._failing_since, self._skipped, self._warned_at = _CLOSED, None, 0, _CLOSED
        logger.warning("Redis (%s) answers again after %.1f s", self.name, down)

    def reset(self) -> None:
        with self._lock:
            self._open_until, self._failing_since, self._skipped, self._warned_at = _CLOSED, None, 0, _CLOSED


_breakers: dict[tuple[str, str], CircuitBreaker] = {}
_registry_lock = threading.Lock()


def breaker(name: str, target: str = "") -> CircuitBreaker:
    found = _breakers.get((name, target))
    if found is None:
        with _registry_lock:
            found = _breakers.setdefault((name, target), CircuitBreaker(name))
    return found


def reset_all() -> None:
    """Close every breaker (tests, and after a settings change)."""
    for item in list(_breakers.values()):
        item.reset()


def queue_task(task, *args) -> bool:
    """``task.delay(*args)``, unless the broker's breaker is open: then nothing is sent and False
    is returned at once (the caller's periodic sweep queues the work later). A publish that fails
    opens the breaker and raises. Eager tasks (no broker) run as they always do."""
    if task.app.conf.task_always_eager:
        task.delay(*args)
        return True
    broker = breaker("broker", str(task.app.conf.broker_url))
    if not broker.allows():
        logger.debug("%s%s not queued: the broker is unreachable; the sweep will queue it", task.name, args)
        return False
    try:
        task.delay(*args)
    except Exception as exc:
        broker.failed(exc)
        raise
    broker.succeeded()
    return True
