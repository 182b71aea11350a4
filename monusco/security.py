"""Response hardening and error reports that never show protected values.

- ``PermissionsPolicyMiddleware`` sends ``Permissions-Policy`` from ``PERMISSIONS_POLICY``: the
  browser features a page may use (geolocation for the app itself, nothing else).
- ``ProtectedDataReporterFilter`` (``DEFAULT_EXCEPTION_REPORTER_FILTER``) hides, on the debug page
  and in error e-mails, the values of variables, form fields and dictionary keys that name a phone,
  a person, a token, a key or an SMS gateway field (``from``, ``text``), always, DEBUG or not
  (Django's own filter steps aside when DEBUG is on, which is when the page is shown).
- ``ProtectedDataExceptionReporter`` (``DEFAULT_EXCEPTION_REPORTER``) then masks anything shaped
  like a phone number in the whole report (the URL, query strings, exception messages).
"""

import re
from typing import cast
from urllib.parse import unquote_plus

from django.conf import settings
from django.utils.datastructures import MultiValueDict
from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

from .logging import redact


class PermissionsPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.header = ", ".join(
            f"{feature}=({' '.join(allow)})" for feature, allow in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.header)
        return response


SENSITIVE_NAMES = re.compile(
    r"phone|msisdn|sender|recipient|token|secret|passw|api_?key|^key$|_key$|^keys?_|signature|cookie|session|otp|"
    r"^(from|to|text|body|message|sms|content|name|names|first_name|last_name|full_name|display_name|username|"
    r"email|e_mail|code|codes|credentials|raw|payload|data)$",
    re.IGNORECASE,
)


class ProtectedDataReporterFilter(SafeExceptionReporterFilter):
    hidden_settings = re.compile(
        "API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|DATABASE_URL|BROKER_URL|REDIS_URL|DSN|PHONE",
        flags=re.IGNORECASE,
    )

    def is_active(self, request) -> bool:
        return True

    def _is_sensitive(self, name) -> bool:
        return isinstance(name, str) and bool(SENSITIVE_NAMES.search(name))

    def _cleanse(self, value, depth: int = 0):
        if depth > 4:
            return value
        if isinstance(value, MultiValueDict):
            cleansed = value.copy()
            for key in list(cleansed.keys()):
                if self._is_sensitive(key):
                    cleansed.setlist(key, [self.cleansed_substitute])
            return cleansed
        if isinstance(value, dict):
            return {
                k: self.cleansed_substitute if self._is_sensitive(k) else self._cleanse(v, depth + 1)
                for k, v in value.items()
            }
        if isinstance(value, (list, tuple)):
            return type(value)(self._cleanse(v, depth + 1) for v in value) if not hasattr(value, "_fields") else value
        return value

    def get_post_parameters(self, request):
        if request is None:
            return {}
        return self._cleanse(super().get_post_parameters(request))

    def cleanse_special_types(self, request, value):
        value = super().cleanse_special_types(request, value)
        try:
            return self._cleanse(value)
        except Exception:  # noqa: BLE001 - a report must never fail on an odd value
            return self.cleansed_substitute

    def get_traceback_frame_variables(self, request, tb_frame):
        return [
            (name, self.cleansed_substitute if self._is_sensitive(name) else value)
            for name, value in super().get_traceback_frame_variables(request, tb_frame)
        ]

    def get_safe_request_meta(self, request):
        return {
            k: redact(unquote_plus(v)) if isinstance(v, str) else v
            for k, v in super().get_safe_request_meta(request).items()
        }


_ENCODED_PLUS = re.compile(r"%2b(?=\d)", re.IGNORECASE)


def _redact_report(text: str) -> str:
    # A URL-encoded "+243..." ("%2B243...") is a phone number too.
    return redact(_ENCODED_PLUS.sub("+", text))


class ProtectedDataExceptionReporter(ExceptionReporter):
    def get_traceback_data(self):
        data = super().get_traceback_data()
        if self.request is not None:
            data["request_GET_items"] = list(
                cast(ProtectedDataReporterFilter, self.filter)._cleanse(self.request.GET).items()
            )
            data["request_insecure_uri"] = redact(unquote_plus(data["request_insecure_uri"]))
        return data

    def get_traceback_html(self):
        return _redact_report(super().get_traceback_html())

    def get_traceback_text(self):
        return _redact_report(super().get_traceback_text())
