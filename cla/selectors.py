"""Scoped reads for the cla app."""

from datetime import timedelta

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from gender.registry import NEED_TO_KNOW_PERMISSION
from monusco.audit import audit_protected_read
from monusco.choices import PROTECTED_THREAT_CATEGORIES
from monusco.roles import Role, user_has_role
from monusco.scope import scope_for

from .models import (
    ActionStatus,
    BaseAssignment,
    CommunityLiaisonAssistant,
    CommunityProtectionPlan,
    OperatingBase,
    PlanAction,
    PlanRevision,
    PlanThreat,
    SecurityConcern,
    UrafikiMeeting,
)

OPEN_ACTION_STATUSES = (ActionStatus.PLANNED, ActionStatus.IN_PROGRESS, ActionStatus.BLOCKED)


def assigned_base_ids(user) -> list[int]:
    """Ids of the bases the user is assigned to today (the base part of their scope)."""
    today = timezone.localdate()
    return list(
        BaseAssignment.objects.filter(user=user, starts_on__lte=today)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .values_list("base_id", flat=True)
    )


def _scoped(user, qs: QuerySet, prefix: str = "") -> QuerySet:
    return scope_for(user).filter(
        qs,
        base=f"{prefix}base_id",
        territory=f"{prefix}locality__territory_id",
        province=f"{prefix}locality__territory__province_id",
    )


def base_list(*, user) -> QuerySet[OperatingBase]:
    return scope_for(user).filter(
        OperatingBase.objects.select_related("locality__territory__province", "parent"),
        base="id",
        territory="locality__territory_id",
        province="locality__territory__province_id",
    )


def writable_bases(*, user) -> QuerySet[OperatingBase]:
    """Open bases where the user works as a CLA today: the only bases whose reports they write."""
    if not user.is_authenticated or not user_has_role(user, Role.CLA):
        return OperatingBase.objects.none()
    today = timezone.localdate()
    ids = (
        BaseAssignment.objects.filter(user=user, function=BaseAssignment.Function.CLA, starts_on__lte=today)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .values("base_id")
    )
    return OperatingBase.objects.filter(id__in=ids, closed_on__isnull=True).prefetch_related("coverage")


def can_write(*, user, base_id: int) -> bool:
    return any(base.id == base_id for base in writable_bases(user=user))


def base_facilitators(*, base_ids) -> QuerySet[CommunityLiaisonAssistant]:
    """CLAs assigned to any of the bases (past or present), to pick a meeting's facilitators."""
    return (
        CommunityLiaisonAssistant.objects.filter(user__base_assignments__base_id__in=list(base_ids))
        .select_related("user")
        .distinct()
    )


def can_read_reports(user) -> bool:
    return user.has_perm("cla.view_urafikimeeting")


def meeting_list(*, user) -> QuerySet[UrafikiMeeting]:
    """Meetings in the user's scope (plain: callers add what they need)."""
    return _scoped(user, UrafikiMeeting.objects.select_related("base", "locality", "created_by"))


def meeting_search(*, user, filters: dict | None = None) -> QuerySet[UrafikiMeeting]:
    """The meeting list page: filtered by date range, locality, status and threat category, newest
    first, with the number of concerns of each meeting."""
    filters = filters or {}
    qs = _scoped(user, UrafikiMeeting.objects.select_related("base", "locality"))
    if filters.get("date_from"):
        qs = qs.filter(held_on__gte=filters["date_from"])
    if filters.get("date_to"):
        qs = qs.filter(held_on__lte=filters["date_to"])
    if filters.get("locality"):
        qs = qs.filter(locality=filters["locality"])
    if filters.get("status"):
        qs = qs.filter(review_status=filters["status"])
    if filters.get("category"):
        qs = qs.filter(id__in=SecurityConcern.objects.filter(category=filters["category"]).values("meeting_id"))
    return qs.annotate(concern_count=Count("concerns")).order_by("-held_on", "-id")


def meeting_get(*, user, uid) -> UrafikiMeeting:
    """The meeting, with everything its pages show; 404 when outside the user's scope."""
    qs = _scoped(
        user,
        UrafikiMeeting.objects.select_related("base", "locality", "created_by").prefetch_related(
            "concerns",
            "follow_ups",
            Prefetch("facilitators", queryset=CommunityLiaisonAssistant.objects.select_related("user")),
        ),
    )
    return _get_or_404(qs, uid)


def meeting_concerns_read(*, user, meeting: UrafikiMeeting, can_write: bool, concerns=None) -> list[SecurityConcern]:
    """The meeting's concerns (``concerns``: those of another copy of it, such as the version saved
    meanwhile), for a page about to show them. The user may see a protected concern's detail when
    they write the base's reports (``can_write``, which the page has asked already) or need to know;
    otherwise the concern is marked ``restricted``. When protected detail is shown, the read is
    logged against the meeting in the same step."""
    concerns = list(meeting.concerns.all() if concerns is None else concerns)
    may_see = can_write or user.has_perm(NEED_TO_KNOW_PERMISSION)
    for concern in concerns:
        concern.restricted = concern.category in PROTECTED_THREAT_CATEGORIES and not may_see
    if may_see and any(concern.category in PROTECTED_THREAT_CATEGORIES for concern in concerns):
        audit_protected_read(user=user, instance=meeting, fields=["concerns.description"])
    return concerns


def scope_localities(*, user):
    """Localities the user can filter on: those covered by the bases in scope."""
    from monusco.models import Locality

    return Locality.objects.filter(covering_bases__in=base_list(user=user)).distinct().order_by("name")


def plan_list(*, user) -> QuerySet[CommunityProtectionPlan]:
    """Plans in the user's scope (plain: callers add what they need)."""
    return _scoped(user, CommunityProtectionPlan.objects.select_related("base", "locality"))


def plan_overview(*, user) -> QuerySet[CommunityProtectionPlan]:
    """The plan list page: each plan with its number of overdue open actions."""
    today = timezone.localdate()
    return (
        plan_list(user=user)
        .annotate(
            overdue_count=Count(
                "threats__actions",
                filter=Q(threats__actions__status__in=OPEN_ACTION_STATUSES, threats__actions__deadline__lt=today),
            )
        )
        .order_by("locality__name", "-period_start", "id")
    )


def plan_get(*, user, uid) -> CommunityProtectionPlan:
    qs = _scoped(
        user,
        CommunityProtectionPlan.objects.select_related("base", "locality", "created_by").prefetch_related(
            Prefetch("threats", queryset=PlanThreat.objects.prefetch_related("actions"))
        ),
    )
    return _get_or_404(qs, uid)


def plan_revision_get(*, plan, version: int) -> PlanRevision:
    return _get_or_404(PlanRevision.objects.filter(plan=plan).select_related("saved_by"), None, version=version)


def action_get(*, user, uid) -> PlanAction:
    return _get_or_404(_scoped(user, PlanAction.objects.select_related("threat__plan"), "threat__plan__"), uid)


def actions_due(*, user, days: int = 14) -> QuerySet[PlanAction]:
    """Open plan actions of the user's scope due within ``days`` or already overdue."""
    today = timezone.localdate()
    return _scoped(
        user,
        PlanAction.objects.select_related("threat__plan__locality").filter(
            status__in=OPEN_ACTION_STATUSES, deadline__lte=today + timedelta(days=days)
        ),
        "threat__plan__",
    ).order_by("deadline", "id")


def _get_or_404(qs: QuerySet, uid, **lookup):
    from django.core.exceptions import ValidationError

    if uid is not None:
        lookup["uid"] = uid
    try:
        return qs.get(**lookup)
    except (qs.model.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc


def records_to_keep_offline(*, user, limit: int) -> tuple[list, list]:
    """The uids of the records whose edit pages the CLA's phone keeps: the plans that may still
    change (not under review), most recently changed first, and the meetings returned for
    correction; ``limit`` of each, within scope."""
    from gender.models import ReviewStatus

    plans = plan_list(user=user).exclude(review_status=ReviewStatus.SUBMITTED).order_by("-updated_at")
    returned = meeting_list(user=user).filter(review_status=ReviewStatus.RETURNED)
    return list(plans.values_list("uid", flat=True)[:limit]), list(returned.values_list("uid", flat=True)[:limit])
