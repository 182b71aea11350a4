"""Notifications and escalation: who hears of an alert, planning, sending and escalating."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Max, Q, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from monusco import audit
from monusco.models import User

from .. import locks, throttle
from ..models import (
    UNACKNOWLEDGED_STATUSES,
    Alert,
    AlertEvent,
    EscalationLevel,
    EventKind,
    Notification,
    NotificationChannel,
    NotificationStatus,
    StaffPhone,
)
from ..queue import queue_send
from ..selectors import MAX_SEND_ATTEMPTS, alert_recipients, escalation_due_at, notification_message
from ._common import _first
from ._leases import (
    UNCONFIRMED_TWICE,
    _claim,
    _claim_many,
    _give_up_unconfirmed,
    _Handout,
    _held_until,
    _lease,
)
from .outbound import retry_at
from .replies import replies_plan_received

logger = logging.getLogger(__name__)


def _plan_rows(
    alerts: list[Alert], level: int, *, in_app_sent_at: datetime | None = None
) -> tuple[list[Notification], list[Notification], dict[int, str]]:
    """Create this level's notifications that do not exist yet for these alerts (the caller holds
    their row locks). One INSERT for all of them, audited in one INSERT too. With
    ``in_app_sent_at``, in-app ones are written already delivered: an in-app notification is
    delivered by being committed, so the caller's transaction sends them; and SMS ones are
    written claimed by the caller (leased), who sends them once its transaction commits. Returns (created, the
    alerts' other notifications still pending, the recipients' SMS phones by user id)."""
    recipients = _recipients_by_alert(alerts, level)
    user_ids = {user.pk for users in recipients.values() for user in users}
    if not user_ids:
        return [], [], {}
    phones = dict(StaffPhone.objects.filter(user_id__in=user_ids).values_list("user_id", "phone"))
    existing = list(
        Notification.objects.filter(alert__in=[alert.pk for alert in alerts]).only(
            "pk", "alert_id", "recipient_id", "channel", "status", "uid", "possible_duplicate"
        )
    )
    taken = {(n.alert_id, n.recipient_id, n.channel) for n in existing}
    rows = [
        Notification(
            alert=alert, recipient=user, channel=channel, level=level, **_planned_state(channel, in_app_sent_at)
        )
        for alert, user, channel in _wanted(alerts, recipients, phones)
        if (alert.pk, user.pk, channel) not in taken
    ]
    created = audit.audited_bulk_create(rows, savepoint=False)  # the caller's transaction holds the locks
    return created, [n for n in existing if n.status == NotificationStatus.PENDING], phones


def _recipients_by_alert(alerts: list[Alert], level: int) -> dict[int, list[User]]:
    """Each alert's recipients at this level, the duty roster read once per base."""
    by_key: dict[int, list[User]] = {}
    recipients: dict[int, list[User]] = {}
    for alert in alerts:
        key = alert.base_id if level == EscalationLevel.NONE else alert.pk  # the roster is the base's
        if key not in by_key:
            by_key[key] = alert_recipients(alert=alert, level=level)
        recipients[alert.pk] = by_key[key]
    return recipients


def _wanted(alerts: list[Alert], recipients: dict[int, list[User]], phones: dict[int, str]):
    """(alert, recipient, channel) of every notification due: in the app, and by SMS to those
    with a phone."""
    for alert in alerts:
        for user in recipients[alert.pk]:
            yield alert, user, NotificationChannel.IN_APP
            if user.pk in phones:
                yield alert, user, NotificationChannel.SMS


def _planned_state(channel: str, in_app_sent_at: datetime | None) -> dict:
    """The state a new notification is written in: pending, or (with ``in_app_sent_at``) an
    in-app one delivered and an SMS one claimed."""
    if not in_app_sent_at:
        return {}
    if channel == NotificationChannel.IN_APP:
        return {"status": NotificationStatus.SENT, "sent_at": in_app_sent_at, "attempts": 1}
    return {"status": NotificationStatus.SENDING, "attempts": 1, "claimed_until": in_app_sent_at + _lease()}


def _plan_notifications(alert: Alert, level: int) -> list[int]:
    """Create this level's notifications that do not exist yet; returns the ids created."""
    return [n.pk for n in _plan_rows([alert], level)[0]]


# What planning and the SMS text read of an alert; a focal point's encrypted fields stay unread.
NOTIFY_FIELDS = (
    "uid",
    "base",
    "locality",
    "territory",
    "focal_point",
    "threat_category",
    "escalation_level",
    "status",
    "notified_at",
    "base__name",
    "locality__name",
    "focal_point__do_not_call_back",
    "channel",  # these three tell which alerts get a receipt reply (``replies``)
    "sender_hash",
    "sms_channel",
)


def _notify_query(*, skip_locked: bool = False):
    return (
        locks.alerts_for_update(skip_locked=skip_locked)
        .select_related("base", "locality", "focal_point")
        .only(*NOTIFY_FIELDS)
    )


def _lock_alert_for_notify(alert_id: int) -> Alert | None:
    return _first(_notify_query().filter(pk=alert_id))


def _plan_pending(alert: Alert, others: Sequence[Alert] = ()) -> tuple[list[Notification], dict[int, str] | None]:
    """Plan the duty roster's notifications once (the caller holds the alerts' row locks; the
    others are not yet notified). Returns the notifications planned now (in-app ones already
    delivered) and those still pending, and, when just planned, the recipients' phones."""
    if alert.notified_at is None:
        batch = [alert, *others]
        now = timezone.now()
        created, pending, phones = _plan_rows(batch, EscalationLevel.NONE, in_app_sent_at=now)
        audit.audited_update(Alert.objects.filter(pk__in=[a.pk for a in batch]), notified_at=now, updated_at=now)
        replies_plan_received(alerts=batch)  # once per alert: see ``replies``
        for item in batch:
            item.notified_at = now
        return sorted([*pending, *created], key=lambda n: n.pk), phones
    return list(alert.notifications.filter(status=NotificationStatus.PENDING).order_by("pk")), None


def notifications_deliver_in_app(*, notification_ids: list[int]) -> int:
    """In-app notifications are delivered by being marked sent: one conditional UPDATE, so each
    goes out at most once."""
    if not notification_ids:
        return 0
    now = timezone.now()
    return audit.audited_update(
        Notification.objects.filter(
            pk__in=notification_ids,
            channel=NotificationChannel.IN_APP,
            status__in=[NotificationStatus.PENDING, NotificationStatus.FAILED],
        ),
        status=NotificationStatus.SENT,
        sent_at=now,
        attempts=F("attempts") + 1,
        updated_at=now,
    )


def _transmit(notification: Notification, phone: str | None, now: datetime | None = None) -> bool:
    """Send a claimed notification through the SMS backend (in-app ones need nothing), no faster
    than ``SMS_OUTBOUND_PER_SECOND`` (``can.throttle``; a wait is slept, the batch's lease renewed
    by its progress writes, so keep the rate above a batch's size over the lease). A failure
    marks it failed, for the sweep to retry: as a possible repeat when the gateway may have taken
    it, and never again when it already was one."""
    from ..sms import SmsError, get_backend

    if notification.channel != NotificationChannel.SMS:
        return True
    try:
        if not phone:
            raise SmsError("recipient has no phone")
        throttle.wait_for_slot(channel_id=throttle.STAFF_CHANNEL, per_second=settings.SMS_OUTBOUND_PER_SECOND)
        get_backend().send(to=phone, text=notification_message(notification), reference=str(notification.uid))
    except SmsError as exc:
        now = now or timezone.now()
        failed: dict[str, Any] = {
            "status": NotificationStatus.FAILED,
            "error": str(exc)[:200],
            "claimed_until": None,
            "next_attempt_at": retry_at(now),  # 1, 5, 15 minutes, then no attempts left
        }
        if exc.maybe_sent and notification.possible_duplicate:
            failed |= {"error": UNCONFIRMED_TWICE, "attempts": Greatest(F("attempts"), Value(MAX_SEND_ATTEMPTS))}
        elif exc.maybe_sent:
            failed["possible_duplicate"] = True
        audit.audited_update(
            Notification.objects.filter(
                pk=notification.pk, status=NotificationStatus.SENDING, claimed_until=notification.claimed_until
            ),
            **failed,
            updated_at=now,
        )
        logger.warning("SMS notification %s failed: %s", notification.uid, exc)
        return False
    return True


def notification_send(*, notification_id: int, now: datetime | None = None) -> bool:
    """Send one notification: at most once, or, when an earlier attempt may have gone out
    unconfirmed, once more with a mark. Not atomic on purpose: the claim commits before the
    message leaves. It then goes out as a batch's do (``_send_claimed``)."""
    now = now or timezone.now()
    if not _claim(notification_id, now):
        _give_up_unconfirmed(notification_id, now)
        return False
    notification = Notification.objects.select_related(
        "alert__base", "alert__locality", "alert__focal_point", "recipient"
    ).get(pk=notification_id)
    phones = {}
    if notification.channel == NotificationChannel.SMS:
        phone = _first(StaffPhone.objects.filter(user_id=notification.recipient_id).values_list("phone", flat=True))
        phones = {notification.recipient_id: phone} if phone else {}
    return bool(_send_claimed([notification], phones, _held_until(notification), now=now))


NOTIFY_BATCH = 200


def alert_notify(*, alert_id: int) -> int:
    """Notify this alert; with coalesced tasks (``CAN_COALESCE_NOTIFY_TASKS``) also every alert
    waiting when the task has gathered, in batches. Returns how many notifications were sent now.

    A coalesced task first waits ``CAN_NOTIFY_GATHER_SECONDS``: the alerts committed meanwhile
    queue no task of their own (see ``can.queue.queue_notify``) and join this task's batches, so under a
    burst the worker notifies a few large batches, not one alert at a time. Alerts another task
    holds are left to it."""
    if not getattr(settings, "CAN_COALESCE_NOTIFY_TASKS", False):
        return _notify_batch(alert_id)
    time.sleep(getattr(settings, "CAN_NOTIFY_GATHER_SECONDS", 0))
    ceiling = Alert.objects.filter(notified_at__isnull=True).aggregate(last=Max("pk"))["last"]
    sent = _notify_batch(alert_id)
    while ceiling is not None:
        with transaction.atomic():
            alerts = list(_waiting_locked().filter(pk__lte=ceiling)[:NOTIFY_BATCH])
            if not alerts:
                break
            pending, phones, planned = _plan_batch(alerts)
        sent += planned + _send_sms(pending, phones, alerts)
    return sent


def _waiting_locked():
    """Alerts not yet notified, locked for notifying; those another worker holds are skipped."""
    return _notify_query(skip_locked=True).filter(notified_at__isnull=True).order_by("pk")


def _plan_batch(alerts: list[Alert]) -> tuple[list[Notification], dict[int, str] | None, int]:
    """Plan the first alert's notifications, with the others' (locked and not yet notified), and
    deliver the in-app ones, in the caller's transaction. Returns the pending SMS notifications,
    the recipients' phones when just planned, and how many in-app notifications were delivered."""
    pending, phones = _plan_pending(alerts[0], alerts[1:])
    in_app = [n for n in pending if n.channel == NotificationChannel.IN_APP]
    sent = sum(1 for n in in_app if n.status == NotificationStatus.SENT)  # written delivered just now
    sent += notifications_deliver_in_app(notification_ids=[n.pk for n in in_app if n.status != NotificationStatus.SENT])
    return [n for n in pending if n.channel != NotificationChannel.IN_APP], phones, sent


def _send_sms(sms: list[Notification], phones: dict[int, str] | None, alerts: list[Alert]) -> int:
    """Claim these SMS notifications together (one commit; those written claimed need none) and
    send them with the alerts and phones already in hand (``_send_claimed``)."""
    if not sms:
        return 0
    if phones is None:
        phones = dict(
            StaffPhone.objects.filter(user_id__in={n.recipient_id for n in sms}).values_list("user_id", "phone")
        )
    batch, until = _claim_batch(sms)
    _attach(batch, alerts)
    return _send_claimed(batch, phones, until)


def _claim_batch(sms: list[Notification]) -> tuple[list[Notification], datetime]:
    """Those of these notifications this worker holds now, and until when: the ones written
    claimed by the planning, and those claimed now (others held elsewhere are skipped)."""
    fresh = [n for n in sms if n.status == NotificationStatus.SENDING]  # written claimed just now
    until = _held_until(fresh[0]) if fresh else timezone.now() + _lease()
    claimed = {n.pk for n in fresh}
    if unclaimed := [n.pk for n in sms if n.status != NotificationStatus.SENDING]:
        claimed |= set(_claim_many(unclaimed, until=until))
    return [n for n in sms if n.pk in claimed], until


def _attach(notifications: list[Notification], alerts: list[Alert]) -> None:
    """Give each notification its alert (in hand) and its recipient (the language of the text),
    reading in one query the recipients not already loaded."""
    by_pk = {a.pk: a for a in alerts}
    recipient_field = Notification._meta.get_field("recipient")
    unknown = {n.recipient_id for n in notifications if not recipient_field.is_cached(n)}
    users = {u.pk: u for u in User.objects.filter(pk__in=unknown).only("pk", "preferred_language")} if unknown else {}
    for notification in notifications:
        notification.alert = by_pk[notification.alert_id]
        if notification.recipient_id in users:
            notification.recipient = users[notification.recipient_id]


def _send_claimed(
    batch: list[Notification], phones: dict[int, str], until: datetime, *, now: datetime | None = None
) -> int:
    """The one send path: hand claimed notifications (held until ``until``, their alert and
    recipient loaded) to the gateway one by one, and mark the delivered ones sent in one UPDATE (a
    slow batch also writes its progress every second, see ``_leases``). Returns how many were
    marked sent."""
    handout = _Handout(batch, until)
    for notification in batch:
        if handout.may_send(notification) and _transmit(notification, phones.get(notification.recipient_id), now):
            handout.delivered.append(notification.pk)
    return handout.finish()


def _notify_batch(alert_id: int) -> int:
    """Plan the duty roster's notifications (once) and send those not yet sent. Returns how many
    were sent now. In-app ones are delivered in the planning transaction (one commit); SMS ones
    are then claimed together (one more commit) and sent one by one.

    A worker that fell behind catches up in bulk: with this alert it also plans other alerts still
    waiting (up to NOTIFY_BATCH, skipping those another worker holds). Their own tasks then find
    nothing pending."""
    work = Alert.objects.filter(pk=alert_id).filter(
        Q(notified_at__isnull=True) | Q(notifications__status=NotificationStatus.PENDING)
    )
    if not work.exists():  # one query, no lock: an alert already planned in a batch is done
        return 0
    with transaction.atomic():
        alert = _lock_alert_for_notify(alert_id)
        if alert is None:
            return 0
        others = list(_waiting_locked().exclude(pk=alert.pk)[: NOTIFY_BATCH - 1]) if alert.notified_at is None else []
        alerts = [alert, *others]
        pending, phones, sent = _plan_batch(alerts)
    return sent + _send_sms(pending, phones, alerts)


@transaction.atomic
def alert_escalate(*, alert_id: int, now: datetime | None = None) -> bool:
    """Raise an unacknowledged alert one level if its time is up. Idempotent: re-checks under lock."""
    now = now or timezone.now()
    alert = _first(locks.alerts_for_update().select_related("base", "territory").filter(pk=alert_id))
    if (
        alert is None
        or alert.status not in UNACKNOWLEDGED_STATUSES
        or alert.escalation_level >= EscalationLevel.PROVINCE
        or escalation_due_at(alert) > now
    ):
        return False
    alert.escalation_level += 1
    alert.escalated_at = now
    alert.save(update_fields=["escalation_level", "escalated_at", "updated_at"])
    AlertEvent.objects.create(alert=alert, kind=EventKind.ESCALATED, at=now, escalation_level=alert.escalation_level)
    for pk in _plan_notifications(alert, alert.escalation_level):
        queue_send(pk)
    return True


@transaction.atomic
def notification_mark_read(*, user: User, notification: Notification) -> Notification:
    if notification.recipient_id != user.pk:
        raise PermissionDenied
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at", "updated_at"])
    return notification
