"""Log filter that masks anything shaped like a phone number, whatever logged it."""

import logging

from .redaction import mask_phone_numbers

redact = mask_phone_numbers  # the name the log filter's callers knew


class RedactPhoneNumbersFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = mask_phone_numbers(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
