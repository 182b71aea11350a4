"""The rules of a meeting or plan, written once. Services raise them; forms show them next to the
field; the admin runs them through the model fields' validators. Each ``*_errors`` function returns
``{field name: [messages]}`` (empty when the input is fine).

The CAN and JPT forms use the same count bound and date window (``can`` and ``jpt`` may use ``cla``).
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gender.sadd import SADD_FIELDS, SEX_FIELDS, age_band_errors

# The most people one report may count, in any one field: the bound the API's alert serializer
# has always applied. Far above any meeting or alert, far below the database's 32-bit integers.
MAX_COUNT = 100_000
TOO_MANY = gettext_lazy("A count cannot be more than %(limit_value)s.")
# For a form's ``IntegerField(max_value=MAX_COUNT, error_messages=COUNT_ERROR_MESSAGES)``.
COUNT_ERROR_MESSAGES = {"max_value": TOO_MANY}

# No record of this work is older than the year 2000; a date before it is a typing slip (or an
# attack), as is a plan date decades ahead.
EARLIEST_DATE = date(2000, 1, 1)
PLANNING_YEARS = 10


def _count_messages(value: int | None) -> list[str]:
    if value is not None and value < 0:
        return [_("A count cannot be negative.")]
    if value is not None and value > MAX_COUNT:
        return [str(TOO_MANY % {"limit_value": MAX_COUNT})]
    return []


def sadd_errors(counts: dict) -> dict[str, list[str]]:
    """Counts by sex (and the optional age bands) must be whole numbers from 0 to ``MAX_COUNT``,
    and the age bands follow the one rule of ``gender.sadd``: every broken rule at once, so that a
    form shows them all in one pass."""
    errors = {name: messages for name in SADD_FIELDS if (messages := _count_messages(counts.get(name)))}
    return merge(errors, age_band_errors(counts))


NO_PARTICIPANTS = "no_participants"


def participants_errors(counts: dict, *, none_recorded: bool) -> dict[str, list[str]]:
    """A meeting counts at least one participant, or its author says that none was recorded
    (``none_recorded``); not both. Reported under ``no_participants``, the confirmation's field."""
    counted = sum(value for name in SEX_FIELDS if isinstance(value := counts.get(name), int) and value > 0)
    if not counted and not none_recorded:
        return {NO_PARTICIPANTS: [_("Enter at least one participant, or tick “No participants recorded”.")]}
    if counted and none_recorded:
        return {NO_PARTICIPANTS: [_("You entered participants: untick “No participants recorded”.")]}
    return {}


def _date_messages(value: date | None, *, future_years: int) -> list[str]:
    if value is None:
        return []
    if value < EARLIEST_DATE:
        return [_("Enter a date in the year 2000 or later.")]
    today = timezone.localdate()
    if future_years == 0 and value > today:
        return [_("The date cannot be in the future.")]
    if future_years and value > _years_after(today, future_years):
        return [_("The date cannot be more than %(years)d years ahead.") % {"years": future_years}]
    return []


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def date_errors(field: str, value: date | None) -> dict[str, list[str]]:
    """Something that has happened (a meeting held, a consent given): from 2000 to today."""
    messages = _date_messages(value, future_years=0)
    return {field: messages} if messages else {}


def planning_date_errors(field: str, value: date | None) -> dict[str, list[str]]:
    """A plan's period and review, a deadline, a due date: from 2000 to ten years from today."""
    messages = _date_messages(value, future_years=PLANNING_YEARS)
    return {field: messages} if messages else {}


def row_date_errors(key: str, rows, fields: tuple[str, ...]) -> dict[str, list[str]]:
    """The planning dates of inline rows (follow-ups, actions), reported under ``key``."""
    messages = []
    for row in rows:
        for field in fields:
            messages += _date_messages(row.get(field), future_years=PLANNING_YEARS)
    return {key: sorted(set(messages))} if messages else {}


# Model field validators: the admin's forms run the same window through them.
def validate_past_date(value: date) -> None:
    if messages := _date_messages(value, future_years=0):
        raise ValidationError(messages, code="date_out_of_range")


def validate_planning_date(value: date) -> None:
    if messages := _date_messages(value, future_years=PLANNING_YEARS):
        raise ValidationError(messages, code="date_out_of_range")


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
