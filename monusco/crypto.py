"""Encryption at rest and keyed hashes for protected personal data (names, phone numbers).

Fernet (AES-128-CBC with HMAC-SHA256) from ``cryptography``; a MultiFernet over
``FIELD_ENCRYPTION_KEY`` so keys can be rotated: the first key encrypts, every key decrypts.
"""

import hashlib
import hmac
import re
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY is not set.")
    return MultiFernet([Fernet(k.encode()) for k in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEY))


def encrypt(value: str) -> str:
    return fernet().encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:  # wrong key or tampered column: never return ciphertext as text
        raise ImproperlyConfigured("A protected field could not be decrypted with FIELD_ENCRYPTION_KEY.") from exc


_NON_DIGITS = re.compile(r"[^\d+]")


def normalize_phone(raw: str, default_country: str = "243") -> str:
    """Return a phone number in E.164 form. DR Congo numbers written locally (0xx...) get +243."""
    digits = _NON_DIGITS.sub("", raw or "")
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if digits.startswith("+"):
        return "+" + re.sub(r"\D", "", digits)
    if digits.startswith("0"):
        return f"+{default_country}{digits[1:]}"
    if digits.startswith(default_country) and len(digits) > 10:
        return f"+{digits}"
    return f"+{default_country}{digits}" if digits else ""


def phone_hash(raw: str) -> str:
    """Keyed hash (HMAC-SHA256) of a normalized phone number, for matching without decrypting."""
    key = settings.FIELD_HASH_KEY
    if not key:
        raise ImproperlyConfigured("FIELD_HASH_KEY is not set.")
    number = normalize_phone(raw)
    return hmac.new(key.encode(), number.encode(), hashlib.sha256).hexdigest() if number else ""


def mask_phone(raw: str) -> str:
    """+243 81 234 5678 -> +243•••••678: enough to recognise, not to call."""
    number = normalize_phone(raw)
    return f"{number[:4]}•••••{number[-3:]}" if len(number) > 7 else "•••"
