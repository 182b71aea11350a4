"""Geography coarsened to what a client's data-sharing agreement allows, once for every format.

``coarsen(data, level)`` takes a response's serialized data (what the JSON, CSV and GeoJSON
renderers all read) and returns a copy in which each place is no finer than ``level``:

- under a **territory** agreement, every locality reference (``"locality": {...}``, and each of
  ``"localities": [...]``) loses its ``uid`` and ``name`` (``null``), keeps its territory and
  province, and its latitude and longitude become the territory's centroid;
- under a **province** agreement, its territory is ``null`` too and the point is the province's
  centroid, and a record's own ``"territory": {"uid", "name"}`` becomes ``null``.

A list of localities that become the same place is given once. The GeoJSON renderer reads its
points from the coarsened row, so a feature sits on the centroid. The centroid of a territory (or a
province) is the mean of its localities' coordinates, rounded to 4 decimals (about 10 m: it is a
point inside the area, not a place anyone is); all of them are read in one query and kept for
``CENTROID_CACHE_SECONDS`` in each process, or until a locality is saved or deleted in it. The gazetteer (``/api/v1/localities/``) lists public
place names, not records, and is left as it is (``ApiView.gazetteer``).
"""

from __future__ import annotations

import threading

from cachetools import TTLCache, cached
from django.db.models import Count, FloatField, Sum
from django.db.models.functions import Cast
from django.db.models.signals import post_delete, post_save

from monusco.models import DataSharingAgreement, Locality

Geography = DataSharingAgreement.Geography

CENTROID_CACHE_SECONDS = 300
_centroid_cache: TTLCache = TTLCache(maxsize=1, ttl=CENTROID_CACHE_SECONDS)
_centroid_lock = threading.Lock()

Point = tuple[float, float]  # (latitude, longitude)


@cached(cache=_centroid_cache, lock=_centroid_lock)
def centroids() -> tuple[dict[tuple[str, str], Point], dict[str, Point]]:
    """Territory centroids by (province name, territory name), province centroids by name: sums
    and counts by territory in one query, a province's mean weighted by its territories' counts."""
    rows = (
        Locality.objects.order_by()
        .values("territory__province__name", "territory__name")
        .annotate(lat=Sum(Cast("latitude", FloatField())), lon=Sum(Cast("longitude", FloatField())), n=Count("pk"))
        .values_list("territory__province__name", "territory__name", "lat", "lon", "n")
    )
    territories: dict[tuple[str, str], Point] = {}
    sums: dict[str, list[float]] = {}
    for province, territory, lat, lon, n in rows:
        territories[(province, territory)] = (round(lat / n, 4), round(lon / n, 4))
        total = sums.setdefault(province, [0.0, 0.0, 0])
        total[0] += lat
        total[1] += lon
        total[2] += n
    provinces = {name: (round(lat / n, 4), round(lon / n, 4)) for name, (lat, lon, n) in sums.items()}
    return territories, provinces


def forget_centroids(**kwargs) -> None:
    with _centroid_lock:
        _centroid_cache.clear()


post_save.connect(forget_centroids, sender=Locality, dispatch_uid="api-centroids-save")
post_delete.connect(forget_centroids, sender=Locality, dispatch_uid="api-centroids-delete")


def coarsen(data, level: str):
    """A copy of ``data`` with no place finer than ``level`` (``data`` itself at locality level)."""
    if level == Geography.LOCALITY:
        return data
    return _walk(data, level, centroids())


def _walk(value, level, points):
    if isinstance(value, list):
        return [_walk(item, level, points) for item in value]
    if not isinstance(value, dict):
        return value
    return {key: _field(key, item, level, points) for key, item in value.items()}


def _field(key: str, item, level, points):
    """One field of a record, coarsened: a locality, a list of localities (each place once), a
    territory under a province-level agreement; anything else walked into."""
    if key == "locality" and isinstance(item, dict):
        return _place(item, level, points)
    if key == "localities" and isinstance(item, list) and all(isinstance(i, dict) for i in item):
        return _places_once([_place(i, level, points) for i in item])
    if key == "territory" and level == Geography.PROVINCE and isinstance(item, dict):
        return None
    return _walk(item, level, points)


def _places_once(places: list[dict]) -> list[dict]:
    """The places in order, each once (localities of one territory all become that territory)."""
    kept: list[dict] = []
    for place in places:
        if place not in kept:
            kept.append(place)
    return kept


def _place(locality: dict, level, points) -> dict:
    territories, provinces = points
    place = dict(locality)
    place["uid"] = place["name"] = None
    province, territory = locality.get("province"), locality.get("territory")
    if level == Geography.PROVINCE:
        place["territory"] = None
        point = provinces.get(province)
    else:
        point = territories.get((province, territory))
    if "latitude" in place or "longitude" in place:
        place["latitude"], place["longitude"] = point if point else (None, None)
    return place
