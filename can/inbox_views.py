"""The duty officer's inbox and the steps of an alert's lifecycle (acknowledge, verify, record
the response, close). Each view parses input, fetches within scope, calls a service."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from monusco.scope import scope_for

from . import selectors, services
from .ages import age_text
from .forms import CloseForm, DispatchForm, VerifyForm
from .models import AlertStatus, Outcome, ResponseType
from .views import SignedInRequest

# Alerts per inbox page: about 38 KB of HTML (3.6 KB compressed) even after a flood
# (bench/inbox_weight.py measures it). The page no longer reloads itself: a script asks
# ``inbox_new`` (a few bytes) whether alerts arrived and offers a link to show them.
INBOX_PAGE_SIZE = 25
# How often the inbox's script asks for new alerts, in seconds.
INBOX_POLL_SECONDS = 30


def _inbox_url(page: str | None) -> str:
    """The inbox page a step was taken from, so the duty officer stays where they were."""
    url = reverse("can:inbox")
    if page and page.isascii() and page.isdigit() and len(page) <= 6 and int(page) > 1:
        return f"{url}?page={int(page)}"
    return url


def _since_token(moment) -> str:
    """A moment as the whole microseconds since the epoch: what the inbox page gives its script."""
    return str(int(moment.timestamp() * 1_000_000))


def _since_moment(raw: str | None):
    """The moment ``_since_token`` wrote, or None if ``raw`` is not one (from 2000 to a day ahead)."""
    if not raw or not raw.isascii() or not raw.isdigit() or len(raw) > 17:
        return None
    moment = datetime.datetime.fromtimestamp(int(raw) / 1_000_000, tz=datetime.UTC)
    earliest = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
    if not earliest <= moment <= timezone.now() + datetime.timedelta(days=1):
        return None
    return moment


@login_required
@permission_required("can.change_alert", raise_exception=True)
def inbox(request: SignedInRequest) -> HttpResponse:
    now = timezone.now()  # before the reads: an alert written meanwhile is announced, not missed
    counts = selectors.alert_inbox_counts(user=request.user)
    paginator = Paginator(selectors.alert_inbox(user=request.user), INBOX_PAGE_SIZE)
    paginator.count = sum(counts.values())  # the counts say how many: no second COUNT query
    page = paginator.get_page(request.GET.get("page"))
    alerts = list(page.object_list)
    for alert in alerts:
        alert.age = age_text(alert.received_at, now)
    unread = selectors.notification_inbox(user=request.user).filter(read_at__isnull=True).count()
    labels = dict(AlertStatus.choices)
    return render(
        request,
        "can/inbox.html",
        {
            "alerts": alerts,
            "page": page,
            "unread": unread,
            "statuses": AlertStatus,
            "state_counts": [
                {"status": status, "label": labels[status], "count": count} for status, count in counts.items()
            ],
            "response_types": ResponseType.choices,
            "outcomes": Outcome.choices,
            "since": _since_token(now),
            "poll_seconds": INBOX_POLL_SECONDS,
        },
    )


@login_required
@permission_required("can.change_alert", raise_exception=True)
def inbox_new(request: SignedInRequest) -> HttpResponse:
    """``{"new": n}``: how many open alerts of the user's scope were written after ``since`` (the
    moment the inbox page was read). Asked with ``auto=1``, it is no activity for the session."""
    since = _since_moment(request.GET.get("since"))
    if since is None:
        return JsonResponse({"error": _("“since” must be the moment the inbox page was read.")}, status=400)
    response = JsonResponse({"new": selectors.alert_inbox_new_count(user=request.user, since=since)})
    response["Cache-Control"] = "no-store"
    return response


def _after_step(request: SignedInRequest, alert) -> HttpResponse:
    if request.POST.get("next") == "inbox":
        return redirect(_inbox_url(request.POST.get("page")))
    return redirect("can:alert-detail", uid=alert.uid)


def _transition(request: SignedInRequest, uid, form_class, call, done) -> HttpResponse:
    """One step of the lifecycle; ``done(alert, data)`` says what happened, for the message."""
    alert = get_object_or_404(selectors.alert_list(user=request.user), uid=uid)
    form = (
        form_class(request.POST, alert=alert)
        if form_class is VerifyForm
        else (form_class(request.POST) if form_class else None)
    )
    if form is not None and not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("can:alert-detail", uid=alert.uid)
    data = form.cleaned_data if form is not None else {}
    try:
        call(alert, data)
    except ValidationError as exc:
        for error in exc.messages:
            messages.error(request, error)
    else:
        messages.success(request, done(alert, data))
    return _after_step(request, alert)


@login_required
@require_POST
@permission_required("can.change_alert", raise_exception=True)
def alert_acknowledge(request: SignedInRequest, uid) -> HttpResponse:
    return _transition(
        request,
        uid,
        None,
        lambda alert, _d: services.alert_acknowledge(alert=alert, user=request.user),
        lambda alert, _d: _("Alert %(ref)s acknowledged.") % {"ref": alert.short_id},
    )


@login_required
@require_POST
@permission_required("can.change_alert", raise_exception=True)
def alert_verify(request: SignedInRequest, uid) -> HttpResponse:
    return _transition(
        request,
        uid,
        VerifyForm,
        lambda alert, d: services.alert_verify(
            alert=alert,
            user=request.user,
            note=d["note"],
            locality=d["locality"],
            threat_category=d["threat_category"] or None,
        ),
        lambda alert, _d: _("Alert %(ref)s verified.") % {"ref": alert.short_id},
    )


@login_required
@require_POST
@permission_required("can.change_alert", raise_exception=True)
def alert_dispatch(request: SignedInRequest, uid) -> HttpResponse:
    return _transition(
        request,
        uid,
        DispatchForm,
        lambda alert, d: services.alert_dispatch_response(
            alert=alert,
            user=request.user,
            response_type=d["response_type"],
            note=d["note"],
        ),
        lambda alert, d: (
            _("Response to alert %(ref)s recorded: %(response)s.")
            % {"ref": alert.short_id, "response": ResponseType(d["response_type"]).label}
        ),
    )


def _refused(request: SignedInRequest, alert, exc: ValidationError) -> HttpResponse:
    for error in exc.messages:
        messages.error(request, error)
    return redirect("can:alert-detail", uid=alert.uid)


def _close_page(request: SignedInRequest, alert, form: CloseForm) -> HttpResponse:
    """The close, to confirm (a valid outcome, shown back) or to choose again (the errors)."""
    from_inbox = request.POST.get("next") == "inbox"
    valid = form.is_valid()
    return render(
        request,
        "can/alert_close.html",
        {
            "alert": alert,
            "form": form,
            "next": "inbox" if from_inbox else "",
            "page_number": request.POST.get("page", "") if from_inbox else "",
            "back_url": _inbox_url(request.POST.get("page"))
            if from_inbox
            else reverse("can:alert-detail", args=[alert.uid]),
            "outcome_label": Outcome(form.cleaned_data["outcome"]).label if valid else "",
            "outcomes": [
                (value, label)
                for value, label in Outcome.choices
                if value != Outcome.ADDRESSED or alert.status == AlertStatus.RESPONSE_DISPATCHED
            ],
        },
        status=200 if valid else 400,
    )


@login_required
@require_POST
@permission_required("can.change_alert", raise_exception=True)
def alert_close(request: SignedInRequest, uid) -> HttpResponse:
    """Two posts, no script needed: the outcome chosen (shown back to confirm), then the close
    (``confirm=1``). Until then nothing changes."""
    alert = get_object_or_404(selectors.alert_list(user=request.user).select_related("base", "locality"), uid=uid)
    if not scope_for(request.user).has_base(alert.base_id):
        raise Http404
    try:
        services.alert_close_check(alert=alert)  # closed meanwhile, or not yet acknowledged
    except ValidationError as exc:
        return _refused(request, alert, exc)
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            services.alert_close_check(alert=alert, outcome=form.cleaned_data["outcome"])
        except ValidationError as exc:
            form.add_error("outcome", exc.messages)
    if not (form.is_valid() and request.POST.get("confirm") == "1"):
        return _close_page(request, alert, form)
    try:
        services.alert_close(alert=alert, user=request.user, **form.cleaned_data)
    except ValidationError as exc:
        return _refused(request, alert, exc)
    outcome = Outcome(form.cleaned_data["outcome"]).label
    messages.success(request, _("Alert %(ref)s closed: %(outcome)s.") % {"ref": alert.short_id, "outcome": outcome})
    return _after_step(request, alert)
