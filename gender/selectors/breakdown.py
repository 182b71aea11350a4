"""The dashboard's breakdown by territory and by operating base: the places its filters name.

The same reports as the dashboard's own figures (submitted ones, in scope and filters; alerts of
a protected category left out, as everywhere but the sexual-violence figures), counted in the
database: one query per report type (two for a type reached through to-many paths), and one
per kind of place for the names. A report reached
through several places (a JPT mission over two bases) counts once in each of them.
"""

from __future__ import annotations

from django.db.models import Aggregate, Count, F, Q, Sum
from django.db.models.functions import Coalesce

from monusco.choices import PROTECTED_THREAT_CATEGORIES

from ..models import ReviewStatus
from ..registry import ReportType, reports
from .reports import SADD_TOTALS, DashboardFilters, dashboard_reports, dashboard_types

_FIGURES = ("reports", "reviewed", "waiting", "women", "people")


def _aggregates(report_type: ReportType) -> dict:
    aggregates: dict[str, Aggregate | Coalesce] = {
        "reports": Count("pk", distinct=True),
        "reviewed": Count("pk", filter=Q(reviewed_at__isnull=False), distinct=True),
        "waiting": Count("pk", filter=Q(review_status=ReviewStatus.SUBMITTED), distinct=True),
    }
    if report_type.counts_participants and not report_type.has_multi_valued_paths:
        aggregates["women_n"] = Coalesce(Sum("women"), 0)
        aggregates["people_n"] = Coalesce(Sum(sum((F(name) for name in SADD_TOTALS[1:]), F(SADD_TOTALS[0]))), 0)
    return aggregates


def _grouped(*, user, report_type: ReportType, filters: DashboardFilters, paths: dict[str, str]) -> list[dict]:
    """The figures of one type grouped by the places at ``paths`` (``{"territory": path, ...}``)."""
    qs = dashboard_reports(user=user, report_type=report_type, filters=filters)
    if report_type.counts_people_at_risk and report_type.threat_path:
        qs = qs.exclude(**{f"{report_type.threat_path}__in": sorted(PROTECTED_THREAT_CATEGORIES)})
    groups = {f"{kind}_ref": F(path) for kind, path in paths.items()}
    rows = qs.values(**groups).annotate(**_aggregates(report_type)).order_by()
    return [
        {
            **{kind: row[f"{kind}_ref"] for kind in paths},
            "reports": row["reports"],
            "reviewed": row["reviewed"],
            "waiting": row["waiting"],
            "women": row.get("women_n", 0),
            "people": row.get("people_n", 0),
        }
        for row in rows
    ]


def _type_rows(*, user, report_type: ReportType, filters: DashboardFilters) -> list[dict]:
    """One query grouping by territory and base together; two (one each) for a type reached
    through to-many paths, whose pairs of places would count a report more than once."""
    paths = {
        kind: path
        for kind, path in (("territory", report_type.territory_path), ("base", report_type.base_path))
        if path
    }
    if not report_type.has_multi_valued_paths:
        return _grouped(user=user, report_type=report_type, filters=filters, paths=paths)
    return [
        row
        for kind, path in paths.items()
        for row in _grouped(user=user, report_type=report_type, filters=filters, paths={kind: path})
    ]


def _add(into: dict[int, dict], place: int | None, row: dict) -> None:
    if place is None:
        return
    target = into.setdefault(place, dict.fromkeys(_FIGURES, 0))
    for name in _FIGURES:
        target[name] += row[name]


def _rows(totals: dict[int, dict], names: dict[int, str]) -> list[dict]:
    rows = [
        {
            "name": names.get(place, "–"),
            **figures,
            "share_reviewed": figures["reviewed"] / figures["reports"] if figures["reports"] else None,
            "women_share": figures["women"] / figures["people"] if figures["people"] else None,
        }
        for place, figures in totals.items()
    ]
    return sorted(rows, key=lambda row: (-row["reports"], row["name"]))


def dashboard_breakdown(*, user, filters: DashboardFilters) -> dict[str, list[dict]]:
    """``territories`` and ``bases``: per place, the reports submitted, reviewed and waiting, and
    the women's share of meeting participants there, most reports first."""
    from monusco.models import Territory

    by_territory: dict[int, dict] = {}
    by_base: dict[int, dict] = {}
    for report_type in dashboard_types(filters):
        for row in _type_rows(user=user, report_type=report_type, filters=filters):
            _add(by_territory, row.get("territory"), row)
            _add(by_base, row.get("base"), row)
    territory_names = (
        dict(Territory.objects.filter(pk__in=list(by_territory)).values_list("pk", "name")) if by_territory else {}
    )
    base_model = reports.base_model()
    base_names = (
        {base.pk: str(base) for base in base_model._default_manager.filter(pk__in=list(by_base))}
        if base_model is not None and by_base
        else {}
    )
    return {"territories": _rows(by_territory, territory_names), "bases": _rows(by_base, base_names)}
