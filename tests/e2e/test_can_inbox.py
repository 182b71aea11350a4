"""A focal point's SMS reaches the duty officer's inbox; one tap acknowledges it; the officer
records verification and response and closes it. At 360 px wide, without JavaScript needs."""

import json

import pytest
from django.test import Client

from can.models import Alert
from tests.e2e.conftest import login
from tests.factories import PASSWORD, TOKEN, make_channel, make_focal_point


@pytest.mark.django_db(transaction=True)
def test_duty_officer_takes_an_sms_alert_to_closure(page, world, users):
    channel = make_channel(world.base)
    fp = make_focal_point(world.base, world.sange, phone="+243990000111")
    response = Client().post(
        f"/can/inbound/{channel.uid}/receive",
        json.dumps({"from": "+243990000111", "text": "Attaque des hommes armés à Sange", "id": "e2e-1"}),
        content_type="application/json",
        HTTP_X_GATEWAY_TOKEN=TOKEN,
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
    assert "The alert will be closed as “Addressed”." in page.content()
    assert Alert.objects.get(pk=alert.pk).status == "response_dispatched"  # not before it is confirmed
    page.get_by_role("button", name="Yes, close the alert").click()
    page.wait_for_load_state("networkidle")
    alert.refresh_from_db()
    assert (alert.status, alert.outcome, alert.response_type, alert.acknowledged_by, alert.closed_by) == (
        "closed",
        "addressed",
        "patrol",
        users["duty"],
        users["duty"],
    )
    page.goto(f"{page.base_url}/can/inbox/")
    assert page.locator(f"#alert-{alert.uid}").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


@pytest.mark.django_db(transaction=True)
def test_cla_corrects_an_alert_the_gender_office_returned(page, world, users):
    from can import services
    from gender import services as gender_services
    from gender.selectors.reviews import active_checklist
    from tests.factories import make_alert

    gender_services.checklist_ensure_defaults()
    alert = make_alert(world.base, status="response_dispatched", locality=world.uvira, women=2)
    alert = services.alert_close(alert=alert, user=users["duty"], outcome="addressed")
    checklist = active_checklist(report_type="alert")
    gender_services.review_record(
        report=alert,
        reviewer=users["gender"],
        decision="returned",
        comment="Combien de filles ?",
        answers={i.pk: ("partly", "") for i in checklist.items.all()},
    )

    page.set_viewport_size({"width": 360, "height": 740})
    login(page, users["cla"].username, PASSWORD)
    page.goto(f"{page.base_url}/can/alerts/{alert.uid}/")
    assert "Combien de filles ?" in page.content()
    page.get_by_role("link", name="Correct", exact=True).click()
    page.fill("#id_girls", "3")
    page.select_option("#id_locality", str(world.sange.pk))
    page.get_by_role("button", name="Resubmit for review").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(f"/can/alerts/{alert.uid}/")
    assert "The corrected alert was sent back to the gender office for review." in page.content()
    alert.refresh_from_db()
    assert (alert.girls, alert.women, alert.locality, alert.review_status, alert.review_round) == (
        3,
        2,
        world.sange,
        "submitted",
        2,
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
