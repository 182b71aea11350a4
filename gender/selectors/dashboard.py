"""The gender dashboard: every indicator for the user's scope and the filters.

Every figure is aggregated in the database. The number of queries depends on the number of
registered report types (a handful), never on the number of rows.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import TypeVar

from django.db import connection
from django.db.models import Count, F, FloatField, Func, Q, QuerySet, Sum, Value
from django.db.models.expressions import Combinable
from django.db.models.functions import Coalesce, TruncMonth
from django.db.models.lookups import Lookup

from monusco.choices import PROTECTED_THREAT_CATEGORIES, ThreatCategory
from monusco.scope import scope_for

from ..models import ChecklistItem, Review, ReviewStatus
from ..registry import ReportType, reports
from .reports import SADD_TOTALS, DashboardFilters, dashboard_reports, dashboard_types
from .suppression import protected_cells, protected_figures, suppress

_Key = TypeVar("_Key")


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

    def add_type(self, report_type: ReportType, totals: dict) -> None:
        """Count one report type's totals (``_TypeFigures.totals``) in the figures and in ``by_type``."""
        for key in ("reports", "reviewed", "returned", "waiting"):
            setattr(self, key, getattr(self, key) + totals[key])
        if report_type.counts_participants:
            self.meetings += totals["reports"]
            self.meetings_no_women += totals["no_women"]
            self.meetings_separate += totals["separate"]
            for name in SADD_TOTALS:
                self.participants[name] += totals[name]
        self.by_type.append(
            {
                "slug": report_type.slug,
                "label": report_type.label,
                "reports": totals["reports"],
                "reviewed": totals["reviewed"],
                "returned": totals["returned"],
                "waiting": totals["waiting"],
                "share_reviewed": _ratio(totals["reviewed"], totals["reports"]),
                "share_returned": _ratio(totals["returned"], totals["reviewed"]),
            }
        )


def gender_dashboard(*, user, filters: DashboardFilters) -> Dashboard:
    """Every indicator of the gender dashboard for the user's scope and the filters.

    Records of a protected threat category (sexual-violence alerts, and their reviews) are left out
    of every figure but the sexual-violence ones, which are built from base-month cells and
    suppressed cell by cell (see ``suppression.protected_figures``): so no subtraction between
    figures, filters or the records an API client may list can reveal a count under 5."""
    result = Dashboard()
    types = dashboard_types(filters)
    review_filter = Q(pk__in=[])
    months: dict[datetime.date, dict] = {}
    threats: dict[str, dict] = {}
    for report_type in types:
        qs = dashboard_reports(user=user, report_type=report_type, filters=filters)
        figures = _type_figures(user=user, report_type=report_type, filters=filters)
        result.add_type(report_type, figures.totals)
        _add_up(months, figures.months)
        _add_up(threats, figures.threats)
        review_filter |= _review_q(user=user, report_type=report_type, filters=filters, reports_qs=qs)

    reviews = Review.objects.filter(review_filter)
    median = _median(reviews, "days_to_review")
    result.median_days = None if median is None else round(median, 1)
    result.checklist = _checklist_rates(reviews, [rt.slug for rt in types])
    result.months = [
        {"month": month, **bucket, "women_share": _ratio(bucket["women"], bucket["people"])}
        for month, bucket in sorted(months.items())
    ]
    protected = protected_figures(protected_cells(user=user, filters=filters), filters)
    if any(rt.counts_people_at_risk for rt in types):
        # Always listed, even with no alert: a row that appeared with the first one would tell.
        for category in PROTECTED_THREAT_CATEGORIES:
            threats[str(category)] = protected[str(category)]
    result.threats = _threat_rows(threats)
    sv = protected[ThreatCategory.SEXUAL_VIOLENCE.value]
    result.sexual_violence = {
        "alerts": suppress(sv["n"]),
        **{name: suppress(sv[name]) for name in SADD_TOTALS},
        "reports_mentioning": suppress(protected["mentions"]["n"]),
    }
    return result


def _add_up(into: dict[_Key, dict], part: dict[_Key, dict]) -> None:
    """Add each group of figures of ``part`` (a month, a threat category) to the same one in ``into``."""
    for key, bucket in part.items():
        target = into.setdefault(key, dict.fromkeys(bucket, 0))
        for name, value in bucket.items():
            target[name] += value


def _threat_rows(threats: dict[str, dict]) -> list[dict]:
    """ "Alerts by threat category", most alerts first; the protected categories' figures suppressed."""
    labels = dict(ThreatCategory.choices)
    rows = []
    for category, bucket in sorted(threats.items(), key=lambda item: (-item[1]["n"], item[0] or "")):
        is_protected = category in PROTECTED_THREAT_CATEGORIES
        rows.append(
            {
                "category": category,
                "label": labels.get(category, category),
                "protected": is_protected,
                **{key: suppress(value) if is_protected else value for key, value in bucket.items()},
            }
        )
    return rows


_TOTALS = ("reports", "reviewed", "returned", "waiting", "no_women", "separate", *SADD_TOTALS)


@dataclass
class _TypeFigures:
    """One report type's figures: ``totals`` (the counts and sums of ``_TOTALS``), ``months``
    (per month: reports, reviewed, and the women and people who took part) and ``threats`` (for
    alerts, per threat category: alerts and people at risk)."""

    totals: dict = field(default_factory=lambda: dict.fromkeys(_TOTALS, 0))
    months: dict = field(default_factory=dict)
    threats: dict = field(default_factory=dict)

    def add(self, row: dict, report_type: ReportType) -> None:
        """Add one group of ``_type_figures``' query: one month (and one threat category for alerts)."""
        for name in SADD_TOTALS:
            row[name] = row.pop(f"{name}_n")
        for key in self.totals:
            self.totals[key] += row.get(key, 0)
        month = row["month"]
        if isinstance(month, datetime.datetime):
            month = month.date()
        bucket = self.months.setdefault(month, {"reports": 0, "reviewed": 0, "women": 0, "people": 0})
        bucket["reports"] += row["reports"]
        bucket["reviewed"] += row["reviewed"]
        if report_type.counts_participants:
            bucket["women"] += row["women"]
            bucket["people"] += sum(row[name] for name in SADD_TOTALS)
        if "category" in row:
            threat = self.threats.setdefault(row["category"], {"n": 0, **dict.fromkeys(SADD_TOTALS, 0)})
            threat["n"] += row["all_n"]
            for name in SADD_TOTALS:
                threat[name] += row[f"all_{name}"]


def _type_figures(*, user, report_type: ReportType, filters: DashboardFilters) -> _TypeFigures:
    """One query for one report type: every count, sum and the trends, grouped by month (and by
    threat category for alerts) in the database, returned for the caller to add up. Alerts of a
    protected category are left out (``protected_cells`` counts them)."""
    at_risk = report_type.counts_people_at_risk
    # Alerts count in "alerts by threat" from the moment they are logged; the review figures
    # count submitted reports only.
    qs = dashboard_reports(user=user, report_type=report_type, filters=filters, include_drafts=at_risk)
    groups: dict[str, Combinable] = {"month": TruncMonth(report_type.date_field)}
    threat_path = report_type.threat_path
    if at_risk and threat_path:  # an alert type counting people at risk always has a threat path
        qs = qs.exclude(**{f"{threat_path}__in": sorted(PROTECTED_THREAT_CATEGORIES)})
        groups["category"] = F(threat_path)
    figures = _TypeFigures()
    for row in qs.annotate(**groups).values(*groups).annotate(**_type_aggregates(report_type)).order_by():
        figures.add(row, report_type)
    return figures


def _count(submitted: Q | None, condition: Q | None = None) -> Count:
    """Count the reports meeting ``condition``, among the submitted ones when ``submitted`` is given."""
    combined = condition if submitted is None else (submitted if condition is None else submitted & condition)
    return Count("pk", filter=combined) if combined is not None else Count("pk")


def _total(submitted: Q | None, name: str):
    return Coalesce(Sum(name, filter=submitted), 0) if submitted is not None else Coalesce(Sum(name), 0)


def _type_aggregates(report_type: ReportType) -> dict:
    """The aggregates of ``_type_figures``' query. For alerts (which the query reads from the
    moment they are logged), the review figures count submitted ones only, and ``all_…`` count
    every alert for "alerts by threat"."""
    submitted = ~Q(review_status=ReviewStatus.DRAFT) if report_type.counts_people_at_risk else None
    returned_ids = Review.objects.filter(report_type=report_type.slug, decision=Review.Decision.RETURNED).values(
        "object_id"
    )
    aggregates = {
        "reports": _count(submitted),
        "reviewed": _count(submitted, Q(reviewed_at__isnull=False)),
        "returned": _count(submitted, Q(pk__in=returned_ids)),
        "waiting": _count(submitted, Q(review_status=ReviewStatus.SUBMITTED)),
        **{f"{name}_n": _total(submitted, name) for name in SADD_TOTALS},
        "no_women": _count(submitted, Q(women=0)),
    }
    if report_type.consultation_field:
        aggregates["separate"] = _count(submitted, Q(**{report_type.consultation_field: True}))
    if report_type.counts_people_at_risk:
        aggregates.update({"all_n": Count("pk"), **{f"all_{name}": Coalesce(Sum(name), 0) for name in SADD_TOTALS}})
    return aggregates


def _review_q(*, user, report_type: ReportType, filters: DashboardFilters, reports_qs: QuerySet) -> Q:
    """The reviews of the reports the dashboard counts, read from the copies on each review (no
    join to the report table), or through the report table for to-many paths (JPT missions)."""
    if report_type.has_multi_valued_paths:
        return Q(report_type=report_type.slug, object_id__in=reports_qs.values("pk"))
    if report_type.counts_people_at_risk:
        # Reviews of sexual-violence alerts stay out of the review figures, as the alerts do.
        protected = report_type.model._default_manager.filter(
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


def _type_label(slug: str) -> str:
    try:
        return str(reports.get(slug).label)
    except KeyError:  # a checklist of a type no longer registered
        return slug


def _checklist_rates(reviews: QuerySet, slugs: list[str]) -> list[dict]:
    """Per checklist item: yes / partly / no / n.a. counts and the pass rate (yes over answered).

    Two queries: the items of the checklists, then one pass over the reviews counting the letter
    each item has in ``answer_codes``, grouped by checklist version."""
    items: dict[int, list] = {}
    for item in (
        ChecklistItem.objects.filter(checklist__report_type__in=slugs)
        .select_related("checklist")
        .order_by("checklist__report_type", "checklist__version", "position")
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
                    "type_label": _type_label(item.checklist.report_type),
                    "version": item.checklist.version,
                    "position": item.position,
                    "measure": item.measure,
                    "texts": {"fr": item.text_fr, "sw": item.text_sw, "en": item.text_en},
                    **tally,
                    "pass_rate": _ratio(tally["yes"], answered),
                }
            )
    return result
