"""Intake: inbound SMS, missed calls and alerts logged by people or clients."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import BigIntegerField, F
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from cla.models import OperatingBase
from monusco import audit
from monusco.choices import ThreatCategory
from monusco.crypto import normalize_phone, phone_hash
from monusco.db import insert_together, parent_pk
from monusco.map_positions import Position, position_values
from monusco.models import AuditLog, Locality, User
from monusco.scope import scope_for

from ..models import (
    DATES_FROM,
    MAX_SMS_TEXT,
    RECEIVED_TOO_EARLY,
    Alert,
    AlertChannel,
    AlertEvent,
    AlertStatus,
    EventKind,
    FocalPoint,
    SmsChannel,
)
from ..parsing import MAX_DATE_TEXT, clean_text, parse_message, usable_sent_at
from ..queue import queue_notify
from ._common import _event, _first, _territory_of_base
from .replies import OptOut, contact_opt_out, opt_out_keyword

DUPLICATE_WINDOW = timedelta(minutes=10)
MAX_SENDER = 64  # characters of a gateway's "from" read (a phone number has at most 16)
FORM_CHANNELS = (
    AlertChannel.PHONE_CALL,
    AlertChannel.RADIO,
    AlertChannel.IN_PERSON,
    AlertChannel.WEB,
    AlertChannel.API,
)


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


_FOCAL_POINT_KEY: BigIntegerField[int, int] = BigIntegerField()


def _focal_point_id(number_hash: str) -> RawSQL | None:
    """The active focal point with this number, looked up inside the alert's INSERT (written out:
    building the ORM subquery for each message costs more than the lookup)."""
    if not number_hash:
        return None
    table, pk, phone, active = (
        connection.ops.quote_name(name)
        for name in (
            FocalPoint._meta.db_table,
            FocalPoint._meta.pk.column,
            FocalPoint._meta.get_field("phone_hash").column,
            FocalPoint._meta.get_field("is_active").column,
        )
    )
    return RawSQL(
        f"SELECT {pk} FROM {table} WHERE {phone} = %s AND {active} LIMIT 1",
        (number_hash,),
        output_field=_FOCAL_POINT_KEY,
    )


def _create_inbound(*, key: str, values: dict) -> tuple[Alert, bool]:
    """Insert the alert, its first event and their audit rows in one statement (PostgreSQL; a
    transaction elsewhere), or return the alert that already holds this idempotency key."""
    alert = Alert(idempotency_key=key, **values)
    event = AlertEvent(alert_id=parent_pk(0), kind=EventKind.RECEIVED, at=alert.received_at, to_status=alert.status)
    created = AuditLog.Action.CREATE
    try:
        insert_together(
            [alert],
            [event],
            [
                audit.audit_row(action=created, instance=alert, object_pk=parent_pk(0, as_text=True)),
                audit.audit_row(action=created, instance=event, object_pk=parent_pk(1, as_text=True)),
            ],
        )
    except IntegrityError:
        existing = _first(Alert.objects.filter(idempotency_key=key))
        if existing is None:
            raise
        return existing, False
    if isinstance(alert.focal_point_id, RawSQL):
        alert.__dict__.pop("focal_point_id")  # set by the database: deferred, read again if asked for
    queue_notify(alert.pk)
    return alert, True


def alert_receive_sms(
    *,
    channel: SmsChannel,
    sender: str,
    text: str,
    message_id: str = "",
    sent_at: datetime | None = None,
    sent_at_as_received: str = "",
    received_at: datetime | None = None,
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
    the repeat check (one index probe) and the insert of every row together.

    ``received_at`` is the time the gateway's request arrived when it is not now: a message
    replayed from the spool (``can.spool``) keeps it, so the repeat rules hold as if live."""
    now = received_at or timezone.now()
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
            "channel": AlertChannel.SMS,
            "sms_channel": channel,
            "base": base,
            "focal_point_id": _focal_point_id(number_hash),
            "sender_number": number,
            "sender_hash": number_hash,
            "content_hash": content_hash,
            "raw_text": text,
            "description": text,
            "text_truncated": text_truncated,
            "locality_id": parsed.locality_id,
            "territory_id": parsed.territory_id or _territory_of_base(base),
            "threat_category": parsed.threat_category or ThreatCategory.OTHER,
            "needs_triage": not parsed.complete,
            "status": AlertStatus.RECEIVED,
            "received_at": now,
            "received_on": timezone.localdate(now),
            **_sent_at_values(sent_at, sent_at_as_received, now),
        },
    )


def sms_receive(
    *,
    channel: SmsChannel,
    sender: str,
    text: str,
    message_id: str = "",
    sent_at: datetime | None = None,
    sent_at_as_received: str = "",
    received_at: datetime | None = None,
) -> tuple[Alert, bool] | OptOut:
    """An inbound SMS as the gateway hands it over: an opt-out keyword (the whole text is STOP,
    ARRETE or ACHA) is recorded by ``replies.contact_opt_out`` and creates no alert; any other
    text is an alert (``alert_receive_sms``). The keyword check reads nothing from the database."""
    if keyword := opt_out_keyword(text):
        return contact_opt_out(channel=channel, sender=sender, keyword=keyword, now=received_at)
    return alert_receive_sms(
        channel=channel,
        sender=sender,
        text=text,
        message_id=message_id,
        sent_at=sent_at,
        sent_at_as_received=sent_at_as_received,
        received_at=received_at,
    )


@transaction.atomic
def alert_receive_missed_call(
    *,
    channel: SmsChannel,
    sender: str,
    sent_at: datetime | None = None,
    sent_at_as_received: str = "",
    received_at: datetime | None = None,
) -> tuple[Alert, bool]:
    """A missed call ("bip") asks for a callback. Calls from one number within 10 minutes join one
    alert. The sender's date and ``received_at`` follow the rules of ``alert_receive_sms``. The
    alert is a call-back task for the base's CLAs, due the base's ``callback_minutes`` after the
    first call (a call that joins it keeps that due time; see ``can.services.callbacks``)."""
    now = received_at or timezone.now()
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
                "channel": AlertChannel.MISSED_CALL,
                "sms_channel": channel,
                "base": base,
                "focal_point_id": _focal_point_id(number_hash),
                "sender_number": number,
                "sender_hash": number_hash,
                "content_hash": content_hash,
                "territory_id": _territory_of_base(base),
                "needs_triage": True,
                "missed_calls": 1,
                "status": AlertStatus.CALLBACK_NEEDED,
                "callback_due_at": now + timedelta(minutes=base.callback_minutes),
                "received_at": now,
                "received_on": timezone.localdate(now),
                **_sent_at_values(sent_at, sent_at_as_received, now),
            },
        )
        if created:
            return alert, True
        existing = alert
    audit.audited_update(Alert.objects.filter(pk=existing.pk), missed_calls=F("missed_calls") + 1, updated_at=now)
    _event(existing, EventKind.REPEATED, at=now)
    existing.refresh_from_db(fields=["missed_calls"])
    return existing, False


def _check_logged_alert(*, user: User, base: OperatingBase, channel: str, threat_category: str, counts) -> None:
    """The rules of an alert logged by a person or a client (before its date)."""
    if channel not in FORM_CHANNELS:
        raise ValidationError({"channel": _("Choose phone call, radio, in person, web or API.")})
    if threat_category not in ThreatCategory.values:
        raise ValidationError({"threat_category": _("Choose a threat category from the list.")})
    territory = base.locality.territory
    if not scope_for(user).covers(base_id=base.pk, territory_id=territory.pk, province_id=territory.province_id):
        raise PermissionDenied  # staff alert their own bases; an API client, the bases of its territories
    if min(counts) < 0:
        raise ValidationError(_("People at risk cannot be negative."))


def _received_at_value(received_at: datetime | None, now: datetime) -> datetime:
    """The time of receipt given by a person or client, checked and in UTC; now when not given."""
    if received_at is None:
        return now
    if timezone.is_naive(received_at):
        received_at = timezone.make_aware(received_at)
    # Compared before any conversion: an aware comparison never overflows, a conversion can.
    if received_at < DATES_FROM:
        raise ValidationError({"received_at": str(RECEIVED_TOO_EARLY)})
    if received_at > now + timedelta(minutes=5):
        raise ValidationError({"received_at": _("The alert cannot be received in the future.")})
    return received_at.astimezone(UTC)  # stored in UTC: no offset reaches the database


@transaction.atomic
def alert_create(
    *,
    user: User,
    base: OperatingBase,
    channel: str,
    threat_category: str,
    description: str = "",
    locality: Locality | None = None,
    sender: str = "",
    women: int = 0,
    men: int = 0,
    girls: int = 0,
    boys: int = 0,
    client_uuid: uuid.UUID | None = None,
    received_at: datetime | None = None,
    position: Position | None = None,
) -> tuple[Alert, bool]:
    """An alert logged by a person (phone call, radio, in person) or a client (web, API). A repeat
    of the same ``client_uuid`` returns the first alert. ``position``: where the CLA's phone was,
    when they chose to give it (``monusco.map_positions``)."""
    _check_logged_alert(
        user=user, base=base, channel=channel, threat_category=threat_category, counts=(women, men, girls, boys)
    )
    received_at = _received_at_value(received_at, timezone.now())
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
            "channel": channel,
            "base": base,
            "reported_by": user,
            "locality": locality,
            "territory_id": locality.territory_id if locality else _territory_of_base(base),
            "focal_point_id": _focal_point_id(number_hash),
            "sender_number": number,
            "sender_hash": number_hash,
            "threat_category": threat_category,
            "description": description.strip(),
            "needs_triage": locality is None,
            "women": women,
            "men": men,
            "girls": girls,
            "boys": boys,
            "status": AlertStatus.RECEIVED,
            "received_at": received_at,
            "received_on": timezone.localdate(received_at),
            **position_values(position),
        },
    )
    return alert, created
