"""The gender office's pages: the review queue, the review page, the dashboard and its CSV."""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from monusco.audit import audit_protected_read
from monusco.choices import PROTECTED_THREAT_CATEGORIES
from monusco.redaction import mask_phone_numbers

from . import charts, selectors, services
from .forms import DashboardFilterForm, QueueFilterForm, ReviewForm
from .models import Review, ReviewStatus
from .registry import reports

SADD_FIELDS = ("women", "men", "girls", "boys", "age_0_5", "age_6_12", "age_13_17", "age_18_49", "age_50_59", "age_60_plus")


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
    data = selectors.review_queue(user=request.user, filters=form.filters())
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, "gender/queue.html", {"form": form, **data, "waiting_days": selectors.WAITING_DAYS}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, report_type: str, uid) -> HttpResponse:
    _require(request, "gender.review_report")
    try:
        rtype = reports.get(report_type)
    except KeyError:
        raise Http404 from None
    # Drafts stay with their author until submitted.
    reports_qs = selectors.report_queryset(user=request.user, report_type=rtype).exclude(review_status=ReviewStatus.DRAFT)
    report = get_object_or_404(reports_qs.select_related(), uid=uid)
    checklist = selectors.active_checklist(report_type=rtype.slug)
    if checklist is None:
        services.checklist_ensure_defaults()
        checklist = selectors.active_checklist(report_type=rtype.slug)
    form = ReviewForm(request.POST or None, items=checklist.items.all(), language=get_language())
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.review_record(
                    report=report, reviewer=request.user, decision=form.cleaned_data["decision"],
                    comment=form.cleaned_data["comment"], answers=form.answers(),
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Review saved."))
                return redirect("gender:queue")
        status = 400
    history = list(selectors.review_history(report=report))
    threat = getattr(report, rtype.threat_path, None) if rtype.counts_people_at_risk else None
    snapshot = services.report_snapshot(report)
    if threat in PROTECTED_THREAT_CATEGORIES:
        audit_protected_read(user=request.user, instance=report, fields=sorted(snapshot))
    if selectors.shows_phone_numbers(user=request.user, report_type=rtype, report=report):
        shown = str
    else:
        # Translators: shown in place of a phone number the reader may not see.
        mask = _("[phone]")

        def shown(text: str) -> str:
            return mask_phone_numbers(text, mask)
    changes = [
        {**change, **{key: shown(change[key]) for key in ("before", "after", "before_shown", "after_shown")}}
        for change in selectors.review_changes(report=report, history=history)
    ]
    context = {
        "report": report,
        "report_type": rtype,
        "summary": [
            (report._meta.get_field(name).verbose_name, shown(selectors.field_display(report, name, value)))
            for name, value in snapshot.items()
            if name not in SADD_FIELDS and value != ""
        ],
        "sadd": [(report._meta.get_field(name).verbose_name, getattr(report, name)) for name in SADD_FIELDS],
        "checklist": checklist,
        "form": form,
        "history": history,
        "changes": changes,
        "can_review": report.review_status == ReviewStatus.SUBMITTED,
        "decisions": Review.Decision,
        "language": (get_language() or "fr")[:2],
    }
    return render(request, "gender/review.html", context, status=status)


def _dashboard_data(request: HttpRequest):
    _require(request, "gender.view_dashboard")
    form = _bound_form(DashboardFilterForm, request)
    return form, selectors.gender_dashboard(user=request.user, filters=form.filters())


def _percent(value) -> str:
    return "–" if value is None else f"{value * 100:.0f}%"


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    form, data = _dashboard_data(request)
    language = (get_language() or "fr")[:2]
    trend_chart = charts.column_chart(
        title=_("Reports per month (dark: reviewed)"),
        points=[(row["month"].strftime("%m/%y"), row["reports"], row["reviewed"]) for row in data.months],
    )
    weakest = sorted((row for row in data.checklist if row["pass_rate"] is not None), key=lambda row: row["pass_rate"])
    checklist_chart = charts.bar_chart(
        title=_("Checklist items least often met"),
        rows=[
            (row["texts"].get(language) or row["texts"]["fr"], row["pass_rate"], _percent(row["pass_rate"]))
            for row in weakest[:10]
        ],
    )
    context = {
        "form": form,
        "data": data,
        "trend_chart": trend_chart,
        "checklist_chart": checklist_chart,
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
    writer = csv.writer(response)
    writer.writerow(["section", "indicator", "key", "value"])
    for row in selectors.dashboard_rows(data):
        writer.writerow(row)
    return response
