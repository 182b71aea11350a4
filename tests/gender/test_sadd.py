"""The age-band rule is written once (``gender.sadd``): the database constraint, the CLA forms and
the JPT admin all take it, and its one message, from there."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from cla.models import UrafikiMeeting
from gender import sadd
from jpt.models import MeetingHeld

MESSAGE = "Fill in every band or none. Under 18 must add up to girls + boys; 18 and over to women + men."
NO_BANDS = dict.fromkeys(sadd.AGE_BANDS)
GOOD = {
    "women": 2,
    "men": 1,
    "girls": 1,
    "boys": 1,
    "age_0_5": 1,
    "age_6_12": 1,
    "age_13_17": 0,
    "age_18_49": 2,
    "age_50_59": 0,
    "age_60_plus": 1,
}

CASES = [
    ({"women": 2, "men": 1, "girls": 1, "boys": 1, **NO_BANDS}, {}),
    (GOOD, {}),
    ({**GOOD, "age_0_5": 0}, {"age_0_5": [MESSAGE]}),
    ({**GOOD, "age_60_plus": 3}, {"age_18_49": [MESSAGE]}),
    ({**GOOD, "age_0_5": 0, "age_60_plus": 3}, {"age_0_5": [MESSAGE], "age_18_49": [MESSAGE]}),
    (
        {"women": 2, "men": 1, "girls": 0, "boys": 0, **NO_BANDS, "age_0_5": 0},
        {name: [MESSAGE] for name in sadd.AGE_BANDS if name != "age_0_5"},
    ),
]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_the_fields_in_order():
    from monusco.api.serializers import SEX_AGE_FIELDS

    assert sadd.SADD_FIELDS == (
        "women",
        "men",
        "girls",
        "boys",
        "age_0_5",
        "age_6_12",
        "age_13_17",
        "age_18_49",
        "age_50_59",
        "age_60_plus",
    )
    assert SEX_AGE_FIELDS == sadd.SADD_FIELDS  # the API cannot import gender; it derives the same tuple


@pytest.mark.parametrize(("counts", "errors"), CASES)
def test_the_rule(counts, errors):
    assert sadd.age_band_errors(counts) == errors


@pytest.mark.django_db
@pytest.mark.parametrize("model", [UrafikiMeeting, MeetingHeld])
@pytest.mark.parametrize(("counts", "errors"), CASES)
def test_the_database_constraint_is_the_same_rule(model, counts, errors):
    (constraint,) = (c for c in model._meta.constraints if c.name.endswith("_sadd_bands_add_up"))
    instance = model(**counts)
    if errors:
        with pytest.raises(ValidationError):
            constraint.validate(model, instance)
    else:
        constraint.validate(model, instance)


def test_the_message_is_translated():
    counts = {**GOOD, "age_0_5": 0}
    with translation.override("fr"):
        assert sadd.age_band_errors(counts) == {
            "age_0_5": [
                "Remplissez toutes les tranches ou aucune. Les moins de 18 ans doivent égaler filles + garçons ;"
                " les 18 ans et plus, femmes + hommes."
            ]
        }
    with translation.override("sw"):
        assert sadd.age_band_errors(counts) == {
            "age_0_5": [
                "Jaza makundi yote au usijaze hata moja. Chini ya miaka 18 = wasichana + wavulana;"
                " miaka 18 na zaidi = wanawake + wanaume."
            ]
        }
