"""Writes for meetings and protection plans. Views, forms and the demo seeder all call these.

Editing is optimistic: a meeting and a plan carry a ``version`` that every save here increments.
An update names the version it was made from (``expected_version``); when someone saved in
between, nothing is written and ``VersionConflict`` says so, carrying the record as it stands, so
the caller can show both versions. Never last-write-wins.
"""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _

from gender.models import ReviewStatus
from gender.sadd import AGE_BANDS, SADD_FIELDS
from gender.services import report_submit

from . import validators
from .models import (
    ActionStatus,
    CommunityLiaisonAssistant,
    CommunityProtectionPlan,
    OperatingBase,
    PlanAction,
    PlanRevision,
    PlanThreat,
    UrafikiMeeting,
)
from .selectors import can_write

EDITABLE_MEETING_STATUSES = (ReviewStatus.DRAFT, ReviewStatus.RETURNED)


class VersionConflict(ValidationError):
    """The record was saved by someone else after the version the caller started from.

    ``current`` is the record as saved now, with its rows loaded (concerns, follow-ups and
    facilitators of a meeting; threats and their actions of a plan); ``expected_version`` is the
    version the refused save was made from."""

    def __init__(self, *, current, expected_version: int):
        self.current = current
        self.expected_version = expected_version
        super().__init__(
            _("Someone else saved this record (version %(current)d) after you opened it (version %(expected)d). "
              "Nothing of yours was saved yet: compare the two versions, then save again.")
            % {"current": current.version, "expected": expected_version},
            code="stale_version",
        )


def _ensure_writer(user, base: OperatingBase) -> None:
    if not can_write(user=user, base_id=base.id):
        raise PermissionDenied(_("You can only write reports for the bases you work at."))


def _raise(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)


def _counts(counts: dict) -> dict:
    return {name: counts.get(name) if name in AGE_BANDS else (counts.get(name) or 0) for name in SADD_FIELDS}


def _sync_rows(manager, rows: list[dict], fields: tuple[str, ...]) -> list:
    """Make the children of ``manager`` match ``rows``: rows with a known ``uid`` update that child,
    rows without create one, and children not named any more are deleted."""
    existing = {str(child.uid): child for child in manager.all()}
    kept = []
    for row in rows:
        child = existing.pop(str(row["uid"]), None) if row.get("uid") else None
        values = {field: row.get(field) for field in fields}
        if child is None:
            child = manager.create(**values)
        else:
            for field, value in values.items():
                setattr(child, field, value)
            child.save()
        kept.append(child)
    for child in existing.values():
        child.delete()
    return kept


CONCERN_FIELDS = ("category", "description", "at_risk_groups")
FOLLOW_UP_FIELDS = ("action", "responsible", "due_on", "status")


def meeting_errors(*, base, locality, held_on, counts: dict) -> dict[str, list[str]]:
    """Every rule a meeting's own fields must meet (shared with the form)."""
    return validators.merge(
        validators.coverage_errors("locality", base, locality),
        validators.date_errors("held_on", held_on),
        validators.sadd_errors(counts),
    )


def _meeting_rows_errors(follow_ups) -> dict[str, list[str]]:
    return validators.row_date_errors("follow_ups", follow_ups, ("due_on",))


def meeting_current(pk: int) -> UrafikiMeeting:
    """A meeting as saved now, with everything a comparison of versions shows."""
    return UrafikiMeeting.objects.select_related("base", "locality").prefetch_related(
        "concerns", "follow_ups", "facilitators__user"
    ).get(pk=pk)


def _meeting_apply(meeting, *, locality, held_on, meeting_type, stakeholder_groups, women_consulted_separately,
                   topics, counts, facilitators, concerns, follow_ups) -> UrafikiMeeting:
    meeting.locality = locality
    meeting.held_on = held_on
    meeting.meeting_type = meeting_type
    meeting.stakeholder_groups = list(stakeholder_groups)
    meeting.women_consulted_separately = women_consulted_separately
    meeting.topics = topics
    for name, value in _counts(counts).items():
        setattr(meeting, name, value)
    meeting.save()
    allowed = CommunityLiaisonAssistant.objects.filter(
        user__base_assignments__base=meeting.base, pk__in=[f.pk for f in facilitators]
    ).distinct()
    meeting.facilitators.set(allowed)
    _sync_rows(meeting.concerns, concerns, CONCERN_FIELDS)
    _sync_rows(meeting.follow_ups, follow_ups, FOLLOW_UP_FIELDS)
    return meeting


@transaction.atomic
def meeting_create(
    *, user, base: OperatingBase, locality, held_on: date, meeting_type: str, counts: dict,
    stakeholder_groups: list[str] = (), women_consulted_separately: bool = False, topics: str = "",
    facilitators=(), concerns: list[dict] = (), follow_ups: list[dict] = (), client_token=None,
) -> UrafikiMeeting:
    """Log a meeting as a draft. A repeat with the same ``client_token`` (the form posted twice)
    returns the meeting already saved instead of making a second one."""
    _ensure_writer(user, base)
    if client_token is not None:
        existing = UrafikiMeeting.objects.filter(client_token=client_token, created_by=user).first()
        if existing is not None:
            return existing
    _raise(validators.merge(meeting_errors(base=base, locality=locality, held_on=held_on, counts=counts),
                            _meeting_rows_errors(follow_ups)))
    meeting = UrafikiMeeting(base=base, created_by=user, client_token=client_token)
    try:
        with transaction.atomic():  # a repeat racing this one waits on the unique token, then fails here
            return _meeting_apply(
                meeting, locality=locality, held_on=held_on, meeting_type=meeting_type,
                stakeholder_groups=stakeholder_groups, women_consulted_separately=women_consulted_separately,
                topics=topics, counts=counts, facilitators=facilitators, concerns=list(concerns),
                follow_ups=list(follow_ups),
            )
    except IntegrityError:
        existing = UrafikiMeeting.objects.filter(client_token=client_token, created_by=user).first() if client_token else None
        if existing is None:
            raise ValidationError(_("This form was already used. Open a new meeting form."), code="token_used") from None
        return existing


@transaction.atomic
def meeting_update(
    *, user, meeting: UrafikiMeeting, expected_version: int, locality, held_on: date, meeting_type: str,
    counts: dict, stakeholder_groups: list[str] = (), women_consulted_separately: bool = False, topics: str = "",
    facilitators=(), concerns: list[dict] = (), follow_ups: list[dict] = (),
) -> UrafikiMeeting:
    """Correct a draft or a returned meeting. A submitted or approved one is frozen. The save is
    made from ``expected_version``; if the meeting was saved since, ``VersionConflict``."""
    _ensure_writer(user, meeting.base)
    locked = UrafikiMeeting.objects.select_for_update().select_related("base").get(pk=meeting.pk)
    if locked.review_status not in EDITABLE_MEETING_STATUSES:
        raise ValidationError(_("This meeting is under review or approved and can no longer be changed."), code="locked")
    if locked.version != expected_version:
        raise VersionConflict(current=meeting_current(locked.pk), expected_version=expected_version)
    _raise(validators.merge(meeting_errors(base=locked.base, locality=locality, held_on=held_on, counts=counts),
                            _meeting_rows_errors(follow_ups)))
    locked.version += 1
    return _meeting_apply(
        locked, locality=locality, held_on=held_on, meeting_type=meeting_type, stakeholder_groups=stakeholder_groups,
        women_consulted_separately=women_consulted_separately, topics=topics, counts=counts,
        facilitators=facilitators, concerns=list(concerns), follow_ups=list(follow_ups),
    )


@transaction.atomic
def meeting_submit(*, user, meeting: UrafikiMeeting) -> UrafikiMeeting:
    """Send the meeting (first time, or again after correction) to the gender office."""
    _ensure_writer(user, meeting.base)
    return report_submit(report=meeting, user=user)


# --- Community protection plans ------------------------------------------------------------------

THREAT_FIELDS = ("category", "perpetrator_type", "description", "at_risk_groups", "at_risk_detail",
                 "vulnerabilities", "capacities")
ACTION_FIELDS = ("description", "responsible", "deadline", "status", "review_on")


def plan_errors(*, base, locality, period_start, period_end, counts: dict, review_on=None) -> dict[str, list[str]]:
    return validators.merge(
        validators.coverage_errors("locality", base, locality),
        validators.planning_date_errors("period_start", period_start),
        validators.planning_date_errors("period_end", period_end),
        validators.planning_date_errors("review_on", review_on),
        validators.period_errors(period_start, period_end),
        validators.sadd_errors(counts),
    )


def _plan_rows_errors(threats) -> dict[str, list[str]]:
    actions = [action for threat in threats for action in threat.get("actions", [])]
    return validators.row_date_errors("threats", actions, ("deadline", "review_on"))


def plan_current(pk: int) -> CommunityProtectionPlan:
    """A plan as saved now, with its threats and their actions."""
    return CommunityProtectionPlan.objects.select_related("base", "locality").prefetch_related(
        Prefetch("threats", queryset=PlanThreat.objects.order_by("id").prefetch_related("actions"))
    ).get(pk=pk)


def _iso(value):
    return value.isoformat() if isinstance(value, date) else value


def plan_snapshot(plan: CommunityProtectionPlan) -> dict:
    """The plan as it stands, with its threats and actions, as plain JSON."""
    return {
        "version": plan.version,
        "locality": plan.locality.name,
        "period_start": _iso(plan.period_start),
        "period_end": _iso(plan.period_end),
        "review_on": _iso(plan.review_on),
        "summary": plan.summary,
        "counts": {name: getattr(plan, name) for name in SADD_FIELDS},
        "threats": [
            {
                **{field: getattr(threat, field) for field in THREAT_FIELDS},
                "actions": [
                    {field: _iso(getattr(action, field)) for field in ACTION_FIELDS}
                    for action in threat.actions.order_by("deadline", "id")
                ],
            }
            for threat in plan.threats.order_by("id")
        ],
    }


def _plan_apply(plan, *, period_start, period_end, review_on, summary, counts, threats) -> CommunityProtectionPlan:
    plan.period_start = period_start
    plan.period_end = period_end
    plan.review_on = review_on
    plan.summary = summary
    for name, value in _counts(counts).items():
        setattr(plan, name, value)
    plan.save()
    existing = {str(t.uid): t for t in plan.threats.all()}
    for row in threats:
        threat = existing.pop(str(row["uid"]), None) if row.get("uid") else None
        values = {field: row.get(field) for field in THREAT_FIELDS}
        if threat is None:
            threat = PlanThreat.objects.create(plan=plan, **values)
        else:
            for field, value in values.items():
                setattr(threat, field, value)
            threat.save()
        _sync_rows(threat.actions, row.get("actions", []), ACTION_FIELDS)
    for threat in existing.values():
        threat.delete()
    return plan


def _period_taken() -> dict[str, list[str]]:
    return {"period_start": [_("This locality already has a plan starting on that date.")]}


def _same_form(plan: CommunityProtectionPlan, user, client_token) -> bool:
    return client_token is not None and plan.client_token == client_token and plan.created_by_id == user.pk


def _plan_by_token(user, client_token) -> CommunityProtectionPlan | None:
    if client_token is None:
        return None
    return CommunityProtectionPlan.objects.filter(client_token=client_token, created_by=user).first()


@transaction.atomic
def plan_create(
    *, user, base: OperatingBase, locality, period_start: date, period_end: date, counts: dict,
    review_on: date | None = None, summary: str = "", threats: list[dict] = (), client_token=None,
) -> CommunityProtectionPlan:
    """Draw up a plan (version 1). A repeat with the same ``client_token`` (the form posted twice,
    even at the same moment) returns the plan already saved instead of failing."""
    _ensure_writer(user, base)
    if (existing := _plan_by_token(user, client_token)) is not None:
        return existing
    threats = list(threats)
    errors = validators.merge(
        plan_errors(base=base, locality=locality, period_start=period_start, period_end=period_end, counts=counts,
                    review_on=review_on),
        _plan_rows_errors(threats),
    )
    if not errors.get("period_start"):
        taken = CommunityProtectionPlan.objects.filter(locality=locality, period_start=period_start).first()
        if taken is not None and _same_form(taken, user, client_token):
            return taken  # this very form, saved by a repeat that committed since the token was looked up
        if taken is not None:
            errors = validators.merge(errors, _period_taken())
    _raise(errors)
    plan = CommunityProtectionPlan(base=base, locality=locality, created_by=user, client_token=client_token)
    try:
        # A repeat racing this one waits on the unique token (or locality and period), then fails here.
        with transaction.atomic():
            return _plan_apply(plan, period_start=period_start, period_end=period_end, review_on=review_on,
                               summary=summary, counts=counts, threats=threats)
    except IntegrityError:
        if (existing := _plan_by_token(user, client_token)) is not None:
            return existing
        if client_token is not None and CommunityProtectionPlan.objects.filter(client_token=client_token).exists():
            raise ValidationError(_("This form was already used. Open a new plan form."), code="token_used") from None
        if CommunityProtectionPlan.objects.filter(locality=locality, period_start=period_start).exists():
            raise ValidationError(_period_taken()) from None
        raise


@transaction.atomic
def plan_update(
    *, user, plan: CommunityProtectionPlan, expected_version: int, period_start: date, period_end: date,
    counts: dict, review_on: date | None = None, summary: str = "", threats: list[dict] = (),
) -> CommunityProtectionPlan:
    """Save a new version of the plan. The version it replaces is kept as a ``PlanRevision``. A plan
    under review cannot change; an approved or returned plan that changes goes back to draft. The
    save is made from ``expected_version``; if the plan was saved since, ``VersionConflict``."""
    _ensure_writer(user, plan.base)
    locked = CommunityProtectionPlan.objects.select_for_update().select_related("base", "locality").get(pk=plan.pk)
    if locked.review_status == ReviewStatus.SUBMITTED:
        raise ValidationError(_("This plan is under review and cannot change until the gender office answers."), code="locked")
    if locked.version != expected_version:
        raise VersionConflict(current=plan_current(locked.pk), expected_version=expected_version)
    threats = list(threats)
    errors = validators.merge(
        plan_errors(base=locked.base, locality=locked.locality, period_start=period_start, period_end=period_end,
                    counts=counts, review_on=review_on),
        _plan_rows_errors(threats),
    )
    if not errors.get("period_start") and CommunityProtectionPlan.objects.filter(
        locality=locked.locality, period_start=period_start
    ).exclude(pk=locked.pk).exists():
        errors = validators.merge(errors, _period_taken())
    _raise(errors)
    _keep_revision(locked, user)
    locked.review_status = ReviewStatus.DRAFT
    return _plan_apply(locked, period_start=period_start, period_end=period_end, review_on=review_on, summary=summary,
                       counts=counts, threats=threats)


def _keep_revision(locked: CommunityProtectionPlan, user) -> None:
    """Freeze the plan as it stands as a revision, and number the coming save one higher."""
    PlanRevision.objects.create(plan=locked, version=locked.version, snapshot=plan_snapshot(locked), saved_by=user)
    locked.version += 1


@transaction.atomic
def plan_submit(*, user, plan: CommunityProtectionPlan) -> CommunityProtectionPlan:
    _ensure_writer(user, plan.base)
    return report_submit(report=plan, user=user)


@transaction.atomic
def plan_action_update(*, user, action: PlanAction, status: str, review_on: date | None) -> PlanAction:
    """Record how an action stands (and when to look at it again). This changes the plan: a new
    version, the one it replaces kept, so that a plan form opened before cannot silently undo it."""
    _ensure_writer(user, action.threat.plan.base)
    if status not in ActionStatus.values:
        raise ValidationError({"status": [_("Choose a valid status.")]})
    _raise(validators.planning_date_errors("review_on", review_on))
    plan = CommunityProtectionPlan.objects.select_for_update().get(pk=action.threat.plan_id)
    locked = PlanAction.objects.select_for_update().get(pk=action.pk)
    if (locked.status, locked.review_on) == (status, review_on):
        return locked
    _keep_revision(plan, user)
    plan.save(update_fields=["version", "updated_at"])
    locked.status = status
    locked.review_on = review_on
    locked.save(update_fields=["status", "review_on", "updated_at"])
    return locked
