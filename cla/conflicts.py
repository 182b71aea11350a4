"""Both versions of a meeting or plan side by side, when a save was refused as stale.

``cla.services`` refuses a save made from an older version (``VersionConflict``, carrying the
record as saved now). This module lays what the CLA typed beside what is saved, field by field and
row by row (concerns, follow-ups, threats and their actions), labelled as the form labels them.
The values on both sides have the shape of the services' keyword arguments, so a client that
keeps its own copy (the offline outbox) can be compared the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django import forms
from django.db.models import Model
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gender.sadd import AGE_BANDS, SADD_FIELDS, SEX_FIELDS

from . import services
from .forms import (
    BAND_LABELS,
    SEX_LABELS,
    ActionForm,
    ConcernForm,
    FollowUpForm,
    MeetingForm,
    PlanForm,
    ThreatForm,
)
from .models import CommunityProtectionPlan, UrafikiMeeting

EMPTY = "—"
MEETING_FIELDS = (
    "locality",
    "held_on",
    "meeting_type",
    "facilitators",
    "stakeholder_groups",
    "women_consulted_separately",
    "topics",
)
PLAN_FIELDS = ("period_start", "period_end", "review_on", "summary")


@dataclass
class FieldDiff:
    label: str
    yours: str
    saved: str
    name: str = ""  # a field of the record itself, which the CLA may take from the saved version


@dataclass
class RowDiff:
    """One row of a nested table. ``state``: ``changed`` (in both, some fields differ),
    ``only_yours`` (not in the saved version: new, or removed there), ``only_saved`` (not in
    yours: added there, or removed by you)."""

    title: str
    state: str
    fields: list[FieldDiff]
    sections: list[SectionDiff] = field(default_factory=list)


@dataclass
class SectionDiff:
    title: str
    rows: list[RowDiff]


@dataclass
class Conflict:
    expected_version: int
    current_version: int
    fields: list[FieldDiff]
    sections: list[SectionDiff]

    @property
    def differs(self) -> bool:
        return bool(self.fields or any(section.rows for section in self.sections))


# --- values, in the shape of the services' arguments ---------------------------------------------


def _row(obj, names) -> dict:
    return {"uid": obj.uid, **{name: getattr(obj, name) for name in names}}


def meeting_values(meeting: UrafikiMeeting) -> dict:
    """A saved meeting as the arguments of ``services.meeting_update``."""
    return {
        **{name: getattr(meeting, name) for name in MEETING_FIELDS if name != "facilitators"},
        "facilitators": list(meeting.facilitators.all()),
        "counts": {name: getattr(meeting, name) for name in SADD_FIELDS},
        "concerns": [_row(c, services.CONCERN_FIELDS) for c in meeting.concerns.all()],
        "follow_ups": [_row(f, services.FOLLOW_UP_FIELDS) for f in meeting.follow_ups.all()],
        "no_participants": meeting.total_people == 0,
    }


def plan_values(plan: CommunityProtectionPlan) -> dict:
    """A saved plan as the arguments of ``services.plan_update``."""
    return {
        **{name: getattr(plan, name) for name in PLAN_FIELDS},
        "counts": {name: getattr(plan, name) for name in SEX_FIELDS},
        "threats": [
            {
                **_row(threat, services.THREAT_FIELDS),
                "actions": [_row(action, services.ACTION_FIELDS) for action in threat.actions.all()],
            }
            for threat in plan.threats.all()
        ],
    }


# --- comparing -----------------------------------------------------------------------------------


def _key(value):
    """What two values are compared by: empty is empty, line endings and list order do not count."""
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, str):
        value = value.replace("\r\n", "\n").strip()
    if isinstance(value, (list, tuple)):
        value = sorted(str(_key(item)) for item in value)
    return None if value in ("", [], None) else value


def _person(cla) -> str:
    return cla.user.get_full_name() or cla.user.username


def _display(form_field: forms.Field, value) -> str:
    if _key(value) is None:
        return EMPTY
    if isinstance(form_field, forms.ModelMultipleChoiceField):
        return ", ".join(sorted(_person(item) for item in value))
    if isinstance(form_field, forms.ModelChoiceField):
        return str(value)
    if isinstance(form_field, forms.MultipleChoiceField):
        labels = dict(form_field.choices)
        return ", ".join(str(labels.get(item, item)) for item in value)
    if isinstance(form_field, forms.ChoiceField):
        return str(dict(form_field.choices).get(value, value))
    if isinstance(form_field, forms.BooleanField):
        return _("Yes") if value else _("No")
    if isinstance(form_field, forms.DateField):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    return str(value)


def _field_diffs(
    form_class, names, yours: dict, saved: dict, *, everything: bool = False, top: bool = False
) -> list[FieldDiff]:
    """The fields that differ (or, for a row on one side only, every field that is filled in);
    ``top``: fields of the record itself, each of which the CLA may take from either version."""
    diffs = []
    for name in names:
        form_field = form_class.base_fields[name]
        mine, theirs = yours.get(name), saved.get(name)
        if everything and _key(mine) is None and _key(theirs) is None:
            continue
        if everything or _key(mine) != _key(theirs):
            diffs.append(
                FieldDiff(
                    str(form_field.label),
                    _display(form_field, mine),
                    _display(form_field, theirs),
                    name if top else "",
                )
            )
    return diffs


def _count_diffs(names, yours: dict, saved: dict) -> list[FieldDiff]:
    labels = {**SEX_LABELS, **BAND_LABELS}
    diffs = []
    for name in names:
        mine, theirs = yours.get(name), saved.get(name)
        if name not in AGE_BANDS:
            mine, theirs = mine or 0, theirs or 0
        if mine != theirs:
            diffs.append(
                FieldDiff(
                    str(labels[name]),
                    EMPTY if mine is None else str(mine),
                    EMPTY if theirs is None else str(theirs),
                    name,
                )
            )
    return diffs


@dataclass
class _RowKind:
    form_class: type
    names: tuple[str, ...]
    title_field: str
    children: tuple = ()  # (key, section title, _RowKind)


def _title(kind: _RowKind, row: dict) -> str:
    text = str(row.get(kind.title_field) or "").replace("\r\n", " ").strip()
    text = text if len(text) <= 60 else text[:59] + "…"
    if "category" in kind.names:
        category = _display(kind.form_class.base_fields["category"], row.get("category"))
        return f"{category} – {text}" if text else category
    return text or EMPTY


def _one_side(kind: _RowKind, row: dict, state: str) -> RowDiff:
    """A row in one version only: every field it fills in, and its own rows (a threat's actions)."""
    mine, theirs = (row, {}) if state == "only_yours" else ({}, row)
    sections = [
        SectionDiff(str(title), [_one_side(child, r, state) for r in row.get(key, [])])
        for key, title, child in kind.children
        if row.get(key)
    ]
    return RowDiff(
        _title(kind, row), state, _field_diffs(kind.form_class, kind.names, mine, theirs, everything=True), sections
    )


def _rows_diff(kind: _RowKind, yours: list[dict], saved: list[dict]) -> list[RowDiff]:
    """Rows are matched by their uid; a row without one is new in the CLA's version."""
    saved_by_uid = {str(row["uid"]): row for row in saved}
    diffs = []
    for mine in yours:
        theirs = saved_by_uid.pop(str(mine["uid"]), None) if mine.get("uid") else None
        if theirs is None:
            diffs.append(_one_side(kind, mine, "only_yours"))
            continue
        fields = _field_diffs(kind.form_class, kind.names, mine, theirs)
        sections = [
            SectionDiff(str(title), rows)
            for key, title, child in kind.children
            if (rows := _rows_diff(child, mine.get(key, []), theirs.get(key, [])))
        ]
        if fields or sections:
            diffs.append(RowDiff(_title(kind, mine), "changed", fields, sections))
    diffs += [_one_side(kind, theirs, "only_saved") for theirs in saved_by_uid.values()]
    return diffs


CONCERN = _RowKind(ConcernForm, services.CONCERN_FIELDS, "description")
FOLLOW_UP = _RowKind(FollowUpForm, services.FOLLOW_UP_FIELDS, "action")
ACTION = _RowKind(ActionForm, services.ACTION_FIELDS, "description")
THREAT = _RowKind(
    ThreatForm, services.THREAT_FIELDS, "description", children=(("actions", gettext_lazy("Actions"), ACTION),)
)


def _sections(*parts) -> list[SectionDiff]:
    return [SectionDiff(str(title), rows) for title, rows in parts if rows]


def meeting_conflict(*, yours: dict, error: services.VersionConflict) -> Conflict:
    """``yours``: the refused save's arguments; ``error.current``: the meeting as saved now."""
    saved = meeting_values(error.current)
    return Conflict(
        expected_version=error.expected_version,
        current_version=error.current.version,
        fields=_field_diffs(MeetingForm, MEETING_FIELDS, yours, saved, top=True)
        + _count_diffs(SADD_FIELDS, yours["counts"], saved["counts"]),
        sections=_sections(
            (gettext_lazy("Security concerns"), _rows_diff(CONCERN, yours["concerns"], saved["concerns"])),
            (gettext_lazy("Follow-up actions"), _rows_diff(FOLLOW_UP, yours["follow_ups"], saved["follow_ups"])),
        ),
    )


def plan_conflict(*, yours: dict, error: services.VersionConflict) -> Conflict:
    """``yours``: the refused save's arguments; ``error.current``: the plan as saved now."""
    saved = plan_values(error.current)
    return Conflict(
        expected_version=error.expected_version,
        current_version=error.current.version,
        fields=_field_diffs(PlanForm, PLAN_FIELDS, yours, saved, top=True)
        + _count_diffs(SEX_FIELDS, yours["counts"], saved["counts"]),
        sections=_sections((gettext_lazy("Threats"), _rows_diff(THREAT, yours["threats"], saved["threats"]))),
    )


# --- choosing, field by field ----------------------------------------------------------------

KEEP_PREFIX = "keep-"


def _posted(value) -> list[str]:
    """A saved value as the form would post it."""
    if value is None or value is False:
        return []
    if value is True:
        return ["on"]
    if isinstance(value, Model):
        return [str(value.pk)]
    if isinstance(value, (list, tuple)):
        return [str(item.pk if isinstance(item, Model) else item) for item in value]
    if hasattr(value, "isoformat"):
        return [value.isoformat()]
    return [str(value)]


def _top_values(values: dict) -> dict:
    return {
        **{k: v for k, v in values.items() if not isinstance(v, (dict, list)) or k == "facilitators"},
        **values["counts"],
    }


def take_saved(data, record):
    """The posted form, where the CLA chose (``keep-<field>=saved`` on the conflict view) the
    saved version's value of a field over what they typed. ``record`` is the meeting or plan as it
    stands: when it changed again since the view was shown, the version check refuses the save."""
    picked = [key.removeprefix(KEEP_PREFIX) for key, value in data.items() if key.startswith(KEEP_PREFIX)]
    picked = [name for name in picked if data.get(KEEP_PREFIX + name) == "saved"]
    if not picked or record is None:
        return data
    values = meeting_values(record) if isinstance(record, UrafikiMeeting) else plan_values(record)
    current = _top_values(values)
    data = data.copy()
    for name in picked:
        if name in current:
            data.setlist(name, _posted(current[name]))
    return data
