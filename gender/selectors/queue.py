"""The gender office's queue: submitted reports of every registered type, oldest first."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import connection
from django.db.models import CharField, QuerySet, Value
from django.utils import timezone

from monusco.choices import PROTECTED_THREAT_CATEGORIES
from monusco.scope import scope_for

from ..models import ReviewStatus
from ..registry import NEED_TO_KNOW_PERMISSION, ReportType, reports
from .reports import date_expr, each_once, path_or_null

WAITING_DAYS = 7
PAGE_SIZE = 25


@dataclass
class QueueFilters:
    report_type: str = ""
    base_id: int | None = None
    territory_id: int | None = None
    min_days: int | None = None
    page: int = 1


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


def review_queue(*, user, filters: QueueFilters, page_size: int = PAGE_SIZE) -> dict:
    """Submitted reports of every registered type, oldest first, in the user's scope, one page
    of ``page_size`` at a time (a page past the last shows the last). Each row carries what tells
    it apart: the report's date, its place and its threat categories (``_describe``).

    Three queries in all (plus one or two per type shown): the counts, the rows, and each type's
    reports with their place and threats.
    """
    now = timezone.now()
    types = [rt for rt in reports.all() if not filters.report_type or rt.slug == filters.report_type]
    parts = [_queue_part(user=user, report_type=rt, filters=filters, now=now) for rt in types]
    if not parts:
        return {"rows": [], "total": 0, "overdue": 0, "page": 1, "pages": 1}
    union = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    # Both counts in one query over the same union.
    overdue_cut = now - datetime.timedelta(days=WAITING_DAYS)
    total, overdue = _union_counts(union, overdue_cut)
    pages = max(1, -(-total // page_size))
    page = min(max(filters.page, 1), pages)
    rows = list(union.order_by("submitted_at", "uid")[(page - 1) * page_size : page * page_size])
    objects = _reports_of(rows)
    need_to_know = user.is_superuser or user.has_perm(NEED_TO_KNOW_PERMISSION)
    for row in rows:
        report_type = reports.get(row["kind"])
        row["report_type"] = report_type
        row["report"] = objects.get(row["uid"])
        row.update(_describe(report_type, row["report"], need_to_know=need_to_know))
        row["days_waiting"] = (now - row["submitted_at"]).days
        row["overdue"] = row["submitted_at"] <= overdue_cut
    return {"rows": rows, "total": total, "overdue": overdue, "page": page, "pages": pages}


def _relation(model, name: str):
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _place_fields(report_type: ReportType) -> list[str]:
    """Where a report took place, the first known of: its ``locality``, its ``localities``, its base."""
    base = (report_type.base_path or "").split("__")[0].removesuffix("_id")
    return [name for name in ("locality", "localities", base) if name and _relation(report_type.model, name)]


def _threat_relation(report_type: ReportType) -> tuple[str, str] | None:
    """(relation, field) when the threat categories are on child rows (a meeting's concerns)."""
    relation, _sep, name = (report_type.threat_path or "").partition("__")
    return (relation, name) if name and "__" not in name else None


def _reports_of(rows: list[dict]) -> dict:
    """The reports of the rows by uid, with their place and threat rows loaded: one query per
    type, and one more for each to-many relation read."""
    by_type: dict[str, list] = {}
    for row in rows:
        by_type.setdefault(row["kind"], []).append(row["uid"])
    objects = {}
    for slug, uids in by_type.items():
        report_type = reports.get(slug)
        # A registered model is a Report with a uid (BaseModel), which type[Model] cannot say.
        model: type[Any] = report_type.model
        qs = model._default_manager.filter(uid__in=uids).select_related()
        for place in _place_fields(report_type):
            many = _relation(model, place).many_to_many
            qs = qs.prefetch_related(place) if many else qs.select_related(place)
        threats = _threat_relation(report_type)
        if threats:
            qs = qs.prefetch_related(threats[0])
        for obj in qs:
            objects[obj.uid] = obj
    return objects


def _place_of(report_type: ReportType, report) -> str:
    for name in _place_fields(report_type):
        value = getattr(report, name, None)
        many = value is not None and hasattr(value, "all")
        place = ", ".join(str(item) for item in value.all()) if many else str(value or "")  # type: ignore[union-attr]
        if place:
            return place
    return ""


def _threat_labels(report_type: ReportType, report, *, need_to_know: bool) -> list[str]:
    """The report's threat categories as labels, each once, in order; a protected category only
    to need-to-know roles."""
    relation = _threat_relation(report_type)
    if relation:
        rows = [(getattr(row, relation[1]), row, relation[1]) for row in getattr(report, relation[0]).all()]
    elif report_type.threat_path:
        rows = [(getattr(report, report_type.threat_path, ""), report, report_type.threat_path)]
    else:
        rows = []
    labels = [
        str(getattr(obj, f"get_{name}_display", str)())
        for value, obj, name in rows
        if need_to_know or value not in PROTECTED_THREAT_CATEGORIES
    ]
    return list(dict.fromkeys(label for label in labels if label))


def _describe(report_type: ReportType, report, *, need_to_know: bool) -> dict:
    """``place`` and ``threats`` (labels, each once, in order) of a report in the queue."""
    if report is None:
        return {"place": "", "threats": []}
    threats = _threat_labels(report_type, report, need_to_know=need_to_know)
    return {"place": _place_of(report_type, report), "threats": threats}


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
