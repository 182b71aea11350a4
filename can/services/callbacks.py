"""Call-backs: a missed call is a task for the base's CLAs, who call the number back and record
each attempt (reached, no answer, wrong number).

- Each attempt locks the alert row and re-reads it: only an alert still "callback needed", of one
  of the user's own bases, held by someone with ``can.change_alert``, takes an attempt.
- An attempt carries the number of failed attempts the CLA saw (``seen_failures``): a second post
  of the same form finds the count moved on and records nothing (no double counting).
- No answer and wrong number are failed attempts (``callback_failures``). The third escalates at
  once (``selectors.escalation_due_at``); a wrong number ends the task: no more attempts, the
  alert waits in the inbox for the duty officer (acknowledge, then close as no response possible).
- Reached: the CLA writes the alert's account from the call (threat, place, what is happening,
  people at risk), which sets ``called_back_at``/``called_back_by`` and acknowledges the alert
  through ``alert_acknowledge`` (its rules, its event).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from monusco.models import Locality, User

from .. import locks
from ..models import Alert, AlertChannel, AlertStatus, CallbackAttempt, CallbackResult, EventKind
from ..selectors import MAX_CALLBACK_FAILURES, alert_do_not_call_back
from ._common import _event, _first, _in_base_scope
from .lifecycle import _check_correction, alert_acknowledge
from .notifications import alert_escalate


def _lock_task(user: User, alert: Alert) -> Alert:
    wrong = CallbackAttempt.objects.filter(alert=OuterRef("pk"), result=CallbackResult.WRONG_NUMBER)
    locked = _first(
        locks.alerts_for_update()
        .select_related("base", "focal_point")
        .annotate(wrong_number=Exists(wrong))
        .filter(pk=alert.pk)
    )
    if locked is None or not (user.has_perm("can.change_alert") and _in_base_scope(user, locked.base_id)):
        raise PermissionDenied
    return locked


def callback_check(*, alert: Alert) -> None:
    """Whether ``alert`` (read with ``wrong_number``, as ``selectors_callbacks`` reads tasks) takes a
    call-back attempt: a ``ValidationError`` saying why not."""
    if alert.status != AlertStatus.CALLBACK_NEEDED or alert.channel != AlertChannel.MISSED_CALL:
        raise ValidationError(_("This alert is no longer waiting for a call-back."), code="not_a_task")
    if alert_do_not_call_back(alert):
        raise ValidationError(_("The focal point asked not to be called back."), code="do_not_call_back")
    if getattr(alert, "wrong_number", False):
        raise ValidationError(
            _("A wrong number was recorded: the duty officer decides what follows."), code="wrong_number"
        )


@transaction.atomic
def callback_attempt(
    *,
    user: User,
    alert: Alert,
    result: str,
    seen_failures: int,
    note: str = "",
    threat_category: str = "",
    locality: Locality | None = None,
    description: str = "",
    women: int = 0,
    men: int = 0,
    girls: int = 0,
    boys: int = 0,
) -> CallbackAttempt | None:
    """Record one call-back attempt on ``alert``; when reached, its account too (and the alert is
    acknowledged). Returns the attempt, or None when the same attempt was already recorded (a
    repeat post: ``seen_failures`` no longer matches). Nothing changes when a rule is broken."""
    locked = _lock_task(user, alert)
    if locked.callback_failures != seen_failures or (result == CallbackResult.REACHED and locked.called_back_at):
        return None  # recorded meanwhile (a double post, or another CLA): not counted twice
    callback_check(alert=locked)
    if result not in CallbackResult.values:
        raise ValidationError({"result": _("Choose reached, no answer or wrong number.")})
    note = note.strip()
    now = timezone.now()
    if result == CallbackResult.REACHED:
        _check_correction(locked, threat_category=threat_category, locality=locality, counts=(women, men, girls, boys))
        if not description.strip():
            raise ValidationError({"description": _("Write what the caller said.")})
    attempt = CallbackAttempt.objects.create(alert=locked, by=user, at=now, result=result, note=note)
    if result != CallbackResult.REACHED:
        locked.callback_failures += 1
        locked.save(update_fields=["callback_failures", "updated_at"])
        _event(locked, EventKind.CALLBACK_ATTEMPT, actor=user, at=now, note=note)
        if locked.callback_failures >= MAX_CALLBACK_FAILURES:
            alert_escalate(alert_id=locked.pk, now=now)  # the call-back clock has run out
        return attempt
    locked.threat_category, locked.locality, locked.description = threat_category, locality, description.strip()
    locked.women, locked.men, locked.girls, locked.boys = women, men, girls, boys
    if locality is not None:
        locked.territory_id = locality.territory_id
    locked.needs_triage = locality is None
    locked.called_back_at, locked.called_back_by = now, user
    account = ["threat_category", "locality", "territory", "description", "women", "men", "girls", "boys"]
    locked.save(update_fields=[*account, "needs_triage", "called_back_at", "called_back_by", "updated_at"])
    _event(locked, EventKind.CALLED_BACK, actor=user, at=now, note=note)
    alert_acknowledge(alert=locked, user=user)
    return attempt
