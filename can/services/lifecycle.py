"""The alert lifecycle: acknowledge, verify, respond, close, correct, and the admin's edits.
Acknowledging and closing also plan the status reply to a consenting focal point (``replies``)."""

from __future__ import annotations

from collections.abc import Set
from typing import cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Field
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from gender.models import ReviewStatus
from gender.sadd import SEX_FIELDS
from gender.services import report_submit
from monusco.choices import ThreatCategory
from monusco.models import Locality, User
from monusco.scope import scope_for

from .. import locks
from ..models import (
    UNACKNOWLEDGED_STATUSES,
    Alert,
    AlertStatus,
    EventKind,
    FocalPoint,
    Outcome,
    ReplyKind,
    ResponseType,
)
from ._common import _event, _first, _in_base_scope, _territory_of_base
from .replies import reply_plan_status


def _lock_for_step(user: User, alert: Alert, allowed: Set[str], action: str) -> Alert:
    locked = locks.alerts_for_update().get(pk=alert.pk)
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
    acknowledged = _step(
        locked,
        user=user,
        kind=EventKind.ACKNOWLEDGED,
        to_status=AlertStatus.ACKNOWLEDGED,
        fields={"acknowledged_at": _NOW, "acknowledged_by": user},
    )
    reply_plan_status(alert=acknowledged, kind=ReplyKind.ACKNOWLEDGED)  # a consenting focal point hears it
    return acknowledged


@transaction.atomic
def alert_verify(
    *,
    alert: Alert,
    user: User,
    note: str,
    locality: Locality | None = None,
    threat_category: str | None = None,
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
    return _step(
        locked, user=user, kind=EventKind.VERIFIED, to_status=AlertStatus.VERIFIED, fields=fields, note=note.strip()
    )


@transaction.atomic
def alert_dispatch_response(*, alert: Alert, user: User, response_type: str, note: str = "") -> Alert:
    locked = _lock_for_step(user, alert, {AlertStatus.VERIFIED}, pgettext("transition", "given a response"))
    if response_type not in ResponseType.values:
        raise ValidationError({"response_type": _("Choose patrol, escort, presence or referral to FARDC/PNC.")})
    return _step(
        locked,
        user=user,
        kind=EventKind.RESPONSE_DISPATCHED,
        to_status=AlertStatus.RESPONSE_DISPATCHED,
        fields={
            "response_at": _NOW,
            "response_by": user,
            "response_type": response_type,
            "response_note": note.strip(),
        },
        note=note.strip(),
    )


CLOSABLE = frozenset({AlertStatus.ACKNOWLEDGED, AlertStatus.VERIFIED, AlertStatus.RESPONSE_DISPATCHED})


def alert_close_check(*, alert: Alert, outcome: str | None = None) -> None:
    """Whether ``alert``, as read, may be closed (with ``outcome``, when given): a
    ``ValidationError`` if not. The rule the close asks to confirm, and that ``alert_close``
    checks again under the lock."""
    if alert.status not in CLOSABLE:
        raise ValidationError(
            _("This alert is “%(status)s”: it cannot be %(action)s now."),
            code="illegal_transition",
            params={"status": alert.get_status_display(), "action": pgettext("transition", "closed")},
        )
    if outcome is None:
        return
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": _("Choose an outcome: addressed, false alarm or no response possible.")})
    if outcome == Outcome.ADDRESSED and alert.status != AlertStatus.RESPONSE_DISPATCHED:
        raise ValidationError({"outcome": _("An alert is addressed only after a response was dispatched.")})


@transaction.atomic
def alert_close(*, alert: Alert, user: User, outcome: str, note: str = "") -> Alert:
    """Close with an outcome. "Addressed" needs a response dispatched; a false alarm or an alert
    no one could respond to may be closed once acknowledged."""
    locked = _lock_for_step(user, alert, CLOSABLE, pgettext("transition", "closed"))
    alert_close_check(alert=locked, outcome=outcome)
    closed = _step(
        locked,
        user=user,
        kind=EventKind.CLOSED,
        to_status=AlertStatus.CLOSED,
        fields={"closed_at": _NOW, "closed_by": user, "outcome": outcome, "closing_note": note.strip()},
        note=note.strip(),
    )
    reply_plan_status(alert=closed, kind=ReplyKind.CLOSED)
    return cast(Alert, report_submit(report=closed, user=user))  # the gender office reviews every closed alert


CORRECTABLE_FIELDS = ("threat_category", "locality", "territory", "description", *SEX_FIELDS)


def _check_correction(locked: Alert, *, threat_category: str, locality: Locality | None, counts) -> None:
    errors: dict[str, list[str]] = {}
    if threat_category not in ThreatCategory.values:
        errors["threat_category"] = [_("Choose a threat category from the list.")]
    if locality is not None and not (
        locality.territory_id == locked.territory_id or locked.base.coverage.filter(pk=locality.pk).exists()
    ):
        errors["locality"] = [_("Choose a place covered by the alert's base or in its territory.")]
    if min(counts) < 0:
        errors["women"] = [_("People at risk cannot be negative.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def alert_correct(
    *,
    user: User,
    alert: Alert,
    threat_category: str,
    locality: Locality | None,
    description: str,
    women: int,
    men: int,
    girls: int,
    boys: int,
) -> Alert:
    """Correct a closed alert the gender office returned (threat, place, account, people at risk
    by sex and age group) and send it back for review. Nothing changes when a rule is broken."""
    locked = _first(locks.alerts_for_update().select_related("base").filter(pk=alert.pk))
    if locked is None or not _in_base_scope(user, locked.base_id):
        raise PermissionDenied
    if locked.review_status != ReviewStatus.RETURNED:
        raise ValidationError(
            _("Only an alert the gender office returned for correction can be corrected."), code="invalid_transition"
        )
    _check_correction(locked, threat_category=threat_category, locality=locality, counts=(women, men, girls, boys))
    changed = [
        name
        for name, value in (
            ("threat_category", threat_category),
            ("locality_id", locality.pk if locality else None),
            ("description", description.strip()),
            ("women", women),
            ("men", men),
            ("girls", girls),
            ("boys", boys),
        )
        if getattr(locked, name) != value
    ]
    locked.threat_category, locked.locality, locked.description = threat_category, locality, description.strip()
    locked.women, locked.men, locked.girls, locked.boys = women, men, girls, boys
    if locality is not None:
        locked.territory_id = locality.territory_id
    locked.needs_triage = locked.needs_triage and locality is None
    locked.save(update_fields=[*CORRECTABLE_FIELDS, "needs_triage", "updated_at"])
    note = ", ".join(str(cast(Field, Alert._meta.get_field(name.removesuffix("_id"))).verbose_name) for name in changed)
    _event(locked, EventKind.CORRECTED, actor=user, note=note)
    return cast(Alert, report_submit(report=locked, user=user))  # the same alert, re-read under its lock


# What the admin may edit on an alert; the lifecycle, the sender and the message stay with their steps.
UPDATABLE_FIELDS = (
    "focal_point",
    "locality",
    "threat_category",
    "description",
    "needs_triage",
    "missed_calls",
    "verification_note",
    "response_type",
    "response_note",
    "closing_note",
    *SEX_FIELDS,
    "age_0_5",
    "age_6_12",
    "age_13_17",
    "age_18_49",
    "age_50_59",
    "age_60_plus",
)


def _link_errors(scope, alert: Alert, changes: dict) -> dict[str, list[str]]:
    """A new locality or focal point must be in the user's scope; a link left as it was is not
    checked again."""
    errors: dict[str, list[str]] = {}
    locality = changes.get("locality")
    if (
        locality is not None
        and locality.pk != alert.locality_id
        and not scope.filter(
            Locality.objects.filter(pk=locality.pk),
            base="covering_bases__id",
            territory="territory_id",
            province="territory__province_id",
        ).exists()
    ):
        errors["locality"] = [_("Choose a locality in your area.")]
    focal_point = changes.get("focal_point")
    if (
        focal_point is not None
        and focal_point.pk != alert.focal_point_id
        and not scope.filter(
            FocalPoint.objects.filter(pk=focal_point.pk),
            base="base_id",
            territory="locality__territory_id",
            province="locality__territory__province_id",
        ).exists()
    ):
        errors["focal_point"] = [_("Choose a focal point of your area.")]
    return errors


def alert_update_check(*, user: User, alert: Alert, changes: dict) -> None:
    """The rules of ``alert_update`` (the admin form shows them beside the fields): a new
    locality or focal point must be in the user's scope, the threat and response from their
    lists, and people at risk zero or more. A link left as it was is not checked again."""
    unknown = sorted(set(changes) - set(UPDATABLE_FIELDS))
    if unknown:
        raise ValueError(f"alert_update cannot change {', '.join(unknown)}")
    errors = _link_errors(scope_for(user), alert, changes)
    if "threat_category" in changes and changes["threat_category"] not in ThreatCategory.values:
        errors["threat_category"] = [_("Choose a threat category from the list.")]
    if changes.get("response_type") and changes["response_type"] not in ResponseType.values:
        errors["response_type"] = [_("Choose a response from the list.")]
    for name in (*SEX_FIELDS, "missed_calls"):
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
    locked = _first(locks.alerts_for_update().select_related("base__locality", "territory").filter(pk=alert.pk))
    if (
        locked is None
        or not user.has_perm("can.change_alert")
        or not scope_for(user).covers(
            base_id=locked.base_id, territory_id=locked.territory_id, province_id=locked.territory.province_id
        )
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
