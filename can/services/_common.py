"""Helpers shared by the CAN services: small reads, scope checks, events and queueing."""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cla.models import OperatingBase
from monusco.scope import scope_for

from ..models import (
    Alert,
    AlertEvent,
)

logger = logging.getLogger(__name__)

def _first(qs):
    """The first row of a query known to match at most a few rows, without an ORDER BY (which
    could make PostgreSQL walk an unrelated index)."""
    rows = list(qs.order_by()[:1])
    return rows[0] if rows else None


_last_publish = [float("-inf")]  # when this process last queued a coalesced notify task (monotonic)
_publish_lock = threading.Lock()


def _enqueue_notify(alert_id: int) -> None:
    """Queue the notification of a new alert once the transaction commits.

    With ``CAN_COALESCE_NOTIFY_TASKS``, a burst of alerts queues a few tasks, not one per alert: a
    process that queued a notify task less than 0.8 × ``CAN_NOTIFY_GATHER_SECONDS`` ago queues
    none. That task waits the whole gather time after it starts, and only then reads which alerts
    are waiting, so every alert committed in the shorter window is among them. A failed or skipped
    publish (the broker's breaker open, see ``_enqueue``) is not counted (the next alert tries
    again), and the sweep re-queues what a lost task left."""
    if not getattr(settings, "CAN_COALESCE_NOTIFY_TASKS", False):
        _enqueue("notify_alert", alert_id)
        return

    def publish() -> None:
        from monusco.breaker import queue_task

        from .. import tasks

        window = 0.8 * getattr(settings, "CAN_NOTIFY_GATHER_SECONDS", 0)  # shorter than the gather, with a margin
        with _publish_lock:
            now = time.monotonic()  # before publishing: the task cannot start earlier
            if now - _last_publish[0] < window:
                return  # the task queued then will find this alert
            try:
                queued = queue_task(tasks.notify_alert, alert_id)
            except Exception as exc:  # noqa: BLE001 - broker down: the sweep retries
                logger.warning("Could not run notify_alert(%s) now (%s); the sweep will retry", alert_id, type(exc).__name__)
                return
            if queued:  # not queued: the broker's breaker is open, and the sweep will queue it
                _last_publish[0] = now

    transaction.on_commit(publish, robust=True)


def _enqueue(task_name: str, *args) -> None:
    """Queue ``can.tasks.<task_name>`` once the transaction commits. A broker failure is logged
    and swallowed: the data is already saved and the sweep will queue the work again. After a
    failure, the broker's circuit breaker skips publishing at once for a few seconds
    (``monusco.breaker.queue_task``), so an outage does not slow every message down."""

    def publish() -> None:
        from monusco.breaker import queue_task

        from .. import tasks

        try:
            queue_task(getattr(tasks, task_name), *args)
        except Exception as exc:  # noqa: BLE001 - broker down, eager task error: the sweep retries
            logger.warning("Could not run %s%s now (%s); the sweep will retry", task_name, args, type(exc).__name__)

    transaction.on_commit(publish, robust=True)


def _territory_of_base(base: OperatingBase) -> int:
    return base.locality.territory_id


def _in_base_scope(user, base_id: int) -> bool:
    return scope_for(user).has_base(base_id)


def _event(alert: Alert, kind: str, *, actor=None, at=None, from_status="", to_status="", note="") -> AlertEvent:
    return AlertEvent.objects.create(
        alert=alert, kind=kind, actor=actor, at=at or timezone.now(), from_status=from_status, to_status=to_status, note=note
    )
