"""Factories for the CAN tests. Alerts and focal points are made through the services where the
rules matter; these factories make plain rows for lists and counts."""

import datetime
import itertools

from django.utils import timezone

from can import services
from can.models import Alert, AlertStatus, FocalPoint, SmsChannel
from monusco.crypto import phone_hash

TOKEN = "gateway-token-for-tests"
_seq = itertools.count(1)


def make_channel(base, name=None) -> SmsChannel:
    channel, _token = services.sms_channel_create(name=name or f"Gateway {next(_seq)}", base=base, token=TOKEN)
    return channel


def make_focal_point(base, locality, *, phone="+243990000111", name="Maman Furaha", **extra) -> FocalPoint:
    number = phone
    n = next(_seq)
    return FocalPoint.objects.create(
        code=extra.pop("code", f"FP-TST-{n:04d}"), name=name, phone=number, phone_hash=phone_hash(number) if number else "",
        base=base, locality=locality, community_role=extra.pop("community_role", "chief"), sex=extra.pop("sex", "f"),
        consent_on=extra.pop("consent_on", datetime.date(2026, 1, 10)), **extra,
    )


def make_alert(base, *, locality=None, status=AlertStatus.RECEIVED, received_at=None, **extra) -> Alert:
    received_at = received_at or timezone.now()
    values = {
        "idempotency_key": f"test:{next(_seq)}", "channel": "sms", "base": base, "locality": locality,
        "territory_id": (locality or base.locality).territory_id, "threat_category": "armed_attack",
        "status": status, "received_at": received_at, "received_on": timezone.localdate(received_at),
        "notified_at": received_at,
    }
    if status not in (AlertStatus.RECEIVED, AlertStatus.CALLBACK_NEEDED):
        values["acknowledged_at"] = received_at
    if status == AlertStatus.CLOSED:
        values.update(closed_at=received_at, outcome="addressed")
    values.update(extra)
    return Alert.objects.create(**values)
