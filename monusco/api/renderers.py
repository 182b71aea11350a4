"""CSV with an HXL hashtag row under the header, and GeoJSON.

A view lists its CSV columns as ``csv_columns = [(path, header, hxl_tag), ...]``, where ``path`` is
a dotted path into one serialized row (``"locality.name"``); lists are joined with ``|``. Every
text cell goes through ``monusco.redaction.spreadsheet_safe`` (no cell runs as a formula). A view
with GeoJSON gives ``geo_coordinates = (longitude_path, latitude_path)``; each row becomes a Point
feature whose ``id`` is the row's ``uid`` and whose properties are the rest of the row.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import orjson
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

from monusco.redaction import spreadsheet_safe

_fallback = JSONEncoder()


class ApiJSONRenderer(JSONRenderer):
    """Compact UTF-8 JSON, as DRF's, written by orjson (the page of 100 meetings renders ~5x
    faster). Whatever orjson does not know (lazy translations, decimals) goes through DRF's encoder."""

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if data is None:
            return b""
        return orjson.dumps(data, default=_fallback.default, option=orjson.OPT_NON_STR_KEYS)


def dig(row, path: str):
    """The value at a dotted path; through a list, the list of values (``threats.category``)."""
    value = row
    parts = path.split(".")
    for index, part in enumerate(parts):
        if isinstance(value, list):
            rest = ".".join(parts[index:])
            return [dig(item, rest) for item in value]
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _rows(data) -> list:
    if isinstance(data, dict) and "results" in data:
        return data["results"]
    if isinstance(data, list):
        return data
    return [data]


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "|".join(_text(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, cls=JSONEncoder, ensure_ascii=False, sort_keys=True)
    return str(value)


def _cell(value) -> str:
    """One CSV cell. Numbers are written as numbers (a latitude of -3.08 stays -3.08); any text,
    a list joined with ``|`` included, is made safe for spreadsheets (``=HYPERLINK(…)`` from an
    SMS is written ``'=HYPERLINK(…)``)."""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return str(value)
    return spreadsheet_safe(_text(value))


class HXLCSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        columns = renderer_context["view"].csv_columns
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow([spreadsheet_safe(header) for _path, header, _tag in columns])
        writer.writerow([spreadsheet_safe(tag) for _path, _header, tag in columns])
        for row in _rows(data):
            writer.writerow([_cell(dig(row, path)) for path, _header, _tag in columns])
        return out.getvalue().encode(self.charset)


class GeoJSONRenderer(BaseRenderer):
    media_type = "application/geo+json"
    format = "geojson"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        lon_path, lat_path = renderer_context["view"].geo_coordinates
        features = []
        for row in _rows(data):
            properties = {key: value for key, value in row.items() if key != "uid"}
            lon, lat = dig(row, lon_path), dig(row, lat_path)
            geometry = {"type": "Point", "coordinates": [lon, lat]} if lon is not None and lat is not None else None
            features.append({"type": "Feature", "id": row["uid"], "geometry": geometry, "properties": properties})
        if isinstance(data, dict) and "results" not in data:
            body = features[0]
        else:
            body = {"type": "FeatureCollection", "features": features}
            if isinstance(data, dict):
                body["next"] = data.get("next")
                body["previous"] = data.get("previous")
        return orjson.dumps(body, default=_fallback.default, option=orjson.OPT_NON_STR_KEYS)
