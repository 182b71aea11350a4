"""API tokens: a random key shown once, stored as its SHA-256 digest."""

import hashlib
import secrets


def new_key() -> str:
    return secrets.token_urlsafe(32)


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()
