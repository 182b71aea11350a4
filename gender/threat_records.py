"""Whether a threat is on record in an area, asked of the apps that hold the records.

``jpt`` warns a mission lead when sexual violence is on record in the mission's area. The records
are in ``cla`` (meetings and plans) and ``jpt`` (earlier findings), which ``jpt`` reads itself, and
in apps ``jpt`` may not import (``can``: alerts). Each of those registers a provider at start-up,
as ``cla`` registers the bases with ``monusco.scope``, and ``jpt`` asks here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol


class ThreatRecordProvider(Protocol):
    def __call__(self, *, category: str, locality_ids: Iterable[int]) -> bool: ...


_providers: list[Callable[..., bool]] = []


def register_threat_record_provider(func: ThreatRecordProvider) -> None:
    """``func(category=..., locality_ids=...)`` says whether the app holds a record of a threat of
    that category in any of those localities."""
    if func not in _providers:
        _providers.append(func)


def threat_on_record(*, category: str, locality_ids: Iterable[int]) -> bool:
    """Whether any registered app holds such a record (each asked in turn, until one does)."""
    ids = list(locality_ids)
    return bool(ids) and any(provider(category=category, locality_ids=ids) for provider in _providers)
