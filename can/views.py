"""Pages and gateway endpoints. Each view parses input, fetches within scope, calls a service."""

from __future__ import annotations

import json
import logging
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from gender.models import ReviewStatus
from gender.selectors.reviews import review_rounds
from monusco import field
from monusco.map_positions import far_from_locality, far_warning
from monusco.models import User
from monusco.scope import scope_for

from . import selectors, selectors_outbound, services, spool
from .forms import (
    AlertForm,
    CloseForm,
    CorrectionForm,
    DispatchForm,
    FocalPointCreateForm,
    FocalPointForm,
    MoveForm,
    VerifyForm,
)
from .models import MAX_SMS_TEXT, AlertStatus, SmsChannel
from .parsing import OUT_OF_RANGE, UNREADABLE, SentAt, read_sent_at

logger = logging.getLogger(__name__)


class SignedInRequest(HttpRequest):
    """A request to a page behind ``login_required``: its user has signed in."""

    user: User


# --- gateway endpoints (RapidPro Courier "External" shape) ------------------------------------


def _channel_or_error(request: HttpRequest, channel_uid) -> SmsChannel | JsonResponse:
    channel = services.sms_channel_for_intake(uid=channel_uid)
    if channel is None:
        return JsonResponse({"error": _("Unknown channel.")}, status=404)
    if not services.sms_channel_check_token(channel=channel, token=request.headers.get("X-Gateway-Token")):
        return JsonResponse({"error": _("Wrong or missing gateway token.")}, status=401)
    return channel


GATEWAY_FIELDS = ("from", "text", "date", "id")


def _field(value) -> str:
    """A JSON value as text: numbers keep their literal digits (read as text), lists and objects
    their JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    try:
        return json.dumps(value, ensure_ascii=False)
    except (ValueError, RecursionError):
        return ""


def _json_fields(body: bytes) -> dict | None:
    # Bytes first, so UTF-16 and UTF-32 bodies (and a BOM) are read; bytes that are not UTF-8
    # then become U+FFFD. Numbers are read as their text (no number is too long to keep); raw
    # control characters in a string (a newline a gateway did not escape) are kept.
    options: dict[str, Any] = {"parse_int": str, "parse_float": str, "parse_constant": str, "strict": False}
    try:
        try:
            data = json.loads(body if body.strip() else b"{}", **options)
        except UnicodeDecodeError:
            data = json.loads(body.decode("utf-8", errors="replace").lstrip("\ufeff"), **options)
    except (ValueError, RecursionError):  # not JSON, or nested deeper than a parser's stack
        return None
    return {key: _field(data.get(key)) for key in GATEWAY_FIELDS} if isinstance(data, dict) else None


def _payload(request: HttpRequest) -> dict | None:
    """The gateway's fields, from form fields or a JSON object (or, under another content type, a
    body that looks like either). Bytes that are not UTF-8 become U+FFFD: the message is kept.
    None if the body is neither; ``RequestDataTooBig`` above ``DATA_UPLOAD_MAX_MEMORY_SIZE``."""
    content_type = request.content_type or ""
    try:
        if content_type == "multipart/form-data":
            return {key: request.POST.get(key, "") for key in GATEWAY_FIELDS}
        body = request.body
        if (
            content_type in ("application/json", "text/json")
            or content_type.endswith("+json")
            or (content_type != "application/x-www-form-urlencoded" and body.lstrip()[:1] == b"{")
        ):
            return _json_fields(body)
        # Read here, not through request.POST, which refuses a form in any charset but UTF-8.
        fields = QueryDict(body, encoding=request.encoding)
        return {key: fields.get(key, "") for key in GATEWAY_FIELDS}
    except (TooManyFieldsSent, TooManyFilesSent, MultiPartParserError):
        return None


def _sent_at(raw: str, warnings: list[str]) -> SentAt:
    sent = read_sent_at(raw, now=timezone.now())
    if sent.problem == UNREADABLE:
        warnings.append(_("The date is not an RFC 3339 date-time; the time of receipt is used."))
    elif sent.problem == OUT_OF_RANGE:
        warnings.append(_("The date is before 2000 or more than a day ahead; the time of receipt is used."))
    return sent


def _intake_answer(alert, created: bool, warnings: list[str]) -> JsonResponse:
    return JsonResponse(
        {
            "alert": str(alert.uid),
            "created": created,
            "status": alert.status,
            "needs_triage": alert.needs_triage,
            "warnings": warnings,
        }
    )


def _spool_answer(request: HttpRequest, channel_uid, kind: str, data: dict, received_at, *, verified: bool, warnings):
    """The database could not take the message: keep it in the spool (``can.spool``) and answer
    200, or 503 (the gateway retries) when the spool cannot keep it either."""
    try:
        _name, new = spool.spool_write(
            kind=kind,
            channel_uid=str(channel_uid),
            token=request.headers.get("X-Gateway-Token"),
            verified=verified,
            fields=data,
            received_at=received_at,
        )
    except spool.SpoolError as exc:
        logger.error("Intake could store the message neither in the database nor in the spool: %s", exc)
        response = JsonResponse({"error": _("The message could not be stored. Send it again in a minute.")}, status=503)
        response["Retry-After"] = "60"
        return response
    return JsonResponse(
        {
            "spooled": True,
            "created": new,
            "message": _("The message is kept and will be stored as soon as the database is back."),
            "warnings": warnings,
        }
    )


def _intake(request: HttpRequest, channel_uid, receive, *, kind: str, with_text: bool = True) -> HttpResponse:
    """The shared gateway contract: check the channel and token, read the fields, hand them to
    ``receive(channel, data, sent_at)`` (a service call) and answer with the alert. Only a body
    too large (413) or not a form or JSON object (400) is refused: any fields are kept. When the
    database is unavailable the message goes to the spool; a channel that could not be read then
    is checked when the spool is replayed."""
    received_at = timezone.now()
    try:
        channel: SmsChannel | JsonResponse | None = _channel_or_error(request, channel_uid)
    except spool.DATABASE_DOWN:
        channel = None
    if isinstance(channel, JsonResponse):
        return channel
    try:
        data = _payload(request)
    except RequestDataTooBig:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return JsonResponse(
            {"error": _("The message is too large: a gateway may send at most %(limit)s bytes.") % {"limit": limit}},
            status=413,
        )
    if data is None:
        return JsonResponse({"error": _("The body is not a JSON object or form fields.")}, status=400)
    warnings: list[str] = []
    sent_at = _sent_at(data["date"], warnings)
    if not data["from"].strip():
        warnings.append(_("No sender number: the alert is kept, but no one can call back."))
    if with_text and len(data["text"]) > MAX_SMS_TEXT:
        warnings.append(
            _("The text is longer than %(limit)s characters: only the first %(limit)s are kept.")
            % {"limit": MAX_SMS_TEXT}
        )
    if channel is not None:
        try:
            received = receive(channel, data, sent_at)
        except spool.DATABASE_DOWN as exc:
            logger.warning("Intake could not write to the database (%s): the message is spooled", type(exc).__name__)
        else:
            if isinstance(received, services.OptOut):  # an opt-out keyword: no alert, and the gateway is told so
                return JsonResponse({"opted_out": True, "keyword": received.keyword, "warnings": warnings})
            alert, created = received
            return _intake_answer(alert, created, warnings)
    return _spool_answer(request, channel_uid, kind, data, received_at, verified=channel is not None, warnings=warnings)


@csrf_exempt
@require_POST
@transaction.non_atomic_requests  # the service is the transaction: no outer one, no savepoint
def inbound_receive(request: HttpRequest, channel_uid) -> HttpResponse:
    return _intake(
        request,
        channel_uid,
        lambda channel, data, sent: services.sms_receive(
            channel=channel,
            sender=data["from"],
            text=data["text"],
            message_id=data["id"],
            sent_at=sent.value,
            sent_at_as_received=sent.ignored,
        ),
        kind=spool.SMS,
    )


@csrf_exempt
@require_POST
@transaction.non_atomic_requests
def inbound_missed_call(request: HttpRequest, channel_uid) -> HttpResponse:
    return _intake(
        request,
        channel_uid,
        lambda channel, data, sent: services.alert_receive_missed_call(
            channel=channel,
            sender=data["from"],
            sent_at=sent.value,
            sent_at_as_received=sent.ignored,
        ),
        kind=spool.CALL,
        with_text=False,
    )


# --- alerts (the inbox and the lifecycle steps are in ``can.inbox_views``) -------------------


@login_required
@permission_required("can.view_alert", raise_exception=True)
def alert_detail(request: SignedInRequest, uid) -> HttpResponse:
    alert = get_object_or_404(selectors.alert_detail(user=request.user, uid=uid))
    shown = selectors.alert_protected_get(user=request.user, alert=alert)
    show_sender, show_detail = shown.sender, shown.detail
    do_not_call = selectors.alert_do_not_call_back(alert)
    can_act = request.user.has_perm("can.change_alert") and scope_for(request.user).has_base(alert.base_id)
    return render(
        request,
        "can/alert_detail.html",
        {
            "alert": alert,
            "show_detail": show_detail,
            "reviews": review_rounds(report=alert, language=get_language())
            if alert.review_round and show_detail
            else [],
            "can_correct": can_act and alert.review_status == ReviewStatus.RETURNED,
            "events": alert.events.select_related("actor"),
            "can_act": can_act,
            "show_sender": show_sender and not do_not_call,
            "do_not_call": do_not_call,
            "verify_form": VerifyForm(alert=alert),
            "dispatch_form": DispatchForm(),
            "close_form": CloseForm(),
            "statuses": AlertStatus,
            **_outbound_context(request, alert),
        },
    )


def _outbound_context(request: SignedInRequest, alert) -> dict:
    """What the base sees of the SMS about this alert: its replies to the sender (kind, status,
    attempts, receipt; never the number or text) and how many staff notifications failed for good.
    For staff of the alert's base only."""
    if not scope_for(request.user).has_base(alert.base_id):
        return {"show_replies": False, "replies": [], "failed_notifications": 0}
    return {
        "show_replies": True,
        "replies": selectors_outbound.alert_replies(alert=alert),
        "failed_notifications": selectors_outbound.alert_failed_notifications(alert=alert),
    }


@login_required
@permission_required("can.add_alert", raise_exception=True)
@field.offline_page
@field.from_this_device
def alert_create(request: SignedInRequest) -> HttpResponse:
    """An alert received by phone, radio or in person. Logged offline, it comes from the phone's
    outbox (``monusco.field``), and its client UUID makes a repeat the same alert."""
    form = AlertForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            alert, _created = services.alert_create(
                user=request.user,
                base=data["base"],
                channel=data["channel"],
                locality=data["locality"],
                threat_category=data["threat_category"],
                description=data["description"],
                sender=data["sender"],
                women=data["women"],
                men=data["men"],
                girls=data["girls"],
                boys=data["boys"],
                client_uuid=data["client_uuid"],
                position=form.position(),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            message = _("Alert recorded. The duty officer has been notified.")
            far = far_from_locality(form.position(), data["locality"])
            if far is not None:  # a warning, not a refusal
                message = f"{message} {far_warning(far, data['locality'])}"
            url = reverse("can:alert-detail", kwargs={"uid": alert.uid})
            if (answer := field.saved(request, url=url, message=message)) is not None:
                return answer
            (messages.warning if far is not None else messages.success)(request, message)
            return redirect(url)
    if field.is_sync(request):
        return field.refused([form])
    return render(request, "can/alert_form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@permission_required("can.change_alert", raise_exception=True)
def alert_correct(request: SignedInRequest, uid) -> HttpResponse:
    """Correct a closed alert the gender office returned, and send it back for review."""
    alert = get_object_or_404(selectors.alert_detail(user=request.user, uid=uid))
    if not scope_for(request.user).has_base(alert.base_id):
        raise Http404
    if alert.review_status != ReviewStatus.RETURNED:
        messages.warning(request, _("Only an alert the gender office returned for correction can be corrected."))
        return redirect("can:alert-detail", uid=alert.uid)
    selectors.alert_description_get(user=request.user, alert=alert)  # the form shows it
    form = CorrectionForm(request.POST or None, alert=alert)
    if request.method == "POST" and form.is_valid():
        try:
            services.alert_correct(user=request.user, alert=alert, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The corrected alert was sent back to the gender office for review."))
            return redirect("can:alert-detail", uid=alert.uid)
    return render(
        request,
        "can/alert_correct.html",
        {
            "alert": alert,
            "form": form,
            "reviews": review_rounds(report=alert, language=get_language()),
        },
        status=400 if form.errors else 200,
    )


# --- focal points ----------------------------------------------------------------------------


@login_required
@permission_required("can.view_focalpoint", raise_exception=True)
def focalpoint_list(request: SignedInRequest) -> HttpResponse:
    focal_points = selectors.focalpoint_list(user=request.user).order_by("-is_active", "code")
    return render(request, "can/focalpoint_list.html", {"focal_points": focal_points})


def _focal_point(request: SignedInRequest, uid):
    return get_object_or_404(selectors.focalpoint_list(user=request.user), uid=uid)


@login_required
@permission_required("can.view_focalpoint", raise_exception=True)
def focalpoint_detail(request: SignedInRequest, uid) -> HttpResponse:
    focal_point = _focal_point(request, uid)
    identity = selectors.focalpoint_identity_get(user=request.user, focal_point=focal_point)
    alerts = focal_point.alerts.order_by("-received_at")[:20]
    return render(
        request,
        "can/focalpoint_detail.html",
        {
            "fp": focal_point,
            "identity": identity,
            "alerts": alerts,
            "move_form": MoveForm(focal_point=focal_point),
        },
    )


@login_required
@permission_required("can.add_focalpoint", raise_exception=True)
def focalpoint_create(request: SignedInRequest) -> HttpResponse:
    form = FocalPointCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            focal_point = services.focalpoint_create(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Focal point %(code)s registered.") % {"code": focal_point.code})
            return redirect("can:focalpoint-detail", uid=focal_point.uid)
    return render(request, "can/focalpoint_form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@permission_required("can.change_focalpoint", raise_exception=True)
def focalpoint_update(request: SignedInRequest, uid) -> HttpResponse:
    focal_point = _focal_point(request, uid)
    if not selectors.can_see_identity(user=request.user, focal_point=focal_point):
        raise Http404  # editing shows the identity: only the focal point's own base
    initial = {
        f: getattr(focal_point, f)
        for f in (
            "name",
            "phone",
            "locality",
            "community_role",
            "sex",
            "consent_on",
            "do_not_call_back",
            "language",
            "feedback_consent",
            "do_not_contact",
        )
    }
    form = FocalPointForm(request.POST or None, initial=initial, bases=[focal_point.base_id])
    if request.method == "POST" and form.is_valid():
        try:
            services.focalpoint_update(user=request.user, focal_point=focal_point, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Focal point updated."))
            return redirect("can:focalpoint-detail", uid=focal_point.uid)
    if request.method == "GET":
        selectors.focalpoint_identity_get(user=request.user, focal_point=focal_point)  # the form shows it
    return render(
        request, "can/focalpoint_form.html", {"form": form, "fp": focal_point}, status=400 if form.errors else 200
    )


@login_required
@require_POST
@permission_required("can.change_focalpoint", raise_exception=True)
def focalpoint_deactivate(request: SignedInRequest, uid) -> HttpResponse:
    focal_point = _focal_point(request, uid)
    try:
        services.focalpoint_deactivate(user=request.user, focal_point=focal_point)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Focal point deactivated; its history is kept."))
    return redirect("can:focalpoint-detail", uid=focal_point.uid)


@login_required
@require_POST
@permission_required("can.change_focalpoint", raise_exception=True)
def focalpoint_move(request: SignedInRequest, uid) -> HttpResponse:
    focal_point = _focal_point(request, uid)
    form = MoveForm(request.POST, focal_point=focal_point)
    if not form.is_valid():
        messages.error(request, _("Choose an open base."))
        return redirect("can:focalpoint-detail", uid=focal_point.uid)
    try:
        services.focalpoint_move(user=request.user, focal_point=focal_point, base=form.cleaned_data["base"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("can:focalpoint-detail", uid=focal_point.uid)
    messages.success(request, _("Focal point moved to %(base)s.") % {"base": form.cleaned_data["base"]})
    return redirect("can:focalpoint-list")
