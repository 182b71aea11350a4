"""Forms for meetings and protection plans. They check input shape; the rules themselves come from
``cla.services`` / ``cla.validators`` so the form and the service can never disagree.

One module per page: ``meetings`` and ``plans``; what both share is in ``_common``; ``errors`` lays
every error of a page out for its summary."""

from ._common import BAND_LABELS, SEX_LABELS, FieldForm, RowForm, ShownField, add_row, formset_rows
from .meetings import (
    MEETING_PAGE_ORDER,
    ConcernForm,
    ConcernFormSet,
    FollowUpForm,
    FollowUpFormSet,
    MeetingFilterForm,
    MeetingForm,
)
from .plans import (
    PARENT_PLACEHOLDER,
    ActionForm,
    ActionFormSet,
    PlanEditor,
    PlanForm,
    ThreatForm,
    ThreatFormSet,
)

__all__ = [
    "BAND_LABELS",
    "MEETING_PAGE_ORDER",
    "PARENT_PLACEHOLDER",
    "SEX_LABELS",
    "ActionForm",
    "ActionFormSet",
    "ConcernForm",
    "ConcernFormSet",
    "FieldForm",
    "FollowUpForm",
    "FollowUpFormSet",
    "MeetingFilterForm",
    "MeetingForm",
    "PlanEditor",
    "PlanForm",
    "RowForm",
    "ShownField",
    "ThreatForm",
    "ThreatFormSet",
    "add_row",
    "formset_rows",
]
