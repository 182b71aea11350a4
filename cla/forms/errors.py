"""Every error of a CLA form, its rows included, as one list for the summary at the top of the
page: each entry links to the field it is about (``href="#id_..."``) and says where it is."""

import re
from dataclasses import dataclass

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.forms.formsets import BaseFormSet
from django.utils.translation import gettext_lazy

# How a row is named, by its formset's prefix (``threats-<i>-actions`` rows: ACTION_TITLE).
ROW_TITLES = {
    "concerns": gettext_lazy("Concern %(n)s"),
    "followups": gettext_lazy("Follow-up action %(n)s"),
    "threats": gettext_lazy("Threat %(n)s"),
}
ACTION_TITLE = gettext_lazy("Threat %(threat)s, action %(n)s")
NESTED = re.compile(r"^(?P<parent>\w+)-(?P<index>\d+)-(?P<name>\w+)$")
ROW = re.compile(r"^(?P<formset>.+)-(?P<index>\d+)$")


@dataclass(frozen=True)
class ErrorLink:
    href: str
    label: str
    message: str


def _row_title(prefix: str | None) -> str:
    """``Concern 2`` for the form of prefix ``concerns-1``; empty for the page's main form."""
    row = ROW.match(prefix or "")
    if row is None:
        return ""
    number = int(row["index"]) + 1
    nested = NESTED.match(row["formset"])
    if nested is not None:
        return str(ACTION_TITLE % {"threat": int(nested["index"]) + 1, "n": number})
    title = ROW_TITLES.get(row["formset"])
    return str(title % {"n": number}) if title else ""


def _position(form: forms.Form, name: str) -> int:
    names = list(form.fields)
    return names.index(name) if name in names else len(names)


def _form_errors(form: forms.Form) -> list[ErrorLink]:
    title = _row_title(form.prefix)
    anchor = f"#{form.prefix}" if form.prefix else "#form-errors"
    links = []
    errors = form.errors
    for name in sorted(errors, key=lambda n: -1 if n == NON_FIELD_ERRORS else _position(form, n)):
        messages = errors[name]
        if name in form.fields and not form[name].is_hidden:
            href, label = f"#{form[name].auto_id}", str(form[name].label or name)
        else:  # the whole form, or a hidden field only a tampered page gets wrong
            href, label = anchor, ""
        label = " · ".join(part for part in (title, label) if part)
        links += [ErrorLink(href, label, str(message)) for message in messages]
    return links


def _non_form_errors(formset: BaseFormSet) -> list[ErrorLink]:
    """A formset's own errors (a tampered management form, too many rows), linked to its section."""
    nested = NESTED.match(formset.prefix)
    anchor = f"#{nested['parent']}-{nested['index']}" if nested else f"#{formset.prefix}"
    return [ErrorLink(anchor, "", str(message)) for message in formset.non_form_errors()]


def _formset_errors(formset: BaseFormSet) -> list[ErrorLink]:
    links = _non_form_errors(formset)
    for form in formset.forms:
        links += _form_errors(form)
    return links


def meeting_error_summary(form: forms.Form, concerns: BaseFormSet, follow_ups: BaseFormSet) -> list[ErrorLink]:
    """The meeting form's errors in the page's order: the meeting, its concerns, its follow-ups."""
    return _form_errors(form) + _formset_errors(concerns) + _formset_errors(follow_ups)


def plan_error_summary(editor) -> list[ErrorLink]:
    """A ``forms.PlanEditor``'s errors in the page's order: the plan, then each threat and its actions."""
    links = _form_errors(editor.form) + _non_form_errors(editor.threats)
    for threat, actions in editor.rows():
        links += _form_errors(threat) + _formset_errors(actions)
    return links
