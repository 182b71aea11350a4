"""What the meeting and plan services share: the writer check, errors, counts and child rows."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from gender.models import ReviewStatus
from gender.sadd import AGE_BANDS, SADD_FIELDS

from ..models import (
    OperatingBase,
)
from ..selectors import can_write

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
            _(
                "Someone else saved this record (version %(current)d) after you opened it (version %(expected)d). "
                "Nothing of yours was saved yet: compare the two versions, then save again."
            )
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
