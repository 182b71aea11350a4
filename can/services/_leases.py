"""Claims are leases: how a notification is claimed, held, renewed and marked sent."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Greatest
from django.utils import timezone

from monusco import audit

from .. import locks
from ..models import (
    Notification,
    NotificationChannel,
    NotificationStatus,
)
from ..selectors import MAX_SEND_ATTEMPTS, notification_free_q, notification_unconfirmed_q

# --- claims are leases ------------------------------------------------------------------------
# A worker claims SMS notifications before sending them: status "sending", held until
# ``claimed_until`` (now + CAN_SMS_LEASE_SECONDS), written by the statement that plans them or by
# one UPDATE for a batch. It hands them to the gateway one by one and marks the delivered ones sent
# in one UPDATE at the end. If it dies in between, its claims expire, ``outstanding_work`` lists
# them and the sweep queues them; ``_claim`` takes them back:
# - a "pending" one held by the dead worker had certainly not been handed out: it is sent once,
#   as any pending one;
# - a "sending" one may have reached the gateway: it is sent again once, marked
#   ``possible_duplicate`` (the text says it may be a repeat). One already marked is not sent a
#   third time: it is failed, with no attempts left (UNCONFIRMED_TWICE).
# A quick batch writes nothing more. A slow one (a slow gateway) writes its progress every
# PROGRESS_SECONDS, before the next message (``_Handout``): the delivered ones are marked sent, the
# next few (as many as went out in the last interval) stay "sending", the rest go back to
# "pending", still held, and the lease is renewed. So a worker that dies leaves about its last
# second of messages to be sent twice, marked; every other message goes out exactly once.
# The gateway's delivery receipts are not consulted: no backend here can be asked about one. The
# resent message carries the same reference, so a gateway that drops repeated references drops it.

PROGRESS_SECONDS = 1.0
UNCONFIRMED_TWICE = "may have reached the gateway twice unconfirmed: not sent again"


def _lease() -> timedelta:
    return timedelta(seconds=getattr(settings, "CAN_SMS_LEASE_SECONDS", 60))


def _held_until(notification: Notification) -> datetime:
    """When the lease on a claimed notification ends: every claim sets it."""
    assert notification.claimed_until is not None, "a claimed notification has a lease"
    return notification.claimed_until


def _progress_seconds() -> float:
    return min(PROGRESS_SECONDS, _lease().total_seconds() / 4)  # the lease is renewed well before it ends


def _claim(notification_id: int, now: datetime) -> bool:
    """One conditional UPDATE, committed before the message leaves: a second worker finds nothing
    to claim. It also takes back an unconfirmed one (marking it a possible repeat), unless it is
    already marked."""
    return bool(
        audit.audited_update(
            Notification.objects.filter(
                Q(pk=notification_id)
                & (notification_free_q(now) | (notification_unconfirmed_q(now) & Q(possible_duplicate=False)))
            ),
            status=NotificationStatus.SENDING,
            attempts=F("attempts") + 1,
            claimed_until=now + _lease(),
            updated_at=now,
            possible_duplicate=Case(
                When(status=NotificationStatus.SENDING, channel=NotificationChannel.SMS, then=Value(True)),
                default=F("possible_duplicate"),
            ),
        )
    )


def _give_up_unconfirmed(notification_id: int, now: datetime) -> int:
    """A possible repeat whose holder died too may have gone out twice: never send it again."""
    return audit.audited_update(
        Notification.objects.filter(
            Q(pk=notification_id) & notification_unconfirmed_q(now) & Q(possible_duplicate=True)
        ),
        status=NotificationStatus.FAILED,
        attempts=Greatest(F("attempts"), Value(MAX_SEND_ATTEMPTS)),
        claimed_until=None,
        error=UNCONFIRMED_TWICE,
        updated_at=now,
    )


def _mark_sent(notification_ids: list[int]) -> int:
    """Mark delivered notifications sent, whoever holds them now (they did go out)."""
    if not notification_ids:
        return 0
    now = timezone.now()
    return audit.audited_update(
        Notification.objects.filter(pk__in=notification_ids).exclude(status=NotificationStatus.SENT),
        status=NotificationStatus.SENT,
        sent_at=now,
        error="",
        claimed_until=None,
        updated_at=now,
    )


def _claim_many(notification_ids: list[int], *, until: datetime) -> list[int]:
    """Claim notifications for sending until ``until`` in one transaction (two statements for the
    batch): rows another worker holds are skipped, and the claim commits before any message leaves."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            locks.notifications_for_update(skip_locked=True)
            .filter(Q(pk__in=notification_ids) & notification_free_q(now))
            .values_list("pk", flat=True)
        )
        if ids:
            audit.audited_update(
                Notification.objects.filter(pk__in=ids),
                status=NotificationStatus.SENDING,
                attempts=F("attempts") + 1,
                claimed_until=until,
                updated_at=now,
            )
    return ids


class _Handout:
    """The claimed SMS notifications of one batch, handed to the gateway in order, and what is
    known of them: which this worker still holds, which may have gone out (written "sending"),
    and which were delivered since progress was last written (see "Claims are leases")."""

    def __init__(self, notifications: list[Notification], until: datetime):
        self.order = [n.pk for n in notifications]
        self.position = {pk: index for index, pk in enumerate(self.order)}
        self.held = set(self.order)
        self.sending = set(self.order)  # the claim wrote them all "sending"
        self.until = until  # the lease written on those held
        self.delivered: list[int] = []
        self.handed = 0
        self.written = time.monotonic()
        self.sent = 0

    def may_send(self, notification: Notification) -> bool:
        """Whether this worker may hand the notification out now; writes progress first when due."""
        pk = notification.pk
        if pk not in self.held:
            return False
        if pk not in self.sending or time.monotonic() - self.written >= _progress_seconds():
            self._write_progress(pk)
        notification.claimed_until = self.until
        if pk not in self.sending:
            return False  # taken back while this worker was stalled past its lease
        self.handed += 1
        return True

    def _write_progress(self, next_pk: int) -> None:
        """Mark the delivered ones sent; keep "sending" the next few (as many as were handed out in
        the last interval) and hold the rest as "pending"; renew the lease of both."""
        now = timezone.now()
        until = now + _lease()
        remaining = [pk for pk in self.order[self.position[next_pk] :] if pk in self.held]
        ahead, rest = remaining[: max(1, self.handed)], remaining[max(1, self.handed) :]
        with transaction.atomic():
            self.sent += _mark_sent(self.delivered)
            held = Notification.objects.filter(
                status__in=[NotificationStatus.PENDING, NotificationStatus.SENDING], claimed_until=self.until
            )
            renewed = audit.audited_update(
                held.filter(pk__in=ahead), status=NotificationStatus.SENDING, claimed_until=until, updated_at=now
            )
            if rest:
                renewed += audit.audited_update(
                    held.filter(pk__in=rest), status=NotificationStatus.PENDING, claimed_until=until, updated_at=now
                )
            if renewed < len(remaining):  # the sweep took some back: keep only what is still held
                remaining = list(
                    Notification.objects.filter(pk__in=remaining, claimed_until=until).values_list("pk", flat=True)
                )
        self.held, self.sending, self.until = set(remaining), set(ahead) & set(remaining), until
        self.delivered, self.handed, self.written = [], 0, time.monotonic()

    def finish(self) -> int:
        """Mark the delivered ones sent; returns how many this batch marked sent in all."""
        return self.sent + _mark_sent(self.delivered)
