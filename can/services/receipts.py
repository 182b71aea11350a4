"""Delivery receipts from SMS gateways (Courier's status shape): ``id`` is the reference a message
was sent with, the ``uid`` of a ``Reply`` or of an SMS ``Notification``; ``status`` is queued, sent,
delivered or failed.

Which channel may speak of which message:
- a reply, only the channel it was sent through (``Reply.sms_channel``);
- an SMS notification to staff, only a channel of the alert's base: notifications leave through
  ``settings.SMS_BACKEND``, the deployment's one outbound gateway, which reports back through the
  base's channel. Any other id is unknown to that channel (the view answers 404), so a channel's
  token never tells anything of another base's traffic.

Receipts never move a message backwards. Within one attempt they are ranked
``queued < sent < failed < delivered``: a late "sent" after "delivered" is ignored, a "failed" after
"sent" is taken, and "delivered" is final (the phone has it; nothing is sent again). A message sent
again after its last receipt (``sent_at`` later than ``receipt_at``: a retry, with the same
reference) starts from nothing, so that the new attempt's own receipts count.

What a receipt changes (one audited UPDATE on the row, locked while it is read):
- always ``receipt_status`` and ``receipt_at``;
- ``failed`` on a message the gateway had (status sending or sent): status failed, the lease given
  back, and ``next_attempt_at`` by the retry rule (1, 5, then 15 minutes after the receipt, by the
  attempts made), so the sweep sends it again while attempts remain;
- ``delivered`` on a reply: status delivered (dated sent if the worker had not yet marked it).
A repeat of a receipt already applied changes nothing.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from monusco import audit

from .. import locks
from ..models import (
    Notification,
    NotificationChannel,
    NotificationStatus,
    OutboundStatus,
    ReceiptStatus,
    Reply,
    SmsChannel,
)

# The order of a message's receipts within one attempt; a lower one never replaces a higher one.
RECEIPT_RANK = {
    ReceiptStatus.QUEUED: 0,
    ReceiptStatus.SENT: 1,
    ReceiptStatus.FAILED: 2,
    ReceiptStatus.DELIVERED: 3,
}
# When a send the gateway reports failed is tried again, by the attempts already made (the same
# delays as a send that failed at once: 1, 5, then 15 minutes).
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15))
RECEIPT_FAILED_ERROR = "the gateway reported the message not delivered"


@dataclasses.dataclass(frozen=True)
class ReceiptOutcome:
    message: Reply | Notification  # as it is now
    applied: bool  # False when the receipt was older than what the message already had


def _retry_at(attempts: int, now: datetime) -> datetime:
    return now + RETRY_DELAYS[min(max(attempts, 1), len(RETRY_DELAYS)) - 1]


def _locked(channel: SmsChannel, reference: uuid.UUID) -> Reply | Notification | None:
    """The message with this reference that this channel may speak of, its row locked."""
    reply = locks.replies_for_update().filter(uid=reference, sms_channel=channel)
    found = reply.first()
    if found is not None:
        return found
    notification = locks.notifications_for_update().filter(
        uid=reference, channel=NotificationChannel.SMS, alert__base_id=channel.base_id
    )
    return notification.first()


def _current_rank(message: Reply | Notification) -> int:
    """The rank of the receipt the message's current attempt has had (-1: none yet)."""
    if not message.receipt_status or message.receipt_at is None:
        return -1
    if message.receipt_status != ReceiptStatus.DELIVERED and message.sent_at and message.sent_at > message.receipt_at:
        return -1  # sent again since: a new attempt
    return RECEIPT_RANK[ReceiptStatus(message.receipt_status)]


def _changes(message: Reply | Notification, status: ReceiptStatus, now: datetime) -> dict:
    fields: dict = {"receipt_status": status, "receipt_at": now}
    sending, sent = (
        (OutboundStatus.SENDING, OutboundStatus.SENT)
        if isinstance(message, Reply)
        else (NotificationStatus.SENDING, NotificationStatus.SENT)
    )
    if status == ReceiptStatus.FAILED and message.status in (sending, sent):
        fields |= {
            "status": OutboundStatus.FAILED if isinstance(message, Reply) else NotificationStatus.FAILED,
            "claimed_until": None,
            "error": RECEIPT_FAILED_ERROR,
            "next_attempt_at": _retry_at(message.attempts, now),
        }
    elif status == ReceiptStatus.DELIVERED and isinstance(message, Reply):
        fields |= {"status": OutboundStatus.DELIVERED, "claimed_until": None, "next_attempt_at": None}
        if message.sent_at is None:
            fields["sent_at"] = now
    return fields


@transaction.atomic
def message_receipt_record(
    *, channel: SmsChannel, reference: uuid.UUID, status: ReceiptStatus, now: datetime | None = None
) -> ReceiptOutcome | None:
    """Record a gateway's receipt for the message sent with this reference. None when this channel
    sent no such message (unknown, another channel's, or not an SMS)."""
    now = now or timezone.now()
    message = _locked(channel, reference)
    if message is None:
        return None
    if RECEIPT_RANK[status] <= _current_rank(message):
        return ReceiptOutcome(message=message, applied=False)
    fields = _changes(message, status, now)
    audit.audited_update(type(message).objects.filter(pk=message.pk), **fields)
    for name, value in fields.items():
        if hasattr(value, "resolve_expression"):
            continue
        setattr(message, name, value)
    return ReceiptOutcome(message=message, applied=True)
