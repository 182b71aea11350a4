import os
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import caches
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.db import DatabaseError, connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language as django_set_language

from . import replica
from .api import messages as api_messages
from .breaker import breaker
from .roles import Role, user_has_role
from .services import user_set_language

# Where each role lands after signing in; the first role that matches wins.
ROLE_HOMES = [
    (Role.ADMINISTRATOR, "admin:index"),
    (Role.CLA, "cla:home"),
    (Role.DUTY_OFFICER, "can:inbox"),
    (Role.GENDER_REVIEWER, "gender:queue"),
    (Role.MANAGER, "gender:dashboard"),
    (Role.JPT_LEAD, "admin:jpt_jptmission_changelist"),
]


@login_required
def home(request: HttpRequest) -> HttpResponse:
    for role, url_name in ROLE_HOMES:
        if user_has_role(request.user, role):
            try:
                return redirect(reverse(url_name))
            except NoReverseMatch:
                continue
    from django.shortcuts import render

    return render(request, "home.html")


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch, plus the choice saved on the signed-in user."""
    response = django_set_language(request)
    if request.user.is_authenticated:
        user_set_language(user=request.user, language=request.POST.get("language", ""))
    return response


def _broker_state() -> str:
    """``ok``, ``down``, or ``eager`` (no broker: tasks run in the web process)."""
    from django.conf import settings

    url = settings.CELERY_BROKER_URL
    if url.startswith("memory://"):
        return "eager"
    import redis

    broker = breaker("broker", url)
    try:
        redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5).ping()
    except (redis.RedisError, OSError, ValueError) as exc:
        broker.failed(exc)
        return "down"
    broker.succeeded()  # publishing resumes at once instead of at the breaker's next trial
    return "ok"


def _cache_state() -> str:
    """``ok``, ``down``, or ``local`` (a cache in each process's memory, nothing to reach)."""
    cache = caches["default"]
    ping = getattr(cache, "ping", None)
    if ping is None:
        return "local"
    return "ok" if ping() else "down"


def _database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return "down"
    return "ok"


def _spool_state() -> dict | None:
    """The intake spool's depth (``can.spool``, read from its directory: this app imports none),
    or None when it is empty: messages waiting for the database, and those set aside in bad/."""
    directory = Path(getattr(settings, "CAN_SPOOL_DIR", "") or "")
    counts = []
    for path in (directory, directory / "bad"):
        try:
            counts.append(sum(1 for entry in os.scandir(path) if entry.name.endswith(".spool")))
        except OSError:
            counts.append(0)
    return {"waiting": counts[0], "bad": counts[1]} if any(counts) else None


def _spool_writable() -> bool:
    directory = Path(getattr(settings, "CAN_SPOOL_DIR", "") or "")
    return bool(str(directory)) and directory.is_dir() and os.access(directory, os.W_OK | os.X_OK)


@never_cache
@require_GET
@transaction.non_atomic_requests  # with the database down, opening the request's transaction would fail first
def healthz(request: HttpRequest) -> JsonResponse:
    """What this process can reach. 503 only when the database is down: then this process cannot
    serve a page. With the broker or the cache down it still serves everything (alerts are stored,
    the sweep queues their notifications later; pages read the database instead of the cache), and
    every process shares the same broker and cache, so the answer is 200 with ``"status":
    "degraded"`` and the parts named in ``degraded``: a load balancer keeps sending traffic (taking
    every process out would turn a degraded service into an outage), and monitoring alerts on it."""
    if request.GET.get("probe") == "live":  # the liveness probe: the process answers, whatever it can reach
        return JsonResponse({"status": "alive"})
    states = {"database": _database_state(), "broker": _broker_state(), "cache": _cache_state()}
    if replica.configured():  # "ok", "lagging" or "down": either way reads fall back to the primary
        states["replica"] = replica.state()
    spooled = _spool_state()
    degraded = [part for part, state in states.items() if state in ("down", "lagging")]
    if states["database"] == "down" and request.GET.get("probe") == "ready" and _spool_writable():
        # The readiness probe: this process still stores what gateways send (in the spool), so it
        # stays in rotation; pages fail on every process alike while the database is away.
        status, code = "spooling", 200
    elif states["database"] == "down":
        status, code = "unhealthy", 503
    else:
        status, code = ("degraded" if degraded else "ok"), 200
    extra = {"spool": spooled} if spooled else {}
    return JsonResponse({"status": status, **states, "degraded": degraded, **extra}, status=code)


# Errors answered before any view runs (``handler400`` and the others in ``monusco.urls``): a bad
# Host header, a body too large for Django, a server error. Under ``/api/`` they are JSON with a
# ``detail``, like every other API error; elsewhere, Django's pages (``templates/<status>.html``).


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def _api_error(status: int, detail) -> JsonResponse:
    return JsonResponse({"detail": str(detail)}, status=status)


def api_error_400(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not _is_api(request):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        return _api_error(413, api_messages.BODY_TOO_LARGE)
    if isinstance(exception, TooManyFieldsSent):
        return _api_error(400, api_messages.TOO_MANY_PARAMETERS)
    return _api_error(400, api_messages.BAD_REQUEST)


def api_error_403(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not _is_api(request):
        return defaults.permission_denied(request, exception)
    return _api_error(403, api_messages.FORBIDDEN)


def api_error_404(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not _is_api(request):
        return defaults.page_not_found(request, exception)
    return _api_error(404, api_messages.NOT_FOUND)


def api_error_500(request: HttpRequest) -> HttpResponse:
    if not _is_api(request):
        return defaults.server_error(request)
    return _api_error(500, api_messages.SERVER_ERROR)
