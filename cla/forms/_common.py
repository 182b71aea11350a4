"""What the meeting and plan forms share: widgets, labels, the field that shows its errors only when
the page does, the counts by sex and age, inline rows and the helpers of the no-JavaScript "add"
buttons."""

import contextlib

from django import forms
from django.forms.boundfield import BoundField
from django.utils.translation import gettext_lazy as _

from gender.sadd import ADULT_BANDS, CHILD_BANDS, SEX_FIELDS

from .. import validators

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
