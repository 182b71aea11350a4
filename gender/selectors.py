"""Scoped reads for the gender app: the review queue, the report under review, and the dashboard.

Every figure is aggregated in the database. The number of queries depends on the number of
registered report types (a handful), never on the number of rows.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import (
    Count,
    DateField,
    DateTimeField,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, TruncDate, TruncMonth
from django.db.models.lookups import Lookup
from django.utils import timezone

from monusco.choices import PROTECTED_THREAT_CATEGORIES, ThreatCategory
from monusco.redaction import spreadsheet_safe
from monusco.scope import scope_for

from .models import Review, ReviewChecklist, ReviewStatus
from .registry import ReportType, reports

WAITING_DAYS = 7
SMALL_COUNT = 5
NEED_TO_KNOW = "gender.view_sexual_violence_detail"


# --- Who sees records of a protected threat category ----------------------------------------
#
# A record of a protected category (a sexual-violence alert, concern, threat or finding) appears
# as a record only to the base that handles it and to need-to-know roles; everyone else, and every
# API client, sees it only inside the dashboard's suppressed aggregates. One rule, used by the
# pages, the admin and every API list and format.


def may_see_protected(*, user, base_ids) -> bool:
    """Whether ``user`` may see one protected record handled by any of ``base_ids``."""
    if not user.is_authenticated:
        return False
    own = scope_for(user).base_ids
    return any(base_id in own for base_id in base_ids) or user.has_perm(NEED_TO_KNOW)


def protected_visible_q(*, user, category: str, base: str | None, for_client: bool = False) -> Q:
    """The rows ``user`` may see, for rows whose threat category is at ``category`` and whose base
    is at ``base`` (lookup paths): every row of another category, and protected ones only of the
    user's own bases, or all of them for need-to-know roles. API clients (``for_client``) see no
    protected row at all."""
    protected = Q(**{f"{category}__in": sorted(PROTECTED_THREAT_CATEGORIES)})
    if for_client or not user.is_authenticated:
        return ~protected
    if user.has_perm(NEED_TO_KNOW):
        return Q()
    own = sorted(scope_for(user).base_ids)
    if base and own:
        return ~protected | Q(**{f"{base}__in": own})
    return ~protected


def review_history(*, report) -> QuerySet[Review]:
    """Every review round of a report, oldest first, with answers and items loaded. The caller has
    already fetched ``report`` within the user's scope."""
    return (
        Review.objects.filter(content_type=ContentType.objects.get_for_model(report), object_id=report.pk)
        .select_related("reviewer", "checklist")
        .prefetch_related("answers__item")
        .order_by("round")
    )


def review_rounds(*, report, language: str) -> list[Review]:
    """``review_history`` for a report's own page: each round carries ``items``, its checklist
    answers as (item text in ``language``, answer, comment)."""
    reviews = list(review_history(report=report))
    for review in reviews:
        review.items = [(a.item.text_for(language), a.get_answer_display(), a.comment) for a in review.answers.all()]
    return reviews


def _distinct(report_type: ReportType, qs: QuerySet) -> QuerySet:
    """Filters through to-many paths (a JPT mission's bases) can repeat a report: filter by
    ``pk IN (subquery)`` instead, so every report counts once."""
    if report_type.has_multi_valued_paths and qs.query.where:
        return report_type.model.objects.filter(pk__in=qs.values("pk"))
    return qs


def report_queryset(*, user, report_type: ReportType) -> QuerySet:
    """Every report of one type in the user's scope (each report once)."""
    return _distinct(
        report_type,
        scope_for(user).filter(
            report_type.model.objects.all(),
            base=report_type.base_path,
            territory=report_type.territory_path,
            province=report_type.province_path,
        ),
    )


def active_checklist(*, report_type: str) -> ReviewChecklist | None:
    return ReviewChecklist.objects.filter(report_type=report_type, is_active=True).prefetch_related("items").first()


def review_changes(*, report, history: list[Review]) -> list[dict]:
    """What changed in the report since the previous round: ``label``, ``before``, ``after``."""
    from .services import report_snapshot

    if not history:
        return []
    before = history[-1].report_snapshot or {}
    now = report_snapshot(report)
    changes = []
    for name, after in now.items():
        if name in before and before[name] != after:
            label = str(report._meta.get_field(name).verbose_name)
            changes.append(
                {
                    "field": name,
                    "label": label,
                    "before": before[name],
                    "after": after,
                    "before_shown": field_display(report, name, before[name]),
                    "after_shown": field_display(report, name, after),
                }
            )
    return changes


def shows_phone_numbers(*, user, report_type: ReportType, report) -> bool:
    """Whether phone numbers typed in a report's text (an SMS asking to be called back) show in
    clear to ``user``: only to users of the report's own base, as the sender's number; everyone
    else, the gender office included, reads them masked (``monusco.redaction``)."""
    path = report_type.base_path
    if not path or "__" in path:
        return False
    base_id = getattr(report, path, None)
    return base_id is not None and base_id in scope_for(user).base_ids


def field_display(report, name: str, raw: str) -> str:
    """A snapshot value as people read it: choice labels, yes/no."""
    from django.db.models import BooleanField
    from django.utils.translation import gettext

    field_ = report._meta.get_field(name)
    if field_.choices:
        return str(dict(field_.flatchoices).get(raw, raw))
    if isinstance(field_, BooleanField):
        return {"True": gettext("Yes"), "False": gettext("No")}.get(raw, raw)
    return raw


# --- The queue ------------------------------------------------------------------------------


def _date_expr(report_type: ReportType):
    field_ = report_type.model._meta.get_field(report_type.date_field)
    if isinstance(field_, DateTimeField):
        return TruncDate(report_type.date_field)
    return Cast(F(report_type.date_field), DateField())


def _path_or_null(path: str | None):
    from django.db.models import BigIntegerField

    return Cast(F(path), BigIntegerField()) if path else Value(None, output_field=BigIntegerField())


@dataclass
class QueueFilters:
    report_type: str = ""
    base_id: int | None = None
    territory_id: int | None = None
    min_days: int | None = None


def _queue_part(*, user, report_type: ReportType, filters: QueueFilters, now) -> QuerySet:
    from django.db.models import CharField

    qs = scope_for(user).filter(
        report_type.model.objects.filter(review_status=ReviewStatus.SUBMITTED),
        base=report_type.base_path,
        territory=report_type.territory_path,
        province=report_type.province_path,
    )
    if filters.base_id is not None:
        qs = qs.filter(**{report_type.base_path: filters.base_id}) if report_type.base_path else qs.none()
    if filters.territory_id is not None:
        qs = (
            qs.filter(**{report_type.territory_path: filters.territory_id})
            if report_type.territory_path
            else qs.none()
        )
    if filters.min_days:
        qs = qs.filter(submitted_at__lte=now - datetime.timedelta(days=filters.min_days))
    qs = _distinct(report_type, qs)
    base_path = None if report_type.is_multi_valued(report_type.base_path) else report_type.base_path
    return qs.annotate(
        kind=Value(report_type.slug, output_field=CharField()),
        report_date=_date_expr(report_type),
        base_ref=_path_or_null(base_path),
    ).values("uid", "submitted_at", "review_round", "kind", "report_date", "base_ref").order_by()


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
        model = reports.get(slug).model
        for obj in model.objects.filter(uid__in=uids).select_related():
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
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN q.submitted_at <= %s THEN 1 ELSE 0 END), 0) "
            f"FROM ({sql}) q",
            (cut, *params),
        )
        total, overdue = cursor.fetchone()
    return int(total), int(overdue)


# --- The dashboard --------------------------------------------------------------------------


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
    base_qs = report_type.model.objects.all()
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
    return _distinct(report_type, qs)


class Median(Func):
    """PERCENTILE_CONT(0.5) on PostgreSQL. Other databases use ``_median_portable``."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()
    contains_aggregate = True
    window_compatible = False


def _median(qs: QuerySet, column: str) -> float | None:
    """The median of ``column`` over ``qs``, in one query, in the database."""
    qs = qs.filter(**{f"{column}__isnull": False})
    if connection.vendor == "postgresql":
        return qs.aggregate(median=Median(F(column)))["median"]
    sql, params = qs.order_by().values(column).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT AVG(v) FROM (SELECT s.{column} AS v, ROW_NUMBER() OVER (ORDER BY s.{column}) AS rn, "
            f"COUNT(*) OVER () AS c FROM ({sql}) s) t WHERE rn IN ((c + 1) / 2, (c + 2) / 2)",
            params,
        )
        (value,) = cursor.fetchone()
    return None if value is None else float(value)


def _ratio(part, whole) -> float | None:
    return None if not whole else part / whole


def suppress(count: int | None) -> str:
    """Small counts of protected data are shown as "<5"."""
    count = count or 0
    return "<5" if count < SMALL_COUNT else str(count)


@dataclass
class Dashboard:
    reports: int = 0
    reviewed: int = 0
    returned: int = 0
    waiting: int = 0
    median_days: float | None = None
    participants: dict = field(default_factory=lambda: {"women": 0, "men": 0, "girls": 0, "boys": 0})
    meetings: int = 0
    meetings_no_women: int = 0
    meetings_separate: int = 0
    by_type: list = field(default_factory=list)
    checklist: list = field(default_factory=list)
    threats: list = field(default_factory=list)
    sexual_violence: dict = field(default_factory=dict)
    months: list = field(default_factory=list)

    @property
    def share_reviewed(self) -> float | None:
        return _ratio(self.reviewed, self.reports)

    @property
    def share_returned(self) -> float | None:
        return _ratio(self.returned, self.reviewed)

    @property
    def participants_total(self) -> int:
        return sum(self.participants.values())

    @property
    def women_share(self) -> float | None:
        return _ratio(self.participants["women"], self.participants_total)

    @property
    def women_and_girls_share(self) -> float | None:
        return _ratio(self.participants["women"] + self.participants["girls"], self.participants_total)


_SADD = ("women", "men", "girls", "boys")


def gender_dashboard(*, user, filters: DashboardFilters) -> Dashboard:
    """Every indicator of the gender dashboard for the user's scope and the filters.

    Records of a protected threat category (sexual-violence alerts, and their reviews) are left out
    of every figure but the sexual-violence ones, which are built from base-month cells and
    suppressed cell by cell (see ``_protected_figures``): so no subtraction between figures,
    filters or the records an API client may list can reveal a count under 5."""
    result = Dashboard()
    review_filter = Q(pk__in=[])
    months: dict[datetime.date, dict] = {}
    threats: dict[str, dict] = {}
    for report_type in dashboard_types(filters):
        qs = dashboard_reports(user=user, report_type=report_type, filters=filters)
        row = _type_figures(user=user, report_type=report_type, filters=filters, months=months, threats=threats)
        for key in ("reports", "reviewed", "returned", "waiting"):
            setattr(result, key, getattr(result, key) + row[key])
        if report_type.counts_participants:
            result.meetings += row["reports"]
            result.meetings_no_women += row["no_women"]
            result.meetings_separate += row["separate"]
            for name in _SADD:
                result.participants[name] += row[name]
        result.by_type.append(
            {
                "slug": report_type.slug,
                "label": report_type.label,
                "reports": row["reports"],
                "reviewed": row["reviewed"],
                "returned": row["returned"],
                "waiting": row["waiting"],
                "share_reviewed": _ratio(row["reviewed"], row["reports"]),
                "share_returned": _ratio(row["returned"], row["reviewed"]),
            }
        )
        review_filter |= _review_q(user=user, report_type=report_type, filters=filters, reports_qs=qs)

    reviews = Review.objects.filter(review_filter)
    median = _median(reviews, "days_to_review")
    result.median_days = None if median is None else round(median, 1)
    result.checklist = _checklist_rates(reviews, [rt.slug for rt in dashboard_types(filters)])
    result.months = [
        {**bucket, "women_share": _ratio(bucket["women"], bucket["people"])}
        for _month, bucket in sorted(months.items())
    ]
    protected = _protected_figures(_protected_cells(user=user, filters=filters), filters)
    if any(rt.counts_people_at_risk for rt in dashboard_types(filters)):
        # Always listed, even with no alert: a row that appeared with the first one would tell.
        for category in PROTECTED_THREAT_CATEGORIES:
            threats[str(category)] = protected[str(category)]
    labels = dict(ThreatCategory.choices)
    for category, bucket in sorted(threats.items(), key=lambda item: (-item[1]["n"], item[0] or "")):
        is_protected = category in PROTECTED_THREAT_CATEGORIES
        result.threats.append(
            {
                "category": category,
                "label": labels.get(category, category),
                "protected": is_protected,
                **{key: suppress(value) if is_protected else value for key, value in bucket.items()},
            }
        )
    sv = protected[ThreatCategory.SEXUAL_VIOLENCE.value]
    result.sexual_violence = {
        "alerts": suppress(sv["n"]),
        **{name: suppress(sv[name]) for name in _SADD},
        "reports_mentioning": suppress(protected["mentions"]["n"]),
    }
    return result


def _month_end(month: datetime.date) -> datetime.date:
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(days=1)


def _protected_figures(cells: dict[str, dict], filters: DashboardFilters) -> dict[str, dict]:
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
        totals = {"n": 0, **dict.fromkeys(_SADD, 0)}
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


def _type_figures(*, user, report_type: ReportType, filters: DashboardFilters, months: dict, threats: dict) -> dict:
    """One query for one report type: every count, sum and the trends, grouped by month (and by
    threat category for alerts) in the database. The caller adds the few groups up. Alerts of a
    protected category are left out (``_protected_cells`` counts them)."""
    at_risk = report_type.counts_people_at_risk
    # Alerts count in "alerts by threat" from the moment they are logged; the review figures
    # count submitted reports only.
    qs = dashboard_reports(user=user, report_type=report_type, filters=filters, include_drafts=at_risk)
    submitted = ~Q(review_status=ReviewStatus.DRAFT) if at_risk else None

    def count(condition=None):
        combined = condition if submitted is None else (submitted if condition is None else submitted & condition)
        return Count("pk", filter=combined) if combined is not None else Count("pk")

    def total(name):
        return Coalesce(Sum(name, filter=submitted), 0) if submitted is not None else Coalesce(Sum(name), 0)

    returned_ids = Review.objects.filter(report_type=report_type.slug, decision=Review.Decision.RETURNED).values(
        "object_id"
    )
    aggregates = {
        "reports": count(),
        "reviewed": count(Q(reviewed_at__isnull=False)),
        "returned": count(Q(pk__in=returned_ids)),
        "waiting": count(Q(review_status=ReviewStatus.SUBMITTED)),
        **{f"{name}_n": total(name) for name in _SADD},
        "no_women": count(Q(women=0)),
    }
    if report_type.consultation_field:
        aggregates["separate"] = count(Q(**{report_type.consultation_field: True}))
    groups = {"month": TruncMonth(report_type.date_field)}
    if at_risk:
        qs = qs.exclude(**{f"{report_type.threat_path}__in": sorted(PROTECTED_THREAT_CATEGORIES)})
        groups["category"] = F(report_type.threat_path)
        aggregates.update({"all_n": Count("pk"), **{f"all_{name}": Coalesce(Sum(name), 0) for name in _SADD}})
    figures = dict.fromkeys(("reports", "reviewed", "returned", "waiting", "no_women", "separate", *_SADD), 0)
    for row in qs.annotate(**groups).values(*groups).annotate(**aggregates).order_by():
        for name in _SADD:
            row[name] = row.pop(f"{name}_n")
        for key in figures:
            figures[key] += row.get(key, 0)
        month = row["month"]
        if isinstance(month, datetime.datetime):
            month = month.date()
        bucket = months.setdefault(month, {"month": month, "reports": 0, "reviewed": 0, "women": 0, "people": 0})
        bucket["reports"] += row["reports"]
        bucket["reviewed"] += row["reviewed"]
        if report_type.counts_participants:
            bucket["women"] += row["women"]
            bucket["people"] += sum(row[name] for name in _SADD)
        if at_risk:
            threat = threats.setdefault(row["category"], {"n": 0, **dict.fromkeys(_SADD, 0)})
            threat["n"] += row["all_n"]
            for name in _SADD:
                threat[name] += row[f"all_{name}"]
    return figures


def _protected_cells(*, user, filters: DashboardFilters) -> dict[str, dict]:
    """The cells of the sexual-violence figures, in one query (a UNION ALL over the report types):
    ``{kind: {(base, territory, month): {"n": …, "women": …, …}}}``, where ``kind`` is a protected
    category (its alerts, logged or submitted, and the people at risk) or ``mentions`` (submitted
    reports holding a concern or threat of one). Reports reaching several bases at once (JPT
    missions) fit in no cell, so no sexual-violence figure counts them. Only the protected rows
    are read: the meetings through the concerns' category, not the meeting table's rows."""
    from django.db.models import CharField, IntegerField

    protected = sorted(PROTECTED_THREAT_CATEGORIES)
    parts = []
    for report_type in dashboard_types(filters):
        if not report_type.threat_path or report_type.has_multi_valued_paths:
            continue
        if report_type.counts_people_at_risk:
            qs = dashboard_reports(user=user, report_type=report_type, filters=filters, include_drafts=True).filter(
                **{f"{report_type.threat_path}__in": protected}
            )
            kind = F(report_type.threat_path)
            sums = {name: Coalesce(Sum(name), 0) for name in _SADD}
        else:
            qs = dashboard_reports(user=user, report_type=report_type, filters=filters).filter(
                pk__in=_mentioning(report_type, protected)
            )
            kind = Value("mentions", output_field=CharField())
            sums = {name: Value(0, output_field=IntegerField()) for name in _SADD}
        parts.append(
            qs.annotate(
                kind=kind,
                cell_base=_path_or_null(report_type.base_path),
                cell_territory=_path_or_null(report_type.territory_path),
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
        cell = cells.setdefault(str(row["kind"]), {}).setdefault(key, {"n": 0, **dict.fromkeys(_SADD, 0)})
        for name in ("n", *_SADD):
            cell[name] += row[name]
    return cells


def _mentioning(report_type: ReportType, categories: list[str]) -> QuerySet:
    """The ids of the reports holding a child of one of ``categories`` (a meeting's concern), read
    from the children's table alone when the threat path is one reverse foreign key."""
    from django.core.exceptions import FieldDoesNotExist

    relation, _, rest = report_type.threat_path.partition("__")
    try:
        field_ = report_type.model._meta.get_field(relation)
    except FieldDoesNotExist:
        field_ = None
    if field_ is not None and field_.one_to_many and rest and "__" not in rest:
        return field_.related_model.objects.filter(**{f"{rest}__in": categories}).values(field_.field.attname)
    return report_type.model.objects.filter(**{f"{report_type.threat_path}__in": categories}).values("pk")


def _review_q(*, user, report_type: ReportType, filters: DashboardFilters, reports_qs: QuerySet) -> Q:
    """The reviews of the reports the dashboard counts, read from the copies on each review (no
    join to the report table), or through the report table for to-many paths (JPT missions)."""
    if report_type.has_multi_valued_paths:
        return Q(report_type=report_type.slug, object_id__in=reports_qs.values("pk"))
    if report_type.counts_people_at_risk:
        # Reviews of sexual-violence alerts stay out of the review figures, as the alerts do.
        protected = report_type.model.objects.filter(
            **{f"{report_type.threat_path}__in": sorted(PROTECTED_THREAT_CATEGORIES)}
        ).values("pk")
        return _review_q_by_copies(user=user, report_type=report_type, filters=filters) & ~Q(object_id__in=protected)
    return _review_q_by_copies(user=user, report_type=report_type, filters=filters)


def _review_q_by_copies(*, user, report_type: ReportType, filters: DashboardFilters) -> Q:
    columns = {
        "report_base_id": report_type.base_path,
        "report_territory_id": report_type.territory_path,
        "report_province_id": report_type.province_path,
    }
    q = Q(report_type=report_type.slug) & scope_for(user).q(
        base="report_base_id" if columns["report_base_id"] else None,
        territory="report_territory_id" if columns["report_territory_id"] else None,
        province="report_province_id" if columns["report_province_id"] else None,
    )
    if filters.date_from:
        q &= Q(report_date__gte=filters.date_from)
    if filters.date_to:
        q &= Q(report_date__lte=filters.date_to)
    for wanted, column in (
        (filters.province_id, "report_province_id"),
        (filters.territory_id, "report_territory_id"),
        (filters.base_id, "report_base_id"),
    ):
        if wanted is not None:
            q &= Q(**{column: wanted}) if columns[column] else Q(pk__in=[])
    return q


class _Like(Lookup):
    """``lhs LIKE pattern``: "_y%" finds the letter y in second place. Faster than SUBSTR."""

    lookup_name = "like"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} LIKE {rhs}", [*lhs_params, *rhs_params]


def _checklist_rates(reviews: QuerySet, slugs: list[str]) -> list[dict]:
    """Per checklist item: yes / partly / no / n.a. counts and the pass rate (yes over answered).

    Two queries: the items of the checklists, then one pass over the reviews counting the letter
    each item has in ``answer_codes``, grouped by checklist version."""
    from .models import ChecklistItem

    items: dict[int, list] = {}
    for item in ChecklistItem.objects.filter(checklist__report_type__in=slugs).select_related("checklist").order_by(
        "checklist__report_type", "checklist__version", "position"
    ):
        items.setdefault(item.checklist_id, []).append(item)
    width = max((len(group) for group in items.values()), default=0)
    if not width:
        return []
    letters = {"yes": "y", "partly": "p", "no": "n"}  # n.a. is what is left
    counts = {
        f"c{i}_{answer}": Count("pk", filter=_Like(F("answer_codes"), Value("_" * (i - 1) + letter + "%")))
        for i in range(1, width + 1)
        for answer, letter in letters.items()
    }
    rows = {
        row["checklist_id"]: row
        for row in reviews.values("checklist_id").annotate(reviews_n=Count("pk"), **counts).order_by()
    }
    result = []
    for checklist_id, group in items.items():
        row = rows.get(checklist_id)
        if row is None:
            continue
        for i, item in enumerate(group, start=1):
            tally = {answer: row[f"c{i}_{answer}"] for answer in letters}
            answered = tally["yes"] + tally["partly"] + tally["no"]
            tally["na"] = row["reviews_n"] - answered
            result.append(
                {
                    "item_id": item.pk,
                    "report_type": item.checklist.report_type,
                    "version": item.checklist.version,
                    "position": item.position,
                    "measure": item.measure,
                    "texts": {"fr": item.text_fr, "sw": item.text_sw, "en": item.text_en},
                    **tally,
                    "pass_rate": _ratio(tally["yes"], answered),
                }
            )
    return result


def returned_to_author(*, user) -> list[dict]:
    """The user's own reports that the gender office returned, with the reviewer's last comment."""
    rows = []
    for report_type in reports.all():
        if not report_type.author_field:
            continue
        last_comment = (
            Review.objects.filter(report_type=report_type.slug, object_id=OuterRef("pk"))
            .order_by("-round")
            .values("comment")[:1]
        )
        from django.db.models import Subquery

        qs = (
            report_type.model.objects.filter(
                **{report_type.author_field: user}, review_status=ReviewStatus.RETURNED
            )
            .annotate(last_comment=Subquery(last_comment))
            .select_related()
            .order_by("reviewed_at")[:20]
        )
        rows.extend({"report_type": report_type, "report": report, "comment": report.last_comment} for report in qs)
    return rows


# --- Filter choices -------------------------------------------------------------------------


def province_choices(*, user) -> QuerySet:
    from monusco.models import Province

    return scope_for(user).filter(Province.objects.order_by("name"), province="pk", territory="territories__id").distinct()


def territory_choices(*, user) -> QuerySet:
    from monusco.models import Territory

    return scope_for(user).filter(
        Territory.objects.select_related("province").order_by("province__name", "name"), territory="pk", province="province_id"
    )


def base_choices(*, user) -> QuerySet | None:
    """The operating bases in the user's scope, found through the registered report types."""
    base_model = next((rt.base_model for rt in reports.all() if rt.base_model is not None), None)
    if base_model is None:
        return None
    names = {f.name for f in base_model._meta.get_fields()}
    qs = base_model.objects.order_by("name" if "name" in names else "pk")
    if "locality" in names:
        return scope_for(user).filter(
            qs, base="pk", territory="locality__territory_id", province="locality__territory__province_id"
        )
    return scope_for(user).filter(qs, base="pk")


def _fmt(value) -> str:
    """A CSV cell: numbers as numbers, text made safe for spreadsheets (no cell runs as a formula)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, int):
        return str(value)
    return spreadsheet_safe(str(value))


def dashboard_rows(data: Dashboard) -> list[list[str]]:
    """The dashboard's indicators as rows ``section, indicator, key, value`` for the CSV export.
    Protected figures keep their "<5" suppression."""
    rows = [
        ["counts", "reports", "", data.reports],
        ["counts", "reviewed", "", data.reviewed],
        ["counts", "share_reviewed", "", data.share_reviewed],
        ["counts", "returned", "", data.returned],
        ["counts", "share_returned", "", data.share_returned],
        ["counts", "waiting", "", data.waiting],
        ["counts", "median_days_to_review", "", data.median_days],
    ]
    for row in data.by_type:
        for key in ("reports", "reviewed", "returned", "waiting", "share_reviewed", "share_returned"):
            rows.append(["by_type", key, row["slug"], row[key]])
    rows += [
        ["participation", "participants", name, data.participants[name]] for name in _SADD
    ] + [
        ["participation", "women_share", "", data.women_share],
        ["participation", "meetings", "", data.meetings],
        ["participation", "meetings_no_women", "", data.meetings_no_women],
        ["participation", "meetings_women_consulted_separately", "", data.meetings_separate],
    ]
    for row in data.checklist:
        key = f"{row['report_type']} v{row['version']} #{row['position']}"
        rows.append(["checklist", "pass_rate", key, row["pass_rate"]])
        for answer in ("yes", "partly", "no", "na"):
            rows.append(["checklist", answer, key, row[answer]])
    for row in data.threats:
        for key in ("n", *_SADD):
            rows.append(["alerts_by_threat", "alerts" if key == "n" else key, row["category"], row[key]])
    for key, value in data.sexual_violence.items():
        rows.append(["sexual_violence", key, "", value])
    for row in data.months:
        for key in ("reports", "reviewed", "women_share"):
            rows.append(["months", key, row["month"].strftime("%Y-%m"), row[key]])
    return [[_fmt(section), _fmt(indicator), _fmt(key), _fmt(value)] for section, indicator, key, value in rows]
