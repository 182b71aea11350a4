"""SMS channels: the gateways that deliver inbound messages, each with its secret token."""

from __future__ import annotations

import hashlib
import secrets
import time

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


_CHANNEL_CACHE: dict[str, tuple[float, SmsChannel | None]] = {}
CHANNEL_CACHE_SECONDS = 10.0


def sms_channel_for_intake(*, uid) -> SmsChannel | None:
    """The active channel with this uid, cached in the process for a few seconds: every inbound
    message needs it, and channels change rarely (a deactivation applies within 10 seconds)."""
    key = str(uid)
    now = time.monotonic()
    cached = _CHANNEL_CACHE.get(key)
    if cached is not None and now - cached[0] < CHANNEL_CACHE_SECONDS:
        return cached[1]
    channel = _first(SmsChannel.objects.select_related("base__locality").filter(uid=uid, is_active=True))
    if len(_CHANNEL_CACHE) > 1000:
        _CHANNEL_CACHE.clear()
    _CHANNEL_CACHE[key] = (now, channel)
    return channel


def sms_channel_cache_clear() -> None:
    _CHANNEL_CACHE.clear()


def sms_channel_check_token(*, channel: SmsChannel, token: str | None) -> bool:
    return bool(token) and secrets.compare_digest(channel.token_hash, _token_hash(token))
