"""Writes for the second step. These are the only writers of a user's OTP devices.

- an authenticator (``TOTPDevice``): one confirmed per user; setting up a new phone makes a pending
  device that replaces the old one only when a code from it is confirmed;
- recovery codes (``StaticDevice`` with ``RECOVERY_CODE_COUNT`` tokens): each works once, and a new
  set replaces the old one whole.

Every change is written to the audit log (names and ids only: never a key or a code).
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from monusco.audit import audit_record, audited_bulk_create
from monusco.models import AuditLog

from .policy import second_factor_required

RECOVERY_CODE_COUNT = 10
AUTHENTICATOR_NAME = "authenticator"
PENDING_NAME = "authenticator (pending)"
RECOVERY_NAME = "recovery codes"


@dataclass(frozen=True)
class Verification:
    device: TOTPDevice | StaticDevice | None
    locked_until: datetime | None = None  # too many wrong codes: no code is checked before then

    @property
    def ok(self) -> bool:
        return self.device is not None


def normalize_code(raw: str) -> str:
    """A code as typed: spaces and dashes dropped, lower case (recovery codes are base32)."""
    return "".join(ch for ch in raw.strip().lower() if ch not in " -")


def _is_totp_shaped(code: str) -> bool:
    return len(code) == 6 and code.isdigit()


def totp_enrolment_start(*, user) -> TOTPDevice:
    """The user's pending authenticator, made if there is none: the same secret on every visit
    until it is confirmed."""
    with transaction.atomic():
        device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=PENDING_NAME, confirmed=False)
            audit_record(action=AuditLog.Action.CREATE, instance=device, actor=user)
        return device


def totp_enrolment_restart(*, user) -> None:
    """Drop the user's pending authenticator, so that the next visit to enrolment makes a new secret.
    A confirmed authenticator keeps working until a new one is confirmed."""
    with transaction.atomic():
        for device in TOTPDevice.objects.filter(user=user, confirmed=False):
            audit_record(action=AuditLog.Action.DELETE, instance=device, actor=user)
            device.delete()


def totp_enrolment_confirm(*, user, code: str) -> tuple[Verification, list[str]]:
    """Confirm the pending authenticator with a code from it. On success the pending device
    replaces any older one, and a new set of recovery codes replaces the old one; the codes are
    returned to be shown once."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("pk").first()
        if device is None:
            return Verification(device=None), []
        code = normalize_code(code)
        allowed, info = device.verify_is_allowed()
        if not allowed:
            return Verification(device=None, locked_until=(info or {}).get("locked_until")), []
        if not (_is_totp_shaped(code) and device.verify_token(code)):
            return Verification(device=None), []
        for old in TOTPDevice.objects.filter(user=user).exclude(pk=device.pk):
            audit_record(action=AuditLog.Action.DELETE, instance=old, actor=user)
            old.delete()
        device.confirmed = True
        device.name = AUTHENTICATOR_NAME
        device.save(update_fields=["confirmed", "name"])
        audit_record(action=AuditLog.Action.UPDATE, instance=device, actor=user, detail={"fields": ["confirmed"]})
        return Verification(device=device), _replace_recovery_codes(user=user)


def recovery_codes_regenerate(*, user) -> list[str]:
    """A new set of recovery codes for a user with an authenticator; the old codes stop working."""
    with transaction.atomic():
        return _replace_recovery_codes(user=user)


def _replace_recovery_codes(*, user) -> list[str]:
    for old in StaticDevice.objects.filter(user=user):
        audit_record(action=AuditLog.Action.DELETE, instance=old, actor=user)
        old.delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes: list[str] = []
    while len(codes) < RECOVERY_CODE_COUNT:
        code = StaticToken.random_token()
        if code not in codes:
            codes.append(code)
    audited_bulk_create([StaticToken(device=device, token=code) for code in codes], actor=user)
    audit_record(action=AuditLog.Action.CREATE, instance=device, actor=user, detail={"codes": len(codes)})
    return codes


def second_factor_verify(*, user, code: str) -> Verification:
    """Check a code typed at the second step: six digits go to the authenticator, anything else to
    the recovery codes (a recovery code is spent by its use). Each device has its own back-off
    after wrong codes (1, 2, 4, 8... seconds), so codes cannot be guessed."""
    code = normalize_code(code)
    model = TOTPDevice if _is_totp_shaped(code) else StaticDevice
    with transaction.atomic():
        device = model.objects.select_for_update().filter(user=user, confirmed=True).order_by("pk").first()
        if device is None or not code:
            return Verification(device=None)
        allowed, info = device.verify_is_allowed()
        if not allowed:
            return Verification(device=None, locked_until=(info or {}).get("locked_until"))
        if device.verify_token(code):
            if model is StaticDevice:
                audit_record(
                    action=AuditLog.Action.UPDATE, instance=device, actor=user, detail={"fields": ["token_set"]}
                )
            return Verification(device=device)
        return Verification(device=None)


def second_factor_disable(*, user) -> bool:
    """Remove a user's authenticator and recovery codes. Refused (``False``) for a role that
    requires a second factor."""
    if second_factor_required(user):
        return False
    with transaction.atomic():
        for model in (TOTPDevice, StaticDevice):
            for device in model.objects.filter(user=user):
                audit_record(action=AuditLog.Action.DELETE, instance=device, actor=user)
                device.delete()
    return True
