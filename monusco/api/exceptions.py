"""Every 4xx answers ``{"detail": <clear, translated message>}``; bad input adds ``errors``."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import set_rollback

from . import messages

_FIXED = [
    (exceptions.NotAuthenticated, messages.NOT_AUTHENTICATED),
    (exceptions.NotFound, messages.NOT_FOUND),
    (Http404, messages.NOT_FOUND),
    (exceptions.MethodNotAllowed, messages.METHOD_NOT_ALLOWED),
    (exceptions.NotAcceptable, messages.NOT_ACCEPTABLE),
    (exceptions.Throttled, messages.THROTTLED),
    (exceptions.UnsupportedMediaType, messages.UNSUPPORTED_MEDIA),
    (exceptions.ParseError, messages.PARSE_ERROR),
]


def api_exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(messages.ROLE_NOT_ALLOWED)
    response = _drf_response(exc)
    if response is None:
        return None
    request = context.get("request")
    if request is None or getattr(request, "api_atomic", False) or not _is_api_view(context.get("view")):
        # DRF's own rule: roll back the request's transaction. Reads of ``ApiViewSet`` run
        # outside any transaction of theirs, so there is nothing of theirs to roll back (and an
        # enclosing block, such as a test's, is not theirs to mark).
        set_rollback()
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"detail": str(messages.INVALID_INPUT), "errors": response.data}
        return response
    if isinstance(exc, exceptions.NotFound) and str(exc.detail) == str(messages.INVALID_CURSOR):
        response.data = {"detail": str(messages.INVALID_CURSOR)}
        return response
    detail = next((str(text) for kind, text in _FIXED if isinstance(exc, kind)), None)
    if detail is None:
        original = response.data.get("detail") if isinstance(response.data, dict) else None
        detail = str(original) if original else str(messages.BAD_REQUEST)
    response.data = {"detail": detail}
    return response


def _is_api_view(view) -> bool:
    from .base import ApiViewSet

    return isinstance(view, ApiViewSet)


def _drf_response(exc) -> Response | None:
    """DRF's ``exception_handler`` without its ``set_rollback()`` (done by the caller)."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(*(exc.args))
    if not isinstance(exc, exceptions.APIException):
        return None
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    data = exc.detail if isinstance(exc.detail, list | dict) else {"detail": exc.detail}
    return Response(data, status=exc.status_code, headers=headers)
