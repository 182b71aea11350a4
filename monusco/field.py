"""Field mode: what the server does for the phone's service worker and outbox (static/field/).

- A page the service worker may keep for use offline says so with the ``X-Field-Offline`` header
  (``offline_page``). The worker keeps nothing else, so a page that holds protected data (focal
  point identities, sender numbers) is never stored on the phone: it simply never carries the mark.
- A form sent from the outbox carries ``X-Field-Sync: 1``. Its answer is JSON, not a page: saved
  (with the record's address), refused (with the server's translated errors, by field name, for
  the draft to show), or a conflict (the record changed on the server meanwhile; the CLA compares
  both versions on the edit page). A form posted in the ordinary way gets its page, as always.
- After an ordinary save, ``mark_saved`` tells the next page which form was saved, so the phone
  drops that form's draft only once the server has it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

OFFLINE_HEADER = "X-Field-Offline"
SYNC_HEADER = "HTTP_X_FIELD_SYNC"
SAVED_SESSION_KEY = "field_saved"


def offline_page(view: Callable) -> Callable:
    """Mark a page the service worker may keep for use offline (GET answers of 200 only)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if request.method == "GET" and response.status_code == 200 and not getattr(response, "field_private", False):
            response[OFFLINE_HEADER] = "1"
        return response

    return wrapper


def private(response: HttpResponse) -> HttpResponse:
    """This answer holds protected data: never kept on the phone, whatever its view says."""
    response.field_private = True  # type: ignore[attr-defined]
    response["Cache-Control"] = "no-store"
    return response


def is_sync(request: HttpRequest) -> bool:
    """The form comes from the phone's outbox, which wants a JSON answer."""
    return request.method == "POST" and request.META.get(SYNC_HEADER) == "1"


def from_this_device(view: Callable) -> Callable:
    """Refuse an outbox item typed on the phone by another account than the one signed in now
    (the page sets ``field_user``): it is never saved under someone else's name."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        typed_by = request.POST.get("field_user", "") if request.method == "POST" else ""
        if typed_by and typed_by != str(request.user.pk):
            message = _("This was typed on this phone by another account. Sign in as that account to send it.")
            if is_sync(request):
                return JsonResponse({"status": "refused", "errors": {"__all__": [message]}}, status=403)
            raise PermissionDenied(message)
        return view(request, *args, **kwargs)

    return wrapper


def saved(request: HttpRequest, *, url: str, message: str) -> HttpResponse | None:
    """The outbox's answer for a saved form, or None for an ordinary post (which gets its page)."""
    if is_sync(request):
        return JsonResponse({"status": "saved", "url": url, "message": message})
    request.session[SAVED_SESSION_KEY] = request.path
    return None


def _errors_of(form) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for name, messages in form.errors.items():
        key = "__all__" if name == "__all__" else form.add_prefix(name)
        errors.setdefault(key, []).extend(str(m) for m in messages)
    return errors


def refused(forms: Iterable) -> JsonResponse:
    """The server's errors for every form and formset of the page, keyed by the field's name in
    the posted data (``concerns-0-description``); ``__all__`` for errors of the whole form."""
    errors: dict[str, list[str]] = {}
    for item in forms:
        for form in getattr(item, "forms", None) or [item]:
            for key, messages in _errors_of(form).items():
                errors.setdefault(key, []).extend(messages)
        for message in item.non_form_errors() if hasattr(item, "non_form_errors") else []:
            errors.setdefault("__all__", []).append(str(message))
    if not errors:
        errors["__all__"] = [_("The server refused this form.")]
    return JsonResponse({"status": "refused", "errors": errors}, status=400)


def conflict(*, url: str, message: str) -> JsonResponse:
    """Someone saved the record since the phone's copy was made: nothing was written."""
    return JsonResponse({"status": "conflict", "url": url, "message": message}, status=409)


def saved_path(request: HttpRequest) -> str:
    """The form just saved in the ordinary way (once: the next request's pages only)."""
    if not hasattr(request, "_field_saved"):
        session = getattr(request, "session", None)
        found = session.pop(SAVED_SESSION_KEY, "") if session is not None and SAVED_SESSION_KEY in session else ""
        request._field_saved = found  # type: ignore[attr-defined]
    return request._field_saved  # type: ignore[attr-defined]


def context(request: HttpRequest) -> dict:
    """Template context: the form saved just before this page (its draft can go)."""
    user = getattr(request, "user", None)
    return {"field_saved": saved_path(request) if user is not None and user.is_authenticated else ""}
