"""The alerts on the map (``monusco.map``): points by state and threat over the period, and the
sexual-violence alerts only as counts per territory, small counts shown as "<5"
(``gender.selectors.suppression.suppress``), never as points."""

from __future__ import annotations

from django.db.models import Avg, Count
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gender.selectors.suppression import suppress
from monusco.choices import PROTECTED_THREAT_CATEGORIES
from monusco.map import MapFilters, MapLayer, feature, point, territories_in_scope
from monusco.map_positions import exact_position
from monusco.models import Locality
from monusco.scope import scope_for

from . import selectors
from .models import Alert, AlertStatus

PROTECTED = sorted(PROTECTED_THREAT_CATEGORIES)


def _period(qs, filters: MapFilters):
    qs = qs.filter(received_on__gte=filters.date_from, received_on__lte=filters.date_to)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.territory_ids is not None:
        qs = qs.filter(territory_id__in=sorted(filters.territory_ids))
    return qs


def alert_features(user, filters: MapFilters) -> list[dict]:
    """One point per alert of another category than sexual violence, at the position taken on the
    phone for the staff of the alert's base, at its locality's for everyone else; an alert with
    neither has no point (it is still listed under its territory)."""
    qs = _period(selectors.alert_list(user=user), filters).exclude(threat_category__in=PROTECTED)
    if filters.threat:
        qs = qs.filter(threat_category=filters.threat)
    scope = scope_for(user)
    features = []
    for alert in qs.select_related("locality", "territory").order_by("-received_at", "pk"):
        where = exact_position(alert, may_see_exact=scope.has_base(alert.base_id))
        features.append(
            feature(
                point(where[1], where[0]) if where else None,
                label=f"{alert.reference} · {alert.get_threat_category_display()} · {alert.get_status_display()}",
                territory=alert.territory.name,
                url=reverse("can:alert-detail", kwargs={"uid": alert.uid}),
                date=alert.received_on.isoformat(),
                kind=alert.status,
                threat=alert.threat_category,
                exact=bool(where and where[2]),
            )
        )
    return features


def sexual_violence_features(user, filters: MapFilters) -> list[dict]:
    """One count per territory in scope, at the middle of its localities, every territory named
    (zero too), so a count under 5 reads "<5" whether it is 0 or 4. A threat filter for another
    category leaves nothing to count."""
    if filters.threat and filters.threat not in PROTECTED_THREAT_CATEGORIES:
        return []
    territories = territories_in_scope(user)
    if filters.territory_ids is not None:
        territories = territories.filter(pk__in=sorted(filters.territory_ids))
    territories = list(territories)
    ids = [t.pk for t in territories]
    alerts = scope_for(user).filter(
        Alert.objects.all(), base="base_id", territory="territory_id", province="territory__province_id"
    )
    counts = dict(
        _period(alerts, filters)
        .filter(threat_category__in=PROTECTED, territory_id__in=ids)
        .order_by()
        .values_list("territory_id")
        .annotate(n=Count("pk"))
    )
    middles = {
        row["territory_id"]: row
        for row in Locality.objects.filter(territory_id__in=ids)
        .order_by()
        .values("territory_id")
        .annotate(lat=Avg("latitude"), lon=Avg("longitude"))
    }
    features = []
    for territory in territories:
        middle = middles.get(territory.pk)
        features.append(
            feature(
                point(middle["lon"], middle["lat"]) if middle else None,
                label=str(_("Sexual-violence alerts")),
                territory=territory.name,
                url="",
                date="",
                kind="count",
                count=suppress(counts.get(territory.pk, 0)),
                exact=False,
            )
        )
    return features


def _sees_alerts(user) -> bool:
    return user.has_perm("can.view_alert")


ALERTS = MapLayer(
    slug="alerts",
    label=_("Alerts"),
    features=alert_features,
    available=_sees_alerts,
    order=10,
    extra={"status_choices": AlertStatus.choices},
)
SEXUAL_VIOLENCE = MapLayer(
    slug="sexual-violence",
    label=_("Sexual-violence alerts (counts per territory)"),
    features=sexual_violence_features,
    available=_sees_alerts,
    order=20,
    counts_only=True,
    note=_("Counts only, never places; under 5 shown as “<5”."),
)
