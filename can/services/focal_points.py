"""Focal points: the community members who raise alerts, with their protected identity."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cla.models import OperatingBase
from cla.validators import date_errors as report_date_errors
from monusco.audit import audit_record
from monusco.crypto import normalize_phone, phone_hash
from monusco.models import AuditLog, Locality, User

from .. import locks
from ..models import (
    ContactOptOut,
    FocalPoint,
    SenderLanguage,
)
from ._common import _in_base_scope


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


def focalpoint_check(
    *, base: OperatingBase, locality: Locality, consent_on, phone: str, exclude_pk: int | None = None
) -> str:
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
    *,
    user: User,
    base: OperatingBase,
    locality: Locality,
    name: str,
    phone: str,
    community_role: str,
    sex: str,
    consent_on,
    do_not_call_back: bool = False,
    language: str = "",
    feedback_consent: bool = False,
    do_not_contact: bool = False,
) -> FocalPoint:
    if not _in_base_scope(user, base.pk):
        raise PermissionDenied
    if not base.is_open:
        raise ValidationError({"base": _("This base is closed.")})
    _check_language(language)
    number = focalpoint_check(base=base, locality=locality, consent_on=consent_on, phone=phone)
    number_hash = phone_hash(number) if number else ""
    locks.base_for_numbering(base.pk)  # serialises code numbering per base
    prefix = f"FP-{_focalpoint_prefix(base)}-"
    sequence = FocalPoint.objects.filter(code__startswith=prefix).count() + 1
    while FocalPoint.objects.filter(code=f"{prefix}{sequence:04d}").exists():
        sequence += 1
    return FocalPoint.objects.create(
        code=f"{prefix}{sequence:04d}",
        name=name.strip(),
        phone=number,
        phone_hash=number_hash,
        base=base,
        locality=locality,
        community_role=community_role,
        sex=sex,
        consent_on=consent_on,
        do_not_call_back=do_not_call_back,
        language=language,
        feedback_consent=feedback_consent,
        do_not_contact=do_not_contact,
        do_not_contact_at=timezone.now() if do_not_contact else None,
    )


def _check_language(language: str) -> None:
    if language not in ("", *SenderLanguage.values):
        raise ValidationError({"language": _("Choose French or Swahili, or leave it blank to guess from the SMS.")})


def _set_contact(locked: FocalPoint, *, language: str, feedback_consent: bool, do_not_contact: bool) -> None:
    """The reply settings. Turning do-not-contact on dates it; turning it off (the focal point
    asked for SMS again, in person) also lifts an opt-out their number sent by keyword."""
    _check_language(language)
    locked.language, locked.feedback_consent = language, feedback_consent
    if do_not_contact and not locked.do_not_contact:
        locked.do_not_contact_at = timezone.now()
    elif not do_not_contact and locked.do_not_contact:
        locked.do_not_contact_at = None
        for optout in ContactOptOut.objects.filter(phone_hash=locked.phone_hash) if locked.phone_hash else []:
            optout.delete()  # audited, as every delete
    locked.do_not_contact = do_not_contact


def _locked_focalpoint(user: User, focal_point: FocalPoint) -> FocalPoint:
    locked = locks.focal_points_for_update().get(pk=focal_point.pk)
    if not _in_base_scope(user, locked.base_id):
        raise PermissionDenied
    return locked


@transaction.atomic
def focalpoint_update(
    *,
    user: User,
    focal_point: FocalPoint,
    name: str,
    phone: str,
    locality: Locality,
    community_role: str,
    sex: str,
    consent_on,
    do_not_call_back: bool,
    language: str | None = None,
    feedback_consent: bool | None = None,
    do_not_contact: bool | None = None,
) -> FocalPoint:
    """Change a focal point. The reply settings left ``None`` keep their value."""
    locked = _locked_focalpoint(user, focal_point)
    if not locked.is_active:
        raise ValidationError(_("This focal point is deactivated; its record is kept as history."))
    number = focalpoint_check(
        base=locked.base, locality=locality, consent_on=consent_on, phone=phone, exclude_pk=locked.pk
    )
    number_hash = phone_hash(number) if number else ""
    locked.name, locked.phone, locked.phone_hash = name.strip(), number, number_hash
    locked.locality, locked.community_role, locked.sex = locality, community_role, sex
    locked.consent_on, locked.do_not_call_back = consent_on, do_not_call_back
    _set_contact(
        locked,
        language=locked.language if language is None else language,
        feedback_consent=locked.feedback_consent if feedback_consent is None else feedback_consent,
        do_not_contact=locked.do_not_contact if do_not_contact is None else do_not_contact,
    )
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
        audit_record(
            action=AuditLog.Action.UPDATE,
            instance=base,
            actor=user,
            detail={"fields": ["coverage"], "added": [locked.locality_id]},
        )
    locked.base = base
    locked.save(update_fields=["base", "updated_at"])
    return locked
