"""Forms for meetings and protection plans. They check input shape; the rules themselves come from
``cla.services`` / ``cla.validators`` so the form and the service can never disagree."""

import contextlib
import uuid

from django import forms
from django.forms.boundfield import BoundField
from django.utils.translation import gettext_lazy as _

from gender.models import ReviewStatus
from gender.sadd import ADULT_BANDS, CHILD_BANDS, SADD_FIELDS, SEX_FIELDS
from monusco.choices import ThreatCategory
from monusco.models import Locality

from . import services, validators
from .models import (
    ActionStatus,
    AtRiskGroup,
    MeetingType,
    PerpetratorType,
    ResponsibleActor,
    StakeholderGroup,
)

BLANK = [("", "—")]
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
NUMBER = forms.NumberInput(attrs={"inputmode": "numeric"})
SEX_LABELS = {"women": _("Women"), "men": _("Men"), "girls": _("Girls (under 18)"), "boys": _("Boys (under 18)")}
BAND_LABELS = {
    "age_0_5": _("0–5"),
    "age_6_12": _("6–12"),
    "age_13_17": _("13–17"),
    "age_18_49": _("18–49"),
    "age_50_59": _("50–59"),
    "age_60_plus": _("60+"),
}


class ShownField(BoundField):
    """A field as ``_field.html`` draws it. Its ``aria-invalid`` and ``aria-describedby`` (the id of
    the error list drawn under it) are set only while the page shows the errors: not when the form
    is only posted back to add a row."""

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        if not self.form.errors_shown:
            attrs.pop("aria-invalid", None)
            described = [i for i in attrs.pop("aria-describedby", "").split() if not i.endswith("_error")]
            if described:
                attrs["aria-describedby"] = " ".join(described)
        return attrs


class FieldForm(forms.Form):
    """The CLA pages' forms: their fields are ``ShownField``s."""

    bound_field_class = ShownField

    @property
    def errors_shown(self) -> bool:
        """False when the page is posted back to add a row (``action=add_...``): errors wait."""
        return not (self.is_bound and str(self.data.get("action", "")).startswith("add_"))


def _version_field() -> forms.IntegerField:
    """The version a form was opened at, sent back with the save (``services.VersionConflict``)."""
    return forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)


def _planning_date(form: forms.Form, name: str):
    value = form.cleaned_data.get(name)
    errors = validators.planning_date_errors(name, value)
    if errors:
        raise forms.ValidationError(errors[name])
    return value


def _add_errors(form: forms.Form, errors: dict) -> None:
    for field, messages in errors.items():
        target = field if field in form.fields else None
        if target and target in form.errors:
            continue
        for message in messages:
            form.add_error(target, message)


class CountsMixin:
    """Women, men, girls, boys and the optional age bands. Negative and too large numbers are let
    through the field so that the shared rule (``validators.sadd_errors``) reports them, in one
    wording."""

    with_bands = True

    def _add_count_fields(self) -> None:
        for name, label in SEX_LABELS.items():
            self.fields[name] = forms.IntegerField(label=label, initial=0, widget=NUMBER)
        if self.with_bands:
            for name, label in BAND_LABELS.items():
                self.fields[name] = forms.IntegerField(label=label, required=False, widget=NUMBER)

    def counts(self) -> dict:
        names = SEX_FIELDS + (CHILD_BANDS + ADULT_BANDS if self.with_bands else ())
        return {name: self.cleaned_data.get(name) for name in names}

    def sex_fields(self):
        return [self[name] for name in SEX_LABELS]

    def child_band_fields(self):
        return [self[name] for name in CHILD_BANDS]

    def adult_band_fields(self):
        return [self[name] for name in ADULT_BANDS]

    def total(self) -> int:
        total = 0
        for name in SEX_LABELS:
            with contextlib.suppress(TypeError, ValueError):
                total += max(int(self[name].value() or 0), 0)
        return total


MEETING_PAGE_ORDER = (
    "base",
    "locality",
    "held_on",
    "meeting_type",
    "facilitators",
    "stakeholder_groups",
    *SEX_FIELDS,
    "no_participants",
    "women_consulted_separately",
    *CHILD_BANDS,
    *ADULT_BANDS,
    "topics",
)


class MeetingForm(CountsMixin, FieldForm):
    base = forms.ModelChoiceField(label=_("Base"), queryset=None, empty_label=None)
    locality = forms.ModelChoiceField(label=_("Locality"), queryset=None)
    held_on = forms.DateField(label=_("Date"), widget=DATE)
    meeting_type = forms.ChoiceField(label=_("Type"), choices=MeetingType.choices)
    facilitators = forms.ModelMultipleChoiceField(
        label=_("Facilitating CLAs"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    stakeholder_groups = forms.MultipleChoiceField(
        label=_("Stakeholder groups present"),
        choices=StakeholderGroup.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    women_consulted_separately = forms.BooleanField(label=_("Women were consulted separately"), required=False)
    no_participants = forms.BooleanField(label=_("No participants recorded"), required=False)
    topics = forms.CharField(label=_("Topics discussed"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    client_token = forms.UUIDField(required=False, widget=forms.HiddenInput)
    version = _version_field()

    def __init__(self, *args, bases, facilitators, fixed_base=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._add_count_fields()
        self.fixed_base = fixed_base
        self.fields["base"].queryset = bases
        if fixed_base is not None or len(bases) == 1:
            del self.fields["base"]
        coverage_bases = [fixed_base] if fixed_base is not None else list(bases)
        self.fields["locality"].queryset = (
            Locality.objects.filter(covering_bases__in=coverage_bases).distinct().order_by("name")
        )
        self.fields["facilitators"].queryset = facilitators
        self.fields["facilitators"].label_from_instance = lambda cla: cla.user.get_full_name() or cla.user.username
        self._single_base = bases[0] if fixed_base is None and len(bases) == 1 else None
        self.order_fields(MEETING_PAGE_ORDER)  # the page's order, which the error summary follows

    def chosen_base(self):
        return self.fixed_base or self._single_base or self.cleaned_data.get("base")

    def clean(self):
        data = super().clean()
        _add_errors(
            self,
            services.meeting_errors(
                base=self.chosen_base(),
                locality=data.get("locality"),
                held_on=data.get("held_on"),
                counts=self.counts(),
                no_participants=bool(data.get("no_participants")),
            ),
        )
        return data

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            "locality": data["locality"],
            "held_on": data["held_on"],
            "meeting_type": data["meeting_type"],
            "stakeholder_groups": data["stakeholder_groups"],
            "women_consulted_separately": data["women_consulted_separately"],
            "topics": data["topics"],
            "counts": self.counts(),
            "facilitators": list(data["facilitators"]),
            "no_participants": data["no_participants"],
        }

    def create_values(self) -> dict:
        return {**self.values(), "base": self.chosen_base(), "client_token": self.cleaned_data.get("client_token")}

    def expected_version(self) -> int:
        """The version the form was opened at; 0 (never a saved version) when the form lacks it."""
        return self.cleaned_data.get("version") or 0

    @staticmethod
    def initial_for(meeting) -> dict:
        initial = {name: getattr(meeting, name) for name in SADD_FIELDS}
        initial.update(
            locality=meeting.locality,
            held_on=meeting.held_on,
            meeting_type=meeting.meeting_type,
            stakeholder_groups=meeting.stakeholder_groups,
            women_consulted_separately=meeting.women_consulted_separately,
            topics=meeting.topics,
            facilitators=list(meeting.facilitators.all()),
            version=meeting.version,
            # Saved with nobody counted: its author confirmed it (the rule of ``services.meeting_errors``).
            no_participants=meeting.total_people == 0,
        )
        return initial


class RowForm(FieldForm):
    """A row of an inline table: carries the uid of the record it edits (empty for a new row).

    A row the page no longer sends at all (removed on the device: indices may have gaps) is
    unchanged, so the formset skips it like an empty extra row."""

    uid = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def row(self) -> dict:
        return dict(self.cleaned_data)

    def is_absent(self) -> bool:
        start = f"{self.prefix}-"
        return self.is_bound and not any(key.startswith(start) for key in self.data)

    def has_changed(self) -> bool:
        return not self.is_absent() and super().has_changed()


class ConcernForm(RowForm):
    category = forms.ChoiceField(label=_("Threat category"), choices=BLANK + ThreatCategory.choices)
    description = forms.CharField(label=_("What was reported"), widget=forms.Textarea(attrs={"rows": 2}))
    at_risk_groups = forms.MultipleChoiceField(
        label=_("Who is at risk"), choices=AtRiskGroup.choices, required=False, widget=forms.CheckboxSelectMultiple
    )


class FollowUpForm(RowForm):
    action = forms.CharField(label=_("Follow-up action"), widget=forms.Textarea(attrs={"rows": 2}))
    responsible = forms.ChoiceField(label=_("Responsible"), choices=BLANK + ResponsibleActor.choices)
    due_on = forms.DateField(label=_("Due"), required=False, widget=DATE)
    status = forms.ChoiceField(label=_("Status"), choices=ActionStatus.choices, initial=ActionStatus.PLANNED)

    def clean_due_on(self):
        return _planning_date(self, "due_on")


ConcernFormSet = forms.formset_factory(ConcernForm, extra=1, can_delete=True)
FollowUpFormSet = forms.formset_factory(FollowUpForm, extra=1, can_delete=True)


def formset_rows(formset) -> list[dict]:
    """The kept rows of a valid formset: filled in and not marked for deletion."""
    return [
        form.row()
        for form in formset.forms
        if form.has_changed() and not form.cleaned_data.get("DELETE") and form.cleaned_data
    ]


def add_row(data, prefix: str):
    """A copy of POST data with one more (empty) row in the formset ``prefix``."""
    data = data.copy()
    key = f"{prefix}-TOTAL_FORMS"
    try:
        data[key] = str(min(int(data.get(key, 0)), 99) + 1)
    except ValueError:
        data[key] = "1"
    data.setdefault(f"{prefix}-INITIAL_FORMS", "0")
    return data


class MeetingFilterForm(FieldForm):
    date_from = forms.DateField(label=_("From"), required=False, widget=DATE)
    date_to = forms.DateField(label=_("To"), required=False, widget=DATE)
    locality = forms.ModelChoiceField(label=_("Locality"), queryset=None, required=False)
    status = forms.ChoiceField(label=_("Status"), choices=BLANK + ReviewStatus.choices, required=False)
    category = forms.ChoiceField(label=_("Threat category"), choices=BLANK + ThreatCategory.choices, required=False)

    def __init__(self, *args, localities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["locality"].queryset = localities


# --- Protection plans ------------------------------------------------------------------------------


class PlanForm(CountsMixin, FieldForm):
    with_bands = False
    base = forms.ModelChoiceField(label=_("Base"), queryset=None, empty_label=None)
    locality = forms.ModelChoiceField(label=_("Locality"), queryset=None)
    period_start = forms.DateField(label=_("Period start"), widget=DATE)
    period_end = forms.DateField(label=_("Period end"), widget=DATE)
    review_on = forms.DateField(label=_("Next review"), required=False, widget=DATE)
    summary = forms.CharField(label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    client_token = forms.UUIDField(required=False, widget=forms.HiddenInput)
    version = _version_field()

    def __init__(self, *args, bases=None, plan=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._add_count_fields()
        self.plan = plan
        if plan is not None:
            del self.fields["base"], self.fields["locality"]
            self._base = plan.base
        else:
            self.fields["base"].queryset = bases
            self.fields["locality"].queryset = (
                Locality.objects.filter(covering_bases__in=list(bases)).distinct().order_by("name")
            )
            self._base = bases[0] if len(bases) == 1 else None
            if self._base is not None:
                del self.fields["base"]

    def chosen_base(self):
        return self._base or self.cleaned_data.get("base")

    def clean(self):
        data = super().clean()
        _add_errors(
            self,
            services.plan_errors(
                base=None if self.plan else self.chosen_base(),
                locality=data.get("locality"),
                period_start=data.get("period_start"),
                period_end=data.get("period_end"),
                counts=self.counts(),
                review_on=data.get("review_on"),
            ),
        )
        return data

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            "period_start": data["period_start"],
            "period_end": data["period_end"],
            "review_on": data["review_on"],
            "summary": data["summary"],
            "counts": self.counts(),
        }

    def expected_version(self) -> int:
        """The version the form was opened at; 0 (never a saved version) when the form lacks it."""
        return self.cleaned_data.get("version") or 0


class ThreatForm(RowForm):
    category = forms.ChoiceField(label=_("Threat category"), choices=BLANK + ThreatCategory.choices)
    perpetrator_type = forms.ChoiceField(label=_("Perpetrator type"), choices=BLANK + PerpetratorType.choices)
    description = forms.CharField(label=_("Threat"), widget=forms.Textarea(attrs={"rows": 2}))
    at_risk_groups = forms.MultipleChoiceField(
        label=_("Groups at risk"), choices=AtRiskGroup.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    at_risk_detail = forms.CharField(
        label=_("Who is at risk, where and when"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    vulnerabilities = forms.CharField(
        label=_("Vulnerabilities"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    capacities = forms.CharField(
        label=_("Community capacities"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ActionForm(RowForm):
    description = forms.CharField(label=_("Action"), widget=forms.Textarea(attrs={"rows": 2}))
    responsible = forms.ChoiceField(label=_("Responsible actor"), choices=BLANK + ResponsibleActor.choices)
    deadline = forms.DateField(label=_("Deadline"), required=False, widget=DATE)
    status = forms.ChoiceField(label=_("Status"), choices=ActionStatus.choices, initial=ActionStatus.PLANNED)
    review_on = forms.DateField(label=_("Review date"), required=False, widget=DATE)

    def clean_deadline(self):
        return _planning_date(self, "deadline")

    def clean_review_on(self):
        return _planning_date(self, "review_on")


ThreatFormSet = forms.formset_factory(ThreatForm, extra=0, can_delete=True)
ActionFormSet = forms.formset_factory(ActionForm, extra=0, can_delete=True)
# The placeholder of a new threat's index in the action row template (``__prefix__`` is the
# action's own index): ``static/field/rows.js`` puts in both.
PARENT_PLACEHOLDER = "__parent__"


def _with_management_form(data, prefix: str):
    """``data``, with an empty management form for ``prefix`` when the page sent none: the actions
    of a threat removed on the device (or never sent) are no actions, not a broken form."""
    if f"{prefix}-TOTAL_FORMS" in data:
        return data
    data = data.copy()
    data[f"{prefix}-TOTAL_FORMS"] = "0"
    data[f"{prefix}-INITIAL_FORMS"] = "0"
    return data


def _plan_initial_rows(plan) -> tuple[list[dict], list[list[dict]]]:
    """A saved plan's threats, and for each threat its actions, as initial form rows."""
    if plan is None:
        return [], []
    threats, actions = [], []
    for threat in plan.threats.all():
        threats.append({"uid": threat.uid, **{f: getattr(threat, f) for f in services.THREAT_FIELDS}})
        actions.append(
            [
                {"uid": action.uid, **{f: getattr(action, f) for f in services.ACTION_FIELDS}}
                for action in threat.actions.all()
            ]
        )
    return threats, actions


def _formset(form_class, prefix: str, rows: list[dict]):
    """An unbound formset of ``rows``, or of one empty row when there are none."""
    return forms.formset_factory(form_class, extra=0 if rows else 1, can_delete=True)(
        prefix=prefix, initial=rows or None
    )


class PlanEditor:
    """A plan form, its threats, and for each threat its actions: nested inline tables that work
    without JavaScript (an "add a row" button posts the page back with one more empty row)."""

    def __init__(self, data=None, *, bases=None, plan=None):
        self.plan = plan
        if plan is not None:
            plan_initial = {
                name: getattr(plan, name)
                for name in ("period_start", "period_end", "review_on", "summary", "version", *SEX_FIELDS)
            }
        else:
            plan_initial = {"client_token": uuid.uuid4()} if data is None else None
        self.form = PlanForm(data, bases=bases, plan=plan, initial=plan_initial)
        if data is not None:
            self.threats = ThreatFormSet(data, prefix="threats")
            self.actions = []
            for index in range(len(self.threats.forms)):
                prefix = f"threats-{index}-actions"
                self.actions.append(ActionFormSet(_with_management_form(data, prefix), prefix=prefix))
            return
        initial_threats, initial_actions = _plan_initial_rows(plan)
        self.threats = _formset(ThreatForm, "threats", initial_threats)
        self.actions = [
            _formset(
                ActionForm, f"threats-{index}-actions", initial_actions[index] if index < len(initial_actions) else []
            )
            for index in range(len(self.threats.forms))
        ]

    def rows(self):
        return list(zip(self.threats.forms, self.actions, strict=True))

    def threat_template(self):
        """A new threat as the page's row template shows it: the threats' empty form, with its own
        actions management form and one empty action row."""
        threat = self.threats.empty_form
        return threat, _formset(ActionForm, f"{threat.prefix}-actions", [])

    def action_template(self):
        """A new action row of any threat (``__parent__`` stands for the threat's index)."""
        return ActionFormSet(prefix=f"threats-{PARENT_PLACEHOLDER}-actions").empty_form

    def is_valid(self) -> bool:
        valid = self.form.is_valid() & self.threats.is_valid()
        for threat_form, actions in self.rows():
            valid &= actions.is_valid()
            if not threat_form.has_changed() and any(f.has_changed() for f in actions.forms):
                threat_form.add_error("description", _("Describe the threat before adding actions to it."))
                valid = False
        return bool(valid)

    def threat_rows(self) -> list[dict]:
        rows = []
        for threat_form, actions in self.rows():
            if not threat_form.has_changed() or threat_form.cleaned_data.get("DELETE"):
                continue
            rows.append({**threat_form.row(), "actions": formset_rows(actions)})
        return rows

    @staticmethod
    def add_threat(data):
        data = add_row(data, "threats")
        index = int(data["threats-TOTAL_FORMS"]) - 1
        data[f"threats-{index}-actions-TOTAL_FORMS"] = "1"
        data[f"threats-{index}-actions-INITIAL_FORMS"] = "0"
        return data
