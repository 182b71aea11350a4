"""Writes for Urafiki meetings."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from gender.services import report_submit
from monusco.map_positions import Position, position_values

from .. import validators
from ..models import (
    CommunityLiaisonAssistant,
    OperatingBase,
    UrafikiMeeting,
)
from ._common import EDITABLE_MEETING_STATUSES, VersionConflict, _counts, _ensure_writer, _raise, _sync_rows

CONCERN_FIELDS = ("category", "description", "at_risk_groups")
FOLLOW_UP_FIELDS = ("action", "responsible", "due_on", "status")


def meeting_errors(*, base, locality, held_on, counts: dict, no_participants: bool = False) -> dict[str, list[str]]:
    """Every rule a meeting's own fields must meet (shared with the form). ``no_participants``: the
    author confirms that no participant was recorded (else at least one must be counted)."""
    return validators.merge(
        validators.coverage_errors("locality", base, locality),
        validators.date_errors("held_on", held_on),
        validators.sadd_errors(counts),
        validators.participants_errors(counts, none_recorded=no_participants),
    )


def _meeting_rows_errors(follow_ups) -> dict[str, list[str]]:
    return validators.row_date_errors("follow_ups", follow_ups, ("due_on",))


def meeting_current(pk: int) -> UrafikiMeeting:
    """A meeting as saved now, with everything a comparison of versions shows."""
    return (
        UrafikiMeeting.objects.select_related("base", "locality")
        .prefetch_related("concerns", "follow_ups", "facilitators__user")
        .get(pk=pk)
    )


def _meeting_apply(
    meeting,
    *,
    locality,
    held_on,
    meeting_type,
    stakeholder_groups,
    women_consulted_separately,
    topics,
    counts,
    facilitators,
    concerns,
    follow_ups,
) -> UrafikiMeeting:
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
    *,
    user,
    base: OperatingBase,
    locality,
    held_on: date,
    meeting_type: str,
    counts: dict,
    stakeholder_groups: list[str] = (),
    women_consulted_separately: bool = False,
    topics: str = "",
    facilitators=(),
    concerns: list[dict] = (),
    follow_ups: list[dict] = (),
    client_token=None,
    no_participants: bool = False,
    position: Position | None = None,
) -> UrafikiMeeting:
    """Log a meeting as a draft. A repeat with the same ``client_token`` (the form posted twice)
    returns the meeting already saved instead of making a second one. ``position``: where the
    CLA's phone was, when they chose to give it (``monusco.map_positions``)."""
    _ensure_writer(user, base)
    if client_token is not None:
        existing = UrafikiMeeting.objects.filter(client_token=client_token, created_by=user).first()
        if existing is not None:
            return existing
    _raise(
        validators.merge(
            meeting_errors(
                base=base, locality=locality, held_on=held_on, counts=counts, no_participants=no_participants
            ),
            _meeting_rows_errors(follow_ups),
        )
    )
    meeting = UrafikiMeeting(base=base, created_by=user, client_token=client_token, **position_values(position))
    try:
        with transaction.atomic():  # a repeat racing this one waits on the unique token, then fails here
            return _meeting_apply(
                meeting,
                locality=locality,
                held_on=held_on,
                meeting_type=meeting_type,
                stakeholder_groups=stakeholder_groups,
                women_consulted_separately=women_consulted_separately,
                topics=topics,
                counts=counts,
                facilitators=facilitators,
                concerns=list(concerns),
                follow_ups=list(follow_ups),
            )
    except IntegrityError:
        existing = (
            UrafikiMeeting.objects.filter(client_token=client_token, created_by=user).first() if client_token else None
        )
        if existing is None:
            raise ValidationError(
                _("This form was already used. Open a new meeting form."), code="token_used"
            ) from None
        return existing


@transaction.atomic
def meeting_update(
    *,
    user,
    meeting: UrafikiMeeting,
    expected_version: int,
    locality,
    held_on: date,
    meeting_type: str,
    counts: dict,
    stakeholder_groups: list[str] = (),
    women_consulted_separately: bool = False,
    topics: str = "",
    facilitators=(),
    concerns: list[dict] = (),
    follow_ups: list[dict] = (),
    no_participants: bool = False,
    position: Position | None = None,
) -> UrafikiMeeting:
    """Correct a draft or a returned meeting (a position left out is cleared). A submitted or approved one is frozen. The save is
    made from ``expected_version``; if the meeting was saved since, ``VersionConflict``."""
    _ensure_writer(user, meeting.base)
    locked = UrafikiMeeting.objects.select_for_update().select_related("base").get(pk=meeting.pk)
    if locked.review_status not in EDITABLE_MEETING_STATUSES:
        raise ValidationError(
            _("This meeting is under review or approved and can no longer be changed."), code="locked"
        )
    if locked.version != expected_version:
        raise VersionConflict(current=meeting_current(locked.pk), expected_version=expected_version)
    _raise(
        validators.merge(
            meeting_errors(
                base=locked.base, locality=locality, held_on=held_on, counts=counts, no_participants=no_participants
            ),
            _meeting_rows_errors(follow_ups),
        )
    )
    locked.version += 1
    for name, value in position_values(position).items():
        setattr(locked, name, value)
    return _meeting_apply(
        locked,
        locality=locality,
        held_on=held_on,
        meeting_type=meeting_type,
        stakeholder_groups=stakeholder_groups,
        women_consulted_separately=women_consulted_separately,
        topics=topics,
        counts=counts,
        facilitators=facilitators,
        concerns=list(concerns),
        follow_ups=list(follow_ups),
    )


@transaction.atomic
def meeting_submit(*, user, meeting: UrafikiMeeting) -> UrafikiMeeting:
    """Send the meeting (first time, or again after correction) to the gender office."""
    _ensure_writer(user, meeting.base)
    return report_submit(report=meeting, user=user)


# --- Community protection plans ------------------------------------------------------------------
