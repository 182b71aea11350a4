"""Approximate outlines of provinces and territories, derived from the localities' coordinates.

No official boundaries (OCHA COD-AB) can be fetched where this runs, so each outline is the convex
hull of the territory's localities, widened by ``MARGIN_DEG`` (about 5 km) so a territory of one
or two places still shows as an area. They are drawn to place the points, not to decide in which
territory a place lies: the page says so. Replace them by loading COD-AB shapes when there is a
licensed copy at hand.
"""

from __future__ import annotations

import math
from collections import defaultdict

from .map import collection, feature

MARGIN_DEG = 0.05
_CIRCLE_STEPS = 8


def _cross(o, a, b) -> float:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def convex_hull(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Andrew's monotone chain: the hull counter-clockwise, without repeating the first point."""
    pts = sorted(set(points))
    if len(pts) <= 2:
        return pts
    lower: list[tuple[float, float]] = []
    for p in pts:
        while len(lower) >= 2 and _cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list[tuple[float, float]] = []
    for p in reversed(pts):
        while len(upper) >= 2 and _cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]


def widened_hull(points: list[tuple[float, float]], margin: float = MARGIN_DEG) -> list[list[float]]:
    """A closed ring around ``points``: every point ringed by a small octagon, then the hull of it all."""
    ringed = [
        (x + margin * math.cos(2 * math.pi * k / _CIRCLE_STEPS), y + margin * math.sin(2 * math.pi * k / _CIRCLE_STEPS))
        for x, y in points
        for k in range(_CIRCLE_STEPS)
    ]
    hull = convex_hull(ringed)
    ring = [[round(x, 4), round(y, 4)] for x, y in hull]
    return ring + ring[:1]


def outlines(territories) -> dict:
    """GeoJSON of the provinces and ``territories`` (a ``Territory`` queryset, province joined):
    one polygon per territory having localities, one per province from all its localities."""
    from .models import Locality

    territories = list(territories)
    by_territory: dict[int, list[tuple[float, float]]] = defaultdict(list)
    for territory_id, lon, lat in Locality.objects.filter(territory__in=[t.pk for t in territories]).values_list(
        "territory_id", "longitude", "latitude"
    ):
        by_territory[territory_id].append((float(lon), float(lat)))
    features = []
    by_province: dict[int, list[tuple[float, float]]] = defaultdict(list)
    provinces = {}
    for territory in territories:
        points = by_territory.get(territory.pk)
        if not points:
            continue
        provinces[territory.province_id] = territory.province
        by_province[territory.province_id].extend(points)
        features.append(
            feature(
                {"type": "Polygon", "coordinates": [widened_hull(points)]},
                kind="territory",
                label=territory.name,
                uid=str(territory.uid),
            )
        )
    for province_id, points in by_province.items():
        features.insert(
            0,
            feature(
                {"type": "Polygon", "coordinates": [widened_hull(points, margin=MARGIN_DEG * 2)]},
                kind="province",
                label=provinces[province_id].name,
                uid=str(provinces[province_id].uid),
            ),
        )
    return collection(features, approximate=True)
