"""Request ids: every request gets one, every log line written while it is served carries it, and
the response returns it in ``X-Request-ID``.

A proxy's id is kept when it looks like one (``X-Request-ID``: up to 64 letters, digits, ``.``,
``_`` or ``-``), so a line in the proxy's log and one here can be matched; anything else is
replaced by a new id, never logged as sent. Log lines written outside a request (Celery tasks,
commands) carry ``-``.
"""

from __future__ import annotations

import contextvars
import logging
import re
import uuid

_current: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_SHAPE = re.compile(r"[A-Za-z0-9._-]{1,64}")


def current() -> str:
    return _current.get()


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("X-Request-ID", "")
        request_id = given if _SHAPE.fullmatch(given) else uuid.uuid4().hex
        token = _current.set(request_id)
        try:
            request.request_id = request_id
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response["X-Request-ID"] = request_id
        return response


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record (for the formats that show it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _current.get()
        return True
