"""Field mode's own pages: the service worker script, the session check the outbox makes before
sending, and the page shown offline in place of one that is not kept on the phone."""

import hashlib
import json

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LogoutView
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .field import offline_page

# Static files the service worker keeps at once: those of the CLA forms and of the shell.
SHELL_ASSETS = (
    "css/site.css",
    "cla/cla.css",
    "cla/total.js",
    "field/rows.js",
    "field/field.js",
    "field/outbox.js",
    "map/position.js",  # "Use my position" on the alert and meeting forms, offline too
    "vendor/idb-keyval-6.3.0/umd.js",
)


def _asset_urls() -> list[str]:
    return [static(name) for name in SHELL_ASSETS if finders.find(name)]


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """``/sw.js``: served from the root so that it may control every page. Its text changes with
    every static file it keeps (their names carry a hash), so a deployment updates it."""
    assets = _asset_urls()
    context = {
        "idb_url": json.dumps(static("vendor/idb-keyval-6.3.0/umd.js")),
        "outbox_url": json.dumps(static("field/outbox.js")),
        "assets": json.dumps(assets),
        "offline_url": json.dumps(reverse("field-offline")),
        "static_url": json.dumps(settings.STATIC_URL),
        "version": hashlib.sha256(" ".join(assets).encode()).hexdigest()[:12],
    }
    text = render_to_string("field/sw.js", context)
    etag = f'"{hashlib.sha256(text.encode()).hexdigest()[:20]}"'
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponse(status=304)  # the browser's daily update check: unchanged
    else:
        response = HttpResponse(text, content_type="text/javascript; charset=utf-8")
    response["ETag"] = etag
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/"
    return response


@never_cache
@require_GET
def session(request: HttpRequest) -> JsonResponse:
    """Who is signed in, and a CSRF token for the outbox's posts; 401 when nobody is."""
    if not request.user.is_authenticated:
        return JsonResponse({"detail": "signed out"}, status=401)
    return JsonResponse({"user": str(request.user.pk), "csrf": get_token(request)})


@login_required
@offline_page
@require_GET
def offline(request: HttpRequest) -> HttpResponse:
    return render(request, "field/offline.html")


class FieldLogoutView(LogoutView):
    """Logging out also clears what this browser keeps of the user: the service worker's caches,
    IndexedDB (drafts and outbox) and the worker itself (``Clear-Site-Data``; field.js clears
    them too, and asks first when something is not yet sent)."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"cache", "storage"'
        return response
