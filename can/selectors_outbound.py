"""Reads for outbound SMS to the community (``can.services.outbound``): which replies may be
claimed and which the sweep queues, and what the base sees of an alert's replies and failed
notifications. The retry rule itself (``RETRY_DELAYS``, ``MAX_SEND_ATTEMPTS``) is in
``can.selectors``, shared with notifications."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from .models import Alert, Notification, NotificationChannel, NotificationStatus, OutboundStatus, Reply
from .selectors import MAX_SEND_ATTEMPTS


def reply_free_q(now: datetime) -> Q:
    """A reply that may be claimed now: pending or failed with attempts left, its retry due, and
    held by no worker (or by one whose lease has passed)."""
    return (
        Q(status__in=[OutboundStatus.PENDING, OutboundStatus.FAILED], attempts__lt=MAX_SEND_ATTEMPTS)
        & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        & (Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
    )


def reply_unconfirmed_q(now: datetime) -> Q:
    """A reply whose worker's lease passed while it may have been handing it to the gateway."""
    return Q(status=OutboundStatus.SENDING, claimed_until__lt=now)


def replies_due_ids(*, grace: timedelta = timedelta(minutes=1), now: datetime | None = None) -> list[int]:
    """Replies the sweep queues: due and free (older than ``grace``, so a reply whose task was just
    queued is left to it), or held past a lapsed lease."""
    now = now or timezone.now()
    return list(
        Reply.objects.filter((Q(created_at__lte=now - grace) & reply_free_q(now)) | reply_unconfirmed_q(now))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def alert_replies(*, alert: Alert) -> list[Reply]:
    """An alert's replies to its sender, as the base sees them: kind, status, attempts, receipt
    (never the number)."""
    return list(
        alert.replies.order_by("created_at", "pk").only(
            "uid",
            "alert_id",
            "kind",
            "status",
            "attempts",
            "language",
            "next_attempt_at",
            "sent_at",
            "receipt_status",
            "receipt_at",
            "created_at",
        )
    )


def alert_failed_notifications(*, alert: Alert) -> int:
    """How many of an alert's SMS notifications to staff failed for good."""
    return alert.notifications.filter(
        channel=NotificationChannel.SMS, status=NotificationStatus.FAILED, attempts__gte=MAX_SEND_ATTEMPTS
    ).count()


def sms_failed():
    """An expression for an alert queryset: whether a reply to its sender or an SMS notification
    to staff failed for good (no retry left)."""
    reply = Reply.objects.filter(alert=OuterRef("pk"), status=OutboundStatus.FAILED, attempts__gte=MAX_SEND_ATTEMPTS)
    notification = Notification.objects.filter(
        alert=OuterRef("pk"),
        channel=NotificationChannel.SMS,
        status=NotificationStatus.FAILED,
        attempts__gte=MAX_SEND_ATTEMPTS,
    )
    return Exists(reply) | Exists(notification)
