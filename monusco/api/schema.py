"""Schema post-processing: the committed schema is independent of the active language, documents
every error, and describes the CSV and GeoJSON bodies as they are."""

import copy


def strip_parameter_titles(result, generator, request, public):
    """Parameter titles come from translated model verbose names; the descriptions say enough."""
    for path in result.get("paths", {}).values():
        for operation in path.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                parameter.get("schema", {}).pop("title", None)
    return result


ERROR_RESPONSES = {
    "400": "The request is not valid: `errors` says what is wrong with each field.",
    "401": "No credentials, or a token that is not valid.",
    "403": "Your role or your client's grants do not allow this.",
    "404": "Not found, or outside your scope (the two are not told apart); also a bad page cursor.",
    "405": "This method is not allowed here.",
    "406": "This format is not offered here (`format`, or the Accept header).",
    "429": "Too many requests for this client's throttle rate; see Retry-After.",
}
BODY_ERROR_RESPONSES = {
    "413": "The request body is larger than 64 KB.",
    "415": "The request body is not JSON.",
}


def document_errors(result, generator, request, public):
    """Every operation can answer these, always as ``{"detail": ..., "errors"?: {...}}``."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = {
        "type": "object",
        "properties": {
            "detail": {"type": "string", "description": "A clear message in the caller's language."},
            "errors": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
                "description": "For 400: the messages for each field.",
            },
        },
        "required": ["detail"],
    }
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path in result.get("paths", {}).values():
        for operation in path.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            codes = {**ERROR_RESPONSES, **(BODY_ERROR_RESPONSES if "requestBody" in operation else {})}
            for code, description in codes.items():
                operation["responses"].setdefault(code, {"content": error, "description": description})
    return result


NO_NUL = "^[^\\u0000]*$"


def forbid_nul_in_text(result, generator, request, public):
    """Free text (a query parameter, a field of a request body) never holds a NUL byte: the API
    answers 400 (PostgreSQL cannot store one). Say so with a pattern."""
    for path in result.get("paths", {}).values():
        for operation in path.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                _forbid_nul(parameter.get("schema", {}))
    for name, schema in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request"):
            for field in schema.get("properties", {}).values():
                _forbid_nul(field)
    return result


def _forbid_nul(schema: dict) -> None:
    if schema.get("type") == "string" and not {"format", "enum", "pattern"} & schema.keys():
        schema["pattern"] = NO_NUL


GEOJSON = "application/geo+json"
CSV_SCHEMA = {
    "type": "string",
    "description": "CSV: a header row, an HXL hashtag row, then one row per record (lists joined with |).",
}
POINT = {
    "type": "object",
    "required": ["type", "coordinates"],
    "properties": {
        "type": {"type": "string", "enum": ["Point"]},
        "coordinates": {
            "type": "array",
            "items": {"type": "number"},
            "minItems": 2,
            "maxItems": 2,
            "description": "[longitude, latitude]",
        },
    },
}


def document_formats(result, generator, request, public):
    """CSV bodies are text, and GeoJSON bodies are Features (one record) or FeatureCollections (a
    page), whose ``properties`` are the JSON record without its ``uid`` (the Feature's ``id``)."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for path in result.get("paths", {}).values():
        for operation in path.values():
            if not isinstance(operation, dict):
                continue
            for response in operation.get("responses", {}).values():
                content = response.get("content", {})
                if "text/csv" in content:
                    content["text/csv"] = {"schema": CSV_SCHEMA}
                if GEOJSON in content:
                    content[GEOJSON] = {"schema": _geojson_ref(schemas, content[GEOJSON]["schema"]["$ref"])}
    return result


def _geojson_ref(schemas: dict, ref: str) -> dict:
    name = ref.rsplit("/", 1)[1]
    page = schemas[name]
    if name.startswith("Paginated") and "results" in page.get("properties", {}):
        record = page["properties"]["results"]["items"]["$ref"].rsplit("/", 1)[1]
        collection = f"{record}FeatureCollection"
        schemas.setdefault(
            collection,
            {
                "type": "object",
                "required": ["type", "features", "next", "previous"],
                "properties": {
                    "type": {"type": "string", "enum": ["FeatureCollection"]},
                    "features": {"type": "array", "items": _feature_ref(schemas, record)},
                    "next": copy.deepcopy(page["properties"]["next"]),
                    "previous": copy.deepcopy(page["properties"]["previous"]),
                },
            },
        )
        return {"$ref": f"#/components/schemas/{collection}"}
    return _feature_ref(schemas, name)


def _feature_ref(schemas: dict, record: str) -> dict:
    feature = f"{record}Feature"
    if feature not in schemas:
        schemas.setdefault("GeoJSONPoint", POINT)
        properties = {key: copy.deepcopy(value) for key, value in schemas[record]["properties"].items() if key != "uid"}
        required = [key for key in schemas[record].get("required", []) if key != "uid"]
        schemas[f"{record}Properties"] = {"type": "object", "required": required, "properties": properties}
        schemas[feature] = {
            "type": "object",
            "required": ["type", "id", "geometry", "properties"],
            "properties": {
                "type": {"type": "string", "enum": ["Feature"]},
                "id": {"type": "string", "format": "uuid", "description": "The record's uid."},
                "geometry": {
                    "allOf": [{"$ref": "#/components/schemas/GeoJSONPoint"}],
                    "nullable": True,
                    "description": "null when the record has no place yet",
                },
                "properties": {"$ref": f"#/components/schemas/{record}Properties"},
            },
        }
    return {"$ref": f"#/components/schemas/{feature}"}
