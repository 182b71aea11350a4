"""Schema post-processing: keep the committed schema independent of the active language."""


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
    "429": "Too many requests for this client's throttle rate; see Retry-After.",
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
            for code, description in ERROR_RESPONSES.items():
                operation["responses"].setdefault(code, {"content": error, "description": description})
    return result
