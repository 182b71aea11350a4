"""The sexual-violence figures of the dashboard, from cells suppressed one by one.

Records of a protected threat category count in no other figure. Their own figures add up
base-month cells of whole months, each cell and each figure within it counted only from 5 up, so
no subtraction between figures, filters or the records an API client may list reveals a count
under 5.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.db.models import (
    CharField,
    Count,
    DateField,
    Expression,
    F,
    ForeignObjectRel,
    IntegerField,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, TruncMonth

from monusco.choices import PROTECTED_THREAT_CATEGORIES

from ..registry import ReportType
from .reports import SADD_TOTALS, DashboardFilters, dashboard_reports, dashboard_types, path_or_null

SMALL_COUNT = 5


def suppress(count: int | None) -> str:
    """Small counts of protected data are shown as "<5"."""
    count = count or 0
    return "<5" if count < SMALL_COUNT else str(count)


def _month_end(month: datetime.date) -> datetime.date:
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(days=1)


def protected_figures(cells: dict[str, dict], filters: DashboardFilters) -> dict[str, dict]:
    """The figures of each protected category (and of the reports mentioning one, ``mentions``)
    from their cells, one per base, territory and month.

    - A cell counts only when the filters take its whole month (a date range cut inside a month
      would let one day be subtracted from the next).
    - Within a counted cell, each figure counts only when it is 5 or more, and only if the cell
      holds 5 alerts (or reports) or more. Every total is a sum of such values; a value under 5
      enters no total, so no difference between totals can reveal it. A total of 0 shows as "<5"
      (nothing is said about cells left out), and totals are lower bounds.
    """
    result = {}
    for kind in {*map(str, PROTECTED_THREAT_CATEGORIES), "mentions", *cells}:
        kind_cells = cells.get(kind, {})
        totals = {"n": 0, **dict.fromkeys(SADD_TOTALS, 0)}
        for (_base, _territory, month), cell in kind_cells.items():
            if filters.date_from and filters.date_from > month:
                continue
            if filters.date_to and filters.date_to < _month_end(month):
                continue
            if cell["n"] < SMALL_COUNT:
                continue
            for key, value in cell.items():
                if value >= SMALL_COUNT:
                    totals[key] += value
        result[kind] = totals
    return result


def protected_cells(*, user, filters: DashboardFilters) -> dict[str, dict]:
    """The cells of the sexual-violence figures, in one query (a UNION ALL over the report types):
    ``{kind: {(base, territory, month): {"n": …, "women": …, …}}}``, where ``kind`` is a protected
    category (its alerts, logged or submitted, and the people at risk) or ``mentions`` (submitted
    reports holding a concern or threat of one). Reports reaching several bases at once (JPT
    missions) fit in no cell, so no sexual-violence figure counts them. Only the protected rows
    are read: the meetings through the concerns' category, not the meeting table's rows."""
    protected = sorted(PROTECTED_THREAT_CATEGORIES)
    parts = []
    kind: F | Value
    sums: dict[str, Expression]
    for report_type in dashboard_types(filters):
        if not report_type.threat_path or report_type.has_multi_valued_paths:
            continue
        if report_type.counts_people_at_risk:
            qs = dashboard_reports(user=user, report_type=report_type, filters=filters, include_drafts=True).filter(
                **{f"{report_type.threat_path}__in": protected}
            )
            kind = F(report_type.threat_path)
            sums = {name: Coalesce(Sum(name), 0) for name in SADD_TOTALS}
        else:
            qs = dashboard_reports(user=user, report_type=report_type, filters=filters).filter(
                pk__in=_mentioning(report_type, protected)
            )
            kind = Value("mentions", output_field=CharField())
            sums = {name: Value(0, output_field=IntegerField()) for name in SADD_TOTALS}
        parts.append(
            qs.annotate(
                kind=kind,
                cell_base=path_or_null(report_type.base_path),
                cell_territory=path_or_null(report_type.territory_path),
                cell_month=Cast(TruncMonth(report_type.date_field), DateField()),
            )
            .values("kind", "cell_base", "cell_territory", "cell_month")
            .annotate(n=Count("pk"), **sums)
            .order_by()
        )
    cells: dict[str, dict] = {}
    if not parts:
        return cells
    union = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    for row in union:
        month = row["cell_month"]
        if isinstance(month, datetime.datetime):
            month = month.date()
        key = (row["cell_base"], row["cell_territory"], month)
        cell = cells.setdefault(str(row["kind"]), {}).setdefault(key, {"n": 0, **dict.fromkeys(SADD_TOTALS, 0)})
        for name in ("n", *SADD_TOTALS):
            cell[name] += row[name]
    return cells


def _mentioning(report_type: ReportType, categories: Sequence[str]) -> QuerySet:
    """The ids of the reports holding a child of one of ``categories`` (a meeting's concern), read
    from the children's table alone when the threat path is one reverse foreign key."""
    from django.core.exceptions import FieldDoesNotExist

    relation, _, rest = (report_type.threat_path or "").partition("__")
    try:
        field_ = report_type.model._meta.get_field(relation)
    except FieldDoesNotExist:
        field_ = None
    if isinstance(field_, ForeignObjectRel) and field_.one_to_many and rest and "__" not in rest:
        # The children's model: a reverse relation's related model is the model of its foreign key.
        return field_.field.model._default_manager.filter(**{f"{rest}__in": categories}).values(field_.field.attname)
    return report_type.model._default_manager.filter(**{f"{report_type.threat_path}__in": categories}).values("pk")
