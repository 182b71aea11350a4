"""``/api/v1/``: each app contributes its routes from ``<app>/api/urls.py``."""

from django.urls import include, path  # noqa: F401

urlpatterns: list = []
