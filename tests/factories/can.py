"""Builders for CAN rows: SMS channels, focal points and alerts. Alerts and focal points are made
through the services where the rules matter; these builders make plain rows for lists and counts."""

import datetime
import itertools

from django.utils import timezone

from can import services
from can.models import Alert, AlertEvent, AlertStatus, FocalPoint, SmsChannel
from monusco.crypto import normalize_phone, phone_hash

TOKEN = "gateway-token-for-tests"
_seq = itertools.count(1)


def make_channel(base, name=None) -> SmsChannel:
    channel, _token = services.sms_channel_create(name=name or f"Gateway {next(_seq)}", base=base, token=TOKEN)
    return channel


def make_focal_point(
    base,
    locality=None,
    *,
    code=None,
    name="Maman Furaha",
    phone="+243990000111",
    community_role="chief",
    sex="f",
    consent_on=datetime.date(2026, 1, 10),
    **extra,
) -> FocalPoint:
    """A focal point of ``base`` in ``locality`` (the base's own by default), its phone normalised
    and hashed as the services do (``phone=""`` for none). Any other field is passed through."""
    number = normalize_phone(phone) if phone else ""
    n = next(_seq)
    return FocalPoint.objects.create(
        code=code or f"FP-TST-{n:04d}",
        name=name,
        phone=number,
        phone_hash=phone_hash(number) if number else "",
        base=base,
        locality=locality or base.locality,
        community_role=community_role,
        sex=sex,
        consent_on=consent_on,
        **extra,
    )


def make_alert(
    base,
    *,
    locality=None,
    status=AlertStatus.RECEIVED,
    received_at=None,
    received_on=None,
    threat_category="armed_attack",
    description="",
    sender="",
    events=False,
    **extra,
) -> Alert:
    """A plain alert row of ``base``, received by SMS.

    - ``locality``: none unless given (the territory is the locality's, else the base's).
    - ``received_at``: now, or 09:00 on ``received_on`` when only the day is given; ``received_on``
      is the local day of ``received_at``. ``notified_at`` is ``received_at`` (pass ``None`` for an
      alert the duty roster has not been told of yet).
    - ``status``: the timestamps follow it (acknowledged past the first states, closed and
      ``addressed`` when closed), at ``received_at``.
    - ``description`` is also the message as received (``raw_text``) unless ``raw_text`` is given;
      ``sender`` is normalised and hashed as the intake does.
    - ``events``: also write the ``received`` event, and the ``acknowledged`` one when acknowledged.
    Any other field is passed through and wins over the above."""
    if received_at is None:
        received_at = (
            timezone.make_aware(datetime.datetime.combine(received_on, datetime.time(9)))
            if received_on
            else timezone.now()
        )
    number = normalize_phone(sender) if sender else ""
    values = {
        "idempotency_key": f"test:{next(_seq)}",
        "channel": "sms",
        "base": base,
        "locality": locality,
        "territory_id": (locality or base.locality).territory_id,
        "threat_category": threat_category,
        "description": description,
        "raw_text": description,
        "sender_number": number,
        "sender_hash": phone_hash(number) if number else "",
        "status": status,
        "received_at": received_at,
        "received_on": received_on or timezone.localdate(received_at),
        "notified_at": received_at,
    }
    if status not in (AlertStatus.RECEIVED, AlertStatus.CALLBACK_NEEDED):
        values["acknowledged_at"] = received_at
    if status == AlertStatus.CLOSED:
        values.update(closed_at=received_at, outcome="addressed")
    values.update(extra)
    alert = Alert.objects.create(**values)
    if events:
        AlertEvent.objects.create(alert=alert, kind="received", at=received_at, to_status="received")
        if alert.acknowledged_at:
            AlertEvent.objects.create(
                alert=alert,
                kind="acknowledged",
                at=alert.acknowledged_at,
                from_status="received",
                to_status="acknowledged",
            )
    return alert
