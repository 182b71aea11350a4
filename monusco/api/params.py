"""Query parameters, read strictly: a value the schema does not allow is a 400 that says why.

Django's forms are lenient in ways an API must not be: a blank value means "no filter", a date
follows the caller's language (``01/02/2026``), a boolean that is neither true nor false is
ignored, and a datetime keeps whatever offset it came with, which PostgreSQL refuses beyond ±15:59
(an error for every list). Here:

- every parameter the view knows is given at most once, and no parameter holds a NUL byte;
- ``StrictFilterSet`` (the base of every filter set) refuses a blank value except for free text,
  reads dates as ``YYYY-MM-DD``, uids in their hyphenated form, booleans as ``true``/``false``,
  and datetimes as RFC 3339 with an offset, turned into UTC (out of range there: a 400).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable

from django import forms
from django_filters import rest_framework as filters
from rest_framework.exceptions import ValidationError

from . import messages

PAGING_PARAMETERS = frozenset({"cursor", "page_size", "ordering", "format"})

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_BOOLEANS = frozenset({"true", "false"})


def check_query(query_params, known: Iterable[str]) -> None:
    """400 for a NUL byte in any parameter, or a known parameter given more than once."""
    known = frozenset(known)
    errors = {}
    for name, values in query_params.lists():
        if "\x00" in name or any("\x00" in value for value in values):
            errors[name] = [messages.PARAMETER_NUL]
        elif name in known and len(values) > 1:
            errors[name] = [messages.PARAMETER_REPEATED]
    if errors:
        raise ValidationError(errors)


def _kind(filter_) -> str:
    if isinstance(filter_, filters.DateTimeFilter):
        return "datetime"
    if isinstance(filter_, filters.DateFilter):
        return "date"
    if isinstance(filter_, filters.UUIDFilter):
        return "uuid"
    if isinstance(filter_, filters.BooleanFilter):
        return "boolean"
    if isinstance(filter_, filters.CharFilter) and not isinstance(filter_, filters.ChoiceFilter):
        return "text"
    return "choice"


# The raw value each kind accepts; a value that passes is then parsed by the filter's own field.
_RAW = {
    "date": (lambda raw: _DATE.fullmatch(raw), messages.BAD_DATE),
    "datetime": (lambda raw: _DATETIME.fullmatch(raw), messages.BAD_DATETIME),
    "uuid": (lambda raw: _UUID.fullmatch(raw), messages.BAD_UUID),
    "boolean": (lambda raw: raw in _BOOLEANS, messages.BAD_BOOLEAN),
}


class StrictFilterForm(forms.Form):
    kinds: dict[str, str] = {}

    def clean(self):
        """After each field has read its value: a blank or badly written value gets our message
        (instead of the field's, if it had one); a datetime is turned into UTC."""
        cleaned: dict = super().clean() or self.cleaned_data
        for name, kind in self.kinds.items():
            if name not in self.data:
                continue
            raw = self.data[name]
            if raw == "" and kind != "text":
                self._refuse(name, messages.PARAMETER_BLANK)
            elif kind in _RAW and not _RAW[kind][0](raw):
                self._refuse(name, _RAW[kind][1])
            elif kind == "datetime" and cleaned.get(name) is not None:
                try:
                    cleaned[name] = cleaned[name].astimezone(datetime.UTC)  # PostgreSQL takes offsets up to ±15:59
                except OverflowError:
                    self._refuse(name, messages.DATETIME_OUT_OF_RANGE)
        return cleaned

    def _refuse(self, name: str, message) -> None:
        # Replaces the field's own message (``add_error`` would keep it beside ours).
        self._errors[name] = self.error_class([message])  # type: ignore[attr-defined]  # set by full_clean
        self.cleaned_data.pop(name, None)


class StrictFilterSet(filters.FilterSet):
    def get_form_class(self):
        fields = {name: filter_.field for name, filter_ in self.filters.items()}
        kinds = {name: _kind(filter_) for name, filter_ in self.filters.items()}
        return type(f"{type(self).__name__}Form", (StrictFilterForm,), {**fields, "kinds": kinds})
