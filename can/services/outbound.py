"""Sending replies to the community, and the retry rule shared with SMS notifications to staff.

A reply is sent by ``reply_send``, the body of ``can.tasks.send_reply``:
- **claimed** with one conditional UPDATE (status "sending", ``attempts`` + 1, held until
  ``claimed_until``), committed before the message leaves: a second worker, or the sweep's copy of
  the task, finds nothing to claim. A worker that dies holds it only until its lease passes.
- **throttled** per channel: ``can.throttle.reserve`` books its slot just before the send. A wait
  of up to ``THROTTLE_WAIT_SECONDS`` is slept; a longer one gives the claim back (pending, due at
  that slot, the attempt not counted) and queues the task again with that countdown, so a reply
  storm never holds a worker.
- **sent** through ``can.sms.get_backend()`` with the reply's ``uid`` as reference, then marked
  sent, with an alert event ``REPLY_SENT`` whose note is only the reply's kind.
- **retried** on ``SmsError`` 1, 5 and 15 minutes later (``next_attempt_at``; the sweep queues it
  when due), then failed for good with an alert event ``REPLY_FAILED``, shown on the alert page.

A send that may have reached the gateway (``SmsError.maybe_sent``, or a lease that lapsed while
"sending") follows the notification rule: it is sent again at most once. ``Reply`` has no
``possible_duplicate`` column, so the mark is the ``MAYBE_SENT`` prefix of its ``error``, kept on
every later error: a reply so marked that may have gone out again is failed, never sent a third
time.

Notifications to staff use the same delays (``retry_at``): ``notification_free_q`` and
``outstanding_work`` wait for ``Notification.next_attempt_at``.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Greatest
from django.utils import timezone

from monusco import audit

from .. import throttle
from ..models import AlertEvent, EventKind, OutboundStatus, Reply
from ..queue import queue_reply
from ..selectors import MAX_SEND_ATTEMPTS, RETRY_DELAYS
from ..selectors_outbound import reply_free_q, reply_unconfirmed_q

logger = logging.getLogger(__name__)

THROTTLE_WAIT_SECONDS = 1.0  # a longer wait for the channel re-queues the task instead of sleeping
MAYBE_SENT = "may have reached the gateway: "
UNCONFIRMED_TWICE = "may have reached the gateway twice unconfirmed: not sent again"

_sleep = time.sleep  # replaced by tests


def _lease() -> timedelta:
    return timedelta(seconds=getattr(settings, "CAN_SMS_LEASE_SECONDS", 60))


def retry_at(now: datetime) -> Case:
    """When a send that failed on its ``attempts``-th try (the row's value, counted by its claim)
    is tried again: 1, 5, then 15 minutes later. Past the last, ``attempts`` reaches
    ``MAX_SEND_ATTEMPTS`` and nothing claims it again."""
    return Case(
        *(When(attempts__lte=n, then=Value(now + delay)) for n, delay in enumerate(RETRY_DELAYS[:-1], start=1)),
        default=Value(now + RETRY_DELAYS[-1]),
    )


def _claim(reply_id: int, now: datetime) -> bool:
    """One conditional UPDATE: a free reply, or one whose lease lapsed while "sending" (marked as
    possibly sent), unless it is already so marked."""
    return bool(
        audit.audited_update(
            Reply.objects.filter(
                Q(pk=reply_id) & (reply_free_q(now) | (reply_unconfirmed_q(now) & ~Q(error__startswith=MAYBE_SENT)))
            ),
            status=OutboundStatus.SENDING,
            attempts=F("attempts") + 1,
            claimed_until=now + _lease(),
            updated_at=now,
            error=Case(
                When(status=OutboundStatus.SENDING, then=Value(MAYBE_SENT + "lease lapsed")), default=F("error")
            ),
        )
    )


def _event(reply: Reply, kind: str, now: datetime) -> None:
    if reply.alert_id:  # an opt-out confirmation belongs to no alert
        AlertEvent.objects.create(alert_id=reply.alert_id, kind=kind, at=now, note=reply.kind)


def _give_up_unconfirmed(reply_id: int, now: datetime) -> None:
    """A reply marked possibly sent whose holder's lease lapsed again: never send it again."""
    held = Reply.objects.filter(Q(pk=reply_id) & reply_unconfirmed_q(now) & Q(error__startswith=MAYBE_SENT))
    reply = held.only("pk", "alert_id", "kind").first()
    if reply is not None and audit.audited_update(
        held,
        status=OutboundStatus.FAILED,
        attempts=Greatest(F("attempts"), Value(MAX_SEND_ATTEMPTS)),
        claimed_until=None,
        next_attempt_at=None,
        error=UNCONFIRMED_TWICE,
        updated_at=now,
    ):
        _event(reply, EventKind.REPLY_FAILED, now)


def _ours(reply: Reply):
    return Reply.objects.filter(pk=reply.pk, status=OutboundStatus.SENDING, claimed_until=reply.claimed_until)


def _wait_for_channel(reply: Reply, now: datetime) -> bool:
    """Book the reply's slot on its channel. True to send now (after a short sleep); False when the
    slot is too far: the claim is given back, due then, and the task queued again for it."""
    delay = throttle.reserve(channel_id=reply.sms_channel_id, per_second=reply.sms_channel.max_per_second)
    if delay <= THROTTLE_WAIT_SECONDS:
        if delay > 0:
            _sleep(delay)
        return True
    audit.audited_update(
        _ours(reply),
        status=Case(When(error="", then=Value(OutboundStatus.PENDING)), default=Value(OutboundStatus.FAILED)),
        attempts=F("attempts") - 1,
        claimed_until=None,
        next_attempt_at=now + timedelta(seconds=delay),
        updated_at=now,
    )
    queue_reply(reply.pk, countdown=delay)
    return False


def _failed(reply: Reply, exc, now: datetime) -> None:
    """Record a failed send: retried later while attempts remain, else failed for good."""
    marked = reply.error.startswith(MAYBE_SENT)
    error = str(exc)[:150]
    final = reply.attempts >= MAX_SEND_ATTEMPTS or (exc.maybe_sent and marked)
    if exc.maybe_sent and marked:
        error = UNCONFIRMED_TWICE
    elif exc.maybe_sent or marked:
        error = MAYBE_SENT + error
    audit.audited_update(
        _ours(reply),
        status=OutboundStatus.FAILED,
        attempts=Greatest(F("attempts"), Value(MAX_SEND_ATTEMPTS)) if final else F("attempts"),
        claimed_until=None,
        next_attempt_at=None if final else retry_at(now),
        error=error,
        updated_at=now,
    )
    logger.warning("Reply %s failed (attempt %d): %s", reply.uid, reply.attempts, exc)
    if final:
        _event(reply, EventKind.REPLY_FAILED, now)


def reply_send(*, reply_id: int, now: datetime | None = None) -> bool:
    """Send one reply to the community: at most once, or once more when an earlier attempt may
    have gone out. Whether it was sent now. Not atomic on purpose: the claim commits before the
    message leaves."""
    from ..sms import SmsError, get_backend

    now = now or timezone.now()
    if not _claim(reply_id, now):
        _give_up_unconfirmed(reply_id, now)
        return False
    reply = Reply.objects.select_related("sms_channel").get(pk=reply_id)
    if not _wait_for_channel(reply, now):
        return False
    try:
        get_backend().send(to=reply.to_number, text=reply.text, reference=str(reply.uid))
    except SmsError as exc:
        _failed(reply, exc, now)
        return False
    audit.audited_update(
        Reply.objects.filter(pk=reply.pk).exclude(status__in=[OutboundStatus.SENT, OutboundStatus.DELIVERED]),
        status=OutboundStatus.SENT,
        sent_at=now,
        claimed_until=None,
        next_attempt_at=None,
        updated_at=now,
    )
    _event(reply, EventKind.REPLY_SENT, now)
    return True
