"""Who sees records of a protected threat category, and the reads of them, logged as they happen.

A record of a protected category (a sexual-violence alert, concern, threat or finding) appears
as a record only to the base that handles it and to need-to-know roles; everyone else, and every
API client, sees it only inside the dashboard's suppressed aggregates (``suppression``). One rule,
used by the pages, the admin and every API list and format.

A page that shows protected detail gets it from a selector here that writes the access log in
the same step (``report_fields_read``, ``review_detail_read``), so no page can show it and forget
the log.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from monusco.audit import audit_protected_read
from monusco.choices import PROTECTED_THREAT_CATEGORIES
from monusco.scope import scope_for

from ..models import Review
from ..registry import NEED_TO_KNOW_PERMISSION, ReportType, reports
from ..snapshots import report_snapshot

NEED_TO_KNOW = NEED_TO_KNOW_PERMISSION


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


def report_fields_read(*, user, report_type: ReportType, report) -> dict[str, str]:
    """The report's own fields as text (``snapshots.report_snapshot``), for its review page. The
    caller has already fetched ``report`` within the user's scope. When the report is of a
    protected category (a sexual-violence alert), the read of every field is logged with it."""
    snapshot = report_snapshot(report)
    path = report_type.threat_path  # set whenever the type counts people at risk
    threat = getattr(report, path, None) if path and report_type.counts_people_at_risk else None
    if threat in PROTECTED_THREAT_CATEGORIES:
        audit_protected_read(user=user, instance=report, fields=sorted(snapshot))
    return snapshot


# --- The detail of a review (its snapshot of the report, its comments and answers) --------------


def _by_report(reviews_path: str, which) -> Q:
    """Rows whose review (through ``reviews_path``) is about a report in ``which(report_type)``."""
    prefix = f"{reviews_path}__" if reviews_path else ""
    parts = [
        Q(
            **{
                f"{prefix}content_type": ContentType.objects.get_for_model(rt.model),
                f"{prefix}object_id__in": which(rt).values("pk"),
            }
        )
        for rt in reports.all()
    ]
    return reduce(or_, parts, Q(pk__in=[]))


def reviews_in_scope_q(user, reviews_path: str = "") -> Q:
    """A review is in scope when the report it is about is."""
    return _by_report(reviews_path, lambda rt: rt.in_scope(user))


def reviews_withheld_q(user, reviews_path: str = "") -> Q:
    """A review's detail is withheld when its report's sexual-violence detail is."""
    return _by_report(reviews_path, lambda rt: rt.withheld_from(user))


@dataclass(frozen=True)
class ReviewDetail:
    """What the detail of one review is to one user."""

    protected: bool  # the review is about a sexual-violence report
    withheld: bool  # ... whose detail this user has no need to know


def review_detail(*, user, review: Review) -> ReviewDetail:
    """Whether the detail of ``review`` is protected, and withheld from ``user``: what a page
    needs to leave it out. It reads no protected value and logs nothing; a page that shows the
    detail asks ``review_detail_read``."""
    report_type = reports.for_model(review.content_type.model_class())
    if report_type is None:
        return ReviewDetail(protected=False, withheld=False)
    protected = report_type.protected().filter(pk=review.object_id).exists()
    withheld = protected and report_type.withheld_from(user).filter(pk=review.object_id).exists()
    return ReviewDetail(protected=protected, withheld=withheld)


def review_detail_read(*, user, review: Review, fields: list[str]) -> ReviewDetail:
    """``review_detail``, for a page about to show the review's ``fields``: when they are
    protected and not withheld from ``user``, the read is logged against the report the review is
    about, in the same step."""
    detail = review_detail(user=user, review=review)
    if detail.protected and not detail.withheld:
        report = review.content_type.get_object_for_this_type(pk=review.object_id)
        audit_protected_read(user=user, instance=report, fields=[f"review.{name}" for name in fields])
    return detail


# --- The child rows of a report (a meeting's concerns and follow-ups) --------------------------


def report_children_read(*, user, report_type: ReportType, report) -> list[dict]:
    """The child rows a report's review page shows (``ReportType.review_children``), one section
    per relation: ``name``, ``title`` and ``rows``, each row ``fields`` as (name, label, value)
    and ``withheld``. A row of a protected category (a meeting's sexual-violence concern) shows
    nothing of itself to a user with no need to know; to the others its read is logged with it.
    One query per relation, and one more when a protected row needs the need-to-know answer."""
    relation_of_threat, _sep, category_attr = (report_type.threat_path or "").partition("__")
    need = _NeedToKnow(user=user, report_type=report_type, report=report)
    sections = []
    for name in report_type.review_children:
        relation = report._meta.get_field(name)
        model = relation.related_model
        rows = [
            _child_row(
                user=user,
                report_type=report_type,
                child=child,
                parent_field=relation.field.name,  # a reverse relation
                category_attr=category_attr if name == relation_of_threat else "",
                need=need,
            )
            for child in getattr(report, name).select_related(*_joins(model, relation.field.name))
        ]
        sections.append({"name": name, "title": str(model._meta.verbose_name_plural), "rows": rows})
    return sections


def _joins(model, parent_field: str) -> list[str]:
    """The child's own relations, read with it (not the report it belongs to)."""
    return [f.name for f in model._meta.concrete_fields if f.is_relation and f.name != parent_field]


class _NeedToKnow:
    """Whether the report's protected detail is withheld from the user, asked once if at all."""

    def __init__(self, *, user, report_type: ReportType, report) -> None:
        self.user, self.report_type, self.report = user, report_type, report
        self._withheld: bool | None = None

    @property
    def withheld(self) -> bool:
        if self._withheld is None:
            self._withheld = self.report_type.withheld_from(self.user).filter(pk=self.report.pk).exists()
        return self._withheld


def _child_row(*, user, report_type: ReportType, child, parent_field: str, category_attr: str, need) -> dict:
    """One child row's fields; a protected one withheld (its category alone) or its read logged."""
    from ..snapshots import row_fields

    fields = row_fields(child, report_type=report_type, parent_field=parent_field)
    protected = bool(category_attr) and getattr(child, category_attr, None) in PROTECTED_THREAT_CATEGORIES
    if not protected:
        return {"fields": fields, "withheld": False}
    if need.withheld:  # not even its category: that it exists is protected too
        return {"fields": [], "withheld": True}
    audit_protected_read(user=user, instance=child, fields=[field[0] for field in fields])
    return {"fields": fields, "withheld": False}
