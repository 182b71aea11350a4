"""Alerts (with their events) and focal points.

- Sender numbers never leave through the API, and phone-shaped text in descriptions is masked.
- Sexual-violence alerts reach only the alert's base and need-to-know roles (``can.selectors.
  alert_rows``), with the description emptied (``null``); API clients never receive them.
- API clients see no focal point at all; signed-in users see its pseudonymous code only.
"""

import datetime

from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from can.models import DATES_FROM, MAX_SMS_TEXT, RECEIVED_TOO_EARLY, AlertChannel
from monusco.api import messages
from monusco.api.serializers import (
    AreaRefSerializer,
    BaseRefSerializer,
    LocalityRefSerializer,
    SexAgeSerializer,
    base_ref,
    is_protected,
    iso,
    locality_ref,
    sex_age,
)
from monusco.choices import ThreatCategory
from monusco.redaction import mask_phone_numbers


class AlertEventSerializer(serializers.Serializer):
    uid = serializers.UUIDField()
    kind = serializers.CharField()
    at = serializers.DateTimeField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()


class AlertSerializer(serializers.Serializer):
    uid = serializers.UUIDField()
    channel = serializers.CharField()
    base = BaseRefSerializer()
    locality = LocalityRefSerializer(allow_null=True, help_text="null until the place is known")
    territory = AreaRefSerializer(allow_null=True, help_text="null for an API client under a province-level agreement")
    province = AreaRefSerializer()
    focal_point = serializers.CharField(
        allow_null=True, help_text="Pseudonymous code; signed-in users only, always null for API clients."
    )
    threat_category = serializers.CharField()
    description = serializers.CharField(allow_null=True, help_text="null for sexual-violence alerts")
    needs_triage = serializers.BooleanField()
    sent_at_ignored = serializers.BooleanField(
        help_text="The SMS gateway gave a sending date that could not be used (unreadable, before 2000 or "
        "more than a day ahead), so it was ignored; received_at is always the time of receipt."
    )
    text_truncated = serializers.BooleanField(
        help_text=f"The SMS was longer than {MAX_SMS_TEXT:,} characters: only its beginning is kept."
    )
    people_at_risk = SexAgeSerializer()
    status = serializers.CharField()
    received_at = serializers.DateTimeField()
    received_on = serializers.DateField()
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    verified_at = serializers.DateTimeField(allow_null=True)
    response_at = serializers.DateTimeField(allow_null=True)
    response_type = serializers.CharField()
    closed_at = serializers.DateTimeField(allow_null=True)
    outcome = serializers.CharField()
    escalation_level = serializers.IntegerField()
    review_status = serializers.CharField()
    events = AlertEventSerializer(many=True)
    updated_at = serializers.DateTimeField()

    def to_representation(self, alert) -> dict:
        territory = alert.territory
        for_client = self.context.get("client") is not None
        return {
            "uid": alert.uid,
            "channel": alert.channel,
            "base": base_ref(alert.base),
            "locality": locality_ref(alert.locality) if alert.locality_id else None,
            "territory": {"uid": territory.uid, "name": territory.name},
            "province": {"uid": territory.province.uid, "name": territory.province.name},
            "focal_point": alert.focal_point.code if alert.focal_point_id and not for_client else None,
            "threat_category": alert.threat_category,
            "description": None if is_protected(alert.threat_category) else mask_phone_numbers(alert.description),
            "needs_triage": alert.needs_triage,
            "sent_at_ignored": alert.sent_at_ignored,
            "text_truncated": alert.text_truncated,
            "people_at_risk": sex_age(alert),
            "status": alert.status,
            "received_at": iso(alert.received_at),
            "received_on": alert.received_on,
            "acknowledged_at": iso(alert.acknowledged_at),
            "verified_at": iso(alert.verified_at),
            "response_at": iso(alert.response_at),
            "response_type": alert.response_type,
            "closed_at": iso(alert.closed_at),
            "outcome": alert.outcome,
            "escalation_level": alert.escalation_level,
            "review_status": alert.review_status,
            "events": [
                {"uid": e.uid, "kind": e.kind, "at": iso(e.at), "from_status": e.from_status, "to_status": e.to_status}
                for e in alert.api_events
            ],
            "updated_at": iso(alert.updated_at),
        }


class AlertCreateSerializer(serializers.Serializer):
    """An alert from another tool (an early-warning system) or a signed-in user. A repeat of the
    same ``idempotency_key`` returns the first alert (200) instead of creating another (201): every
    caller sends one, as every other inbound message carries its key."""

    idempotency_key = serializers.UUIDField(
        help_text="Your own id for this alert. A repeat is the same alert.",
        error_messages={"required": messages.IDEMPOTENCY_KEY_REQUIRED},
    )
    base = serializers.UUIDField(help_text="uid of the operating base the alert is for")
    locality = serializers.UUIDField(required=False, allow_null=True, help_text="uid of the locality, if known")
    threat_category = serializers.ChoiceField(choices=ThreatCategory.choices)
    channel = serializers.ChoiceField(
        choices=[AlertChannel.API, AlertChannel.WEB], default=AlertChannel.API, required=False
    )
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    women = serializers.IntegerField(min_value=0, max_value=100000, default=0)
    men = serializers.IntegerField(min_value=0, max_value=100000, default=0)
    girls = serializers.IntegerField(min_value=0, max_value=100000, default=0)
    boys = serializers.IntegerField(min_value=0, max_value=100000, default=0)
    received_at = serializers.DateTimeField(
        required=False,
        validators=[MinValueValidator(DATES_FROM, RECEIVED_TOO_EARLY)],
        help_text="When your tool received it; now if left out. From the year 2000, and not in the future.",
    )


class FocalPointSerializer(serializers.Serializer):
    uid = serializers.UUIDField()
    code = serializers.CharField()
    base = BaseRefSerializer()
    locality = LocalityRefSerializer()
    community_role = serializers.CharField()
    sex = serializers.CharField()
    consent_on = serializers.DateField()
    is_active = serializers.BooleanField()
    do_not_call_back = serializers.BooleanField()

    def to_representation(self, fp) -> dict:
        return {
            "uid": fp.uid,
            "code": fp.code,
            "base": base_ref(fp.base),
            "locality": locality_ref(fp.locality),
            "community_role": fp.community_role,
            "sex": fp.sex,
            "consent_on": fp.consent_on,
            "is_active": fp.is_active,
            "do_not_call_back": fp.do_not_call_back,
        }


class FocalPointIdentitySerializer(FocalPointSerializer):
    """One focal point with name and phone, for users of its own base allowed to see them."""

    name = serializers.CharField()
    phone = serializers.CharField()

    def to_representation(self, fp) -> dict:
        return {**super().to_representation(fp), "name": fp.name, "phone": fp.phone}


class AlertMeasuresQuery(serializers.Serializer):
    """The filters of ``/api/v1/alert-measures/``: a base (its uid) and a month (``YYYY-MM``)."""

    base = serializers.UUIDField(required=False)
    month = serializers.CharField(required=False, max_length=7)

    def validate_month(self, value: str) -> datetime.date:
        try:
            if len(value) != 7 or not value.startswith("20"):  # alerts are dated from 2000 to 2099
                raise ValueError
            return datetime.datetime.strptime(value, "%Y-%m").date()
        except ValueError:
            raise serializers.ValidationError(_("Give the month as YYYY-MM, for example 2026-10.")) from None


class AlertMeasureSerializer(serializers.Serializer):
    base = serializers.UUIDField()
    base_code = serializers.CharField()
    base_name = serializers.CharField()
    month = serializers.DateField(help_text="The first day of the month of receipt.")
    alerts = serializers.IntegerField()
    acknowledged = serializers.IntegerField()
    median_time_to_acknowledge_seconds = serializers.FloatField(allow_null=True)
    missed_calls = serializers.IntegerField()
    called_back = serializers.IntegerField()
    never_called_back = serializers.IntegerField()
    median_time_to_call_back_seconds = serializers.FloatField(allow_null=True)
