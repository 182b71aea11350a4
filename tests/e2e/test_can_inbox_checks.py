"""The duty officer's inbox and the CLA's focal point form at 360 px, in French and in Swahili:
a note being typed survives the inbox's check for new alerts (a banner, never a reload); closing
an alert asks to confirm, without JavaScript; a phone number that is not one is refused."""

import pytest
from django.utils import translation
from django.utils.translation import gettext

from can import inbox_views
from can.models import Alert, AlertStatus, FocalPoint, Outcome
from tests.e2e.conftest import login
from tests.factories import PASSWORD, make_alert

LANGUAGES = ["fr", "sw"]


def _speaks(user, language):
    user.preferred_language = language
    user.save(update_fields=["preferred_language"])


def _texts(language, *msgids):
    with translation.override(language):
        return [gettext(m) for m in msgids]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_typed_note_survives_the_check_for_new_alerts(phone, world, users, language, monkeypatch):
    monkeypatch.setattr(inbox_views, "INBOX_POLL_SECONDS", 2)
    _speaks(users["duty"], language)
    alert = make_alert(world.base, status=AlertStatus.ACKNOWLEDGED, locality=world.sange)
    page = phone(language)
    login(page, users["duty"].username, PASSWORD)
    page.goto(f"{page.base_url}/can/inbox/")
    page.evaluate("window.sameDocument = true")  # gone if the page reloads
    note = page.locator(f"#note-{alert.uid}")
    note.fill("Chef de localité joint")
    banner = page.locator("#inbox-news")
    assert banner.is_hidden()

    make_alert(world.base, locality=world.sange)  # an SMS arrives meanwhile
    banner.wait_for(state="visible", timeout=15000)
    one, typing, show = _texts(
        language,
        "A new alert has arrived.",
        "Finish what you are typing first: showing them reloads the page.",
        "Show them",
    )
    assert banner.inner_text() == f"{one} {typing} {show}"
    assert page.evaluate("window.sameDocument") is True
    assert note.input_value() == "Chef de localité joint"
    page.wait_for_timeout(2500)  # another check: still the same page, still the note
    assert (page.evaluate("window.sameDocument"), note.input_value()) == (True, "Chef de localité joint")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.locator(f"#alert-{alert.uid} button.primary").click()
    page.wait_for_load_state("networkidle")
    alert.refresh_from_db()
    assert (alert.status, alert.verification_note) == (AlertStatus.VERIFIED, "Chef de localité joint")
    cards = page.locator("div.card[id^=alert-]")
    assert cards.count() == 2  # the step's page shows the alert that arrived
    make_alert(world.base, locality=world.sange)
    banner.wait_for(state="visible", timeout=15000)
    assert banner.inner_text() == f"{one} {show}"  # nothing typed: nothing to finish first
    page.locator("#inbox-news a").click()  # the link shows it
    page.wait_for_load_state("networkidle")
    assert cards.count() == 3


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", LANGUAGES)
def test_closing_an_alert_asks_to_confirm_without_javascript(browser, live_server, world, users, language):
    _speaks(users["duty"], language)
    alert = make_alert(world.base, status=AlertStatus.VERIFIED, locality=world.sange)
    context = browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=False, locale=language)
    page = context.new_page()
    page.set_default_timeout(15000)
    page.base_url = live_server.url
    try:
        login(page, users["duty"].username, PASSWORD)
        page.goto(f"{live_server.url}/can/inbox/")
        select = page.locator(f"#outcome-{alert.uid}")
        assert select.input_value() == ""  # no outcome chosen in advance
        select.select_option("false_alarm")
        close, yes, no = _texts(language, "Close the alert…", "Yes, close the alert", "No, keep it open")
        page.locator(f"#alert-{alert.uid}").get_by_role("button", name=close).click()
        page.wait_for_load_state("networkidle")
        with translation.override(language):
            label = str(Outcome.FALSE_ALARM.label)
            asked = gettext(
                "The alert will be closed as “%(outcome)s”. It then goes to the gender office for review and "
                "leaves the inbox."
            ) % {"outcome": label}
            said = gettext("Alert %(ref)s closed: %(outcome)s.") % {"ref": alert.short_id, "outcome": label}
        assert asked in page.locator("#close-confirm").inner_text()
        assert Alert.objects.get(pk=alert.pk).status == AlertStatus.VERIFIED
        assert page.evaluate("document.documentElement.scrollWidth") <= 360

        page.get_by_role("link", name=no).click()  # changed their mind: back, still open
        page.wait_for_load_state("networkidle")
        assert page.url.endswith("/can/inbox/")
        assert Alert.objects.get(pk=alert.pk).status == AlertStatus.VERIFIED

        page.locator(f"#outcome-{alert.uid}").select_option("false_alarm")
        page.locator(f"#alert-{alert.uid}").get_by_role("button", name=close).click()
        page.wait_for_load_state("networkidle")
        page.get_by_role("button", name=yes).click()
        page.wait_for_load_state("networkidle")
        assert page.url.endswith("/can/inbox/")
        assert page.locator("ul.messages li").all_inner_texts() == [said]
        alert.refresh_from_db()
        assert (alert.status, alert.outcome, alert.closed_by) == (AlertStatus.CLOSED, "false_alarm", users["duty"])
    finally:
        context.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", LANGUAGES)
def test_an_invalid_phone_number_is_refused_with_a_translated_message(phone, world, users, language):
    _speaks(users["cla"], language)
    page = phone(language)
    login(page, users["cla"].username, PASSWORD)
    page.goto(f"{page.base_url}/can/focal-points/new/")
    assert page.locator("#id_sex").input_value() == ""
    assert page.locator("#id_community_role").input_value() == ""
    page.fill("#id_name", "Mama Neema")
    page.fill("#id_phone", "abc-not-a-phone")
    page.select_option("#id_locality", str(world.sange.pk))
    page.select_option("#id_community_role", "women")
    page.select_option("#id_sex", "f")
    with page.expect_response(
        lambda r: r.url.endswith("/can/focal-points/new/") and r.request.method == "POST"
    ) as info:
        page.locator("form.card button[type=submit]").click()
    assert info.value.status == 400
    page.wait_for_load_state("networkidle")
    (message,) = _texts(language, "Enter a valid phone number.")
    assert message != "Enter a valid phone number."
    assert message in page.locator("form.card").inner_text()
    assert page.locator("#id_phone").input_value() == "abc-not-a-phone"  # kept to correct
    assert FocalPoint.objects.count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
