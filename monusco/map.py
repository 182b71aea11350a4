"""The map's layers, contributed by apps (``monusco`` imports none of them), as home panels are.

An app registers a ``MapLayer`` in its ``AppConfig.ready()``. ``features(user, filters)`` returns
GeoJSON features already cut to the user's scope, one per record, each with the properties the
page and the table use:

- ``label`` (str), ``territory`` (the territory's name, for the table), ``url`` (the record's page,
  or "" when it has none), ``date`` (ISO date or ""), ``kind`` (a short code the page colours by);
- ``exact``: True when the point is the position taken on the phone, False when it is the
  locality's coordinates (what every reader outside the record's base gets);
- ``count`` instead of a point's record, for the counts-only layers (sexual-violence alerts), as
  text: small counts are "<5".

Territories in scope come from ``MapTerritoryScope``: provinces and territories of ``UserScope``,
plus the territories of the bases' localities, contributed by ``cla`` (``register_territory_provider``).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

DEFAULT_DAYS = 30
MAX_DAYS = 366


@dataclass(frozen=True)
class MapFilters:
    date_from: datetime.date
    date_to: datetime.date
    status: str = ""
    threat: str = ""
    territory_ids: frozenset[int] | None = None  # None: the whole scope

    @classmethod
    def default(cls) -> MapFilters:
        today = timezone.localdate()
        return cls(date_from=today - datetime.timedelta(days=DEFAULT_DAYS), date_to=today)


@dataclass(frozen=True)
class MapLayer:
    slug: str  # stable, used in URLs: /map/layers/<slug>.geojson
    label: Any  # translatable (a lazy string)
    features: Callable[[object, MapFilters], list[dict]]
    available: Callable[[object], bool]  # whether the user may see the layer at all
    order: int = 100
    counts_only: bool = False  # a layer of counts per territory, never of points
    note: Any = ""  # shown under the layer's name (translatable)
    extra: dict = field(default_factory=dict)


_layers: dict[str, MapLayer] = {}
_territory_providers: list[Callable[[object], Iterable[int]]] = []


def register_layer(layer: MapLayer) -> None:
    _layers[layer.slug] = layer


def register_territory_provider(func: Callable[[object], Iterable[int]]) -> None:
    """``func(user)`` returns ids of territories the user's bases work in."""
    if func not in _territory_providers:
        _territory_providers.append(func)


def layers_for(user) -> list[MapLayer]:
    return sorted((layer for layer in _layers.values() if layer.available(user)), key=lambda la: la.order)


def layer_for(user, slug: str) -> MapLayer | None:
    layer = _layers.get(slug)
    return layer if layer is not None and layer.available(user) else None


def territories_in_scope(user):
    """The territories the user's scope reaches, as a queryset of ``Territory`` (province joined)."""
    from .models import Territory
    from .scope import scope_for

    scope = scope_for(user)
    qs = Territory.objects.select_related("province").order_by("province__name", "name")
    if scope.everything:
        return qs
    ids = set(scope.territory_ids)
    for provider in _territory_providers:
        ids.update(provider(user))
    from django.db.models import Q

    return qs.filter(Q(pk__in=sorted(ids)) | Q(province_id__in=sorted(scope.province_ids)))


def point(longitude, latitude) -> dict:
    return {"type": "Point", "coordinates": [round(float(longitude), 5), round(float(latitude), 5)]}


def feature(geometry: dict | None, **properties) -> dict:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def collection(features: list[dict], **extra) -> dict:
    return {"type": "FeatureCollection", "features": features, **extra}
