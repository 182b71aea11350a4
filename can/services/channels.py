"""SMS channels: the gateways that deliver inbound messages, each with its secret token."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time

from cachetools import TTLCache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cla.models import OperatingBase

from ..models import (
    SmsChannel,
)
from ._common import _first


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def sms_channel_create(*, name: str, base: OperatingBase, token: str | None = None) -> tuple[SmsChannel, str]:
    """Create a channel; returns it with its secret token (shown once, stored hashed)."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("A channel needs a name.")})
    if SmsChannel.objects.filter(name=name).exists():
        raise ValidationError({"name": _("A channel with this name already exists.")})
    token = token or secrets.token_urlsafe(32)
    return SmsChannel.objects.create(name=name, base=base, token_hash=_token_hash(token)), token


CHANNEL_CACHE_SECONDS = 10.0


def _clock() -> float:
    return time.monotonic()


# Looked up when an entry is read or written, so a test can move the clock.
_CHANNEL_CACHE: TTLCache = TTLCache(maxsize=1000, ttl=CHANNEL_CACHE_SECONDS, timer=lambda: _clock())
_CHANNEL_CACHE_LOCK = threading.Lock()  # a TTLCache is not thread-safe; the query runs outside the lock
_MISSING = object()


def sms_channel_for_intake(*, uid) -> SmsChannel | None:
    """The active channel with this uid, cached in the process for a few seconds: every inbound
    message needs it, and channels change rarely (a deactivation applies within 10 seconds)."""
    key = str(uid)
    with _CHANNEL_CACHE_LOCK:
        channel = _CHANNEL_CACHE.get(key, _MISSING)
    if channel is not _MISSING:
        return channel
    channel = _first(SmsChannel.objects.select_related("base__locality").filter(uid=uid, is_active=True))
    with _CHANNEL_CACHE_LOCK:
        _CHANNEL_CACHE[key] = channel
    return channel


def sms_channel_cache_clear() -> None:
    with _CHANNEL_CACHE_LOCK:
        _CHANNEL_CACHE.clear()


def sms_channel_check_token(*, channel: SmsChannel, token: str | None) -> bool:
    if not token:
        return False
    return secrets.compare_digest(channel.token_hash, _token_hash(token))
