"""What ``can`` tells other apps through their registries, so that they need not import it."""

from __future__ import annotations

from collections.abc import Iterable


def alert_threat_on_record(*, category: str, locality_ids: Iterable[int]) -> bool:
    """Whether an alert of this threat category was received about any of these localities
    (for ``gender.threat_records``)."""
    from .models import Alert

    return Alert.objects.filter(threat_category=category, locality_id__in=list(locality_ids)).exists()
