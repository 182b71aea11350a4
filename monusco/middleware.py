from django.http import HttpResponseBadRequest, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _

from . import audit


class AuditActorMiddleware:
    """Makes the signed-in user the actor of every change made while handling the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = audit.set_actor(getattr(request, "user", None))
        try:
            return self.get_response(request)
        finally:
            audit.reset_actor(token)


class UserLanguageMiddleware:
    """A signed-in user's saved language wins over the browser's, unless the URL or the session
    already chose one (the language switcher saves to both)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        language = user.preferred_language if user is not None and user.is_authenticated else ""
        if language and not request.COOKIES.get("django_language"):
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


class RejectNulMiddleware:
    """A NUL character in the path, the query string or a browser form's fields answers 400 with a
    clear message. PostgreSQL text cannot hold NUL, so such a value reaching a query (an admin list
    filter, a search) would otherwise end in a server error.

    Bodies sent to machine endpoints (CSRF-exempt: the SMS gateway, the API) are left to them: the
    SMS intake keeps every message, NUL included, and the API's fields refuse NUL themselves."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or _lists_hold_nul(request.GET):
            return _refused(request)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if getattr(view_func, "csrf_exempt", False) or request.method != "POST":
            return None
        # The CSRF check reads the same form right after, so reading it here costs nothing more.
        return _refused(request) if _lists_hold_nul(request.POST) else None


def _lists_hold_nul(data) -> bool:
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in data.lists())


def _refused(request):
    message = _("The request holds a NUL character, which no field accepts. Remove it and try again.")
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=400)
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
