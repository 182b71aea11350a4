"""``/api/v1/``: the shared routes, schema and docs, then each app's ``<app>/api/urls.py``; any
other path under ``/api/v1/`` answers a JSON 404 with a message, like every API error."""

from django.http import JsonResponse
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt

from monusco.api import messages

app_name = "api"


@csrf_exempt  # it changes nothing: a POST here gets this JSON 404, not the CSRF failure page
def not_found(request, rest: str = ""):
    return JsonResponse({"detail": str(messages.NOT_FOUND)}, status=404)


urlpatterns = [
    path("", include("monusco.api.urls")),
    path("", include("cla.api.urls")),
    path("", include("can.api.urls")),
    path("", include("jpt.api.urls")),
    path("", include("gender.api.urls")),
    re_path(r"^(?P<rest>.*/)?$", not_found),  # paths ending in "/" (others get the slash appended)
]
