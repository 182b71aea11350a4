"""Queueing the CAN's tasks, one typed function per task: ``queue_notify(alert_id)``,
``queue_send(notification_id)`` and ``queue_reply(reply_id)``. This module owns the coalescing state of notify tasks.

A task is queued once the transaction commits (``transaction.on_commit``): the data it reads is
saved first. A broker failure is logged and swallowed: the data is already saved and the periodic
sweep (``can.tasks.sweep_outstanding_notifications``) queues the work again. After a failure, the
broker's circuit breaker skips publishing at once for a few seconds (``monusco.breaker.queue_task``),
so an outage does not slow every message down.
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)

_last_publish = [float("-inf")]  # when this process last queued a coalesced notify task (monotonic)
_publish_lock = threading.Lock()


def queue_notify(alert_id: int) -> None:
    """Queue the notification of a new alert (``can.tasks.notify_alert``) once the transaction
    commits.

    With ``CAN_COALESCE_NOTIFY_TASKS``, a burst of alerts queues a few tasks, not one per alert: a
    process that queued a notify task less than 0.8 × ``CAN_NOTIFY_GATHER_SECONDS`` ago queues
    none. That task waits the whole gather time after it starts, and only then reads which alerts
    are waiting, so every alert committed in the shorter window is among them. A failed or skipped
    publish (the broker's breaker open) is not counted (the next alert tries again), and the sweep
    re-queues what a lost task left."""
    from . import tasks

    if not getattr(settings, "CAN_COALESCE_NOTIFY_TASKS", False):
        transaction.on_commit(lambda: _publish(tasks.notify_alert, alert_id), robust=True)
        return

    def publish() -> None:
        window = 0.8 * getattr(settings, "CAN_NOTIFY_GATHER_SECONDS", 0)  # shorter than the gather, with a margin
        with _publish_lock:
            now = time.monotonic()  # before publishing: the task cannot start earlier
            if now - _last_publish[0] < window:
                return  # the task queued then will find this alert
            if _publish(tasks.notify_alert, alert_id):  # not queued: the breaker is open, the sweep will queue it
                _last_publish[0] = now

    transaction.on_commit(publish, robust=True)


def queue_send(notification_id: int) -> None:
    """Queue the sending of one notification (``can.tasks.send_notification``) once the
    transaction commits."""
    from . import tasks

    transaction.on_commit(lambda: _publish(tasks.send_notification, notification_id), robust=True)


def queue_reply(reply_id: int, *, countdown: float | None = None) -> None:
    """Queue the sending of one reply to the community (``can.tasks.send_reply``) once the
    transaction commits; with ``countdown``, that many seconds later (a throttled channel). A
    broker failure is logged: the reply stays pending and the sweep queues it again."""
    from . import tasks

    if countdown:
        transaction.on_commit(lambda: _publish_later(tasks.send_reply, reply_id, countdown), robust=True)
        return
    transaction.on_commit(lambda: _publish(tasks.send_reply, reply_id), robust=True)


def _publish_later(task, reply_id: int, countdown: float) -> bool:
    """Publish with a countdown. Eager tasks (no broker) are not run now: the reply waits, due at
    its ``next_attempt_at``, for the sweep."""
    from monusco.breaker import breaker

    if task.app.conf.task_always_eager:
        return False
    broker = breaker("broker", str(task.app.conf.broker_url))
    if not broker.allows():
        return False
    try:
        task.apply_async((reply_id,), countdown=countdown)
    except Exception as exc:  # noqa: BLE001 - broker down: the sweep retries
        broker.failed(exc)
        logger.warning("Could not queue send_reply(%s) later (%s); the sweep will retry", reply_id, type(exc).__name__)
        return False
    broker.succeeded()
    return True


def _publish(task, *args) -> bool:
    """Publish now; whether the task was queued. A failure is logged, never raised."""
    from monusco.breaker import queue_task

    try:
        return bool(queue_task(task, *args))
    except Exception as exc:  # noqa: BLE001 - broker down, eager task error: the sweep retries
        logger.warning(
            "Could not run %s%s now (%s); the sweep will retry", task.name.rsplit(".", 1)[-1], args, type(exc).__name__
        )
        return False
