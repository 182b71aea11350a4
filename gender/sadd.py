"""Sex and age disaggregation (SADD): the fields and the age-band rule, written once.

Women, men, girls and boys (18 is the adult line), with six optional finer age bands. The rule:
either every band is empty, or every band is filled in, the bands under 18 add up to girls + boys
and the bands from 18 add up to women + men.

The same rule is checked in three places, and all three take it from here:
- the database, through the check constraint ``SexAgeDisaggregation`` builds from
  ``bands_add_up_condition()``;
- the CLA forms and services (``cla.validators.sadd_errors``);
- the JPT admin forms (``jpt.admin.forms.SaddFormMixin``).
"""

from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

SEX_FIELDS = ("women", "men", "girls", "boys")
CHILD_BANDS = ("age_0_5", "age_6_12", "age_13_17")
ADULT_BANDS = ("age_18_49", "age_50_59", "age_60_plus")
AGE_BANDS = CHILD_BANDS + ADULT_BANDS
SADD_FIELDS = SEX_FIELDS + AGE_BANDS

# The one wording of the rule, shown next to the fields and as the form's hint.
BANDS_MESSAGE = _("Fill in every band or none. Under 18 must add up to girls + boys; 18 and over to women + men.")


def bands_add_up_condition() -> Q:
    """The rule as a database condition, for a ``CheckConstraint``."""
    return Q(**{f"{band}__isnull": True for band in AGE_BANDS}) | (
        Q(**{f"{band}__isnull": False for band in AGE_BANDS})
        & Q(**{f"{band}__gte": 0 for band in AGE_BANDS})
        & Q(age_0_5=F("girls") + F("boys") - F("age_6_12") - F("age_13_17"))
        & Q(age_18_49=F("women") + F("men") - F("age_50_59") - F("age_60_plus"))
    )


def age_band_errors(counts: dict) -> dict[str, list[str]]:
    """``{field: [message]}`` for the fields that break the rule (empty when the counts are fine).

    An incomplete set of bands marks each empty band; bands that do not add up mark the first band
    of their half (``age_0_5`` for the children, ``age_18_49`` for the adults). Missing sex counts
    count as 0."""
    missing = [name for name in AGE_BANDS if counts.get(name) is None]
    if len(missing) == len(AGE_BANDS):
        return {}
    if missing:
        return {name: [str(BANDS_MESSAGE)] for name in missing}
    halves = (("age_0_5", CHILD_BANDS, ("girls", "boys")), ("age_18_49", ADULT_BANDS, ("women", "men")))
    return {first: [str(BANDS_MESSAGE)] for first, bands, sexes in halves if _sum(counts, bands) != _sum(counts, sexes)}


def _sum(counts: dict, names: tuple[str, ...]) -> int:
    return sum(counts.get(name) or 0 for name in names)
