"""Helpers shared by the CAN services: small reads, scope checks and events."""

from __future__ import annotations

import logging

from django.utils import timezone

from cla.models import OperatingBase
from monusco.scope import scope_for

from ..models import Alert, AlertEvent

logger = logging.getLogger(__name__)


def _first(qs):
    """The first row of a query known to match at most a few rows, without an ORDER BY (which
    could make PostgreSQL walk an unrelated index)."""
    rows = list(qs.order_by()[:1])
    return rows[0] if rows else None


def _territory_of_base(base: OperatingBase) -> int:
    return base.locality.territory_id


def _in_base_scope(user, base_id: int) -> bool:
    return scope_for(user).has_base(base_id)


def _event(alert: Alert, kind: str, *, actor=None, at=None, from_status="", to_status="", note="") -> AlertEvent:
    return AlertEvent.objects.create(
        alert=alert,
        kind=kind,
        actor=actor,
        at=at or timezone.now(),
        from_status=from_status,
        to_status=to_status,
        note=note,
    )
