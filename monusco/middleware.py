from django.utils import translation

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
        if user is not None and user.is_authenticated and user.preferred_language:
            if not request.COOKIES.get("django_language"):
                translation.activate(user.preferred_language)
                request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
