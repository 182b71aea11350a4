"""Celery tasks. Each takes ids, re-reads state and does nothing when the work is already done;
periodic ones hold a cache lock so two runs never overlap."""

from __future__ import annotations

import contextlib
import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.cache import cache

from . import selectors, selectors_outbound, services, spool

logger = logging.getLogger(__name__)

LOCK_SECONDS = 300


@contextlib.contextmanager
def periodic_lock(name: str):
    """Yields True when this run holds the lock; False when another run does."""
    key = f"can:lock:{name}"
    acquired = cache.add(key, "1", timeout=LOCK_SECONDS)
    try:
        yield acquired
    finally:
        if acquired:
            cache.delete(key)


@shared_task(acks_late=True, ignore_result=True)
def notify_alert(alert_id: int) -> int:
    return services.alert_notify(alert_id=alert_id)


@shared_task(acks_late=True, ignore_result=True)
def send_notification(notification_id: int) -> bool:
    return services.notification_send(notification_id=notification_id)


@shared_task(name="can.tasks.send_reply", acks_late=True, ignore_result=True)
def send_reply(reply_id: int) -> bool:
    return services.reply_send(reply_id=reply_id)


@shared_task(ignore_result=True)
def escalate_overdue_alerts() -> int:
    with periodic_lock("escalate") as acquired:
        if not acquired:
            logger.info("Escalation already running; skipped")
            return 0
        return sum(services.alert_escalate(alert_id=pk) for pk in selectors.alerts_overdue_ids())


@shared_task(ignore_result=True)
def sweep_outstanding_notifications(grace_seconds: int = 60) -> int:
    """Queue again what a broker failure (or a crash) left undone: alerts never notified,
    notifications not sent, and those a worker claimed and then held past its lease; and the
    replies to the community that are due (pending, a retry whose time has come, a lapsed lease)."""
    with periodic_lock("sweep") as acquired:
        if not acquired:
            logger.info("Notification sweep already running; skipped")
            return 0
        alert_ids, notification_ids = selectors.outstanding_work(grace=timedelta(seconds=grace_seconds))
        queued = 0
        if getattr(settings, "CAN_COALESCE_NOTIFY_TASKS", False):
            alert_ids = alert_ids[:1]  # a coalesced task notifies every alert waiting when it starts
        for pk in alert_ids:
            queued += _queue(notify_alert, pk)
        for pk in notification_ids:
            queued += _queue(send_notification, pk)
        reply_ids = selectors_outbound.replies_due_ids(grace=timedelta(seconds=grace_seconds))
        for pk in reply_ids:
            queued += _queue(send_reply, pk)
        if queued:
            logger.info(
                "Sweep queued %d alert(s), %d notification(s) and %d reply(ies)",
                len(alert_ids),
                len(notification_ids),
                len(reply_ids),
            )
        return queued


def _queue(task, pk: int) -> int:
    try:
        task.delay(pk)
    except Exception as exc:  # noqa: BLE001 - broker still down: the next sweep tries again
        logger.warning("Sweep could not queue %s(%s): %s", task.name, pk, type(exc).__name__)
        return 0
    return 1


@shared_task(ignore_result=True)
def replay_spool() -> int:
    """Store the messages the intake spooled while PostgreSQL was away (``can.spool``)."""
    with periodic_lock("replay-spool") as acquired:
        if not acquired:
            logger.info("Spool replay already running; skipped")
            return 0
        result = spool.spool_replay()
        if result.replayed or result.dropped or result.bad:
            logger.info(
                "Spool replay: %d stored, %d dropped, %d bad, %d left",
                result.replayed,
                result.dropped,
                result.bad,
                result.left,
            )
        return result.replayed
