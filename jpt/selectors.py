"""Scoped reads for JPT missions.

A mission reaches its territories and province through its area localities, and its bases through
``bases``. Those are many-to-many paths, so the scope cut is a ``pk__in`` subquery: one row per
mission, whatever the number of localities.
"""

from __future__ import annotations

import datetime

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from cla.models import BaseAssignment, PlanThreat, SecurityConcern
from gender.registry import NEED_TO_KNOW_PERMISSION
from gender.threat_records import threat_on_record
from monusco.audit import audit_protected_read
from monusco.choices import PROTECTED_THREAT_CATEGORIES, ThreatCategory
from monusco.models import Locality
from monusco.scope import scope_for

from .models import (
    OPEN_FOLLOW_UP,
    Finding,
    JPTMission,
    MemberSex,
    MissionMember,
    Recommendation,
    RecommendationUpdate,
    Section,
)

SCOPE_PATHS = {
    "base": "bases__id",
    "territory": "localities__territory_id",
    "province": "localities__territory__province_id",
}


def mission_ids_in_scope(*, user) -> QuerySet:
    """A ``values("pk")`` queryset of the missions in the user's scope, for ``__in`` subqueries.

    Base-scoped users (CLAs) see the missions naming their base and those whose area their base
    covers."""
    scope = scope_for(user)
    missions = JPTMission.objects.all()
    if not scope.everything:
        missions = missions.filter(scope.q(**SCOPE_PATHS) | scope.q(base="localities__covering_bases__id"))
    return missions.values("pk")


def _count_members(**filters) -> Coalesce:
    sub = (
        MissionMember.objects.filter(mission=OuterRef("pk"), **filters)
        .order_by()
        .values("mission")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(sub, output_field=IntegerField()), Value(0))


def _count_overdue(today: datetime.date) -> Coalesce:
    sub = (
        Recommendation.objects.filter(mission=OuterRef("pk"), deadline__lt=today, follow_up_status__in=OPEN_FOLLOW_UP)
        .order_by()
        .values("mission")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(sub, output_field=IntegerField()), Value(0))


def mission_list(*, user) -> QuerySet[JPTMission]:
    """Missions in the user's scope, with team size, women on the team and overdue recommendations
    counted in the database, and the area localities (with their territory) prefetched."""
    if scope_for(user).is_empty:
        return JPTMission.objects.none()
    today = timezone.localdate()
    return (
        JPTMission.objects.filter(pk__in=mission_ids_in_scope(user=user))
        .select_related("lead")
        .prefetch_related(
            Prefetch("localities", queryset=Locality.objects.select_related("territory").order_by("name"))
        )
        .annotate(
            team_size=_count_members(),
            women_on_team=_count_members(sex=MemberSex.FEMALE),
            overdue_count=_count_overdue(today),
        )
    )


def mission_get(*, user, uid) -> JPTMission:
    """One mission in scope, or ``JPTMission.DoesNotExist`` (the caller answers 404)."""
    return mission_list(user=user).get(uid=uid)


def mission_report_data(*, mission: JPTMission) -> dict:
    """Everything the printable report shows, each list in one query."""
    return {
        "members": list(mission.members.select_related("user").order_by("section", "id")),
        "stops": list(mission.stops.select_related("locality").order_by("arrive_on", "id")),
        "meetings": list(mission.meetings.select_related("locality").order_by("held_on", "id")),
        "findings": list(mission.findings.select_related("locality").order_by("id")),
        "recommendations": list(mission.recommendations.order_by("deadline", "id")),
    }


def overdue_recommendation_list(*, user, today: datetime.date | None = None) -> QuerySet[Recommendation]:
    """Open recommendations past their deadline, across the missions in the user's scope, each with
    its follow-up history prefetched (newest last)."""
    today = today or timezone.localdate()
    if scope_for(user).is_empty:
        return Recommendation.objects.none()
    return (
        Recommendation.objects.filter(
            mission__in=mission_ids_in_scope(user=user), deadline__lt=today, follow_up_status__in=OPEN_FOLLOW_UP
        )
        .select_related("mission__lead")
        .prefetch_related(
            Prefetch(
                "updates",
                queryset=RecommendationUpdate.objects.select_related("author").order_by("updated_on", "id"),
            )
        )
        .order_by("deadline", "id")
    )


def territories_in_scope(*, user) -> list[tuple[int, str]]:
    """(id, name) of the territories the user's missions can be in, for the changelist filter."""
    from monusco.models import Territory

    qs = scope_for(user).filter(
        Territory.objects.all(), base="localities__covering_bases__id", territory="id", province="province_id"
    )
    return list(qs.filter(localities__jpt_missions__isnull=False).distinct().order_by("name").values_list("id", "name"))


def localities_all_in_scope(*, user, localities) -> bool:
    """Whether every one of these localities lies in the user's scope (province, territory or a
    base covering it)."""
    ids = {locality.pk for locality in localities}
    if not ids:
        return True
    in_scope = scope_for(user).filter(
        Locality.objects.filter(pk__in=ids),
        base="covering_bases__id",
        territory="territory_id",
        province="territory__province_id",
    )
    return set(in_scope.values_list("pk", flat=True)) == ids


def finding_description_read(*, user, finding: Finding) -> str | None:
    """A finding's description for a page about to show it, or ``None`` when it is withheld: a
    sexual-violence finding's detail goes to need-to-know roles only, and their read is logged in
    the same step."""
    if finding.category not in PROTECTED_THREAT_CATEGORIES:
        return finding.description
    if not user.has_perm(NEED_TO_KNOW_PERMISSION):
        return None
    audit_protected_read(user=user, instance=finding, fields=["description"])
    return finding.description


# --- composition checks ------------------------------------------------------------------------


def area_has_sexual_violence_on_record(*, locality_ids: list[int]) -> bool:
    """Sexual-violence concerns recorded for any of these localities: in community meetings, in
    protection plans, in earlier JPT findings, and in the records of the apps that register with
    ``gender.threat_records`` (CAN alerts)."""
    if not locality_ids:
        return False
    sv = ThreatCategory.SEXUAL_VIOLENCE
    return (
        SecurityConcern.objects.filter(category=sv, meeting__locality_id__in=locality_ids).exists()
        or PlanThreat.objects.filter(category=sv, plan__locality_id__in=locality_ids).exists()
        or Finding.objects.filter(category=sv, locality_id__in=locality_ids).exists()
        or threat_on_record(category=sv, locality_ids=locality_ids)
    )


def mission_composition_warnings(*, mission: JPTMission) -> list[str]:
    """Warnings about the team, given its area. Advice for the lead, never a block."""
    warnings: list[str] = []
    members = list(mission.members.all())
    locality_ids = list(mission.localities.values_list("pk", flat=True))
    if not any(m.sex == MemberSex.FEMALE for m in members):
        warnings.append(
            _("The team has no woman. Without women on the team, women and girls are hard to meet and to hear.")
        )
    sections = {m.section for m in members}
    if not sections & {Section.HUMAN_RIGHTS, Section.GENDER} and area_has_sexual_violence_on_record(
        locality_ids=locality_ids
    ):
        warnings.append(
            _("Sexual violence is on record in this area, but the team has no one from Human Rights or Gender.")
        )
    cla_user_ids = [m.user_id for m in members if m.section == Section.CLA and m.user_id]
    covering_cla = (
        bool(cla_user_ids)
        and BaseAssignment.objects.filter(
            user_id__in=cla_user_ids, base__coverage__in=locality_ids, starts_on__lte=mission.end_date
        )
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=mission.start_date))
        .exists()
    )
    if locality_ids and not covering_cla:
        warnings.append(_("No CLA from a base covering the area is on the team."))
    return warnings


def mission_approvers(*, mission: JPTMission, limit: int = 10) -> list:
    """Who may approve a planned mission: the active users holding ``jpt.approve_jptmission``
    through their role or by hand (administrators aside) whose scope includes the mission."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    approve = Permission.objects.filter(content_type__app_label="jpt", codename="approve_jptmission")
    candidates = (
        get_user_model()
        .objects.filter(Q(groups__permissions__in=approve) | Q(user_permissions__in=approve), is_active=True)
        .exclude(is_superuser=True)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )
    found = []
    for user in candidates[: limit * 5]:
        if mission_ids_in_scope(user=user).filter(pk=mission.pk).exists():
            found.append(user)
        if len(found) == limit:
            break
    return found
