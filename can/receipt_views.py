"""The gateways' delivery receipts (Courier's status shape): ``POST
/can/inbound/<channel-uuid>/status`` with ``id`` and ``status``, as form fields or a JSON object,
authenticated like the inbound endpoints (``X-Gateway-Token``).

Answers: 200 with the message's receipt (``applied`` false when it was older than what the message
already had); 401 wrong or missing token; 404 unknown channel, or an ``id`` this channel did not
send; 400 a missing or malformed ``id`` or an unknown ``status``, or a body that is neither form
fields nor a JSON object; 413 a body above ``DATA_UPLOAD_MAX_MEMORY_SIZE``. Never a 500: every
field is read as text, whatever its type or encoding.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import services
from .models import ReceiptStatus
from .views import _channel_or_error, _field

RECEIPT_FIELDS = ("id", "status")


def _json_receipt(body: bytes) -> dict[str, str] | None:
    options: dict[str, Any] = {"parse_int": str, "parse_float": str, "parse_constant": str, "strict": False}
    try:
        try:
            data = json.loads(body if body.strip() else b"{}", **options)
        except UnicodeDecodeError:
            data = json.loads(body.decode("utf-8", errors="replace").lstrip("\ufeff"), **options)
    except (ValueError, RecursionError):
        return None
    return {key: _field(data.get(key)) for key in RECEIPT_FIELDS} if isinstance(data, dict) else None


def _receipt_fields(request: HttpRequest) -> dict[str, str] | None:
    """``id`` and ``status`` as text, from form fields or a JSON object; None if the body is
    neither. ``RequestDataTooBig`` above the upload limit."""
    content_type = request.content_type or ""
    try:
        if content_type == "multipart/form-data":
            return {key: request.POST.get(key, "") for key in RECEIPT_FIELDS}
        body = request.body
        if content_type in ("application/json", "text/json") or content_type.endswith("+json"):
            return _json_receipt(body)
        if content_type != "application/x-www-form-urlencoded" and body.lstrip()[:1] == b"{":
            return _json_receipt(body)
        fields = QueryDict(body, encoding=request.encoding)
        return {key: fields.get(key, "") for key in RECEIPT_FIELDS}
    except (TooManyFieldsSent, TooManyFilesSent, MultiPartParserError, UnicodeDecodeError):
        return None


def _reference(raw: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw.strip())
    except (ValueError, AttributeError):
        return None


@csrf_exempt
@require_POST
@transaction.non_atomic_requests  # the service is the transaction
def inbound_status(request: HttpRequest, channel_uid) -> HttpResponse:
    channel = _channel_or_error(request, channel_uid)
    if isinstance(channel, JsonResponse):
        return channel
    try:
        data = _receipt_fields(request)
    except RequestDataTooBig:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return JsonResponse(
            {"error": _("The receipt is too large: a gateway may send at most %(limit)s bytes.") % {"limit": limit}},
            status=413,
        )
    if data is None:
        return JsonResponse({"error": _("The body is not a JSON object or form fields.")}, status=400)
    reference = _reference(data["id"])
    if reference is None:
        return JsonResponse({"error": _("The id is missing or is not a message reference.")}, status=400)
    status = data["status"].strip().lower()
    if status not in ReceiptStatus.values:
        return JsonResponse({"error": _("The status must be queued, sent, delivered or failed.")}, status=400)
    outcome = services.message_receipt_record(channel=channel, reference=reference, status=ReceiptStatus(status))
    if outcome is None:
        return JsonResponse({"error": _("This channel sent no message with this id.")}, status=404)
    message = outcome.message
    return JsonResponse(
        {
            "id": str(message.uid),
            "receipt": message.receipt_status,
            "status": message.status,
            "applied": outcome.applied,
        }
    )
