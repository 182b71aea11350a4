"""Log filter that masks anything shaped like a phone number, whatever logged it."""

import logging
import re

_PHONE = re.compile(r"(?<![\w-])(\+?\d[\d \-]{7,}\d)(?![\w-])")


def redact(text: str) -> str:
    return _PHONE.sub(lambda m: "[phone]", text)


class RedactPhoneNumbersFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
