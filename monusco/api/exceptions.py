"""Every 4xx answers ``{"detail": <clear, translated message>}``; bad input adds ``errors``."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

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
    response = drf_exception_handler(exc, context)
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
