"""Writes for the Community Alert Network: focal points, channels, intake, lifecycle, notifications.

Rules that keep alerts from getting lost:
- an alert is written before anything is queued; tasks are queued with ``transaction.on_commit``
  and a broker failure is logged, never raised (the periodic sweep queues the work again);
- every inbound delivery carries an idempotency key, so a repeat is the same alert;
- each lifecycle step locks the alert row (``select_for_update``) and re-reads its state. Locks are
  ``FOR NO KEY UPDATE OF`` the alert only: a plain ``FOR UPDATE`` over a join would also lock the
  base row, and every intake commit (its foreign-key check on the base) would queue behind it;
- a notification is claimed with one conditional UPDATE before it is sent, so it goes out at most
  once per alert, recipient and channel; the claim is a lease, so a worker that dies holds nothing
  for long (see "Claims are leases" below).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import BigIntegerField, Case, F, Max, Q, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Greatest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from cla.models import BaseAssignment, OperatingBase
from cla.validators import date_errors as report_date_errors
from gender.models import ReviewStatus
from gender.services import report_submit
from monusco import audit
from monusco.choices import ThreatCategory
from monusco.crypto import normalize_phone, phone_hash
from monusco.db import insert_together, parent_pk
from monusco.models import AuditLog, Locality, User, UserScope
from monusco.roles import Role
from monusco.scope import scope_for

from .models import (
    DATES_FROM,
    MAX_SMS_TEXT,
    RECEIVED_TOO_EARLY,
    UNACKNOWLEDGED_STATUSES,
    Alert,
    AlertChannel,
    AlertEvent,
    AlertStatus,
    EscalationLevel,
    EventKind,
    FocalPoint,
    Notification,
    NotificationChannel,
    NotificationStatus,
    Outcome,
    ResponseType,
    SmsChannel,
    StaffPhone,
)
from .parsing import MAX_DATE_TEXT, clean_text, parse_message, usable_sent_at

logger = logging.getLogger(__name__)

DUPLICATE_WINDOW = timedelta(minutes=10)
MAX_SENDER = 64  # characters of a gateway's "from" read (a phone number has at most 16)
MAX_SEND_ATTEMPTS = 5
ROSTER_FUNCTIONS = (BaseAssignment.Function.DUTY_OFFICER, BaseAssignment.Function.CLA)
FORM_CHANNELS = (AlertChannel.PHONE_CALL, AlertChannel.RADIO, AlertChannel.IN_PERSON, AlertChannel.WEB, AlertChannel.API)


# --- helpers ---------------------------------------------------------------------------------


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

        from . import tasks

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

        from . import tasks

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


# --- focal points and channels ---------------------------------------------------------------


def _focalpoint_prefix(base: OperatingBase) -> str:
    letters = "".join(ch for ch in base.name.upper() if ch.isalpha())
    return (letters[:3] or "XXX").ljust(3, "X")


def _check_phone_free(number_hash: str, *, exclude_pk: int | None = None) -> None:
    if not number_hash:
        return
    clash = FocalPoint.objects.filter(phone_hash=number_hash, is_active=True)
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError({"phone": _("An active focal point already has this phone number.")})


def _check_focalpoint_fields(*, base: OperatingBase, locality: Locality, consent_on) -> None:
    if errors := report_date_errors("consent_on", consent_on):  # from 2000 to today, as a meeting's date
        raise ValidationError(errors)
    if not base.coverage.filter(pk=locality.pk).exists():
        raise ValidationError({"locality": _("This locality is not covered by the base.")})


def focalpoint_check(*, base: OperatingBase, locality: Locality, consent_on, phone: str, exclude_pk: int | None = None) -> str:
    """Validate focal point input (shared by the forms, the admin and the services). Returns the
    normalized phone number."""
    _check_focalpoint_fields(base=base, locality=locality, consent_on=consent_on)
    number = normalize_phone(phone)
    if phone and not number:
        raise ValidationError({"phone": _("Enter a valid phone number.")})
    _check_phone_free(phone_hash(number) if number else "", exclude_pk=exclude_pk)
    return number


@transaction.atomic
def focalpoint_create(
    *, user: User, base: OperatingBase, locality: Locality, name: str, phone: str, community_role: str,
    sex: str, consent_on, do_not_call_back: bool = False,
) -> FocalPoint:
    if not _in_base_scope(user, base.pk):
        raise PermissionDenied
    if not base.is_open:
        raise ValidationError({"base": _("This base is closed.")})
    number = focalpoint_check(base=base, locality=locality, consent_on=consent_on, phone=phone)
    number_hash = phone_hash(number) if number else ""
    OperatingBase.objects.select_for_update(no_key=True).filter(pk=base.pk).get()  # serialises code numbering per base
    prefix = f"FP-{_focalpoint_prefix(base)}-"
    sequence = FocalPoint.objects.filter(code__startswith=prefix).count() + 1
    while FocalPoint.objects.filter(code=f"{prefix}{sequence:04d}").exists():
        sequence += 1
    return FocalPoint.objects.create(
        code=f"{prefix}{sequence:04d}", name=name.strip(), phone=number, phone_hash=number_hash, base=base,
        locality=locality, community_role=community_role, sex=sex, consent_on=consent_on,
        do_not_call_back=do_not_call_back,
    )


def _locked_focalpoint(user: User, focal_point: FocalPoint) -> FocalPoint:
    locked = FocalPoint.objects.select_for_update(no_key=True).get(pk=focal_point.pk)
    if not _in_base_scope(user, locked.base_id):
        raise PermissionDenied
    return locked


@transaction.atomic
def focalpoint_update(
    *, user: User, focal_point: FocalPoint, name: str, phone: str, locality: Locality, community_role: str,
    sex: str, consent_on, do_not_call_back: bool,
) -> FocalPoint:
    locked = _locked_focalpoint(user, focal_point)
    if not locked.is_active:
        raise ValidationError(_("This focal point is deactivated; its record is kept as history."))
    number = focalpoint_check(base=locked.base, locality=locality, consent_on=consent_on, phone=phone, exclude_pk=locked.pk)
    number_hash = phone_hash(number) if number else ""
    locked.name, locked.phone, locked.phone_hash = name.strip(), number, number_hash
    locked.locality, locked.community_role, locked.sex = locality, community_role, sex
    locked.consent_on, locked.do_not_call_back = consent_on, do_not_call_back
    locked.save()
    return locked


@transaction.atomic
def focalpoint_deactivate(*, user: User, focal_point: FocalPoint) -> FocalPoint:
    """Deactivate, never delete: the focal point's alerts keep pointing at it."""
    locked = _locked_focalpoint(user, focal_point)
    if not locked.is_active:
        raise ValidationError(_("This focal point is already deactivated."))
    locked.is_active = False
    locked.deactivated_at = timezone.now()
    locked.save(update_fields=["is_active", "deactivated_at", "updated_at"])
    return locked


@transaction.atomic
def focalpoint_move(*, user: User, focal_point: FocalPoint, base: OperatingBase) -> FocalPoint:
    """Move a focal point to another base (when its base closes). It keeps its code and history."""
    locked = _locked_focalpoint(user, focal_point)
    if not base.is_open:
        raise ValidationError({"base": _("A focal point can only move to an open base.")})
    if base.pk == locked.base_id:
        raise ValidationError({"base": _("The focal point is already at this base.")})
    if not base.coverage.filter(pk=locked.locality_id).exists():
        base.coverage.add(locked.locality_id)  # the new base takes over the locality
    locked.base = base
    locked.save(update_fields=["base", "updated_at"])
    return locked


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def sms_channel_create(*, name: str, base: OperatingBase, token: str | None = None) -> tuple[SmsChannel, str]:
    """Create a channel; returns it with its secret token (shown once, stored hashed)."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("A channel needs a name.")})
    if SmsChannel.objects.filter(name=name).exists():
        raise ValidationError({"name": _("A channel with this name already exists.")})
    token = token or secrets.token_urlsafe(32)
    return SmsChannel.objects.create(name=name, base=base, token_hash=_token_hash(token)), token


_CHANNEL_CACHE: dict[str, tuple[float, SmsChannel | None]] = {}
CHANNEL_CACHE_SECONDS = 10.0


def sms_channel_for_intake(*, uid) -> SmsChannel | None:
    """The active channel with this uid, cached in the process for a few seconds: every inbound
    message needs it, and channels change rarely (a deactivation applies within 10 seconds)."""
    key = str(uid)
    now = time.monotonic()
    cached = _CHANNEL_CACHE.get(key)
    if cached is not None and now - cached[0] < CHANNEL_CACHE_SECONDS:
        return cached[1]
    channel = _first(SmsChannel.objects.select_related("base__locality").filter(uid=uid, is_active=True))
    if len(_CHANNEL_CACHE) > 1000:
        _CHANNEL_CACHE.clear()
    _CHANNEL_CACHE[key] = (now, channel)
    return channel


def sms_channel_cache_clear() -> None:
    _CHANNEL_CACHE.clear()


def sms_channel_check_token(*, channel: SmsChannel, token: str | None) -> bool:
    return bool(token) and secrets.compare_digest(channel.token_hash, _token_hash(token))


# --- intake ----------------------------------------------------------------------------------


def _find_recent(content_hash: str, now: datetime) -> Alert | None:
    """The latest alert with this content received in the last 10 minutes: one probe of
    ``alert_content_recent_idx`` (content_hash, received_at), read backwards, LIMIT 1."""
    return (
        Alert.objects.filter(content_hash=content_hash, received_at__gte=now - DUPLICATE_WINDOW)
        .order_by("-received_at")
        .first()
    )


def _sent_at_values(sent_at: datetime | None, as_received: str, now: datetime) -> dict:
    """The sender's date as stored: in UTC and within intake's window, or None with the alert
    flagged and the date kept as text. Checked here too, whoever the caller."""
    if sent_at is not None:
        usable = usable_sent_at(sent_at, now=now)
        if usable is None:
            as_received = as_received or sent_at.isoformat()
        sent_at = usable
    as_received = clean_text(as_received).strip()[:MAX_DATE_TEXT] if sent_at is None else ""
    return {"sent_at": sent_at, "sent_at_ignored": bool(as_received), "sent_at_as_received": as_received}


_FOCAL_POINT_KEY = BigIntegerField()


def _focal_point_id(number_hash: str) -> RawSQL | None:
    """The active focal point with this number, looked up inside the alert's INSERT (written out:
    building the ORM subquery for each message costs more than the lookup)."""
    if not number_hash:
        return None
    table, pk, phone, active = (
        connection.ops.quote_name(name)
        for name in (FocalPoint._meta.db_table, FocalPoint._meta.pk.column, FocalPoint._meta.get_field("phone_hash").column,
                     FocalPoint._meta.get_field("is_active").column)
    )
    return RawSQL(f"SELECT {pk} FROM {table} WHERE {phone} = %s AND {active} LIMIT 1", (number_hash,), output_field=_FOCAL_POINT_KEY)


def _create_inbound(*, key: str, values: dict) -> tuple[Alert, bool]:
    """Insert the alert, its first event and their audit rows in one statement (PostgreSQL; a
    transaction elsewhere), or return the alert that already holds this idempotency key."""
    alert = Alert(idempotency_key=key, **values)
    event = AlertEvent(alert_id=parent_pk(0), kind=EventKind.RECEIVED, at=alert.received_at, to_status=alert.status)
    created = AuditLog.Action.CREATE
    try:
        insert_together(
            [alert], [event],
            [audit.audit_row(action=created, instance=alert, object_pk=parent_pk(0, as_text=True)),
             audit.audit_row(action=created, instance=event, object_pk=parent_pk(1, as_text=True))],
        )
    except IntegrityError:
        existing = _first(Alert.objects.filter(idempotency_key=key))
        if existing is None:
            raise
        return existing, False
    if isinstance(alert.focal_point_id, RawSQL):
        alert.__dict__.pop("focal_point_id")  # set by the database: deferred, read again if asked for
    _enqueue_notify(alert.pk)
    return alert, True


def alert_receive_sms(
    *, channel: SmsChannel, sender: str, text: str, message_id: str = "", sent_at: datetime | None = None,
    sent_at_as_received: str = "",
) -> tuple[Alert, bool]:
    """Store an inbound SMS as an alert, or return the alert it repeats. Never refuses a message.

    A repeat is the same gateway ``message_id``, or the same sender and text within 10 minutes
    (whatever the id: a phone that sends again gets a new id). The sender's date is used only
    when it is sane (see ``parsing.usable_sent_at``); otherwise the time of receipt stands, the
    alert is flagged and ``sent_at_as_received`` (the gateway's text) is kept. A text longer than
    ``MAX_SMS_TEXT`` keeps its beginning and flags the alert.

    Not wrapped in a transaction of its own: the reads before the insert need none (a racing
    repeat is caught by the unique idempotency key), and the insert's transaction is then the
    outermost one, so the hot path of the gateway costs no savepoint. It costs two statements:
    the repeat check (one index probe) and the insert of every row together."""
    now = timezone.now()
    text = clean_text(text)
    text_truncated = len(text) > MAX_SMS_TEXT
    text = text[:MAX_SMS_TEXT]
    number = normalize_phone(clean_text(sender)[:MAX_SENDER])
    number_hash = phone_hash(number) if number else ""
    content_hash = hashlib.sha256(f"sms|{channel.pk}|{number_hash}|{text}".encode()).hexdigest()
    existing = _find_recent(content_hash, now)
    if existing is not None:
        return existing, False
    message_id = clean_text(message_id).strip()
    if message_id:
        # A retry of one id with another text is caught by the unique key: no lookup by id first.
        key = f"sms:{channel.uid}:id:{hashlib.sha256(message_id.encode()).hexdigest()}"
    else:
        key = f"sms:{channel.uid}:h:{content_hash}:{int(now.timestamp()) // int(DUPLICATE_WINDOW.total_seconds())}"
    base = channel.base
    parsed = parse_message(text, base)
    return _create_inbound(
        key=key,
        values={
            "channel": AlertChannel.SMS, "sms_channel": channel, "base": base,
            "focal_point_id": _focal_point_id(number_hash), "sender_number": number, "sender_hash": number_hash,
            "content_hash": content_hash, "raw_text": text, "description": text, "text_truncated": text_truncated,
            "locality_id": parsed.locality_id, "territory_id": parsed.territory_id or _territory_of_base(base),
            "threat_category": parsed.threat_category or ThreatCategory.OTHER, "needs_triage": not parsed.complete,
            "status": AlertStatus.RECEIVED, "received_at": now, "received_on": timezone.localdate(now),
            **_sent_at_values(sent_at, sent_at_as_received, now),
        },
    )


@transaction.atomic
def alert_receive_missed_call(
    *, channel: SmsChannel, sender: str, sent_at: datetime | None = None, sent_at_as_received: str = ""
) -> tuple[Alert, bool]:
    """A missed call ("bip") asks for a callback. Calls from one number within 10 minutes join one
    alert. The sender's date follows the rule of ``alert_receive_sms``."""
    now = timezone.now()
    number = normalize_phone(clean_text(sender)[:MAX_SENDER])
    number_hash = phone_hash(number) if number else ""
    content_hash = hashlib.sha256(f"call|{channel.pk}|{number_hash}".encode()).hexdigest()
    existing = _find_recent(content_hash, now)
    if existing is None:
        key = f"call:{channel.uid}:{content_hash}:{int(now.timestamp()) // int(DUPLICATE_WINDOW.total_seconds())}"
        base = channel.base
        alert, created = _create_inbound(
            key=key,
            values={
                "channel": AlertChannel.MISSED_CALL, "sms_channel": channel, "base": base,
                "focal_point_id": _focal_point_id(number_hash), "sender_number": number, "sender_hash": number_hash,
                "content_hash": content_hash, "territory_id": _territory_of_base(base), "needs_triage": True,
                "missed_calls": 1, "status": AlertStatus.CALLBACK_NEEDED, "received_at": now,
                "received_on": timezone.localdate(now), **_sent_at_values(sent_at, sent_at_as_received, now),
            },
        )
        if created:
            return alert, True
        existing = alert
    audit.audited_update(Alert.objects.filter(pk=existing.pk), missed_calls=F("missed_calls") + 1, updated_at=now)
    _event(existing, EventKind.REPEATED, at=now)
    existing.refresh_from_db(fields=["missed_calls"])
    return existing, False


@transaction.atomic
def alert_create(
    *, user: User, base: OperatingBase, channel: str, threat_category: str, description: str = "",
    locality: Locality | None = None, sender: str = "", women: int = 0, men: int = 0, girls: int = 0, boys: int = 0,
    client_uuid: uuid.UUID | None = None, received_at: datetime | None = None,
) -> tuple[Alert, bool]:
    """An alert logged by a person (phone call, radio, in person) or a client (web, API). A repeat
    of the same ``client_uuid`` returns the first alert."""
    if channel not in FORM_CHANNELS:
        raise ValidationError({"channel": _("Choose phone call, radio, in person, web or API.")})
    if threat_category not in ThreatCategory.values:
        raise ValidationError({"threat_category": _("Choose a threat category from the list.")})
    territory = base.locality.territory
    if not scope_for(user).covers(base_id=base.pk, territory_id=territory.pk, province_id=territory.province_id):
        raise PermissionDenied  # staff alert their own bases; an API client, the bases of its territories
    if min(women, men, girls, boys) < 0:
        raise ValidationError(_("People at risk cannot be negative."))
    now = timezone.now()
    if received_at is not None:
        if timezone.is_naive(received_at):
            received_at = timezone.make_aware(received_at)
        # Compared before any conversion: an aware comparison never overflows, a conversion can.
        if received_at < DATES_FROM:
            raise ValidationError({"received_at": str(RECEIVED_TOO_EARLY)})
        if received_at > now + timedelta(minutes=5):
            raise ValidationError({"received_at": _("The alert cannot be received in the future.")})
        received_at = received_at.astimezone(UTC)  # stored in UTC: no offset reaches the database
    received_at = received_at or now
    key = f"client:{client_uuid}" if client_uuid else f"user:{uuid.uuid4()}"
    if client_uuid and (existing := _first(Alert.objects.filter(idempotency_key=key))) is not None:
        if existing.base_id != base.pk:
            raise ValidationError(_("This client id was already used for another alert."))
        return existing, False
    number = normalize_phone(sender) if sender else ""
    number_hash = phone_hash(number) if number else ""
    alert, created = _create_inbound(
        key=key,
        values={
            "channel": channel, "base": base, "reported_by": user, "locality": locality,
            "territory_id": locality.territory_id if locality else _territory_of_base(base),
            "focal_point_id": _focal_point_id(number_hash), "sender_number": number, "sender_hash": number_hash,
            "threat_category": threat_category, "description": description.strip(), "needs_triage": locality is None,
            "women": women, "men": men, "girls": girls, "boys": boys,
            "status": AlertStatus.RECEIVED, "received_at": received_at, "received_on": timezone.localdate(received_at),
        },
    )
    return alert, created


# --- lifecycle -------------------------------------------------------------------------------


def _lock_for_step(user: User, alert: Alert, allowed: set[str], action: str) -> Alert:
    locked = Alert.objects.select_for_update(no_key=True).get(pk=alert.pk)
    if not (user.has_perm("can.change_alert") and _in_base_scope(user, locked.base_id)):
        raise PermissionDenied
    if locked.status not in allowed:
        raise ValidationError(
            _("This alert is “%(status)s”: it cannot be %(action)s now."),
            code="illegal_transition",
            params={"status": locked.get_status_display(), "action": action},
        )
    return locked


def _step(alert: Alert, *, user: User, kind: str, to_status: str, fields: dict, note: str = "") -> Alert:
    now = timezone.now()
    from_status = alert.status
    alert.status = to_status
    for name, value in fields.items():
        setattr(alert, name, now if value is _NOW else value)
    alert.save(update_fields=["status", *fields, "updated_at"])
    _event(alert, kind, actor=user, at=now, from_status=from_status, to_status=to_status, note=note)
    return alert


_NOW = object()


@transaction.atomic
def alert_acknowledge(*, alert: Alert, user: User) -> Alert:
    locked = _lock_for_step(user, alert, set(UNACKNOWLEDGED_STATUSES), pgettext("transition", "acknowledged"))
    return _step(locked, user=user, kind=EventKind.ACKNOWLEDGED, to_status=AlertStatus.ACKNOWLEDGED,
                 fields={"acknowledged_at": _NOW, "acknowledged_by": user})


@transaction.atomic
def alert_verify(
    *, alert: Alert, user: User, note: str, locality: Locality | None = None, threat_category: str | None = None,
) -> Alert:
    """Record the cross-check (contre-enquête). Setting the locality and category ends triage."""
    locked = _lock_for_step(user, alert, {AlertStatus.ACKNOWLEDGED}, pgettext("transition", "verified"))
    if not note.strip():
        raise ValidationError({"note": _("Say how the alert was verified.")})
    fields: dict = {"verified_at": _NOW, "verified_by": user, "verification_note": note.strip()}
    if threat_category:
        if threat_category not in ThreatCategory.values:
            raise ValidationError({"threat_category": _("Choose a threat category from the list.")})
        fields["threat_category"] = threat_category
    if locality is not None:
        fields |= {"locality": locality, "territory_id": locality.territory_id}
    if locality is not None or locked.locality_id:
        fields["needs_triage"] = False  # the place is known: triage is over
    return _step(locked, user=user, kind=EventKind.VERIFIED, to_status=AlertStatus.VERIFIED, fields=fields, note=note.strip())


@transaction.atomic
def alert_dispatch_response(*, alert: Alert, user: User, response_type: str, note: str = "") -> Alert:
    locked = _lock_for_step(user, alert, {AlertStatus.VERIFIED}, pgettext("transition", "given a response"))
    if response_type not in ResponseType.values:
        raise ValidationError({"response_type": _("Choose patrol, escort, presence or referral to FARDC/PNC.")})
    return _step(locked, user=user, kind=EventKind.RESPONSE_DISPATCHED, to_status=AlertStatus.RESPONSE_DISPATCHED,
                 fields={"response_at": _NOW, "response_by": user, "response_type": response_type,
                         "response_note": note.strip()}, note=note.strip())


@transaction.atomic
def alert_close(*, alert: Alert, user: User, outcome: str, note: str = "") -> Alert:
    """Close with an outcome. "Addressed" needs a response dispatched; a false alarm or an alert
    no one could respond to may be closed once acknowledged."""
    allowed = {AlertStatus.ACKNOWLEDGED, AlertStatus.VERIFIED, AlertStatus.RESPONSE_DISPATCHED}
    locked = _lock_for_step(user, alert, allowed, pgettext("transition", "closed"))
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": _("Choose an outcome: addressed, false alarm or no response possible.")})
    if outcome == Outcome.ADDRESSED and locked.status != AlertStatus.RESPONSE_DISPATCHED:
        raise ValidationError({"outcome": _("An alert is addressed only after a response was dispatched.")})
    closed = _step(locked, user=user, kind=EventKind.CLOSED, to_status=AlertStatus.CLOSED,
                   fields={"closed_at": _NOW, "closed_by": user, "outcome": outcome, "closing_note": note.strip()},
                   note=note.strip())
    return report_submit(report=closed, user=user)  # the gender office reviews every closed alert


CORRECTABLE_FIELDS = ("threat_category", "locality", "territory", "description", "women", "men", "girls", "boys")


@transaction.atomic
def alert_correct(
    *, user: User, alert: Alert, threat_category: str, locality: Locality | None, description: str,
    women: int, men: int, girls: int, boys: int,
) -> Alert:
    """Correct a closed alert the gender office returned (threat, place, account, people at risk
    by sex and age group) and send it back for review. Nothing changes when a rule is broken."""
    locked = _first(Alert.objects.select_for_update(no_key=True, of=("self",)).select_related("base").filter(pk=alert.pk))
    if locked is None or not _in_base_scope(user, locked.base_id):
        raise PermissionDenied
    if locked.review_status != ReviewStatus.RETURNED:
        raise ValidationError(
            _("Only an alert the gender office returned for correction can be corrected."), code="invalid_transition"
        )
    errors: dict[str, list[str]] = {}
    if threat_category not in ThreatCategory.values:
        errors["threat_category"] = [_("Choose a threat category from the list.")]
    if locality is not None and not (
        locality.territory_id == locked.territory_id or locked.base.coverage.filter(pk=locality.pk).exists()
    ):
        errors["locality"] = [_("Choose a place covered by the alert's base or in its territory.")]
    if min(women, men, girls, boys) < 0:
        errors["women"] = [_("People at risk cannot be negative.")]
    if errors:
        raise ValidationError(errors)
    changed = [
        name for name, value in (
            ("threat_category", threat_category), ("locality_id", locality.pk if locality else None),
            ("description", description.strip()), ("women", women), ("men", men), ("girls", girls), ("boys", boys),
        ) if getattr(locked, name) != value
    ]
    locked.threat_category, locked.locality, locked.description = threat_category, locality, description.strip()
    locked.women, locked.men, locked.girls, locked.boys = women, men, girls, boys
    if locality is not None:
        locked.territory_id = locality.territory_id
    locked.needs_triage = locked.needs_triage and locality is None
    locked.save(update_fields=[*CORRECTABLE_FIELDS, "needs_triage", "updated_at"])
    note = ", ".join(str(Alert._meta.get_field(name.removesuffix("_id")).verbose_name) for name in changed)
    _event(locked, EventKind.CORRECTED, actor=user, note=note)
    return report_submit(report=locked, user=user)


# What the admin may edit on an alert; the lifecycle, the sender and the message stay with their steps.
UPDATABLE_FIELDS = (
    "focal_point", "locality", "threat_category", "description", "needs_triage", "missed_calls",
    "verification_note", "response_type", "response_note", "closing_note", "women", "men", "girls", "boys",
    "age_0_5", "age_6_12", "age_13_17", "age_18_49", "age_50_59", "age_60_plus",
)


def alert_update_check(*, user: User, alert: Alert, changes: dict) -> None:
    """The rules of ``alert_update`` (the admin form shows them beside the fields): a new
    locality or focal point must be in the user's scope, the threat and response from their
    lists, and people at risk zero or more. A link left as it was is not checked again."""
    unknown = sorted(set(changes) - set(UPDATABLE_FIELDS))
    if unknown:
        raise ValueError(f"alert_update cannot change {', '.join(unknown)}")
    scope = scope_for(user)
    errors: dict[str, list[str]] = {}
    locality = changes.get("locality")
    if locality is not None and locality.pk != alert.locality_id and not scope.filter(
        Locality.objects.filter(pk=locality.pk), base="covering_bases__id", territory="territory_id",
        province="territory__province_id",
    ).exists():
        errors["locality"] = [_("Choose a locality in your area.")]
    focal_point = changes.get("focal_point")
    if focal_point is not None and focal_point.pk != alert.focal_point_id and not scope.filter(
        FocalPoint.objects.filter(pk=focal_point.pk), base="base_id", territory="locality__territory_id",
        province="locality__territory__province_id",
    ).exists():
        errors["focal_point"] = [_("Choose a focal point of your area.")]
    if "threat_category" in changes and changes["threat_category"] not in ThreatCategory.values:
        errors["threat_category"] = [_("Choose a threat category from the list.")]
    if changes.get("response_type") and changes["response_type"] not in ResponseType.values:
        errors["response_type"] = [_("Choose a response from the list.")]
    for name in ("women", "men", "girls", "boys", "missed_calls"):
        if (changes.get(name) or 0) < 0:
            errors.setdefault(name, []).append(_("A count cannot be negative."))
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def alert_update(*, user: User, alert: Alert, changes: dict) -> Alert:
    """Edit an alert's details (``UPDATABLE_FIELDS``, new values by name), as the admin does. The
    alert must be in the user's scope and they must hold ``can.change_alert``; the rules are
    ``alert_update_check``'s. The territory follows the locality (the base's, when the locality
    is cleared). Nothing changes when a rule is broken."""
    locked = _first(
        Alert.objects.select_for_update(no_key=True, of=("self",))
        .select_related("base__locality", "territory").filter(pk=alert.pk)
    )
    if locked is None or not user.has_perm("can.change_alert") or not scope_for(user).covers(
        base_id=locked.base_id, territory_id=locked.territory_id, province_id=locked.territory.province_id
    ):
        raise PermissionDenied
    alert_update_check(user=user, alert=locked, changes=changes)
    changed = [name for name, value in changes.items() if getattr(locked, name) != value]
    for name in changed:
        value = changes[name]
        setattr(locked, name, value.strip() if isinstance(value, str) else value)
    if "locality" in changed:
        locked.territory_id = locked.locality.territory_id if locked.locality else _territory_of_base(locked.base)
        changed.append("territory")
    if changed:
        locked.save(update_fields=[*changed, "updated_at"])
    return locked


# --- notifications and escalation -------------------------------------------------------------


def _open_assignments(base_ids, functions) -> Q:
    today = timezone.localdate()
    return Q(
        base_assignments__base_id__in=base_ids, base_assignments__function__in=functions,
        base_assignments__starts_on__lte=today,
    ) & (Q(base_assignments__ends_on__isnull=True) | Q(base_assignments__ends_on__gte=today))


def alert_recipients(*, alert: Alert, level: int) -> list[User]:
    """Who hears of an alert at each level.

    0: the base's duty roster (duty officers and CLAs assigned to it today);
    1: the base commander (the parent COB's commander too, for a TOB);
    2: the sector: managers whose scope is the alert's territory;
    3: the provincial operations centre: managers whose scope is the alert's province.
    """
    users = User.objects.filter(is_active=True)
    if level == EscalationLevel.NONE:
        users = users.filter(_open_assignments([alert.base_id], ROSTER_FUNCTIONS))
    elif level == EscalationLevel.COMMANDER:
        base_ids = [alert.base_id] + ([alert.base.parent_id] if alert.base.parent_id else [])
        users = users.filter(_open_assignments(base_ids, [BaseAssignment.Function.COMMANDER]))
    elif level == EscalationLevel.SECTOR:
        users = users.filter(groups__name=Role.MANAGER, scopes__territory_id=alert.territory_id)
    else:
        province_id = alert.territory.province_id
        manager_ids = UserScope.objects.filter(province_id=province_id).values("user_id")
        users = users.filter(groups__name=Role.MANAGER, pk__in=manager_ids)
    return list(users.distinct().order_by("pk"))


def _plan_rows(
    alerts: list[Alert], level: int, *, in_app_sent_at: datetime | None = None
) -> tuple[list[Notification], list[Notification], dict[int, str]]:
    """Create this level's notifications that do not exist yet for these alerts (the caller holds
    their row locks). One INSERT for all of them, audited in one INSERT too. With
    ``in_app_sent_at``, in-app ones are written already delivered: an in-app notification is
    delivered by being committed, so the caller's transaction sends them; and SMS ones are
    written claimed by the caller (leased), who sends them once its transaction commits. Returns (created, the
    alerts' other notifications still pending, the recipients' SMS phones by user id)."""
    by_key: dict[int, list[User]] = {}
    recipients: dict[int, list[User]] = {}
    for alert in alerts:
        key = alert.base_id if level == EscalationLevel.NONE else alert.pk  # the roster is the base's
        if key not in by_key:
            by_key[key] = alert_recipients(alert=alert, level=level)
        recipients[alert.pk] = by_key[key]
    user_ids = {user.pk for users in by_key.values() for user in users}
    if not user_ids:
        return [], [], {}
    phones = dict(StaffPhone.objects.filter(user_id__in=user_ids).values_list("user_id", "phone"))
    existing = list(
        Notification.objects.filter(alert__in=[alert.pk for alert in alerts])
        .only("pk", "alert_id", "recipient_id", "channel", "status", "uid", "possible_duplicate")
    )
    taken = {(n.alert_id, n.recipient_id, n.channel) for n in existing}
    delivered = (
        {"status": NotificationStatus.SENT, "sent_at": in_app_sent_at, "attempts": 1} if in_app_sent_at else {}
    )
    claimed = (
        {"status": NotificationStatus.SENDING, "attempts": 1, "claimed_until": in_app_sent_at + _lease()}
        if in_app_sent_at else {}
    )
    rows = [
        Notification(alert=alert, recipient=user, channel=channel, level=level,
                     **(delivered if channel == NotificationChannel.IN_APP else claimed))
        for alert in alerts
        for user in recipients[alert.pk]
        for channel in [NotificationChannel.IN_APP] + ([NotificationChannel.SMS] if user.pk in phones else [])
        if (alert.pk, user.pk, channel) not in taken
    ]
    created = audit.audited_bulk_create(rows, savepoint=False)  # the caller's transaction holds the locks
    return created, [n for n in existing if n.status == NotificationStatus.PENDING], phones


def _plan_notifications(alert: Alert, level: int) -> list[int]:
    """Create this level's notifications that do not exist yet; returns the ids created."""
    return [n.pk for n in _plan_rows([alert], level)[0]]


# What planning and the SMS text read of an alert; a focal point's encrypted fields stay unread.
NOTIFY_FIELDS = (
    "uid", "base", "locality", "territory", "focal_point", "threat_category", "escalation_level", "status",
    "notified_at", "base__name", "locality__name", "focal_point__do_not_call_back",
)


def _notify_query():
    return (
        Alert.objects.select_for_update(no_key=True, of=("self",)).select_related("base", "locality", "focal_point")
        .only(*NOTIFY_FIELDS)
    )


def _lock_alert_for_notify(alert_id: int) -> Alert | None:
    return _first(_notify_query().filter(pk=alert_id))


def _plan_pending(alert: Alert, others: list[Alert] = ()) -> tuple[list[Notification], dict[int, str] | None]:
    """Plan the duty roster's notifications once (the caller holds the alerts' row locks; the
    others are not yet notified). Returns the notifications planned now (in-app ones already
    delivered) and those still pending, and, when just planned, the recipients' phones."""
    if alert.notified_at is None:
        batch = [alert, *others]
        now = timezone.now()
        created, pending, phones = _plan_rows(batch, EscalationLevel.NONE, in_app_sent_at=now)
        audit.audited_update(Alert.objects.filter(pk__in=[a.pk for a in batch]), notified_at=now, updated_at=now)
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
            pk__in=notification_ids, channel=NotificationChannel.IN_APP,
            status__in=[NotificationStatus.PENDING, NotificationStatus.FAILED],
        ),
        status=NotificationStatus.SENT, sent_at=now, attempts=F("attempts") + 1, updated_at=now,
    )


def notification_message(notification: Notification) -> str:
    """The SMS text: the alert's short id, base, category and place; never a name or number. A
    message sent again after an unconfirmed attempt begins by saying it may be a repeat."""
    alert = notification.alert
    with translation.override(notification.recipient.preferred_language or settings.LANGUAGE_CODE):
        place = alert.locality.name if alert.locality_id else _("place not yet known")
        parts = [_("Possible repeat.")] if notification.possible_duplicate else []
        parts += [
            _("CAN alert %(id)s") % {"id": alert.short_id},
            f"{alert.base.name}: {alert.get_threat_category_display()}, {place}.",
        ]
        if alert.escalation_level:
            parts.append(_("Escalated: not acknowledged in time."))
        if alert.status == AlertStatus.CALLBACK_NEEDED:
            parts.append(_("Callback needed."))
        if alert.focal_point_id and alert.focal_point.do_not_call_back:
            parts.append(_("Do not call back."))
        parts.append(reverse("can:alert-detail", args=[alert.uid]))
        return " ".join(str(p) for p in parts)


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


def _progress_seconds() -> float:
    return min(PROGRESS_SECONDS, _lease().total_seconds() / 4)  # the lease is renewed well before it ends


def _free(now: datetime) -> Q:
    """Pending or failed with attempts left, and held by no worker (or by one whose lease has passed)."""
    return Q(status__in=[NotificationStatus.PENDING, NotificationStatus.FAILED], attempts__lt=MAX_SEND_ATTEMPTS) & (
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    )


def _unconfirmed(now: datetime) -> Q:
    """Held by a worker whose lease passed while it may have been handing them to the gateway."""
    return Q(status=NotificationStatus.SENDING, claimed_until__lt=now)


def _claim(notification_id: int, now: datetime) -> bool:
    """One conditional UPDATE, committed before the message leaves: a second worker finds nothing
    to claim. It also takes back an unconfirmed one (marking it a possible repeat), unless it is
    already marked."""
    return bool(audit.audited_update(
        Notification.objects.filter(Q(pk=notification_id) & (_free(now) | (_unconfirmed(now) & Q(possible_duplicate=False)))),
        status=NotificationStatus.SENDING, attempts=F("attempts") + 1, claimed_until=now + _lease(), updated_at=now,
        possible_duplicate=Case(
            When(status=NotificationStatus.SENDING, channel=NotificationChannel.SMS, then=Value(True)),
            default=F("possible_duplicate"),
        ),
    ))


def _give_up_unconfirmed(notification_id: int, now: datetime) -> int:
    """A possible repeat whose holder died too may have gone out twice: never send it again."""
    return audit.audited_update(
        Notification.objects.filter(Q(pk=notification_id) & _unconfirmed(now) & Q(possible_duplicate=True)),
        status=NotificationStatus.FAILED, attempts=Greatest(F("attempts"), Value(MAX_SEND_ATTEMPTS)),
        claimed_until=None, error=UNCONFIRMED_TWICE, updated_at=now,
    )


def _transmit(notification: Notification, phone: str | None) -> bool:
    """Send a claimed notification through the SMS backend (in-app ones need nothing). A failure
    marks it failed, for the sweep to retry: as a possible repeat when the gateway may have taken
    it, and never again when it already was one."""
    from .sms import SmsError, get_backend

    if notification.channel != NotificationChannel.SMS:
        return True
    try:
        if not phone:
            raise SmsError("recipient has no phone")
        get_backend().send(to=phone, text=notification_message(notification), reference=str(notification.uid))
    except SmsError as exc:
        failed = {"status": NotificationStatus.FAILED, "error": str(exc)[:200], "claimed_until": None}
        if exc.maybe_sent and notification.possible_duplicate:
            failed |= {"error": UNCONFIRMED_TWICE, "attempts": Greatest(F("attempts"), Value(MAX_SEND_ATTEMPTS))}
        elif exc.maybe_sent:
            failed["possible_duplicate"] = True
        audit.audited_update(
            Notification.objects.filter(
                pk=notification.pk, status=NotificationStatus.SENDING, claimed_until=notification.claimed_until
            ),
            **failed, updated_at=timezone.now(),
        )
        logger.warning("SMS notification %s failed: %s", notification.uid, exc)
        return False
    return True


def _mark_sent(notification_ids: list[int]) -> int:
    """Mark delivered notifications sent, whoever holds them now (they did go out)."""
    if not notification_ids:
        return 0
    now = timezone.now()
    return audit.audited_update(
        Notification.objects.filter(pk__in=notification_ids).exclude(status=NotificationStatus.SENT),
        status=NotificationStatus.SENT, sent_at=now, error="", claimed_until=None, updated_at=now,
    )


def _deliver_claimed(notification: Notification, phone: str | None) -> bool:
    return _transmit(notification, phone) and bool(_mark_sent([notification.pk]))


def notification_send(*, notification_id: int, now: datetime | None = None) -> bool:
    """Send one notification: at most once, or, when an earlier attempt may have gone out
    unconfirmed, once more with a mark. Not atomic on purpose: the claim commits before the
    message leaves."""
    now = now or timezone.now()
    if not _claim(notification_id, now):
        _give_up_unconfirmed(notification_id, now)
        return False
    notification = Notification.objects.select_related(
        "alert__base", "alert__locality", "alert__focal_point", "recipient"
    ).get(pk=notification_id)
    phone = None
    if notification.channel == NotificationChannel.SMS:
        phone = _first(StaffPhone.objects.filter(user_id=notification.recipient_id).values_list("phone", flat=True))
    return _deliver_claimed(notification, phone)


NOTIFY_BATCH = 200


def alert_notify(*, alert_id: int) -> int:
    """Notify this alert; with coalesced tasks (``CAN_COALESCE_NOTIFY_TASKS``) also every alert
    waiting when the task has gathered, in batches. Returns how many notifications were sent now.

    A coalesced task first waits ``CAN_NOTIFY_GATHER_SECONDS``: the alerts committed meanwhile
    queue no task of their own (see ``_enqueue_notify``) and join this task's batches, so under a
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


def _claim_many(notification_ids: list[int], *, until: datetime) -> list[int]:
    """Claim notifications for sending until ``until`` in one transaction (two statements for the
    batch): rows another worker holds are skipped, and the claim commits before any message leaves."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            Notification.objects.select_for_update(skip_locked=True, no_key=True)
            .filter(Q(pk__in=notification_ids) & _free(now))
            .values_list("pk", flat=True)
        )
        if ids:
            audit.audited_update(
                Notification.objects.filter(pk__in=ids),
                status=NotificationStatus.SENDING, attempts=F("attempts") + 1, claimed_until=until, updated_at=now,
            )
    return ids


def _waiting_locked():
    """Alerts not yet notified, locked for notifying; those another worker holds are skipped."""
    return _notify_query().select_for_update(no_key=True, of=("self",), skip_locked=True).filter(
        notified_at__isnull=True
    ).order_by("pk")


def _plan_batch(alerts: list[Alert]) -> tuple[list[Notification], dict[int, str] | None, int]:
    """Plan the first alert's notifications, with the others' (locked and not yet notified), and
    deliver the in-app ones, in the caller's transaction. Returns the pending SMS notifications,
    the recipients' phones when just planned, and how many in-app notifications were delivered."""
    pending, phones = _plan_pending(alerts[0], alerts[1:])
    in_app = [n for n in pending if n.channel == NotificationChannel.IN_APP]
    sent = sum(1 for n in in_app if n.status == NotificationStatus.SENT)  # written delivered just now
    sent += notifications_deliver_in_app(notification_ids=[n.pk for n in in_app if n.status != NotificationStatus.SENT])
    return [n for n in pending if n.channel != NotificationChannel.IN_APP], phones, sent


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
        remaining = [pk for pk in self.order[self.position[next_pk]:] if pk in self.held]
        ahead, rest = remaining[: max(1, self.handed)], remaining[max(1, self.handed):]
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
                remaining = list(Notification.objects.filter(pk__in=remaining, claimed_until=until).values_list("pk", flat=True))
        self.held, self.sending, self.until = set(remaining), set(ahead) & set(remaining), until
        self.delivered, self.handed, self.written = [], 0, time.monotonic()

    def finish(self) -> int:
        """Mark the delivered ones sent; returns how many this batch marked sent in all."""
        return self.sent + _mark_sent(self.delivered)


def _send_sms(sms: list[Notification], phones: dict[int, str] | None, alerts: list[Alert]) -> int:
    """Claim these SMS notifications together (one commit; those written claimed need none), send them one by one with the alerts
    and phones already in hand, and mark the delivered ones sent in one UPDATE (a slow batch also
    writes its progress every second, see "Claims are leases")."""
    if not sms:
        return 0
    if phones is None:
        phones = dict(StaffPhone.objects.filter(user_id__in={n.recipient_id for n in sms}).values_list("user_id", "phone"))
    by_pk = {a.pk: a for a in alerts}
    recipient_field = Notification._meta.get_field("recipient")
    unknown = {n.recipient_id for n in sms if not recipient_field.is_cached(n)}
    users = {u.pk: u for u in User.objects.filter(pk__in=unknown).only("pk", "preferred_language")} if unknown else {}
    fresh = [n for n in sms if n.status == NotificationStatus.SENDING]  # written claimed just now
    until = fresh[0].claimed_until if fresh else timezone.now() + _lease()
    claimed = {n.pk for n in fresh}
    if unclaimed := [n.pk for n in sms if n.status != NotificationStatus.SENDING]:
        claimed |= set(_claim_many(unclaimed, until=until))
    batch = [n for n in sms if n.pk in claimed]
    handout = _Handout(batch, until)
    for notification in batch:
        notification.alert = by_pk[notification.alert_id]
        if notification.recipient_id in users:
            notification.recipient = users[notification.recipient_id]
        if handout.may_send(notification) and _transmit(notification, phones.get(notification.recipient_id)):
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


def escalation_due_at(alert: Alert) -> datetime:
    return alert.received_at + timedelta(minutes=alert.base.alert_ack_minutes * (alert.escalation_level + 1))


@transaction.atomic
def alert_escalate(*, alert_id: int, now: datetime | None = None) -> bool:
    """Raise an unacknowledged alert one level if its time is up. Idempotent: re-checks under lock."""
    now = now or timezone.now()
    alert = _first(Alert.objects.select_for_update(no_key=True, of=("self",)).select_related("base", "territory").filter(pk=alert_id))
    if (
        alert is None or alert.status not in UNACKNOWLEDGED_STATUSES
        or alert.escalation_level >= EscalationLevel.PROVINCE or escalation_due_at(alert) > now
    ):
        return False
    alert.escalation_level += 1
    alert.escalated_at = now
    alert.save(update_fields=["escalation_level", "escalated_at", "updated_at"])
    AlertEvent.objects.create(alert=alert, kind=EventKind.ESCALATED, at=now, escalation_level=alert.escalation_level)
    for pk in _plan_notifications(alert, alert.escalation_level):
        _enqueue("send_notification", pk)
    return True


def alerts_overdue_ids(*, now: datetime | None = None) -> list[int]:
    """Unacknowledged alerts whose next escalation is due (the limit is per base)."""
    now = now or timezone.now()
    candidates = (
        Alert.objects.filter(status__in=UNACKNOWLEDGED_STATUSES, escalation_level__lt=EscalationLevel.PROVINCE,
                             received_at__lte=now - timedelta(minutes=1))
        .select_related("base").only("pk", "received_at", "escalation_level", "base__alert_ack_minutes")
    )
    return [alert.pk for alert in candidates if escalation_due_at(alert) <= now]


def outstanding_work(*, grace: timedelta = timedelta(minutes=1), now: datetime | None = None) -> tuple[list[int], list[int]]:
    """(alert ids never notified, older than ``grace``; notification ids to send: not yet sent,
    older than ``grace`` and held by no worker, or held by a worker whose lease has passed)."""
    now = now or timezone.now()
    cutoff = now - grace
    alert_ids = list(
        Alert.objects.filter(notified_at__isnull=True, created_at__lte=cutoff).order_by("pk").values_list("pk", flat=True)
    )
    notification_ids = list(
        Notification.objects.filter((Q(created_at__lte=cutoff) & _free(now)) | _unconfirmed(now))
        .exclude(alert_id__in=alert_ids).order_by("pk").values_list("pk", flat=True)
    )
    return alert_ids, notification_ids


@transaction.atomic
def notification_mark_read(*, user: User, notification: Notification) -> Notification:
    if notification.recipient_id != user.pk:
        raise PermissionDenied
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at", "updated_at"])
    return notification
