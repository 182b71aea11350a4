"""The duty officer's inbox after a flood: pages of oldest-first alerts with the counts per state,
at 360 px, in French and in Swahili, without JavaScript; a step taken on page 2 comes back there."""

import datetime

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext

from can.inbox_views import INBOX_PAGE_SIZE
from can.models import Alert, AlertStatus
from tests.e2e.conftest import login
from tests.factories import PASSWORD, make_alert

STATES = [
    AlertStatus.RECEIVED,
    AlertStatus.CALLBACK_NEEDED,
    AlertStatus.ACKNOWLEDGED,
    AlertStatus.VERIFIED,
    AlertStatus.RESPONSE_DISPATCHED,
]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["fr", "sw"])
def test_the_inbox_pages_through_a_flood_without_javascript(browser, live_server, world, users, language):
    duty = users["duty"]
    duty.preferred_language = language
    duty.save(update_fields=["preferred_language"])
    total = 2 * INBOX_PAGE_SIZE + 5
    start = timezone.now() - datetime.timedelta(hours=3)
    alerts = [
        make_alert(
            world.base, locality=world.sange, status=STATES[i % 5], received_at=start + datetime.timedelta(minutes=i)
        )
        for i in range(total)
    ]

    context = browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15000)
    page.base_url = live_server.url
    try:
        login(page, duty.username, PASSWORD)
        page.goto(f"{live_server.url}/can/inbox/")
        cards = page.locator("div.card[id^=alert-]")
        assert cards.count() == INBOX_PAGE_SIZE
        assert cards.first.get_attribute("id") == f"alert-{alerts[0].uid}"  # oldest first
        counts = page.locator("ul.state-counts li").all_inner_texts()
        with translation.override(language):
            expected = [
                f"{label} {sum(1 for a in alerts if a.status == status)}"
                for status, label in ((s, str(s.label)) for s in STATES)
            ]
            newer, older = gettext("Newer alerts"), gettext("Older alerts")
        assert [" ".join(c.split()) for c in counts] == expected
        assert newer != "Newer alerts" and older != "Older alerts"
        assert page.locator("h1 .badge").inner_text() == str(total)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360

        page.get_by_role("link", name=newer).first.click()
        page.wait_for_load_state("networkidle")
        assert page.url.endswith("/can/inbox/?page=2")
        assert cards.first.get_attribute("id") == f"alert-{alerts[INBOX_PAGE_SIZE].uid}"
        target = next(a for a in alerts[INBOX_PAGE_SIZE:] if a.status == AlertStatus.RECEIVED)
        page.locator(f"#alert-{target.uid} button.primary").click()
        page.wait_for_load_state("networkidle")
        assert page.url.endswith("/can/inbox/?page=2")
        assert Alert.objects.get(pk=target.pk).status == AlertStatus.ACKNOWLEDGED
        assert page.evaluate("document.documentElement.scrollWidth") <= 360

        page.get_by_role("link", name=newer).first.click()
        page.wait_for_load_state("networkidle")
        assert cards.count() == 5
        assert page.get_by_role("link", name=newer).count() == 0
        assert page.get_by_role("link", name=older).count() == 2
    finally:
        context.close()
