"""Encryption at rest and keyed hashes for protected personal data (names, phone numbers).

Fernet (AES-128-CBC with HMAC-SHA256) from ``cryptography``; a MultiFernet over
``FIELD_ENCRYPTION_KEY`` so keys can be rotated: the first key encrypts, every key decrypts.
"""

import hashlib
import hmac
import re
from functools import lru_cache

import phonenumbers
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


# Digits and the separators people write between them, with at most one leading "+". Anything
# else (letters, quotes, SQL, an extension) is not a phone number, whatever digits it holds.
_PHONE_SHAPE = re.compile(r"\+?[0-9(][0-9 ().\-/]*")
_MAX_PHONE_LENGTH = 32


def normalize_phone(raw: str, region: str = "CD") -> str:
    """The phone number in E.164 form (``+243812345678``), or ``""`` when ``raw`` is not a phone
    number: empty, not shaped like one, or not a number of any country's numbering plan (Google's
    libphonenumber, through ``phonenumbers``). Numbers written without a country code are read as
    DR Congo's: ``0812345678`` and ``812 345 678`` are ``+243812345678``; ``00…`` is international.

    Callers decide what an invalid number means: a form refuses it, the SMS intake keeps the
    message with its sender unknown."""
    text = (raw or "").strip()
    if not text or len(text) > _MAX_PHONE_LENGTH or not _PHONE_SHAPE.fullmatch(text):
        return ""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_valid_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


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
