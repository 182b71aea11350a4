"""Reads for the second step: a user's confirmed devices, and where a session stands."""

from dataclasses import dataclass
from enum import Enum

from django.contrib.auth import get_user_model
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .backends import with_second_factor
from .policy import second_factor_required


@dataclass(frozen=True)
class Devices:
    totp_pk: int | None
    static_pk: int | None
    has_codes: bool

    @property
    def persistent_ids(self) -> set[str]:
        ids = set()
        if self.totp_pk is not None:
            ids.add(f"{TOTPDevice.model_label()}/{self.totp_pk}")
        if self.static_pk is not None:
            ids.add(f"{StaticDevice.model_label()}/{self.static_pk}")
        return ids

    @property
    def any(self) -> bool:
        return self.totp_pk is not None or self.has_codes


def user_devices(user) -> Devices:
    """The user's confirmed devices: the values loaded with the session's user
    (``backends.AccountBackend``), else one query."""
    if hasattr(user, "otp_totp_pk"):
        row = {
            "otp_totp_pk": user.otp_totp_pk,
            "otp_static_pk": user.otp_static_pk,
            "otp_has_codes": user.otp_has_codes,
        }
    else:
        row = (
            with_second_factor(get_user_model()._default_manager.filter(pk=user.pk))
            .values("otp_totp_pk", "otp_static_pk", "otp_has_codes")
            .get()
        )
    return Devices(totp_pk=row["otp_totp_pk"], static_pk=row["otp_static_pk"], has_codes=bool(row["otp_has_codes"]))


class Step(Enum):
    NONE = "none"  # this user signs in with a password alone
    DONE = "done"  # the session was verified with one of the user's confirmed devices
    VERIFY = "verify"  # a code is expected (the user has a device)
    ENROL = "enrol"  # the role requires a second factor and the user has none yet


def second_step(user, session) -> Step:
    """Where a signed-in session stands with the second step."""
    if not user.is_authenticated:
        return Step.NONE
    devices = user_devices(user)
    if session.get(DEVICE_ID_SESSION_KEY) in devices.persistent_ids:
        return Step.DONE
    if devices.any:
        return Step.VERIFY
    if second_factor_required(user):
        return Step.ENROL
    return Step.NONE


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()
