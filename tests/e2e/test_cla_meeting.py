"""A CLA logs a meeting in French from the browser; another base's CLA cannot see it; 360 px wide."""

import re

import pytest

from cla.models import UrafikiMeeting
from tests.e2e.conftest import login, open_account_menu
from tests.factories import PASSWORD


def _no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 360


@pytest.mark.django_db(transaction=True)
def test_cla_logs_a_meeting_in_french_and_cla2_gets_404(page, users):
    login(page, "t-cla", PASSWORD)
    assert page.url.endswith("/cla/")
    open_account_menu(page)
    page.select_option("#lang-select", "fr")
    page.click("form.lang button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "Accueil CLA"
    users["cla"].refresh_from_db()
    assert users["cla"].preferred_language == "fr"

    page.click("text=Saisir une réunion")
    page.select_option("#id_locality", label="Sange")
    page.fill("#id_women", "-2")
    page.fill("#id_men", "9")
    page.fill("#id_girls", "3")
    page.fill("#id_boys", "1")
    page.check("text=Associations de femmes")
    page.fill("#id_topics", "Sécurité sur la route des champs")
    page.select_option("#id_concerns-0-category", "extortion")
    page.fill("#id_concerns-0-description", "Barrière illégale vers Luvungi")
    page.click("button[value=add_concern]")
    page.select_option("#id_concerns-1-category", "sexual_violence")
    page.fill("#id_concerns-1-description", "Femmes agressées en allant aux champs")
    page.click("button[value=submit]")

    error = page.locator("#id_women ~ ul.errorlist")
    assert error.inner_text() == "Un effectif ne peut pas être négatif."
    assert page.input_value("#id_concerns-1-description") == "Femmes agressées en allant aux champs"
    assert UrafikiMeeting.objects.count() == 0

    page.fill("#id_women", "12")
    page.click("button[value=submit]")
    page.wait_for_url(re.compile(r"/cla/meetings/[0-9a-f-]{36}/$"))
    meeting = UrafikiMeeting.objects.get()
    assert (meeting.review_status, meeting.women, meeting.total_people) == ("submitted", 12, 25)
    assert list(meeting.concerns.values_list("category", flat=True)) == ["extortion", "sexual_violence"]
    assert page.locator(".messages li").inner_text() == "La réunion a été envoyée au bureau genre pour revue."

    page.set_viewport_size({"width": 360, "height": 740})
    for path in ["/cla/", "/cla/meetings/new/", f"/cla/meetings/{meeting.uid}/", "/cla/meetings/", "/cla/plans/"]:
        page.goto(page.base_url + path)
        assert _no_horizontal_scroll(page), path

    page.context.clear_cookies()
    login(page, "t-cla2", PASSWORD)
    response = page.goto(f"{page.base_url}/cla/meetings/{meeting.uid}/")
    assert response.status == 404
