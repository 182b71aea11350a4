"""JPT itineraries on the map (``monusco.map``): the missions in scope whose dates meet the period,
each a line through its stops in order, and each stop a point. A stop's position taken on the
phone is shown to the staff of the mission's bases; everyone else gets the stop's locality."""

from __future__ import annotations

from django.db.models import Prefetch
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from monusco.map import MapFilters, MapLayer, feature, point
from monusco.map_positions import exact_position
from monusco.scope import scope_for

from .models import ItineraryStop, JPTMission
from .selectors import mission_ids_in_scope


def itinerary_features(user, filters: MapFilters) -> list[dict]:
    scope = scope_for(user)
    if scope.is_empty:
        return []
    missions = (
        JPTMission.objects.filter(
            pk__in=mission_ids_in_scope(user=user), start_date__lte=filters.date_to, end_date__gte=filters.date_from
        )
        .prefetch_related(
            Prefetch(
                "stops",
                queryset=ItineraryStop.objects.select_related("locality__territory").order_by("arrive_on", "id"),
            ),
            "bases",
        )
        .order_by("start_date", "id")
    )
    features = []
    for mission in missions:
        stops = list(mission.stops.all())
        if filters.territory_ids is not None:
            stops = [s for s in stops if s.locality.territory_id in filters.territory_ids]
        if not stops:
            continue
        own = any(scope.has_base(base.pk) for base in mission.bases.all())
        url = reverse("jpt:mission-report", kwargs={"uid": mission.uid})
        places = []
        for stop in stops:
            where = exact_position(stop, may_see_exact=own)
            places.append([round(where[1], 5), round(where[0], 5)])
            features.append(
                feature(
                    point(where[1], where[0]),
                    label=f"{mission.title}: {stop.locality.name} ({stop.arrive_on:%Y-%m-%d})",
                    territory=stop.locality.territory.name,
                    url=url,
                    date=stop.arrive_on.isoformat(),
                    kind="stop",
                    exact=where[2],
                )
            )
        if len(places) > 1:
            features.append(
                feature(
                    {"type": "LineString", "coordinates": places},
                    label=mission.title,
                    territory="",
                    url=url,
                    date=mission.start_date.isoformat(),
                    kind="itinerary",
                    exact=False,
                    table=False,
                )
            )
    return features


ITINERARIES = MapLayer(
    slug="itineraries",
    label=_("JPT itineraries"),
    features=itinerary_features,
    available=lambda user: user.has_perm("jpt.view_jptmission"),
    order=60,
)
