"""The map page in a browser: the layers drawn over the outlines, a click opens the record; the
same data as a table with JavaScript off; "Use my position" at 360 px with a mocked position fills
the fields and warns when far from the locality (French and Swahili)."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import login
from tests.factories import PASSWORD
from tests.factories.can import make_alert


def _alert(world):
    return make_alert(world.base, locality=world.sange, received_on=timezone.localdate() - datetime.timedelta(days=1))


@pytest.mark.django_db(transaction=True)
def test_the_map_shows_the_layers_and_a_click_opens_the_record(page, world, users):
    alert = _alert(world)
    login(page, "t-manager", PASSWORD)
    page.goto(f"{page.base_url}/map/")
    page.wait_for_selector("#map[data-loaded-alerts='1']")
    page.wait_for_selector("#map[data-loaded-bases]")
    assert page.locator("#map").is_visible()
    assert page.locator("path.map-alerts").count() == 1
    assert page.locator("path.map-bases").count() >= 1
    labels = page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
    assert any("Alerts" in text for text in labels)
    assert any("Sexual-violence alerts" in text for text in labels)
    page.locator("path.map-alerts").dispatch_event("click")  # a base's locality may lie on top
    page.wait_for_url(f"**/can/alerts/{alert.uid}/")


@pytest.mark.django_db(transaction=True)
def test_without_javascript_the_table_by_territory_works(browser, live_server, world, users):
    alert = _alert(world)
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.set_default_timeout(15000)
    page.base_url = live_server.url
    try:
        login(page, "t-manager", PASSWORD)
        page.goto(f"{live_server.url}/map/")
        assert not page.locator("#map").is_visible()
        section = page.locator(".map-table")
        assert "Uvira" in section.locator("h3").all_inner_texts()
        page.click(f"text={alert.reference} · Armed attack · Received")
        page.wait_for_url(f"**/can/alerts/{alert.uid}/")
    finally:
        context.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("language", "button", "warning"),
    [
        ("fr", "Utiliser ma position", "Cette position est à 35 km de la localité choisie"),
        ("sw", "Tumia mahali nilipo", "Mahali hapa ni km 35 kutoka kijiji kilichochaguliwa"),
    ],
)
def test_use_my_position_fills_the_fields_and_warns_when_far(
    browser, live_server, world, users, language, button, warning
):
    from tests.e2e.conftest import speaking

    speaking(users["cla"], language)
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        locale=language,
        geolocation={"latitude": -3.3953, "longitude": 29.1378, "accuracy": 12},
        permissions=["geolocation"],
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    page.base_url = live_server.url
    try:
        login(page, "t-cla", PASSWORD)
        page.goto(f"{live_server.url}/can/alerts/new/")
        assert page.input_value("#id_latitude") == ""  # nothing is taken before the tap
        page.select_option("#id_locality", label="Sange")
        assert page.locator("button.use-position").inner_text() == button
        page.click("button.use-position")
        expect(page.locator("#id_latitude")).to_have_value("-3.39530")
        assert page.input_value("#id_longitude") == "29.13780"
        assert page.input_value("#id_position_accuracy") == "12"
        far = page.locator(".position-far")
        assert far.is_visible()
        assert warning in far.inner_text()
        page.select_option("#id_locality", label="Uvira")  # the position is at Uvira: no warning
        assert not far.is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
    finally:
        context.close()
