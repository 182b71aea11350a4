"""The map page, its GeoJSON layers and the outlines. Each layer comes from its app
(``monusco.map``); the page is also a table grouped by territory, complete without JavaScript."""

from __future__ import annotations

import datetime
import json
from collections import defaultdict
from typing import cast
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_safe

from . import map as registry
from .choices import PROTECTED_THREAT_CATEGORIES, ThreatCategory
from .map_outlines import outlines
from .map_tiles import archive_response
from .roles import Role, user_has_role

MAP_ROLES = (Role.DUTY_OFFICER, Role.GENDER_REVIEWER, Role.JPT_LEAD, Role.MANAGER, Role.ADMINISTRATOR)


class MapFilterForm(forms.Form):
    date_from = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    status = forms.ChoiceField(label=gettext_lazy("Alert state"), required=False)
    threat = forms.ChoiceField(label=gettext_lazy("Threat"), required=False)
    territory = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, status_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["status"]).choices = [("", _("All")), *status_choices]
        cast(forms.ChoiceField, self.fields["threat"]).choices = [
            ("", _("All")),
            *((value, label) for value, label in ThreatCategory.choices if value not in PROTECTED_THREAT_CATEGORIES),
        ]

    def clean(self):
        super().clean()
        data = self.cleaned_data
        default = registry.MapFilters.default()
        # Left out: the period ends today, and starts DEFAULT_DAYS before its end.
        date_to = data.get("date_to") or default.date_to
        date_from = data.get("date_from") or date_to - datetime.timedelta(days=registry.DEFAULT_DAYS)
        if date_to < date_from:
            raise forms.ValidationError(_("The end of the period is before its start."))
        if (date_to - date_from).days > registry.MAX_DAYS:
            raise forms.ValidationError(_("Choose a period of one year at most."))
        data["date_from"], data["date_to"] = date_from, date_to
        return data


def _status_choices(layers) -> list:
    return [choice for layer in layers for choice in layer.extra.get("status_choices", ())]


def _may_see_map(user) -> bool:
    return any(user_has_role(user, role) for role in MAP_ROLES)


def _filters(request: HttpRequest, layers) -> tuple[MapFilterForm, registry.MapFilters | None]:
    """The filters asked for, or None when they are invalid. A territory outside the scope is a 404."""
    form = MapFilterForm(request.GET or None, status_choices=_status_choices(layers))
    if not request.GET:
        return form, registry.MapFilters.default()
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    territory_ids = None
    if data.get("territory"):
        territory = registry.territories_in_scope(request.user).filter(uid=data["territory"]).first()
        if territory is None:
            raise Http404
        territory_ids = frozenset({territory.pk})
    return form, registry.MapFilters(
        date_from=data["date_from"],
        date_to=data["date_to"],
        status=data.get("status") or "",
        threat=data.get("threat") or "",
        territory_ids=territory_ids,
    )


def _checked(request: HttpRequest) -> list:
    if not request.user.is_authenticated or not _may_see_map(request.user):
        raise PermissionDenied
    return registry.layers_for(request.user)


def _tile_origin() -> str:
    parts = urlsplit(settings.MAP_TILE_URL.replace("{s}", "a"))
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else ""


@login_required
@require_GET
def map_page(request: HttpRequest) -> HttpResponse:
    layers = _checked(request)
    form, filters = _filters(request, layers)
    groups: dict[str, list] = defaultdict(list)
    if filters is not None:
        for layer in layers:
            for item in layer.features(request.user, filters):
                groups[item["properties"].get("territory") or ""].append((layer, item["properties"]))
    query = request.GET.urlencode()
    layer_config = [
        {
            "slug": layer.slug,
            "label": str(layer.label),
            "url": reverse("map-layer", kwargs={"slug": layer.slug}) + (f"?{query}" if query else ""),
            "countsOnly": layer.counts_only,
        }
        for layer in layers
    ]
    response = render(
        request,
        "map/map.html",
        {
            "form": form,
            "filters": filters,
            "layers": layers,
            "layer_config": json.dumps(layer_config),
            "groups": sorted(groups.items(), key=lambda kv: (kv[0] == "", kv[0])),
            "tile_url": settings.MAP_TILE_URL,
            "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
            "pmtiles": bool(settings.MAP_PMTILES_FILE),
        },
        status=400 if filters is None else 200,
    )
    if origin := _tile_origin():
        response._csp_update = {"img-src": [origin]}  # type: ignore[attr-defined]
    return response


@login_required
@require_GET
def layer_geojson(request: HttpRequest, slug: str) -> HttpResponse:
    layers = _checked(request)
    layer = registry.layer_for(request.user, slug)
    if layer is None:
        raise Http404
    form, filters = _filters(request, layers)
    if filters is None:
        errors = [str(e) for errs in form.errors.values() for e in errs]
        return JsonResponse({"errors": errors}, status=400)
    return JsonResponse(registry.collection(layer.features(request.user, filters)))


@login_required
@require_GET
def outlines_geojson(request: HttpRequest) -> HttpResponse:
    _checked(request)
    return JsonResponse(outlines(registry.territories_in_scope(request.user)))


@login_required
@require_safe
def pmtiles_archive(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """The background map's PMTiles archive (``MAP_PMTILES_FILE``), in the ranges the page's reader
    asks for; 404 when none is set or the file cannot be read."""
    _checked(request)
    response = (
        archive_response(settings.MAP_PMTILES_FILE, request.headers.get("Range")) if settings.MAP_PMTILES_FILE else None
    )
    if response is None:
        raise Http404
    return response
