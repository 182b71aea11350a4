"""``/api/v1/``: the shared routes, schema and docs, then each app's ``<app>/api/urls.py``."""

from django.urls import include, path

app_name = "api"

urlpatterns = [
    path("", include("monusco.api.urls")),
    path("", include("cla.api.urls")),
    path("", include("can.api.urls")),
    path("", include("jpt.api.urls")),
    path("", include("gender.api.urls")),
]
