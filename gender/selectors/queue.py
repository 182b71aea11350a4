"""The gender office's queue: submitted reports of every registered type, oldest first."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import CharField, QuerySet, Value
from django.utils import timezone

from monusco.scope import scope_for

from ..models import ReviewStatus
from ..registry import ReportType, reports
from .reports import date_expr, each_once, path_or_null

WAITING_DAYS = 7


@dataclass
class QueueFilters:
    report_type: str = ""
    base_id: int | None = None
    territory_id: int | None = None
    min_days: int | None = None


def _queue_part(*, user, report_type: ReportType, filters: QueueFilters, now) -> QuerySet:
    qs = scope_for(user).filter(
        report_type.model._default_manager.filter(review_status=ReviewStatus.SUBMITTED),
        base=report_type.base_path,
        territory=report_type.territory_path,
        province=report_type.province_path,
    )
    if filters.base_id is not None:
        qs = qs.filter(**{report_type.base_path: filters.base_id}) if report_type.base_path else qs.none()
    if filters.territory_id is not None:
        qs = (
            qs.filter(**{report_type.territory_path: filters.territory_id}) if report_type.territory_path else qs.none()
        )
    if filters.min_days:
        qs = qs.filter(submitted_at__lte=now - datetime.timedelta(days=filters.min_days))
    qs = each_once(report_type, qs)
    base_path = None if report_type.is_multi_valued(report_type.base_path) else report_type.base_path
    return (
        qs.annotate(
            kind=Value(report_type.slug, output_field=CharField()),
            report_date=date_expr(report_type),
            base_ref=path_or_null(base_path),
        )
        .values("uid", "submitted_at", "review_round", "kind", "report_date", "base_ref")
        .order_by()
    )


def review_queue(*, user, filters: QueueFilters, limit: int = 100) -> dict:
    """Submitted reports of every registered type, oldest first, in the user's scope.

    Three queries in all (plus one per type shown): the rows, the counts, and each type's titles.
    """
    now = timezone.now()
    types = [rt for rt in reports.all() if not filters.report_type or rt.slug == filters.report_type]
    parts = [_queue_part(user=user, report_type=rt, filters=filters, now=now) for rt in types]
    if not parts:
        return {"rows": [], "total": 0, "overdue": 0}
    union = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    rows = list(union.order_by("submitted_at", "uid")[:limit])
    # Both counts in one query over the same union.
    overdue_cut = now - datetime.timedelta(days=WAITING_DAYS)
    totals = _union_counts(union, overdue_cut)
    by_type: dict[str, list] = {}
    for row in rows:
        by_type.setdefault(row["kind"], []).append(row["uid"])
    objects = {}
    for slug, uids in by_type.items():
        # A registered model is a Report with a uid (BaseModel), which type[Model] cannot say.
        model: type[Any] = reports.get(slug).model
        for obj in model._default_manager.filter(uid__in=uids).select_related():
            objects[obj.uid] = obj
    for row in rows:
        report_type = reports.get(row["kind"])
        row["report_type"] = report_type
        row["report"] = objects.get(row["uid"])
        row["days_waiting"] = (now - row["submitted_at"]).days
        row["overdue"] = row["submitted_at"] <= overdue_cut
    return {"rows": rows, "total": totals[0], "overdue": totals[1]}


def _union_counts(union: QuerySet, overdue_cut) -> tuple[int, int]:
    sql, params = union.order_by().query.sql_with_params()
    cut = connection.ops.adapt_datetimefield_value(overdue_cut)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*), COALESCE(SUM(CASE WHEN q.submitted_at <= %s THEN 1 ELSE 0 END), 0) FROM ({sql}) q",
            (cut, *params),
        )
        total, overdue = cursor.fetchone()
    return int(total), int(overdue)
