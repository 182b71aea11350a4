"""The gender office's pages: the review queue, the review page, the dashboard and its CSV."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from monusco.redaction import mask_phone_numbers
from monusco.replica import replica_or_primary

from . import charts, exports, services
from .forms import DashboardFilterForm, QueueFilterForm, ReviewForm
from .models import Review, ReviewStatus
from .registry import reports
from .sadd import SADD_FIELDS
from .selectors.breakdown import dashboard_breakdown
from .selectors.dashboard import gender_dashboard
from .selectors.protected import report_children_read, report_fields_read
from .selectors.queue import WAITING_DAYS, review_queue
from .selectors.reports import report_queryset
from .selectors.reviews import active_checklist, review_changes, review_history, shows_phone_numbers
from .snapshots import field_display, field_label


def _require(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


def _bound_form(form_class, request):
    """A filter form; a choice outside the user's scope answers 404, other bad input 400."""
    form = form_class(request.GET or None, user=request.user)
    if form.is_bound and not form.is_valid() and form.out_of_scope():
        raise Http404
    return form


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    _require(request, "gender.review_report")
    form = _bound_form(QueueFilterForm, request)
    data = review_queue(user=request.user, filters=form.filters())
    status = 400 if form.is_bound and not form.is_valid() else 200
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, **data, "waiting_days": WAITING_DAYS, "query": query.urlencode()}
    return render(request, "gender/queue.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, report_type: str, uid) -> HttpResponse:
    """The review page: the report, what changed since the last round, the checklist to answer.
    A GET writes nothing: a type without a checklist shows the page without the form."""
    _require(request, "gender.review_report")
    try:
        rtype = reports.get(report_type)
    except KeyError:
        raise Http404 from None
    # Drafts stay with their author until submitted.
    reports_qs = report_queryset(user=request.user, report_type=rtype).exclude(review_status=ReviewStatus.DRAFT)
    report = get_object_or_404(reports_qs.select_related(), uid=uid)
    checklist = active_checklist(report_type=rtype.slug)
    items = checklist.items.all() if checklist is not None else []
    form = ReviewForm(request.POST or None, items=items, language=get_language())
    status = 200
    if request.method == "POST":
        if _record_review(request, form, report):
            messages.success(request, _("Review saved."))
            return redirect("gender:queue")
        status = 400
    return render(
        request, "gender/review.html", _review_context(request, rtype, report, checklist, form), status=status
    )


def _record_review(request: HttpRequest, form: ReviewForm, report) -> bool:
    """Record the review posted in ``form``; False, with the errors on the form, when refused."""
    if not form.is_valid():
        return False
    try:
        services.review_record(
            report=report,
            reviewer=request.user,
            decision=form.cleaned_data["decision"],
            comment=form.cleaned_data["comment"],
            answers=form.answers(),
        )
    except ValidationError as error:
        form.add_error(None, error)
        return False
    return True


def _text_shown(request: HttpRequest, rtype, report):
    """How the report's text shows to this reader: as typed, or with phone numbers masked."""
    if shows_phone_numbers(user=request.user, report_type=rtype, report=report):
        return str
    # Translators: shown in place of a phone number the reader may not see.
    mask = _("[phone]")

    def shown(text: str) -> str:
        return mask_phone_numbers(text, mask)

    return shown


def _children_shown(sections: list[dict], shown) -> list[dict]:
    """The child rows' fields as (label, text shown to this reader)."""
    for section in sections:
        for row in section["rows"]:
            row["fields"] = [(label, shown(value)) for _name, label, value in row["fields"]]
    return sections


def _review_context(request: HttpRequest, rtype, report, checklist, form: ReviewForm) -> dict:
    history = list(review_history(report=report))
    snapshot = report_fields_read(user=request.user, report_type=rtype, report=report)
    shown = _text_shown(request, rtype, report)
    changes = [
        {**change, **{key: shown(change[key]) for key in ("before", "after", "before_shown", "after_shown")}}
        for change in review_changes(report=report, history=history, snapshot=snapshot)
    ]
    return {
        "report": report,
        "report_type": rtype,
        "summary": [
            (field_label(type(report), name, rtype), shown(field_display(report, name, value, rtype)))
            for name, value in snapshot.items()
            if name not in SADD_FIELDS and value not in ("", "[]")
        ],
        "children": _children_shown(report_children_read(user=request.user, report_type=rtype, report=report), shown),
        "sadd": [(report._meta.get_field(name).verbose_name, getattr(report, name)) for name in SADD_FIELDS],
        "checklist": checklist,
        "form": form,
        "history": history,
        "changes": changes,
        "can_review": report.review_status == ReviewStatus.SUBMITTED and checklist is not None,
        "decisions": Review.Decision,
        "language": (get_language() or "fr")[:2],
    }


def _dashboard_data(request: HttpRequest):
    _require(request, "gender.view_dashboard")
    form = _bound_form(DashboardFilterForm, request)
    filters = form.filters()
    # The aggregates read from the read replica when it is fit (monusco/replica.py).
    return form, replica_or_primary(lambda: gender_dashboard(user=request.user, filters=filters), request.user)


def _percent(value) -> str:
    return "–" if value is None else f"{value * 100:.0f}%"


def _trend_charts(months: list[dict]) -> dict:
    """The monthly trend: columns for wide screens, bars with their labels for narrow ones."""
    title = _("Reports per month (dark: reviewed)")
    top = max((row["reports"] for row in months), default=0) or 1
    return {
        "trend_chart": charts.column_chart(
            title=title,
            points=[(row["month"].strftime("%m/%y"), row["reports"], row["reviewed"]) for row in months],
        ),
        "trend_bars": charts.bar_list(
            title=title,
            rows=[
                (
                    formats.date_format(row["month"], "YEAR_MONTH_FORMAT"),
                    row["reports"] / top,
                    f"{row['reports']} ({row['reviewed']})",
                    row["reviewed"] / top,
                )
                for row in months
            ],
        ),
        "trend_legend": charts.legend([(charts.TOTAL_FILL, _("Reports submitted")), (charts.PART_FILL, _("Reviewed"))]),
    }


def _checklist_chart(rows: list[dict], language: str):
    """The ten items least often met, each named with its report type and number."""
    weakest = sorted((row for row in rows if row["pass_rate"] is not None), key=lambda row: row["pass_rate"])
    return charts.bar_list(
        title=_("Checklist items least often met"),
        rows=[
            (
                f"{row['type_label']} · {row['position']}. {row['texts'].get(language) or row['texts']['fr']}",
                row["pass_rate"],
                _percent(row["pass_rate"]),
            )
            for row in weakest[:10]
        ],
    )


def _breakdown_tables(breakdown: dict) -> list[tuple]:
    """(title, column label, table id, rows) for the breakdown by territory and by base."""
    return [
        (_("By territory"), _("Territory"), "by-territory", breakdown["territories"]),
        (_("By base"), _("Base"), "by-base", breakdown["bases"]),
    ]


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    form, data = _dashboard_data(request)
    language = (get_language() or "fr")[:2]
    context = {
        "form": form,
        "data": data,
        **_trend_charts(data.months),
        "checklist_chart": _checklist_chart(data.checklist, language),
        "breakdown": _breakdown_tables(
            replica_or_primary(lambda: dashboard_breakdown(user=request.user, filters=form.filters()), request.user)
        ),
        "language": language,
        "query": request.GET.urlencode(),
    }
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, "gender/dashboard.html", context, status=status)


@login_required
@require_GET
def dashboard_csv(request: HttpRequest) -> HttpResponse:
    form, data = _dashboard_data(request)
    if form.is_bound and not form.is_valid():
        return HttpResponse(_("Invalid filters."), status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="gender-dashboard.csv"'
    exports.write_dashboard_csv(response, data)
    return response
