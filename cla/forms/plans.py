"""The protection plan form: the plan, its threats and each threat's actions (``PlanEditor``)."""

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from gender.sadd import SEX_FIELDS
from monusco.choices import ThreatCategory
from monusco.models import Locality

from .. import services
from ..models import ActionStatus, AtRiskGroup, PerpetratorType, ResponsibleActor
from ._common import (
    BLANK,
    DATE,
    CountsMixin,
    FieldForm,
    RowForm,
    _add_errors,
    _planning_date,
    _version_field,
    add_row,
    formset_rows,
)


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
