"""Home-page panels contributed by apps, so a role's home page can show another app's work
without importing it (e.g. the CLA home shows the base's open alerts from ``can``).

An app registers ``func(request) -> dict | None`` in its ``AppConfig.ready()``; the dict has
``title`` (str), ``template`` (a template name) and any context that template needs, and ``None``
means "nothing to show to this user". Home views render ``panels_for(request, "cla")``.
"""

from collections.abc import Callable

_panels: dict[str, list[Callable]] = {}


def register_panel(home: str, func: Callable) -> None:
    funcs = _panels.setdefault(home, [])
    if func not in funcs:
        funcs.append(func)


def panels_for(request, home: str) -> list[dict]:
    return [panel for func in _panels.get(home, []) if (panel := func(request)) is not None]
