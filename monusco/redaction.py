"""Masking and neutralising of text that leaves its place: phone numbers, spreadsheet formulas.

- ``mask_phone_numbers`` replaces anything shaped like a phone number with ``[phone]``: the log
  filter, the API, every page and the admin call it for readers outside the record's base.
- ``mask_phone_numbers_in_url`` does the same in a URL or query string (percent-encoded), for the
  web server's access log.
- ``spreadsheet_safe`` keeps a spreadsheet from reading a text cell as a formula: every CSV the
  application writes passes each cell through it.
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote, unquote_plus

PHONE_MASK = "[phone]"
# A phone number: an optional "+" and "(", a digit, then digits, spaces, hyphens or parentheses,
# ending on a digit. It is not glued to a letter, digit, underscore or hyphen on either side (so
# no part of an identifier like "gw-1234567890" or a UUID is cut), except that one written
# straight after a word ("au0990100001") counts when it starts with 0, + or (.
_PHONE = re.compile(r"(?:(?<![\w\-+(])|(?<=[^\W\d_])(?=[0+(]))(\+?\(?\+?\d[\d \u00a0()\-]{7,}\d)(?![\w\-])")
# A match may start with a date (2026-11-23 08:15 reads as 10 digits): the date is kept.
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
MIN_DIGITS = 9  # DRC numbers have 9 digits after the 0 or +243; dates and times have fewer


def _masked(text: str, mask: str) -> str:
    return _PHONE.sub(lambda match: _mask(match.group(0), mask), text)


def _mask(text: str, mask: str) -> str:
    date = _DATE.match(text)
    if date:
        return date.group(0) + _masked(text[date.end() :], mask)
    digits = sum(ch.isdigit() for ch in text)
    return mask if digits >= MIN_DIGITS else text


def mask_phone_numbers(text: str, mask: str = PHONE_MASK) -> str:
    """``text`` with every phone-shaped run of 9 or more digits replaced by ``mask``
    (``+243 812 345 678``, ``0990100001``, ``(+243) 990-100-001``). Dates, times and small
    amounts stay; a long amount written as ``1 000 000 000`` is masked too (the safe side).
    Logs and the API use the fixed ``[phone]``; pages pass it translated."""
    if not text:
        return text
    return _masked(text, mask)


_PLUS_BETWEEN_DIGITS = re.compile(r"(?<=\d)\+(?=\d)")
_URL_SAFE = "/?&=:;,@!$'()*~[]#"


def mask_phone_numbers_in_url(value: str) -> str:
    """A URL, path or query string with its phone numbers masked, whatever their encoding
    (``?q=%2B243+812+345+678``, ``?q=0990100001``, or encoded twice in a ``next=`` link as the
    login redirect writes it). A value holding none is returned as is; one holding some is
    returned decoded, masked and percent-encoded again (one line, no control characters)."""
    if not value or not any(ch.isdigit() for ch in value):
        return value
    decoded = unquote_plus(value)
    for _ in range(2):  # a link inside a link is encoded twice ("+" is a plus by then)
        once = unquote(decoded)
        if once == decoded:
            break
        decoded = once
    decoded = _PLUS_BETWEEN_DIGITS.sub(" ", decoded)  # a "+" left inside a link's query is a space
    masked = mask_phone_numbers(decoded)
    if masked == decoded:
        return value
    return quote(masked, safe=_URL_SAFE)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """A CSV cell a spreadsheet reads as what it is. Text starting with ``=``, ``+``, ``-``, ``@``,
    a tab or a carriage return gets a leading apostrophe, so ``=HYPERLINK(…)`` shows as text
    instead of running (OWASP, "CSV injection"). Numbers (int, float, Decimal) are returned
    unchanged, so a latitude of -3.08 stays a number; anything else is returned as it came."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
