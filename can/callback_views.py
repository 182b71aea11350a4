"""Call-back pages: the CLA's list of missed calls to call back, one call-back with its attempts
and the attempt form, and the response times per base and month. Server-rendered, no script.
They show sender numbers, so they are never kept on the phone (``monusco.field.private``)."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from monusco import field

from . import selectors_callbacks as callbacks
from . import services
from .ages import age_text
from .forms import CallbackForm
from .models import CallbackResult
from .selectors import alert_do_not_call_back
from .views import SignedInRequest


@login_required
@permission_required("can.change_alert", raise_exception=True)
def callback_list(request: SignedInRequest) -> HttpResponse:
    now = timezone.now()
    tasks = list(callbacks.callback_tasks(user=request.user)[:200])
    numbers = callbacks.callback_numbers(user=request.user, alerts=tasks)
    rows = [
        {
            "alert": task,
            "age": age_text(task.received_at, now),
            "overdue": task.callback_due_at is not None and task.callback_due_at <= now,
            "number": numbers.get(task.pk, ""),
        }
        for task in tasks
    ]
    return field.private(render(request, "can/callback_list.html", {"tasks": rows}))


def _page(request: SignedInRequest, alert, form: CallbackForm, status: int = 200) -> HttpResponse:
    try:
        services.callback_check(alert=alert)
    except ValidationError as exc:
        ended = " ".join(exc.messages)
    else:
        ended = ""
    numbers = callbacks.callback_numbers(user=request.user, alerts=[alert]) if not ended else {}
    context = {
        "alert": alert,
        "form": form,
        "ended": ended,
        "do_not_call": alert_do_not_call_back(alert),
        "number": numbers.get(alert.pk, ""),
        "attempts": callbacks.callback_attempts(alert=alert),
        "reached": CallbackResult.REACHED,
    }
    return field.private(render(request, "can/callback_detail.html", context, status=status))


@login_required
@permission_required("can.change_alert", raise_exception=True)
def callback_detail(request: SignedInRequest, uid) -> HttpResponse:
    """The call-back of one missed call; a post records one attempt (``services.callback_attempt``)."""
    alert = get_object_or_404(callbacks.callback_task(user=request.user, uid=uid))
    form = CallbackForm(request.POST or None, alert=alert)
    if request.method != "POST":
        return _page(request, alert, form)
    if not form.is_valid():
        return _page(request, alert, form, status=400)
    try:
        attempt = services.callback_attempt(user=request.user, alert=alert, **form.cleaned_data)
    except ValidationError as exc:
        form.add_error(None, exc)
        return _page(request, alert, form, status=400)
    if attempt is None:
        messages.info(request, _("This attempt was already recorded."))
    elif attempt.result == CallbackResult.REACHED:
        messages.success(request, _("Call-back recorded: alert %(ref)s is acknowledged.") % {"ref": alert.short_id})
        return redirect("can:alert-detail", uid=alert.uid)
    else:
        messages.success(request, _("Attempt recorded: %(result)s.") % {"result": attempt.get_result_display()})
    return redirect("can:callback-detail", uid=alert.uid)


def _month(raw: str | None) -> datetime.date | None:
    """``YYYY-MM`` as the first day of that month, or None (left out, or not such a month)."""
    if not raw or len(raw) != 7 or not raw.isascii():
        return None
    try:
        return datetime.datetime.strptime(raw, "%Y-%m").date()
    except ValueError:
        return None


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


@login_required
@permission_required("can.view_alert", raise_exception=True)
def response_times(request: SignedInRequest) -> HttpResponse:
    """Time to acknowledge and to call back, per base and month, in the user's scope."""
    rows = callbacks.alert_response_times(user=request.user, month=_month(request.GET.get("month")))
    for row in rows:
        row["ack_minutes"] = _minutes(row["median_time_to_acknowledge_seconds"])
        row["callback_minutes"] = _minutes(row["median_time_to_call_back_seconds"])
    return render(request, "can/callback_times.html", {"rows": rows, "month": request.GET.get("month", "")[:7]})
