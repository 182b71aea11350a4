"""The reports of each registered type in the user's scope, as the review page, the queue and the
dashboard read them, reached through the lookup paths each type gave at registration."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import BigIntegerField, DateField, DateTimeField, F, QuerySet, Value
from django.db.models.functions import Cast, TruncDate

from monusco.scope import scope_for

from ..models import ReviewStatus
from ..registry import ReportType, reports
from ..sadd import SEX_FIELDS

# The four totals of the sex/age disaggregation, summed by the dashboard.
SADD_TOTALS = SEX_FIELDS


def each_once(report_type: ReportType, qs: QuerySet) -> QuerySet:
    """Filters through to-many paths (a JPT mission's bases) can repeat a report: filter by
    ``pk IN (subquery)`` instead, so every report counts once."""
    if report_type.has_multi_valued_paths and qs.query.where:
        return report_type.model._default_manager.filter(pk__in=qs.values("pk"))
    return qs


def report_queryset(*, user, report_type: ReportType) -> QuerySet:
    """Every report of one type in the user's scope (each report once)."""
    return each_once(
        report_type,
        scope_for(user).filter(
            report_type.model._default_manager.all(),
            base=report_type.base_path,
            territory=report_type.territory_path,
            province=report_type.province_path,
        ),
    )


def date_expr(report_type: ReportType):
    """The date a report is about, as a date (a datetime field is cut to its day)."""
    field_ = report_type.model._meta.get_field(report_type.date_field)
    if isinstance(field_, DateTimeField):
        return TruncDate(report_type.date_field)
    return Cast(F(report_type.date_field), DateField())


def path_or_null(path: str | None):
    """The id at ``path``, or NULL for a type that cannot be reached that way (so the parts of a
    UNION over the types have the same columns)."""
    return Cast(F(path), BigIntegerField()) if path else Value(None, output_field=BigIntegerField())


@dataclass
class DashboardFilters:
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    province_id: int | None = None
    territory_id: int | None = None
    base_id: int | None = None
    report_type: str = ""


def dashboard_types(filters: DashboardFilters) -> list[ReportType]:
    return [rt for rt in reports.all() if not filters.report_type or rt.slug == filters.report_type]


def dashboard_reports(
    *, user, report_type: ReportType, filters: DashboardFilters, include_drafts: bool = False
) -> QuerySet:
    """The reports of one type matching the filters, in the user's scope: submitted ones only
    (not drafts) unless ``include_drafts`` (an alert counts as an alert before any review)."""
    base_qs = report_type.model._default_manager.all()
    if not include_drafts:
        base_qs = base_qs.exclude(review_status=ReviewStatus.DRAFT)
    qs = scope_for(user).filter(
        base_qs,
        base=report_type.base_path,
        territory=report_type.territory_path,
        province=report_type.province_path,
    )
    if filters.date_from:
        qs = qs.filter(**{f"{report_type.date_field}__gte": filters.date_from})
    if filters.date_to:
        qs = qs.filter(**{f"{report_type.date_field}__lte": filters.date_to})
    for wanted, path in (
        (filters.province_id, report_type.province_path),
        (filters.territory_id, report_type.territory_path),
        (filters.base_id, report_type.base_path),
    ):
        if wanted is not None:
            qs = qs.filter(**{path: wanted}) if path else qs.none()
    return each_once(report_type, qs)
