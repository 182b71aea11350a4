"""The map's background from the app's own storage in a browser, at 360 px: the page's PMTiles
reader (protomaps-leaflet) reads the archive in byte ranges, draws its tiles, and no layer fails, with no
script error and no Content-Security-Policy violation."""

import pytest

from tests.e2e.conftest import login
from tests.e2e.test_content_security_policy import WATCH
from tests.factories import PASSWORD
from tests.monusco.test_map_tiles import write_archive


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("language", "heading"), [("fr", "Carte"), ("sw", "Ramani")])
def test_the_page_reads_its_archive_in_ranges(
    browser, live_server, world, users, settings, tmp_path, language, heading
):
    from tests.e2e.conftest import speaking

    speaking(users["manager"], language)
    path = tmp_path / "south-kivu.pmtiles"
    size = len(write_archive(path))
    settings.MAP_PMTILES_FILE = str(path)
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale=language)
    page = context.new_page()
    page.set_default_timeout(15000)
    page.base_url = live_server.url
    page.add_init_script(WATCH)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    ranges = []
    page.on(
        "response",
        lambda r: (
            ranges.append((r.status, r.headers.get("content-range")))
            if r.url.endswith("/map/background.pmtiles")
            else None
        ),
    )
    try:
        login(page, "t-manager", PASSWORD)
        page.goto(f"{live_server.url}/map/")
        page.wait_for_selector("#map[data-background='pmtiles']")
        page.wait_for_selector("#map[data-loaded-bases]")
        page.wait_for_function("document.querySelectorAll('#map canvas').length > 0")
        page.wait_for_load_state("networkidle")
        assert page.locator("h1").inner_text() == heading
        assert ranges, "the archive was never read"
        assert all(status == 206 for status, _ in ranges), ranges
        assert ranges[0][1].startswith("bytes 0-") and ranges[0][1].endswith(f"/{size}")
        assert page.locator("p.errorlist").count() == 0
        assert page.evaluate("window.__violations") == []  # under the Content-Security-Policy
        assert errors == []
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
    finally:
        context.close()
