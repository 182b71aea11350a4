"""Schema post-processing: keep the committed schema independent of the active language."""


def strip_parameter_titles(result, generator, request, public):
    """Parameter titles come from translated model verbose names; the descriptions say enough."""
    for path in result.get("paths", {}).values():
        for operation in path.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                parameter.get("schema", {}).pop("title", None)
    return result
