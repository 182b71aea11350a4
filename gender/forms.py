"""Forms of the gender pages. They parse input only; the rules live in services and selectors."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Review, ReviewAnswer
from .registry import reports
from .selectors.places import base_choices, province_choices, territory_choices
from .selectors.queue import QueueFilters
from .selectors.reports import DashboardFilters

AGE_CHOICES = [
    ("", _("Any age")),
    ("7", _("Waiting over 7 days")),
    ("14", _("Waiting over 14 days")),
    ("30", _("Waiting over 30 days")),
]


def _type_choices():
    return [("", _("All report types"))] + [(rt.slug, rt.label) for rt in reports.all()]


class _ScopedFilterForm(forms.Form):
    """Choices come from the user's scope; a value outside it is an invalid choice."""

    SCOPED_FIELDS = ("province", "territory", "base")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["report_type"]).choices = _type_choices()
        if "province" in self.fields:
            self._choice_field("province").queryset = province_choices(user=user)
        self._choice_field("territory").queryset = territory_choices(user=user)
        bases = base_choices(user=user)
        if bases is None:
            del self.fields["base"]
        else:
            self._choice_field("base").queryset = bases

    def _choice_field(self, name: str) -> forms.ModelChoiceField[Any]:
        return cast("forms.ModelChoiceField[Any]", self.fields[name])

    def out_of_scope(self) -> bool:
        return any(name in self.errors for name in self.SCOPED_FIELDS)

    def _id(self, name):
        value = self.cleaned_data.get(name)
        return value.pk if value is not None else None


class QueueFilterForm(_ScopedFilterForm):
    report_type = forms.ChoiceField(label=_("Report type"), required=False)
    base: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Base"), queryset=None, required=False, to_field_name="uid"
    )
    territory: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Territory"), queryset=None, required=False, to_field_name="uid"
    )
    age = forms.ChoiceField(label=_("Time in queue"), choices=AGE_CHOICES, required=False)
    # Set by the pager's links, never shown with the filters (a new filter starts at page 1).
    page = forms.IntegerField(min_value=1, max_value=1_000_000, required=False, widget=forms.HiddenInput)

    def filters(self) -> QueueFilters:
        if not self.is_valid():
            return QueueFilters()
        data = self.cleaned_data
        return QueueFilters(
            report_type=data.get("report_type") or "",
            base_id=self._id("base") if "base" in self.fields else None,
            territory_id=self._id("territory"),
            min_days=int(data["age"]) if data.get("age") else None,
            page=data.get("page") or 1,
        )


class DashboardFilterForm(_ScopedFilterForm):
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    province: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Province"), queryset=None, required=False, to_field_name="uid"
    )
    territory: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Territory"), queryset=None, required=False, to_field_name="uid"
    )
    base: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Base"), queryset=None, required=False, to_field_name="uid"
    )
    report_type = forms.ChoiceField(label=_("Report type"), required=False)

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError(_("The period must start before it ends."))
        return data

    def filters(self) -> DashboardFilters:
        if not self.is_valid():
            return DashboardFilters()
        data = self.cleaned_data
        return DashboardFilters(
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            province_id=self._id("province"),
            territory_id=self._id("territory"),
            base_id=self._id("base") if "base" in self.fields else None,
            report_type=data.get("report_type") or "",
        )


class ReviewForm(forms.Form):
    """One answer and an optional comment per checklist item, an overall comment, a decision.

    The browser is not asked to check the answers (it would name only the first one missing):
    the server lists every unanswered item at once (``missing``)."""

    use_required_attribute = False

    comment = forms.CharField(label=_("Overall comment"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    decision = forms.ChoiceField(choices=Review.Decision.choices)

    def __init__(self, *args, items, language: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        self.rows = []
        for item in self.items:
            answer = forms.ChoiceField(
                label=item.text_for(language),
                choices=ReviewAnswer.Answer.choices,
                widget=forms.RadioSelect,
                error_messages={"required": _("Choose an answer for this item.")},
            )
            note = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
            self.fields[f"answer_{item.pk}"] = answer
            self.fields[f"note_{item.pk}"] = note
        self.rows = [(item, self[f"answer_{item.pk}"], self[f"note_{item.pk}"]) for item in self.items]

    def missing(self) -> list[tuple[int, object, str]]:
        """The checklist items whose answer is refused, as (number, item, message), in order."""
        return [
            (number, item, " ".join(str(message) for message in self.errors[f"answer_{item.pk}"]))
            for number, item in enumerate(self.items, start=1)
            if f"answer_{item.pk}" in self.errors
        ]

    def answers(self) -> dict[int, tuple[str, str]]:
        return {
            item.pk: (self.cleaned_data[f"answer_{item.pk}"], self.cleaned_data.get(f"note_{item.pk}", ""))
            for item in self.items
        }
