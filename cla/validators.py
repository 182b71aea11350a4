"""The rules of a meeting or plan, written once. Services raise them; forms show them next to the
field. Each function returns ``{field name: [messages]}`` (empty when the input is fine)."""

from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from gender.models import ADULT_BANDS, AGE_BANDS, CHILD_BANDS

SEX_FIELDS = ("women", "men", "girls", "boys")


def _add(errors: dict, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def sadd_errors(counts: dict) -> dict[str, list[str]]:
    """Counts by sex (and the optional age bands) must be whole numbers of zero or more; the bands
    are either all empty or add up: child bands to girls + boys, adult bands to women + men."""
    errors: dict[str, list[str]] = {}
    for name in SEX_FIELDS + AGE_BANDS:
        value = counts.get(name)
        if value is not None and value < 0:
            _add(errors, name, _("A count cannot be negative."))
    if errors:
        return errors
    bands = [counts.get(name) for name in AGE_BANDS]
    if all(value is None for value in bands):
        return errors
    if any(value is None for value in bands):
        for name in AGE_BANDS:
            if counts.get(name) is None:
                _add(errors, name, _("Fill in every age band, or leave them all empty."))
        return errors
    children = sum(counts.get(n) or 0 for n in ("girls", "boys"))
    adults = sum(counts.get(n) or 0 for n in ("women", "men"))
    if sum(counts[n] for n in CHILD_BANDS) != children:
        _add(errors, "age_0_5", _("The age bands under 18 must add up to girls + boys (%(total)d).") % {"total": children})
    if sum(counts[n] for n in ADULT_BANDS) != adults:
        _add(errors, "age_18_49", _("The adult age bands must add up to women + men (%(total)d).") % {"total": adults})
    return errors


def date_errors(field: str, value: date | None) -> dict[str, list[str]]:
    """A meeting cannot be logged before it took place."""
    if value is not None and value > timezone.localdate():
        return {field: [_("The date cannot be in the future.")]}
    return {}


def coverage_errors(field: str, base, locality) -> dict[str, list[str]]:
    """The locality must be one the base covers."""
    if base is None or locality is None:
        return {}
    if not base.coverage.filter(pk=locality.pk).exists():
        return {field: [_("%(locality)s is not covered by the base %(base)s.") % {"locality": locality, "base": base}]}
    return {}


def period_errors(start: date | None, end: date | None) -> dict[str, list[str]]:
    if start and end and end < start:
        return {"period_end": [_("The period must end after it starts.")]}
    return {}


def merge(*error_dicts: dict) -> dict[str, list[str]]:
    merged: dict[str, list[str]] = {}
    for errors in error_dicts:
        for field, messages in errors.items():
            merged.setdefault(field, []).extend(messages)
    return merged
