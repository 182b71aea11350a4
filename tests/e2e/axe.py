"""axe-core (npm, vendored for the tests only under tests/e2e/vendor/) run in the page.

``page.evaluate`` runs the script through the browser's debugging protocol, so the pages' strict
Content-Security-Policy stays as it is."""

from functools import cache
from pathlib import Path

AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
BLOCKING = ("critical", "serious")


@cache
def _source() -> str:
    return AXE.read_text()


def violations(page, impacts=BLOCKING) -> list[tuple[str, str, list[str]]]:
    """(rule, impact, first targets) of each violation of the given impacts on the page shown."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(_source())
    found = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ['violations']});
            return result.violations.map(v => [v.id, v.impact, v.nodes.slice(0, 3).map(n => n.target.join(' '))]);
        }"""
    )
    return [tuple(v) for v in found if v[1] in impacts]
