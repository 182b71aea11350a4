"""A CLA calls back a missed call from a phone (360 px), in French and in Swahili: "no answer",
then "reached" with the caller's account, and the alert is acknowledged. No script needed."""

import pytest

from can import services
from can.models import Alert, CallbackAttempt
from tests.e2e.axe import violations
from tests.e2e.conftest import login, speaking
from tests.factories import PASSWORD, make_channel

PHONE = "+243990000111"
SAVED = {"fr": "Rappel enregistré", "sw": "Simu imerekodiwa"}
NO_ANSWER = {"fr": "Tentative enregistrée", "sw": "Jaribio limerekodiwa"}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["fr", "sw"])
def test_cla_records_no_answer_then_reached(page, world, users, language):
    channel = make_channel(world.base)
    alert, _created = services.alert_receive_missed_call(channel=channel, sender=PHONE)
    cla = speaking(users["cla"], language)

    page.set_viewport_size({"width": 360, "height": 740})
    login(page, cla.username, PASSWORD)
    page.goto(f"{page.base_url}/can/call-backs/")
    card = page.locator(f"#callback-{alert.uid}")
    assert card.locator(f'a[href="tel:{PHONE}"]').is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert violations(page) == []
    card.locator(f'a[href="/can/call-backs/{alert.uid}/"]').last.click()
    page.wait_for_load_state("networkidle")
    assert violations(page) == []

    page.check("input[name=result][value=no_answer]")
    page.locator("form.card button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert NO_ANSWER[language] in page.content()
    assert Alert.objects.get(pk=alert.pk).callback_failures == 1

    page.check("input[name=result][value=reached]")
    page.select_option("#id_threat_category", "armed_attack")
    page.select_option("#id_locality", str(world.sange.pk))
    page.fill("#id_description", "Hommes armés vus près du marché")
    page.fill("#id_women", "2")
    page.fill("#id_girls", "1")
    page.locator("form.card button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(f"/can/alerts/{alert.uid}/")
    assert SAVED[language] in page.content()
    alert.refresh_from_db()
    assert (alert.status, alert.called_back_by, alert.acknowledged_by, alert.locality, alert.women, alert.girls) == (
        "acknowledged",
        cla,
        cla,
        world.sange,
        2,
        1,
    )
    assert list(CallbackAttempt.objects.values_list("result", flat=True)) == ["no_answer", "reached"]
    page.goto(f"{page.base_url}/can/call-backs/")
    assert page.locator(f"#callback-{alert.uid}").count() == 0
