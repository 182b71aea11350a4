"""Positions taken on the phone: latitude, longitude and accuracy, all optional, on the records a
CLA writes in the field (alerts, meetings, JPT itinerary stops).

One rule, one place: the model fields and their check constraints (``PositionFields``,
``position_constraints``), the form fields and their check (``PositionFormMixin``), the distance
to the chosen locality that warns (never refuses) past ``FAR_KM``, and who reads the exact
position (``exact_position``): everyone else gets the locality's coordinates.

A position is only ever taken on the CLA's tap ("Use my position", ``static/map/position.js``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

FAR_KM = 25
EARTH_RADIUS_KM = 6371.0088
MAX_ACCURACY_M = 100_000  # a browser reporting worse than 100 km gave no position worth keeping


class PositionFields(models.Model):
    """Where the record was written, as the phone gave it. Null when the CLA did not give it."""

    latitude = models.DecimalField(_("latitude"), max_digits=8, decimal_places=5, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=8, decimal_places=5, null=True, blank=True)
    position_accuracy = models.PositiveIntegerField(_("position accuracy (m)"), null=True, blank=True)

    class Meta:
        abstract = True


def position_constraints(prefix: str) -> list[models.CheckConstraint]:
    """The ranges, and all-or-nothing: a latitude without a longitude is no position."""
    return [
        models.CheckConstraint(
            condition=Q(latitude__isnull=True, longitude__isnull=True, position_accuracy__isnull=True)
            | Q(
                latitude__gte=-90,
                latitude__lte=90,
                longitude__gte=-180,
                longitude__lte=180,
                latitude__isnull=False,
                longitude__isnull=False,
            ),
            name=f"{prefix}_position_valid",
        ),
        models.CheckConstraint(
            condition=Q(position_accuracy__isnull=True) | Q(position_accuracy__lte=MAX_ACCURACY_M),
            name=f"{prefix}_position_accuracy_valid",
        ),
    ]


@dataclass(frozen=True)
class Position:
    latitude: Decimal
    longitude: Decimal
    accuracy: int | None = None

    def as_fields(self) -> dict:
        return {"latitude": self.latitude, "longitude": self.longitude, "position_accuracy": self.accuracy}


POSITION_FIELDS = ("latitude", "longitude", "position_accuracy")
NO_POSITION = {"latitude": None, "longitude": None, "position_accuracy": None}


def position_values(position: Position | None) -> dict:
    """The model field values of ``position`` (all None without one)."""
    return position.as_fields() if position is not None else dict(NO_POSITION)


def distance_km(lat1, lon1, lat2, lon2) -> float:
    """Great-circle distance (haversine) in kilometres."""
    p1, p2 = math.radians(float(lat1)), math.radians(float(lat2))
    dp, dl = p2 - p1, math.radians(float(lon2) - float(lon1))
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def far_from_locality(position: Position | None, locality) -> int | None:
    """The distance in whole km when ``position`` is more than ``FAR_KM`` from ``locality``, else None."""
    if position is None or locality is None:
        return None
    km = distance_km(position.latitude, position.longitude, locality.latitude, locality.longitude)
    return round(km) if km > FAR_KM else None


def far_warning(km: int, locality) -> str:
    from django.utils.translation import gettext

    return gettext(
        "The position given is %(km)s km from %(locality)s. It was kept: check that the locality is right."
    ) % {"km": km, "locality": locality}


def exact_position(record, *, may_see_exact: bool) -> tuple[float, float, bool] | None:
    """``(latitude, longitude, exact)`` of a record: its own position for the staff of its base
    (``may_see_exact``), else its locality's coordinates; None when it has neither."""
    if may_see_exact and record.latitude is not None and record.longitude is not None:
        return float(record.latitude), float(record.longitude), True
    locality = getattr(record, "locality", None)
    if locality is None:
        return None
    return float(locality.latitude), float(locality.longitude), False


POSITION_HELP = _(
    "Optional. Only when you tap “Use my position”: the phone's latitude, longitude and accuracy are "
    "stored with this record. Only the staff of the record's base see the exact position; everyone "
    "else sees the locality's coordinates."
)


def _coordinate(label, limit: int) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        max_digits=14,  # a browser gives more decimals than kept: ``position()`` rounds to 5
        decimal_places=10,
        min_value=-limit,
        max_value=limit,
        widget=forms.NumberInput(attrs={"step": "0.00001", "inputmode": "decimal"}),
    )


class LocalitySelect(forms.Select):
    """A locality select whose options carry the locality's coordinates (``data-lat``, ``data-lon``),
    for the far-away hint of ``static/map/position.js``: read from the choices' instances, no query."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        instance = getattr(value, "instance", None)
        if instance is not None and getattr(instance, "latitude", None) is not None:
            option["attrs"]["data-lat"] = str(instance.latitude)
            option["attrs"]["data-lon"] = str(instance.longitude)
        return option


class PositionFormMixin(forms.Form):
    """The three fields and their check, for any form (a ``ModelForm`` too). ``position()`` gives
    the cleaned ``Position`` or None. Coordinates come rounded to 5 decimals (about 1 m). A
    ``locality`` field gets ``LocalitySelect``, so the page can warn before the form is sent."""

    position_help = POSITION_HELP
    far_km = FAR_KM

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in POSITION_FIELDS:  # after the form's own fields, before the "Use my position" button
            self.fields[name] = self.fields.pop(name)
        locality = self.fields.get("locality")
        if locality is not None and type(locality.widget) is forms.Select:
            widget = LocalitySelect(attrs=locality.widget.attrs)
            widget.choices = locality.widget.choices
            locality.widget = widget

    latitude = _coordinate(_("Latitude"), 90)
    longitude = _coordinate(_("Longitude"), 180)
    position_accuracy = forms.IntegerField(
        label=_("Accuracy (m)"), required=False, min_value=0, max_value=MAX_ACCURACY_M
    )

    def _post_clean_position(self, data: dict) -> None:
        lat, lon = data.get("latitude"), data.get("longitude")
        if (lat is None) != (lon is None) and not self.has_error("latitude") and not self.has_error("longitude"):
            self.add_error("latitude", _("Give both the latitude and the longitude, or neither."))
        elif lat is None and lon is None and data.get("position_accuracy") is not None:
            data["position_accuracy"] = None

    def position(self) -> Position | None:
        data = self.cleaned_data
        if data.get("latitude") is None or data.get("longitude") is None:
            return None
        return Position(
            latitude=data["latitude"].quantize(Decimal("0.00001")),
            longitude=data["longitude"].quantize(Decimal("0.00001")),
            accuracy=data.get("position_accuracy"),
        )

    def clean(self):
        super().clean()
        self._post_clean_position(self.cleaned_data)
        return self.cleaned_data
