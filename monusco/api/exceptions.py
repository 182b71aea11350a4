"""Every API error answers ``{"detail": <clear, translated message>}``; bad input adds ``errors``.

DRF's own handler builds the response (status, ``WWW-Authenticate``, ``Retry-After``), once the
Django exceptions it does not know are turned into DRF's: a ``ValidationError`` of a service, a
body or query string too large. The message is then ours, in the caller's language. Errors raised
before any view (a bad Host header, a body too large for Django) are answered by
``monusco.views.api_error_*``, also as JSON.
"""

from __future__ import annotations

import contextlib

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import Http404
from rest_framework import exceptions
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler

from . import messages
from .parsers import RequestTooLarge


class TooManyParameters(exceptions.APIException):
    status_code = 400
    default_detail = messages.TOO_MANY_PARAMETERS
    default_code = "too_many_parameters"


_FIXED = [
    (exceptions.NotAuthenticated, messages.NOT_AUTHENTICATED),
    (exceptions.NotFound, messages.NOT_FOUND),
    (Http404, messages.NOT_FOUND),
    (exceptions.MethodNotAllowed, messages.METHOD_NOT_ALLOWED),
    (exceptions.NotAcceptable, messages.NOT_ACCEPTABLE),
    (exceptions.Throttled, messages.THROTTLED),
    (exceptions.UnsupportedMediaType, messages.UNSUPPORTED_MEDIA),
    (exceptions.ParseError, messages.PARSE_ERROR),
    (RequestTooLarge, messages.BODY_TOO_LARGE),
]  # any other error keeps its own message (a permission's, or TooManyParameters')


def api_exception_handler(exc, context):
    exc = _as_drf_exception(exc)
    if _runs_in_request_transaction(context.get("request")):
        response = exception_handler(exc, context)
    else:
        with _rollback_flags_kept():
            response = exception_handler(exc, context)
    if response is None:
        return None
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


def _as_drf_exception(exc):
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(as_serializer_error(exc))
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(messages.ROLE_NOT_ALLOWED)
    if isinstance(exc, RequestDataTooBig):
        return RequestTooLarge()
    if isinstance(exc, TooManyFieldsSent):
        return TooManyParameters()
    return exc


def _runs_in_request_transaction(request) -> bool:
    """False for the views that opt out of ``ATOMIC_REQUESTS`` (every ``ApiViewSet``)."""
    view = getattr(getattr(request, "resolver_match", None), "func", None)
    return DEFAULT_DB_ALIAS not in getattr(view, "_non_atomic_requests", ())


@contextlib.contextmanager
def _rollback_flags_kept():
    """DRF's handler marks the innermost open transaction for rollback, taking it for the
    request's. A view outside ``ATOMIC_REQUESTS`` has none: its reads need none, and its writes
    are services whose own transactions ended with the exception. An open transaction then
    belongs to whoever called the view (a test), and stays as it was."""
    open_blocks = [conn for conn in connections.all(initialized_only=True) if conn.in_atomic_block]
    flags = [conn.needs_rollback for conn in open_blocks]
    try:
        yield
    finally:
        for conn, flag in zip(open_blocks, flags, strict=True):
            conn.needs_rollback = flag
