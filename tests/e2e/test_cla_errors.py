"""A CLA at 360 px, in French and in Swahili, sends a meeting with a negative count, an incomplete
set of age bands and nobody counted: every error comes back at once, in a summary at the top that
takes the focus and links to each field; nothing is saved."""

import pytest
from django.utils import translation
from django.utils.translation import gettext, ngettext

from cla.models import UrafikiMeeting
from gender.sadd import BANDS_MESSAGE
from tests.e2e.conftest import login
from tests.factories import PASSWORD

LANGUAGES = ["fr", "sw"]
MISSING_BANDS = ("age_6_12", "age_13_17", "age_18_49", "age_50_59", "age_60_plus")
BAND_LABELS = {
    "age_6_12": "6–12",
    "age_13_17": "13–17",
    "age_18_49": "18–49",
    "age_50_59": "50–59",
    "age_60_plus": "60+",
}


def _t(language, text, **values):
    with translation.override(language):
        translated = gettext(text)
    assert translated != text or text in BAND_LABELS.values(), f"{text!r} has no {language} translation"
    return translated % values if values else translated


def _entry(language, label, message):
    with translation.override(language):
        colon = gettext("%(label)s:")  # "%(label)s :" in French, the same in Swahili
    return colon % {"label": _t(language, label)} + " " + message


def _phone(browser, live_server, *, javascript):
    context = browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=javascript)
    page = context.new_page()
    page.set_default_timeout(15000)
    page.base_url = live_server.url
    return page


def _send_a_bad_meeting(page):
    page.goto(page.base_url + "/cla/meetings/new/")
    page.select_option("#id_locality", label="Sange")
    page.fill("#id_women", "-2")
    for name in ("men", "girls", "boys"):
        page.fill(f"#id_{name}", "0")
    page.click("details:has(#id_age_0_5) > summary")
    page.fill("#id_age_0_5", "3")
    page.click("button[value=submit]")
    page.wait_for_load_state("networkidle")


def _expected(language):
    with translation.override(language):
        bands = str(BANDS_MESSAGE)
    return [
        ("#id_women", _entry(language, "Women", _t(language, "A count cannot be negative."))),
        (
            "#id_no_participants",
            _entry(
                language,
                "No participants recorded",
                _t(language, "Enter at least one participant, or tick “No participants recorded”."),
            ),
        ),
    ] + [(f"#id_{name}", _entry(language, BAND_LABELS[name], bands)) for name in MISSING_BANDS]


def _dangling_descriptions(page) -> list[str]:
    return page.evaluate(
        """() => Array.from(document.querySelectorAll("[aria-describedby]")).flatMap((element) =>
        element.getAttribute("aria-describedby").split(/\\s+/).filter((id) => !document.getElementById(id)))"""
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_error_at_once_in_a_summary_that_takes_the_focus(browser, live_server, world, users, language):
    users["cla"].preferred_language = language
    users["cla"].save(update_fields=["preferred_language"])
    page = _phone(browser, live_server, javascript=True)
    try:
        login(page, users["cla"].username, PASSWORD)
        page.goto(live_server.url + "/cla/meetings/new/")
        assert page.get_attribute("#id_locality", "required") == ""
        assert page.locator("label[for=id_locality] .req").inner_text() == "*"
        assert page.locator("label[for=id_topics] .req").count() == 0

        _send_a_bad_meeting(page)
        assert UrafikiMeeting.objects.count() == 0
        summary = page.locator("#error-summary")
        assert page.evaluate("document.activeElement.id") == "error-summary"
        assert summary.get_attribute("role") == "alert"
        links = summary.locator("a")
        expected = _expected(language)
        assert [(a.get_attribute("href"), a.inner_text()) for a in links.all()] == expected
        with translation.override(language):
            title = ngettext("There is %(n)s error to correct.", "There are %(n)s errors to correct.", 7) % {"n": 7}
        assert summary.locator("h2").inner_text() == title != "There are 7 errors to correct."
        assert page.locator("#id_women_error").inner_text() == _t(language, "A count cannot be negative.")
        assert page.get_attribute("#id_women", "aria-describedby") == "id_women_error"
        assert page.get_attribute("#id_women", "aria-invalid") == "true"
        assert _dangling_descriptions(page) == []
        assert page.evaluate("document.documentElement.scrollWidth") <= 360

        for href, _text in (expected[0], expected[-1], expected[1]):
            page.click(f"#error-summary a[href='{href}']")
            assert page.evaluate("document.activeElement.id") == href[1:]
            assert page.url.endswith(href)
    finally:
        page.context.close()


@pytest.mark.django_db(transaction=True)
def test_without_javascript_the_summary_is_a_visible_list_of_links(browser, live_server, world, users):
    users["cla"].preferred_language = "fr"
    users["cla"].save(update_fields=["preferred_language"])
    page = _phone(browser, live_server, javascript=False)
    try:
        login(page, users["cla"].username, PASSWORD)
        _send_a_bad_meeting(page)
        assert page.locator("#error-summary").is_visible()
        assert [a.get_attribute("href") for a in page.locator("#error-summary a").all()] == [
            href for href, _ in _expected("fr")
        ]
        page.click("#error-summary a[href='#id_women']")
        assert page.url.endswith("#id_women")
        assert page.evaluate("document.getElementById('id_women').getBoundingClientRect().top") > -2
        assert UrafikiMeeting.objects.count() == 0
    finally:
        page.context.close()
