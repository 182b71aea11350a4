"""Writes for meetings and protection plans. Views, forms and the demo seeder all call these.

Editing is optimistic: a meeting and a plan carry a ``version`` that every save here increments.
An update names the version it was made from (``expected_version``); when someone saved in
between, nothing is written and ``VersionConflict`` says so, carrying the record as it stands, so
the caller can show both versions. Never last-write-wins.

One module per job: ``meetings`` and ``plans``; what both share is in ``_common``.
"""

from ._common import EDITABLE_MEETING_STATUSES, VersionConflict
from .meetings import (
    CONCERN_FIELDS,
    FOLLOW_UP_FIELDS,
    meeting_create,
    meeting_current,
    meeting_errors,
    meeting_submit,
    meeting_update,
)
from .plans import (
    ACTION_FIELDS,
    THREAT_FIELDS,
    plan_action_update,
    plan_create,
    plan_current,
    plan_errors,
    plan_snapshot,
    plan_submit,
    plan_update,
)

__all__ = [
    "ACTION_FIELDS",
    "CONCERN_FIELDS",
    "EDITABLE_MEETING_STATUSES",
    "FOLLOW_UP_FIELDS",
    "THREAT_FIELDS",
    "VersionConflict",
    "meeting_create",
    "meeting_current",
    "meeting_errors",
    "meeting_submit",
    "meeting_update",
    "plan_action_update",
    "plan_create",
    "plan_current",
    "plan_errors",
    "plan_snapshot",
    "plan_submit",
    "plan_update",
]
