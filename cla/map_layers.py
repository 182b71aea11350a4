"""The CLAs' work on the map (``monusco.map``): meetings over the period, the bases and the
localities they cover, and the open actions of the protection plans (where the plan's locality is)."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gender.selectors.protected import protected_visible_q
from monusco.map import MapFilters, MapLayer, feature, point
from monusco.map_positions import exact_position
from monusco.models import Locality
from monusco.scope import scope_for

from . import selectors
from .models import PlanAction


def meeting_features(user, filters: MapFilters) -> list[dict]:
    qs = selectors.meeting_list(user=user).filter(held_on__gte=filters.date_from, held_on__lte=filters.date_to)
    if filters.territory_ids is not None:
        qs = qs.filter(locality__territory_id__in=sorted(filters.territory_ids))
    scope = scope_for(user)
    features = []
    for meeting in qs.select_related("locality__territory").order_by("-held_on", "-id"):
        where = exact_position(meeting, may_see_exact=scope.has_base(meeting.base_id))
        features.append(
            feature(
                point(where[1], where[0]) if where else None,
                label=str(meeting),
                territory=meeting.locality.territory.name,
                url=reverse("cla:meeting-detail", kwargs={"uid": meeting.uid}),
                date=meeting.held_on.isoformat(),
                kind="meeting",
                exact=bool(where and where[2]),
            )
        )
    return features


def base_features(user, filters: MapFilters) -> list[dict]:
    """Each base at its locality, and each locality a base in scope covers (once)."""
    bases = selectors.base_list(user=user).prefetch_related("coverage__territory").order_by("name")
    if filters.territory_ids is not None:
        bases = bases.filter(locality__territory_id__in=sorted(filters.territory_ids))
    features, seen = [], set()
    for base in bases:
        place = base.locality
        features.append(
            feature(
                point(place.longitude, place.latitude),
                label=base.name,
                territory=place.territory.name,
                url="",
                date="",
                kind="base",
                exact=False,
            )
        )
        for locality in base.coverage.all():
            if locality.pk in seen:
                continue
            if filters.territory_ids is not None and locality.territory_id not in filters.territory_ids:
                continue
            seen.add(locality.pk)
            features.append(
                feature(
                    point(locality.longitude, locality.latitude),
                    label=locality.name,
                    territory=locality.territory.name,
                    url="",
                    date="",
                    kind="locality",
                    exact=False,
                )
            )
    return features


def action_features(user, filters: MapFilters) -> list[dict]:
    plans = selectors.plan_list(user=user).values("pk")
    qs = PlanAction.objects.filter(threat__plan__in=plans, status__in=selectors.OPEN_ACTION_STATUSES).select_related(
        "threat__plan__locality__territory"
    )
    # A plan's sexual-violence threats: their actions only for the plan's base and need-to-know roles.
    qs = qs.filter(protected_visible_q(user=user, category="threat__category", base="threat__plan__base_id"))
    if filters.territory_ids is not None:
        qs = qs.filter(threat__plan__locality__territory_id__in=sorted(filters.territory_ids))
    features = []
    for action in qs.order_by("deadline", "pk"):
        plan = action.threat.plan
        features.append(
            feature(
                point(plan.locality.longitude, plan.locality.latitude),
                label=f"{plan.locality.name}: {action.description[:80]} ({action.get_status_display()})",
                territory=plan.locality.territory.name,
                url=reverse("cla:plan-detail", kwargs={"uid": plan.uid}),
                date=action.deadline.isoformat() if action.deadline else "",
                kind="action",
                exact=False,
            )
        )
    return features


def territories_of_bases(user) -> list[int]:
    """The territories of the localities the user's bases are at or cover (for ``monusco.map``)."""
    base_ids = sorted(scope_for(user).base_ids)
    if not base_ids:
        return []
    return list(
        Locality.objects.filter(Q(covering_bases__in=base_ids) | Q(bases_located__in=base_ids))
        .order_by()
        .values_list("territory_id", flat=True)
        .distinct()
    )


MEETINGS = MapLayer(
    slug="meetings",
    label=_("Meetings"),
    features=meeting_features,
    available=lambda user: user.has_perm("cla.view_urafikimeeting"),
    order=30,
)
BASES = MapLayer(
    slug="bases",
    label=_("Bases and their localities"),
    features=base_features,
    available=lambda user: user.has_perm("cla.view_operatingbase"),
    order=40,
)
ACTIONS = MapLayer(
    slug="plan-actions",
    label=_("Open plan actions"),
    features=action_features,
    available=lambda user: user.has_perm("cla.view_planaction"),
    order=50,
)
