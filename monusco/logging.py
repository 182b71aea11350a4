"""Log filter that masks anything shaped like a phone number, whatever logged it."""

import logging
import re

_PHONE = re.compile(r"(?<![\w-])(\+?\d[\d \-]{7,}\d)(?![\w-])")


def _mask(match: re.Match) -> str:
    digits = sum(ch.isdigit() for ch in match.group(0))
    return "[phone]" if digits >= 9 else match.group(0)  # dates like 2026-11-23 have 8 digits


def redact(text: str) -> str:
    return _PHONE.sub(_mask, text)


class RedactPhoneNumbersFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
