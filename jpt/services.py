"""Writes for JPT missions: the lifecycle and the follow-up of recommendations.

Lifecycle: planned -> approved (by a head of office or a mission manager: ``jpt.approve_jptmission``)
-> ongoing -> completed -> report submitted (the lead; the report then joins the gender review).
A report the gender office returns is corrected and submitted again from the same status.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gender.models import ReviewStatus
from gender.services import report_submit
from monusco.scope import scope_for

from .models import FollowUpStatus, JPTMission, MissionStatus, Recommendation, RecommendationUpdate
from .selectors import SCOPE_PATHS

if TYPE_CHECKING:
    from monusco.models import User


@dataclass(frozen=True)
class Transition:
    name: str
    label: Promise
    source: MissionStatus
    target: MissionStatus
    stamp: str  # prefix of the <stamp>_by / <stamp>_at fields
    wrong_status: Promise


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        Transition(
            "approve",
            gettext_lazy("Approve"),
            MissionStatus.PLANNED,
            MissionStatus.APPROVED,
            "approved",
            gettext_lazy("Only a planned mission can be approved; this one is %(status)s."),
        ),
        Transition(
            "start",
            gettext_lazy("Start the mission"),
            MissionStatus.APPROVED,
            MissionStatus.ONGOING,
            "started",
            gettext_lazy("Only an approved mission can start; this one is %(status)s."),
        ),
        Transition(
            "complete",
            gettext_lazy("Mark as completed"),
            MissionStatus.ONGOING,
            MissionStatus.COMPLETED,
            "completed",
            gettext_lazy("Only an ongoing mission can be completed; this one is %(status)s."),
        ),
        Transition(
            "submit_report",
            gettext_lazy("Submit the report"),
            MissionStatus.COMPLETED,
            MissionStatus.REPORT_SUBMITTED,
            "report_submitted",
            gettext_lazy("Only a completed mission can have its report submitted; this one is %(status)s."),
        ),
    )
}


def user_can_edit_mission(*, user: User, mission: JPTMission) -> bool:
    """JPT leads edit their own missions; administrators edit any."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return user.has_perm("jpt.change_jptmission") and mission.lead_id == user.pk


def user_can_transition(*, user: User, mission: JPTMission, transition: Transition) -> bool:
    if transition.name == "approve":
        return user.is_active and user.has_perm("jpt.approve_jptmission")
    return user_can_edit_mission(user=user, mission=mission)


def available_transitions(*, user: User, mission: JPTMission) -> list[Transition]:
    """The transitions the user may take on the mission now (for the buttons on the form)."""
    found = [
        t
        for t in TRANSITIONS.values()
        if t.source == mission.status and user_can_transition(user=user, mission=mission, transition=t)
    ]
    if (
        mission.status == MissionStatus.REPORT_SUBMITTED
        and mission.review_status == ReviewStatus.RETURNED
        and user_can_edit_mission(user=user, mission=mission)
    ):
        found.append(TRANSITIONS["submit_report"])
    return found


def _in_scope(*, user: User, mission: JPTMission) -> bool:
    return scope_for(user).filter(JPTMission.objects.filter(pk=mission.pk), **SCOPE_PATHS).exists()


@transaction.atomic
def mission_transition(*, mission: JPTMission, user: User, name: str) -> JPTMission:
    """Move the mission one step along its lifecycle, or raise ``ValidationError`` and change nothing."""
    transition = TRANSITIONS.get(name)
    if transition is None:
        raise ValidationError(_("Unknown mission step."), code="unknown_transition")
    locked = JPTMission.objects.select_for_update().get(pk=mission.pk)
    _check_transition(user=user, mission=locked, transition=transition)
    now = timezone.now()
    locked.status = transition.target
    setattr(locked, f"{transition.stamp}_by", user)
    setattr(locked, f"{transition.stamp}_at", now)
    locked.save(update_fields=["status", f"{transition.stamp}_by", f"{transition.stamp}_at", "updated_at"])
    if transition.name == "submit_report":
        report_submit(report=locked, user=user)
    locked.refresh_from_db()
    for field in (
        "status",
        "review_status",
        "review_round",
        "submitted_at",
        "updated_at",
        f"{transition.stamp}_by_id",
        f"{transition.stamp}_at",
    ):
        setattr(mission, field, getattr(locked, field))
    return mission


def _check_transition(*, user: User, mission: JPTMission, transition: Transition) -> None:
    """Raise ``ValidationError`` unless ``user`` may take ``transition`` on the (locked) mission now."""
    if not _in_scope(user=user, mission=mission) or not user_can_transition(
        user=user, mission=mission, transition=transition
    ):
        if transition.name == "approve":
            message = _("Only a head of office or a mission manager can approve a mission.")
        else:
            message = _("Only the mission lead can do this.")
        raise ValidationError(message, code="not_allowed")
    resubmission = (
        transition.name == "submit_report"
        and mission.status == MissionStatus.REPORT_SUBMITTED
        and mission.review_status == ReviewStatus.RETURNED
    )
    if mission.status != transition.source and not resubmission:
        raise ValidationError(
            transition.wrong_status % {"status": mission.get_status_display().lower()}, code="invalid_transition"
        )
    if transition.name == "submit_report":
        _check_report_ready(mission)


def _check_report_ready(mission: JPTMission) -> None:
    if not mission.findings.exists():
        raise ValidationError(_("Record at least one finding before submitting the report."), code="no_findings")
    if not mission.summary.strip():
        raise ValidationError(_("Write the report summary before submitting the report."), code="no_summary")


def mission_approve(*, mission: JPTMission, user: User) -> JPTMission:
    return mission_transition(mission=mission, user=user, name="approve")


def mission_start(*, mission: JPTMission, user: User) -> JPTMission:
    return mission_transition(mission=mission, user=user, name="start")


def mission_complete(*, mission: JPTMission, user: User) -> JPTMission:
    return mission_transition(mission=mission, user=user, name="complete")


def mission_submit_report(*, mission: JPTMission, user: User) -> JPTMission:
    return mission_transition(mission=mission, user=user, name="submit_report")


@transaction.atomic
def recommendation_record_update(
    *,
    recommendation: Recommendation,
    user: User,
    status: str,
    note: str = "",
    on: datetime.date | None = None,
) -> RecommendationUpdate:
    """Add a step to the follow-up history and carry it onto the recommendation."""
    _check_status(status)
    locked = Recommendation.objects.select_for_update().select_related("mission").get(pk=recommendation.pk)
    _check_can_edit(user=user, mission=locked.mission)
    update = _follow_up_step(recommendation=locked, user=user, status=status, note=note, on=on)
    for field in ("follow_up_status", "last_update_on", "last_update_note", "updated_at"):
        setattr(recommendation, field, getattr(locked, field))
    return update


@transaction.atomic
def recommendation_save(*, recommendation: Recommendation, user: User, note: str = "") -> Recommendation:
    """Create or edit a recommendation from the values set on it (as a model form leaves them).

    The follow-up status is never written with the other fields: a status other than the saved one
    (``open`` for a new recommendation), or a note, becomes a step of the follow-up history, and the
    step carries the status onto the recommendation."""
    status = recommendation.follow_up_status
    _check_status(status)
    _check_can_edit(user=user, mission=recommendation.mission)
    if recommendation.pk is None:
        saved_status = FollowUpStatus.OPEN
    else:
        saved_status = (
            Recommendation.objects.select_for_update()
            .values_list("follow_up_status", flat=True)
            .get(pk=recommendation.pk)
        )
        recommendation.follow_up_status = saved_status
    recommendation.save()
    if status != saved_status or note.strip():
        _follow_up_step(recommendation=recommendation, user=user, status=status, note=note)
    return recommendation


@transaction.atomic
def recommendation_delete(*, recommendation: Recommendation, user: User) -> None:
    """Delete a recommendation, and its follow-up history with it."""
    _check_can_edit(user=user, mission=recommendation.mission)
    recommendation.delete()


def _check_status(status: str) -> None:
    if status not in FollowUpStatus.values:
        raise ValidationError(_("Choose a valid follow-up status."), code="invalid_status")


def _check_can_edit(*, user: User, mission: JPTMission) -> None:
    if not user_can_edit_mission(user=user, mission=mission):
        raise ValidationError(_("Only the mission lead can do this."), code="not_allowed")


def _follow_up_step(
    *, recommendation: Recommendation, user: User, status: str, note: str, on: datetime.date | None = None
) -> RecommendationUpdate:
    on = on or timezone.localdate()
    update = RecommendationUpdate.objects.create(
        recommendation=recommendation, status=status, note=note.strip(), updated_on=on, author=user
    )
    recommendation.follow_up_status = status
    recommendation.last_update_on = on
    recommendation.last_update_note = note.strip()
    recommendation.save(update_fields=["follow_up_status", "last_update_on", "last_update_note", "updated_at"])
    return update
