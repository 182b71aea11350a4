"""A focal point's SMS reaches the duty officer's inbox; one tap acknowledges it; the officer
records verification and response and closes it. At 360 px wide, without JavaScript needs."""

import json

import pytest
from django.test import Client

from can.models import Alert
from tests.can.factories import TOKEN, make_channel, make_focal_point
from tests.e2e.conftest import login
from tests.factories import PASSWORD


@pytest.mark.django_db(transaction=True)
def test_duty_officer_takes_an_sms_alert_to_closure(page, world, users):
    channel = make_channel(world.base)
    fp = make_focal_point(world.base, world.sange, phone="+243990000111")
    response = Client().post(
        f"/can/inbound/{channel.uid}/receive",
        json.dumps({"from": "+243990000111", "text": "Attaque des hommes armés à Sange", "id": "e2e-1"}),
        content_type="application/json", HTTP_X_GATEWAY_TOKEN=TOKEN,
    )
    assert response.status_code == 200
    alert = Alert.objects.get()

    page.set_viewport_size({"width": 360, "height": 740})
    login(page, users["duty"].username, PASSWORD)
    page.goto(f"{page.base_url}/can/inbox/")
    card = page.locator(f"#alert-{alert.uid}")
    assert "Armed attack" in card.inner_text()
    assert fp.code in card.inner_text()
    assert "990000111" not in page.content()
    card.get_by_role("button", name="Acknowledge").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/can/inbox/")
    assert "Acknowledged" in page.locator(f"#alert-{alert.uid}").inner_text()

    page.goto(f"{page.base_url}/can/alerts/{alert.uid}/")
    page.fill("#id_note", "Chef de localité joint par téléphone")
    page.get_by_role("button", name="Verified").click()
    page.select_option("#id_response_type", "patrol")
    page.get_by_role("button", name="Response dispatched").click()
    page.select_option("#id_outcome", "addressed")
    page.get_by_role("button", name="Close the alert").click()
    page.wait_for_load_state("networkidle")
    alert.refresh_from_db()
    assert (alert.status, alert.outcome, alert.response_type, alert.acknowledged_by, alert.closed_by) == (
        "closed", "addressed", "patrol", users["duty"], users["duty"])
    page.goto(f"{page.base_url}/can/inbox/")
    assert page.locator(f"#alert-{alert.uid}").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
