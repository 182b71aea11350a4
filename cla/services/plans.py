"""Writes for Community Protection Plans."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _

from gender.models import ReviewStatus
from gender.sadd import SADD_FIELDS
from gender.services import report_submit

from .. import validators
from ..models import (
    ActionStatus,
    CommunityProtectionPlan,
    OperatingBase,
    PlanAction,
    PlanRevision,
    PlanThreat,
)
from ._common import VersionConflict, _counts, _ensure_writer, _raise, _sync_rows

THREAT_FIELDS = (
    "category",
    "perpetrator_type",
    "description",
    "at_risk_groups",
    "at_risk_detail",
    "vulnerabilities",
    "capacities",
)
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
    return (
        CommunityProtectionPlan.objects.select_related("base", "locality")
        .prefetch_related(Prefetch("threats", queryset=PlanThreat.objects.order_by("id").prefetch_related("actions")))
        .get(pk=pk)
    )


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
    *,
    user,
    base: OperatingBase,
    locality,
    period_start: date,
    period_end: date,
    counts: dict,
    review_on: date | None = None,
    summary: str = "",
    threats: list[dict] = (),
    client_token=None,
) -> CommunityProtectionPlan:
    """Draw up a plan (version 1). A repeat with the same ``client_token`` (the form posted twice,
    even at the same moment) returns the plan already saved instead of failing."""
    _ensure_writer(user, base)
    if (existing := _plan_by_token(user, client_token)) is not None:
        return existing
    threats = list(threats)
    errors = validators.merge(
        plan_errors(
            base=base,
            locality=locality,
            period_start=period_start,
            period_end=period_end,
            counts=counts,
            review_on=review_on,
        ),
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
            return _plan_apply(
                plan,
                period_start=period_start,
                period_end=period_end,
                review_on=review_on,
                summary=summary,
                counts=counts,
                threats=threats,
            )
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
    *,
    user,
    plan: CommunityProtectionPlan,
    expected_version: int,
    period_start: date,
    period_end: date,
    counts: dict,
    review_on: date | None = None,
    summary: str = "",
    threats: list[dict] = (),
) -> CommunityProtectionPlan:
    """Save a new version of the plan. The version it replaces is kept as a ``PlanRevision``. A plan
    under review cannot change; an approved or returned plan that changes goes back to draft. The
    save is made from ``expected_version``; if the plan was saved since, ``VersionConflict``."""
    _ensure_writer(user, plan.base)
    locked = CommunityProtectionPlan.objects.select_for_update().select_related("base", "locality").get(pk=plan.pk)
    if locked.review_status == ReviewStatus.SUBMITTED:
        raise ValidationError(
            _("This plan is under review and cannot change until the gender office answers."), code="locked"
        )
    if locked.version != expected_version:
        raise VersionConflict(current=plan_current(locked.pk), expected_version=expected_version)
    threats = list(threats)
    errors = validators.merge(
        plan_errors(
            base=locked.base,
            locality=locked.locality,
            period_start=period_start,
            period_end=period_end,
            counts=counts,
            review_on=review_on,
        ),
        _plan_rows_errors(threats),
    )
    if (
        not errors.get("period_start")
        and CommunityProtectionPlan.objects.filter(locality=locked.locality, period_start=period_start)
        .exclude(pk=locked.pk)
        .exists()
    ):
        errors = validators.merge(errors, _period_taken())
    _raise(errors)
    _keep_revision(locked, user)
    locked.review_status = ReviewStatus.DRAFT
    return _plan_apply(
        locked,
        period_start=period_start,
        period_end=period_end,
        review_on=review_on,
        summary=summary,
        counts=counts,
        threats=threats,
    )


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
