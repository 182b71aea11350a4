"""CLA pages: home, meetings and protection plans. Each view parses input, fetches within scope,
calls one service and renders. Out-of-scope records are 404; read-only users get 403 on writes."""

import uuid

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from gender.models import ReviewStatus
from gender.selectors.reviews import review_rounds
from monusco import field
from monusco.choices import PROTECTED_THREAT_CATEGORIES, ThreatCategory
from monusco.home import panels_for

from . import conflicts, selectors, services
from .forms import (
    ConcernFormSet,
    FollowUpFormSet,
    MeetingFilterForm,
    MeetingForm,
    PlanEditor,
    add_row,
    formset_rows,
)
from .models import ActionStatus, CommunityProtectionPlan, PerpetratorType, ResponsibleActor, UrafikiMeeting

PAGE_SIZE = 25


def _require_reader(request: HttpRequest) -> None:
    if not selectors.can_read_reports(request.user):
        raise PermissionDenied


def _require_writer(request: HttpRequest, base_id: int) -> None:
    if not selectors.can_write(user=request.user, base_id=base_id):
        raise PermissionDenied


def _apply_service_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, messages_ in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages_)
    else:
        form.add_error(None, error.messages)


def _reviews(report) -> list:
    return review_rounds(report=report, language=get_language())


def _at_current_version(data, error: services.VersionConflict):
    """The posted data, kept as typed, but now made from the version saved now: saving it again
    (after reading both versions) replaces that version."""
    data = data.copy()
    data["version"] = str(error.current.version)
    return data


def _conflict_context(error: services.VersionConflict, conflict: conflicts.Conflict, discard_url: str) -> dict:
    return {"conflict": conflict, "conflict_message": error.messages[0], "discard_url": discard_url}


@login_required
@field.offline_page
def home(request: HttpRequest) -> HttpResponse:
    _require_reader(request)
    user = request.user
    meetings = selectors.meeting_list(user=user)
    returned = list(meetings.filter(review_status=ReviewStatus.RETURNED)[:10]) + list(
        selectors.plan_list(user=user).filter(review_status=ReviewStatus.RETURNED)[:10]
    )
    panels = []
    for panel in panels_for(request, "cla"):
        html = render_to_string(panel["template"], {**panel, "panel": panel}, request=request)
        # A panel template may draw its own card; otherwise this page frames it.
        panels.append({"title": panel["title"], "html": html, "framed": 'class="card"' in html})
    return render(
        request,
        "cla/home.html",
        {
            "bases": selectors.base_list(user=user).filter(closed_on__isnull=True)[:10],
            "recent": meetings[:8],
            "returned": returned,
            "actions_due": selectors.actions_due(user=user)[:15],
            "panels": panels,
            "today": timezone.localdate(),
            "can_write": selectors.writable_bases(user=user).exists(),
            "field_keep": _pages_kept_offline(request),
        },
    )


KEPT_RECORDS = 10


def _pages_kept_offline(request: HttpRequest) -> str:
    """The pages the phone keeps for use offline (the service worker keeps only those the server
    marks): this home, the new-record forms, and the edit pages of the plans and returned meetings
    the CLA is most likely to open in the field."""
    user = request.user
    urls = [reverse("cla:home"), reverse("field-offline")]
    if not selectors.writable_bases(user=user).exists():
        return " ".join(urls)
    urls += [reverse("cla:meeting-create"), reverse("cla:plan-create")]
    if user.has_perm("can.add_alert"):
        urls.append(reverse("can:alert-create"))
    plans, meetings = selectors.records_to_keep_offline(user=user, limit=KEPT_RECORDS)
    urls += [reverse("cla:plan-edit", kwargs={"uid": uid}) for uid in plans]
    urls += [reverse("cla:meeting-edit", kwargs={"uid": uid}) for uid in meetings]
    return " ".join(urls)


@login_required
def meeting_list(request: HttpRequest) -> HttpResponse:
    _require_reader(request)
    localities = selectors.scope_localities(user=request.user)
    filters = MeetingFilterForm(request.GET or None, localities=localities)
    cleaned = filters.cleaned_data if filters.is_valid() else {}
    page = Paginator(selectors.meeting_search(user=request.user, filters=cleaned), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "cla/meeting_list.html", {"filters": filters, "page": page, "query": query.urlencode()})


def _meeting_form_page(request: HttpRequest, meeting: UrafikiMeeting | None) -> HttpResponse:
    """Create (``meeting`` is None) or correct a meeting; shared by both views."""
    bases = selectors.writable_bases(user=request.user)
    base_ids = [meeting.base_id] if meeting else [b.id for b in bases]
    facilitators = selectors.base_facilitators(base_ids=base_ids)
    form_kwargs = {"bases": bases, "facilitators": facilitators, "fixed_base": meeting.base if meeting else None}
    if request.method != "POST":
        return _meeting_form_render(
            request, meeting, *_meeting_blank_forms(request, meeting, form_kwargs), show_errors=False
        )
    action = request.POST.get("action", "save")
    data, show_errors = conflicts.take_saved(request.POST, meeting), True
    if action in ("add_concern", "add_followup"):
        data, show_errors = add_row(data, "concerns" if action == "add_concern" else "followups"), False
    form = MeetingForm(data, **form_kwargs)
    concerns = ConcernFormSet(data, prefix="concerns")
    follow_ups = FollowUpFormSet(data, prefix="followups")
    if show_errors and all([form.is_valid(), concerns.is_valid(), follow_ups.is_valid()]):
        values = {**form.values(), "concerns": formset_rows(concerns), "follow_ups": formset_rows(follow_ups)}
        try:
            meeting = _meeting_save(request, meeting, form, values)
            return _meeting_saved(request, meeting, submit=action == "submit")
        except services.VersionConflict as error:
            return _meeting_conflict_page(request, meeting, data, form_kwargs, values, error)
        except ValidationError as error:
            _apply_service_errors(form, error)
    if field.is_sync(request):
        return field.refused([form, concerns, follow_ups])
    return _meeting_form_render(request, meeting, form, concerns, follow_ups, show_errors=show_errors)


def _meeting_form_render(request: HttpRequest, meeting, form, concerns, follow_ups, *, show_errors: bool):
    return render(
        request,
        "cla/meeting_form.html",
        {
            "form": form,
            "concerns": concerns,
            "follow_ups": follow_ups,
            "meeting": meeting,
            "show_errors": show_errors,
            "reviews": _reviews(meeting) if meeting and meeting.review_round else [],
        },
    )


def _meeting_save(
    request: HttpRequest, meeting: UrafikiMeeting | None, form: MeetingForm, values: dict
) -> UrafikiMeeting:
    """Create or update the meeting from the valid forms' ``values``."""
    if meeting is None:
        return services.meeting_create(user=request.user, **{**values, **form.create_values()})
    return services.meeting_update(
        user=request.user, meeting=meeting, expected_version=form.expected_version(), **values
    )


def _meeting_saved(request: HttpRequest, meeting: UrafikiMeeting, *, submit: bool) -> HttpResponse:
    """Submit the saved meeting if asked, and say what was done. A form sent again after its
    first answer was lost finds the meeting already submitted, and is done."""
    if submit:
        if meeting.review_status != ReviewStatus.SUBMITTED:
            services.meeting_submit(user=request.user, meeting=meeting)
        message = _("The meeting was sent to the gender office for review.")
    else:
        message = _("The meeting was saved as a draft.")
    return _saved(request, reverse("cla:meeting-detail", kwargs={"uid": meeting.uid}), message)


def _saved(request: HttpRequest, url: str, message: str) -> HttpResponse:
    """Saved: the outbox gets JSON; a person gets the record's page, with what was done."""
    if (answer := field.saved(request, url=url, message=message)) is not None:
        return answer
    messages.success(request, message)
    return redirect(url)


def _sync_conflict(request: HttpRequest, conflict, error: services.VersionConflict, record) -> HttpResponse:
    """The outbox's answer to a stale save. The same content saved already is this very form,
    sent again after its first answer was lost: it is done. Otherwise nothing was written, and the
    CLA compares both versions on the edit page."""
    kind = "meeting" if isinstance(record, UrafikiMeeting) else "plan"
    if not conflict.differs:
        url = reverse(f"cla:{kind}-detail", kwargs={"uid": record.uid})
        return field.saved(request, url=url, message=_("Saved.")) or redirect(url)
    return field.conflict(url=reverse(f"cla:{kind}-edit", kwargs={"uid": record.uid}), message=error.messages[0])


def _meeting_blank_forms(request: HttpRequest, meeting: UrafikiMeeting | None, form_kwargs: dict) -> tuple:
    """The forms as a GET shows them: empty for a new meeting, else filled from the saved one."""
    if meeting is None:
        form = MeetingForm(initial={"held_on": timezone.localdate(), "client_token": uuid.uuid4()}, **form_kwargs)
        return form, ConcernFormSet(prefix="concerns"), FollowUpFormSet(prefix="followups")
    form = MeetingForm(initial=MeetingForm.initial_for(meeting), **form_kwargs)
    shown = selectors.meeting_concerns_read(user=request.user, meeting=meeting, can_write=True)
    concerns = ConcernFormSet(
        prefix="concerns",
        initial=[
            {"uid": c.uid, "category": c.category, "description": c.description, "at_risk_groups": c.at_risk_groups}
            for c in shown
        ]
        or None,
    )
    follow_ups = FollowUpFormSet(
        prefix="followups",
        initial=[
            {"uid": f.uid, "action": f.action, "responsible": f.responsible, "due_on": f.due_on, "status": f.status}
            for f in meeting.follow_ups.all()
        ]
        or None,
    )
    return form, concerns, follow_ups


def _meeting_conflict_page(request, meeting, data, form_kwargs, values, error) -> HttpResponse:
    """The save was refused as stale: both versions side by side, the CLA's still in the form."""
    conflict = conflicts.meeting_conflict(yours=values, error=error)
    if field.is_sync(request):
        return _sync_conflict(request, conflict, error, meeting)
    selectors.meeting_concerns_read(
        user=request.user, meeting=meeting, can_write=True, concerns=error.current.concerns.all()
    )
    data = _at_current_version(data, error)
    form = MeetingForm(data, **form_kwargs)
    concerns, follow_ups = ConcernFormSet(data, prefix="concerns"), FollowUpFormSet(data, prefix="followups")
    for posted in (form, concerns, follow_ups):
        posted.is_valid()  # as posted, and valid then: the page shows the cleaned values
    return render(
        request,
        "cla/meeting_form.html",
        {
            "form": form,
            "concerns": concerns,
            "follow_ups": follow_ups,
            "meeting": error.current,
            "show_errors": True,
            "reviews": _reviews(meeting) if meeting.review_round else [],
            **_conflict_context(error, conflict, reverse("cla:meeting-edit", kwargs={"uid": meeting.uid})),
        },
        status=409,
    )


@login_required
@field.offline_page
@field.from_this_device
@require_http_methods(["GET", "POST"])
def meeting_create(request: HttpRequest) -> HttpResponse:
    if not selectors.writable_bases(user=request.user).exists():
        raise PermissionDenied
    return _meeting_form_page(request, None)


@login_required
@field.offline_page
@field.from_this_device
@require_http_methods(["GET", "POST"])
def meeting_edit(request: HttpRequest, uid) -> HttpResponse:
    meeting = selectors.meeting_get(user=request.user, uid=uid)
    _require_writer(request, meeting.base_id)
    if meeting.review_status not in services.EDITABLE_MEETING_STATUSES:
        message = _("This meeting is under review or approved and can no longer be changed.")
        if field.is_sync(request):
            return field.conflict(url=reverse("cla:meeting-detail", kwargs={"uid": meeting.uid}), message=message)
        messages.warning(request, message)
        return redirect("cla:meeting-detail", uid=meeting.uid)
    response = _meeting_form_page(request, meeting)
    if request.method == "GET" and meeting.concerns.filter(category__in=PROTECTED_THREAT_CATEGORIES).exists():
        field.private(response)  # sexual-violence detail is never kept on the phone
    return response


@login_required
def meeting_detail(request: HttpRequest, uid) -> HttpResponse:
    meeting = selectors.meeting_get(user=request.user, uid=uid)
    _require_reader(request)
    can_write = selectors.can_write(user=request.user, base_id=meeting.base_id)
    concerns = selectors.meeting_concerns_read(user=request.user, meeting=meeting, can_write=can_write)
    return render(
        request,
        "cla/meeting_detail.html",
        {
            "meeting": meeting,
            "concerns": concerns,
            "can_write": can_write,
            "editable": can_write and meeting.review_status in services.EDITABLE_MEETING_STATUSES,
            "reviews": _reviews(meeting) if meeting.review_round else [],
        },
    )


@login_required
@require_POST
def meeting_submit(request: HttpRequest, uid) -> HttpResponse:
    meeting = selectors.meeting_get(user=request.user, uid=uid)
    _require_writer(request, meeting.base_id)
    try:
        services.meeting_submit(user=request.user, meeting=meeting)
        messages.success(request, _("The meeting was sent to the gender office for review."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("cla:meeting-detail", uid=meeting.uid)


# --- Protection plans ------------------------------------------------------------------------------


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    _require_reader(request)
    page = Paginator(selectors.plan_overview(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "cla/plan_list.html",
        {
            "page": page,
            "can_write": selectors.writable_bases(user=request.user).exists(),
        },
    )


def _plan_form_page(request: HttpRequest, plan: CommunityProtectionPlan | None) -> HttpResponse:
    bases = selectors.writable_bases(user=request.user)
    show_errors = request.method == "POST"
    if request.method == "POST":
        action = request.POST.get("action", "save")
        data = conflicts.take_saved(request.POST, plan)
        if action == "add_threat":
            data, show_errors = PlanEditor.add_threat(data), False
        elif action.startswith("add_action:"):
            data, show_errors = add_row(data, f"threats-{action.split(':', 1)[1]}-actions"), False
        editor = PlanEditor(data, bases=bases, plan=plan)
        if show_errors and editor.is_valid():
            values = {**editor.form.values(), "threats": editor.threat_rows()}
            form = editor.form
            try:
                if plan is None:
                    plan = services.plan_create(
                        user=request.user,
                        base=form.chosen_base(),
                        locality=form.cleaned_data["locality"],
                        client_token=form.cleaned_data.get("client_token"),
                        **values,
                    )
                else:
                    plan = services.plan_update(
                        user=request.user, plan=plan, expected_version=form.expected_version(), **values
                    )
                message = _("The protection plan was saved (version %(version)d).") % {"version": plan.version}
                return _saved(request, reverse("cla:plan-detail", kwargs={"uid": plan.uid}), message)
            except services.VersionConflict as error:
                return _plan_conflict_page(request, plan, data, bases, values, error)
            except ValidationError as error:
                _apply_service_errors(editor.form, error)
        if field.is_sync(request):
            return field.refused([editor.form, editor.threats, *editor.actions])
    else:
        editor = PlanEditor(bases=bases, plan=plan)
    return render(request, "cla/plan_form.html", {"editor": editor, "plan": plan, "show_errors": show_errors})


def _plan_conflict_page(request, plan, data, bases, values, error) -> HttpResponse:
    """The save was refused as stale: both versions side by side, the CLA's still in the form."""
    conflict = conflicts.plan_conflict(yours=values, error=error)
    if field.is_sync(request):
        return _sync_conflict(request, conflict, error, plan)
    editor = PlanEditor(_at_current_version(data, error), bases=bases, plan=error.current)
    editor.is_valid()  # as posted, and valid then: the page shows the cleaned values
    return render(
        request,
        "cla/plan_form.html",
        {
            "editor": editor,
            "plan": error.current,
            "show_errors": True,
            **_conflict_context(error, conflict, reverse("cla:plan-edit", kwargs={"uid": plan.uid})),
        },
        status=409,
    )


@login_required
@field.offline_page
@field.from_this_device
@require_http_methods(["GET", "POST"])
def plan_create(request: HttpRequest) -> HttpResponse:
    if not selectors.writable_bases(user=request.user).exists():
        raise PermissionDenied
    return _plan_form_page(request, None)


@login_required
@field.offline_page
@field.from_this_device
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, uid) -> HttpResponse:
    plan = selectors.plan_get(user=request.user, uid=uid)
    _require_writer(request, plan.base_id)
    if plan.review_status == ReviewStatus.SUBMITTED:
        message = _("This plan is under review and cannot change until the gender office answers.")
        if field.is_sync(request):
            return field.conflict(url=reverse("cla:plan-detail", kwargs={"uid": plan.uid}), message=message)
        messages.warning(request, message)
        return redirect("cla:plan-detail", uid=plan.uid)
    response = _plan_form_page(request, plan)
    if request.method == "GET" and plan.threats.filter(category__in=PROTECTED_THREAT_CATEGORIES).exists():
        field.private(response)  # sexual-violence detail is never kept on the phone
    return response


@login_required
def plan_detail(request: HttpRequest, uid) -> HttpResponse:
    plan = selectors.plan_get(user=request.user, uid=uid)
    _require_reader(request)
    return render(
        request,
        "cla/plan_detail.html",
        {
            "plan": plan,
            "can_write": selectors.can_write(user=request.user, base_id=plan.base_id),
            "statuses": ActionStatus.choices,
            "today": timezone.localdate(),
            "revisions": plan.revisions.select_related("saved_by"),
            "reviews": _reviews(plan) if plan.review_round else [],
        },
    )


@login_required
def plan_revision(request: HttpRequest, uid, version: int) -> HttpResponse:
    plan = selectors.plan_get(user=request.user, uid=uid)
    _require_reader(request)
    revision = selectors.plan_revision_get(plan=plan, version=version)
    return render(
        request,
        "cla/plan_revision.html",
        {
            "plan": plan,
            "revision": revision,
            "snapshot": _labelled_snapshot(revision.snapshot),
        },
    )


def _labelled_snapshot(snapshot: dict) -> dict:
    """A stored snapshot with choice values shown as labels in the reader's language."""

    def label(choices, value):
        return dict(choices.choices).get(value, value)

    threats = [
        {
            **threat,
            "category": label(ThreatCategory, threat.get("category")),
            "perpetrator_type": label(PerpetratorType, threat.get("perpetrator_type")),
            "actions": [
                {
                    **a,
                    "responsible": label(ResponsibleActor, a.get("responsible")),
                    "status": label(ActionStatus, a.get("status")),
                }
                for a in threat.get("actions", [])
            ],
        }
        for threat in snapshot.get("threats", [])
    ]
    return {**snapshot, "threats": threats}


@login_required
@require_POST
def plan_submit(request: HttpRequest, uid) -> HttpResponse:
    plan = selectors.plan_get(user=request.user, uid=uid)
    _require_writer(request, plan.base_id)
    try:
        services.plan_submit(user=request.user, plan=plan)
        messages.success(request, _("The plan was sent to the gender office for review."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("cla:plan-detail", uid=plan.uid)


@login_required
@require_POST
def action_update(request: HttpRequest, uid) -> HttpResponse:
    action = selectors.action_get(user=request.user, uid=uid)
    _require_writer(request, action.threat.plan.base_id)
    try:
        services.plan_action_update(
            user=request.user,
            action=action,
            status=request.POST.get("status", ""),
            review_on=forms.DateField(required=False).clean(request.POST.get("review_on") or None),
        )
        messages.success(request, _("The action was updated."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("cla:plan-detail", uid=action.threat.plan.uid)
