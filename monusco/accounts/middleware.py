"""Session rules after the password step.

``SessionLimitsMiddleware`` ends a session past its lifetime (``SESSION_LIFETIME_HOURS`` after
signing in) or, for roles that require a second factor, after ``SESSION_IDLE_MINUTES`` without a
request. The time of the last request is written to the session at most once a minute, so a page
costs no extra write. A page's own automatic request (a GET with ``auto=1``, as the inbox's
check for new alerts) is no activity: an inbox left open on a screen does not keep a session alive.

``SecondFactorMiddleware`` holds a session whose second step is not done: every page redirects to
the code (or to enrolment), every API call answers 403 with a JSON ``detail``, until it is done.
Only signing in and out, the second-step pages and the language switch are open meanwhile.
"""

import functools
import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from .policy import idle_limit_seconds, lifetime_seconds
from .selectors import Step, second_step

AUTH_AT = "_auth_at"  # when the password step was passed (Unix seconds)
SEEN_AT = "_seen_at"  # the last request, to the minute
SEEN_RESOLUTION = 60


def session_started(sender, request, user, **kwargs) -> None:
    """Connected to ``user_logged_in``: the clocks of a new session."""
    now = int(time.time())
    request.session[AUTH_AT] = now
    request.session[SEEN_AT] = now


def _is_api(request) -> bool:
    return request.path_info.startswith("/api/")


@functools.cache
def _open_paths() -> tuple[str, ...]:
    return tuple(
        reverse(name)
        for name in (
            "login",
            "logout",
            "set_language",
            "healthz",
            "service-worker",
            "accounts:two_factor_verify",
            "accounts:two_factor_setup",
        )
    ) + (settings.STATIC_URL,)


def _automatic(request) -> bool:
    """A request a page's script made by itself (``auto=1``), not a person."""
    return request.method == "GET" and request.GET.get(AUTOMATIC) == "1"


AUTOMATIC = "auto"


class SessionLimitsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            ended = self._ended(request, user)
            if ended:
                logout(request)
                if _is_api(request):
                    return JsonResponse({"detail": ended}, status=401)
                messages.warning(request, ended)
                return redirect(f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    def _ended(self, request, user) -> str | None:
        session = request.session
        now = int(time.time())
        auth_at = session.get(AUTH_AT)
        seen_at = session.get(SEEN_AT)
        if auth_at is None or seen_at is None:
            # A session from before these rules: it starts its clocks now.
            auth_at = session.setdefault(AUTH_AT, now)
            seen_at = session.setdefault(SEEN_AT, now)
        if now - auth_at > lifetime_seconds(user):
            return _("Your session has ended. Please sign in again.")
        idle = idle_limit_seconds(user)
        if idle is not None and now - seen_at > idle:
            return _("You were signed out after %(minutes)d minutes without activity. Please sign in again.") % {
                "minutes": idle // 60
            }
        if now - seen_at >= SEEN_RESOLUTION and not _automatic(request):
            session[SEEN_AT] = now
        return None


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(_open_paths()):
            return self.get_response(request)
        step = second_step(request.user, request.session)
        if step in (Step.VERIFY, Step.ENROL):
            if _is_api(request):
                return JsonResponse(
                    {"detail": _("Finish signing in first: enter the code from your authenticator app.")}, status=403
                )
            target = "accounts:two_factor_verify" if step is Step.VERIFY else "accounts:two_factor_setup"
            return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
