"""Swahili words that must not be confused: an alert's states, and a report's review states, each
have their own word ("Imekubaliwa" once stood both for an acknowledged alert and an approved
report)."""

from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[2]


def _sw(app: str) -> dict[str, str]:
    catalogue = polib.pofile(str(ROOT / app / "locale" / "sw" / "LC_MESSAGES" / "django.po"))
    return {e.msgid: e.msgstr for e in catalogue if not e.msgctxt and not e.obsolete}


def test_alert_states_and_review_states_have_distinct_swahili_words():
    can, gender = _sw("can"), _sw("gender")
    alert_states = [can[m] for m in ("Received", "Acknowledged", "Verified", "Response dispatched", "Closed")]
    review_states = [gender[m] for m in ("Draft", "Submitted", "Approved", "Returned")]
    assert alert_states == ["Imepokelewa", "Imekiriwa", "Imethibitishwa", "Jibu limetumwa", "Imefungwa"]
    assert len(set(review_states)) == 4
    assert set(alert_states).isdisjoint(review_states)
    assert gender["Approved"] == "Imekubaliwa"
