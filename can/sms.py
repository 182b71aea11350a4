"""Outbound SMS backends. ``settings.SMS_BACKEND`` names a class with ``send(*, to, text, reference)``.

``to`` is a phone number and is never written to a log: backends log the ``reference`` (the
notification's public id) instead.
"""

from __future__ import annotations

import http.client
import json
import logging
import urllib.error
import urllib.request
from functools import lru_cache

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class SmsError(Exception):
    """A transient failure: the message may be tried again.

    ``maybe_sent`` says the gateway may have taken the message all the same (the request reached
    it but no answer came back): it is then sent again at most once, marked as a possible repeat.
    Without it, the message certainly did not go out."""

    def __init__(self, message: str, *, maybe_sent: bool = False):
        super().__init__(message)
        self.maybe_sent = maybe_sent


class LogBackend:
    """The default: writes that a message was sent, with its reference and length, to the log."""

    def send(self, *, to: str, text: str, reference: str) -> None:
        logger.info("SMS notification %s sent (%d characters)", reference, len(text))


class MemoryBackend:
    """Keeps messages in memory (tests)."""

    outbox: list[dict] = []

    def send(self, *, to: str, text: str, reference: str) -> None:
        self.outbox.append({"to": to, "text": text, "reference": reference})


class HttpBackend:
    """POSTs JSON ``{"to", "text", "reference"}`` to ``SMS_HTTP_URL`` with ``Authorization: Bearer
    SMS_HTTP_TOKEN``. Any 2xx is success; anything else raises ``SmsError``: certainly not sent
    when the gateway answered otherwise or could not be reached, maybe sent when the request went
    out and the answer did not come back (a timeout or a dropped connection while waiting).

    A message sent again carries the same ``reference``: a gateway that drops repeats of a
    reference makes the second copy harmless."""

    timeout = 10

    def send(self, *, to: str, text: str, reference: str) -> None:
        if not settings.SMS_HTTP_URL:
            raise SmsError("SMS_HTTP_URL is not set")
        body = json.dumps({"to": to, "text": text, "reference": reference}).encode()
        request = urllib.request.Request(
            settings.SMS_HTTP_URL,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {settings.SMS_HTTP_TOKEN}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - URL from settings
                status = response.status
        except urllib.error.HTTPError as exc:
            raise SmsError(f"gateway answered {exc.code}") from None
        except urllib.error.URLError as exc:  # raised while connecting or writing the request
            reason = type(exc.reason).__name__ if isinstance(exc.reason, BaseException) else "URLError"
            raise SmsError(f"gateway unreachable: {reason}") from None
        except (OSError, http.client.HTTPException) as exc:  # the request went out; the answer did not come
            raise SmsError(f"no answer from the gateway: {type(exc).__name__}", maybe_sent=True) from None
        if not 200 <= status < 300:
            raise SmsError(f"gateway answered {status}")
        logger.info("SMS notification %s handed to the gateway", reference)


@lru_cache(maxsize=4)
def _backend(path: str):
    return import_string(path)()


def get_backend():
    return _backend(settings.SMS_BACKEND)
