"""The meeting form stays within the field budget, field mode included: 30 KB gzip on first load
(the service worker, what it keeps and the offline page counted), 5 KB on a repeat."""

from django.urls import reverse

from bench.page_weight import FIRST_LOAD_BUDGET, REPEAT_LOAD_BUDGET, measure


def test_meeting_form_fits_the_page_weight_budget(client, users):
    client.force_login(users["cla"])
    result = measure(client, reverse("cla:meeting-create"))
    assert sorted(result["assets"]) == [
        "/static/cla/cla.css",
        "/static/cla/total.js",
        "/static/css/site.css",
        "/static/field/field.js",
        "/static/field/outbox.js",
        "/static/field/rows.js",
        "/static/map/position.js",
        "/static/vendor/idb-keyval-6.3.0/umd.js",
    ]
    assert result["service_worker"] > 0 and result["offline_page"] > 0
    assert result["first_load"] <= FIRST_LOAD_BUDGET
    assert result["repeat_load"] <= REPEAT_LOAD_BUDGET
    assert result["uncached_assets"] == []


def test_hashed_static_files_are_served_with_far_future_cache_headers():
    from django.conf import settings

    from monusco.settings import base

    assert base.STORAGES["staticfiles"]["BACKEND"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert "whitenoise.middleware.WhiteNoiseMiddleware" in settings.MIDDLEWARE
