"""A password rule for the way passwords are guessed here: a common word or a place of the region
with a year or a few digits around it ("Kinshasa2026", "Bukavu@123", "2024Goma!"). Such a password
passes a length rule, and the common-password list alone does not know the places."""

import csv
import functools
import re
from pathlib import Path

from django.contrib.auth.password_validation import CommonPasswordValidator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

PLACES_CSV = Path(__file__).resolve().parent.parent / "data" / "places.csv"

# Names an attacker tries first beyond the CSV's places: the country, the big towns of the east and
# of the country, the mission and the UN, and "password" in the app's three languages.
REGIONAL_WORDS = frozenset(
    {
        "congo",
        "rdc",
        "drc",
        "zaire",
        "kinshasa",
        "lubumbashi",
        "kisangani",
        "goma",
        "bukavu",
        "uvira",
        "beni",
        "butembo",
        "bunia",
        "ituri",
        "kivu",
        "nordkivu",
        "sudkivu",
        "northkivu",
        "southkivu",
        "kalemie",
        "tanganyika",
        "kasai",
        "kananga",
        "mbujimayi",
        "matadi",
        "kolwezi",
        "africa",
        "afrique",
        "monusco",
        "monuc",
        "unitednations",
        "nationsunies",
        "onu",
        "password",
        "motdepasse",
        "nenosiri",
        "neno",
        "siri",
        "bonjour",
        "jambo",
        "karibu",
        "amani",
        "asante",
        "mungu",
        "dieu",
        "jesus",
        "admin",
        "welcome",
        "bienvenue",
    }
)
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"})
_EDGES = re.compile(r"^[\W\d_]+|[\W\d_]+$")


def _fold(text: str) -> str:
    return re.sub(r"[\s'’\-_.()]+", "", text.lower())


@functools.cache
def guessable_words() -> frozenset[str]:
    words = set(REGIONAL_WORDS)
    with PLACES_CSV.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            for column in ("province", "territory", "place"):
                value = row.get(column) or ""
                words.add(_fold(value))
                words.update(_fold(part) for part in re.split(r"[\s(),/-]+", value) if len(part) >= 3)
    words.update(CommonPasswordValidator().passwords)
    return frozenset(word for word in words if len(word) >= 3)


def word_stem(password: str) -> str:
    """The password without the digits and symbols around it, folded: "Kinshasa2026" -> "kinshasa"."""
    return _fold(_EDGES.sub("", password))


class WordWithDigitsValidator:
    """Refuses a password that is a common word or a place name with only digits or symbols added
    before or after it, with or without letters swapped for look-alike digits ("K1nshasa")."""

    def validate(self, password, user=None):
        stem = word_stem(password)
        candidates = {stem, stem.translate(_LEET), _fold(password).translate(_LEET)}
        if any(candidate in guessable_words() for candidate in candidates if candidate):
            raise ValidationError(self.message(), code="password_word_with_digits")

    def message(self) -> str:
        return _(
            "This password is a common word or a place name with digits or symbols added, which is among the "
            "first guesses. Use several unrelated words instead."
        )

    def get_help_text(self) -> str:
        return _("Your password can't be a common word or a place name with digits or symbols added.")
