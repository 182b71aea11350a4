from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language as django_set_language

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


def _broker_ok() -> tuple[bool, str]:
    from django.conf import settings

    url = settings.CELERY_BROKER_URL
    if url.startswith("memory://"):
        return True, "eager"
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
        return True, "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means unhealthy
        return False, type(exc).__name__


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        db_ok, db_state = True, "ok"
    except DatabaseError as exc:
        db_ok, db_state = False, type(exc).__name__
    broker_ok, broker_state = _broker_ok()
    healthy = db_ok and broker_ok
    return JsonResponse(
        {"status": "ok" if healthy else "unhealthy", "database": db_state, "broker": broker_state},
        status=200 if healthy else 503,
    )
