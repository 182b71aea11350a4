from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from . import field_views, map_views, metrics, views
from .accounts import views as account_views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("accounts/login/", account_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", field_views.FieldLogoutView.as_view(), name="logout"),
    path("sw.js", field_views.service_worker, name="service-worker"),
    path("field/session", field_views.session, name="field-session"),
    path("field/offline/", field_views.offline, name="field-offline"),
    path("accounts/", include("monusco.accounts.urls")),
    path("i18n/setlang/", views.set_language, name="set_language"),
    # The admin signs in through the same two steps as every page.
    path("admin/login/", RedirectView.as_view(pattern_name="login", query_string=True), name="admin-login"),
    path("admin/", admin.site.urls),
    path("map/", map_views.map_page, name="map"),
    path("map/outlines.geojson", map_views.outlines_geojson, name="map-outlines"),
    path("map/layers/<slug:slug>.geojson", map_views.layer_geojson, name="map-layer"),
    path("map/background.pmtiles", map_views.pmtiles_archive, name="map-pmtiles"),
    path("cla/", include("cla.urls")),
    path("can/", include("can.urls")),
    path("jpt/", include("jpt.urls")),
    path("gender/", include("gender.urls")),
    path("api/v1/", include("monusco.api_urls")),
]

# Errors raised before a view: JSON under /api/, Django's pages elsewhere (monusco.views).
handler400 = "monusco.views.api_error_400"
handler403 = "monusco.views.api_error_403"
handler404 = "monusco.views.api_error_404"
handler500 = "monusco.views.api_error_500"
