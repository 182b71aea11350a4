"""A reviewer returns a meeting with a comment; the CLA sees it, fixes it and resubmits; the
reviewer sees what changed and approves; the dashboard's figures follow."""

import re

import pytest

from gender.models import ReviewChecklist
from tests.e2e.conftest import login
from tests.factories import PASSWORD, make_meeting


def _answer_all(page, checklist, answer="yes"):
    for item in checklist.items.all():
        page.check(f"input[name=answer_{item.pk}][value={answer}]")


def _figure(page, key):
    return page.locator(f"#{key}").inner_text()


@pytest.mark.django_db(transaction=True)
def test_return_fix_resubmit_approve_and_dashboard_follows(page, world, users):
    meeting = make_meeting(
        world=world, author=users["cla"], locality=world.sange, women=0, men=10, submitted_days_ago=2
    )
    checklist = ReviewChecklist.objects.get(report_type="meeting", is_active=True)
    first = checklist.items.get(position=1)

    # The reviewer lands on the queue, opens the meeting and returns it with comments.
    login(page, "t-gender", PASSWORD)
    assert page.url.endswith("/gender/queue/")
    assert page.locator("#queue-total").inner_text() == "1"
    page.click(f"a[href$='/gender/review/meeting/{meeting.uid}/']")
    _answer_all(page, checklist)
    page.check(f"input[name=answer_{first.pk}][value=no]")
    page.fill(f"textarea[name=note_{first.pk}]", "No women counted")
    page.fill("#id_comment", "No women at this meeting: consult them separately.")
    page.click("button[value=returned]")
    page.wait_for_url(re.compile(r"/gender/queue/$"))
    assert page.locator("#queue-total").inner_text() == "0"

    page.goto(f"{page.base_url}/gender/dashboard/")
    assert (_figure(page, "k-reports"), _figure(page, "k-reviewed"), _figure(page, "k-returned")) == (
        "1",
        "100%",
        "100%",
    )
    assert (_figure(page, "k-no-women"), _figure(page, "k-women-share"), _figure(page, "k-separate")) == (
        "1",
        "0%",
        "0",
    )

    # The CLA sees the comment, corrects the meeting and resubmits it.
    page.context.clear_cookies()
    login(page, "t-cla", PASSWORD)
    returned = page.locator("section:has(h2:text-is('Returned for correction'))")
    assert returned.locator(f"a[href$='/cla/meetings/{meeting.uid}/']").count() == 1
    page.goto(f"{page.base_url}/cla/meetings/{meeting.uid}/")
    assert "No women at this meeting: consult them separately." in page.content()
    assert "No women counted" in page.content()
    page.click(f"a[href$='/cla/meetings/{meeting.uid}/edit/']")
    page.fill("#id_women", "6")
    page.check("#id_women_consulted_separately")
    page.click("button[value=submit]")
    page.wait_for_url(re.compile(rf"/cla/meetings/{meeting.uid}/$"))
    meeting.refresh_from_db()
    assert (meeting.review_status, meeting.review_round, meeting.women) == ("submitted", 2, 6)

    # The reviewer sees what changed, and approves.
    page.context.clear_cookies()
    login(page, "t-gender", PASSWORD)
    page.click(f"a[href$='/gender/review/meeting/{meeting.uid}/']")
    changes = page.locator("#changes tbody tr")
    assert changes.count() == 2
    assert changes.nth(0).inner_text().split("\t") == ["Women", "0", "6"]
    assert changes.nth(1).inner_text().split("\t") == ["Women consulted separately", "No", "Yes"]
    _answer_all(page, checklist)
    page.fill("#id_comment", "Thank you.")
    page.click("button[value=approved]")
    page.wait_for_url(re.compile(r"/gender/queue/$"))
    meeting.refresh_from_db()
    assert meeting.review_status == "approved"

    page.goto(f"{page.base_url}/gender/dashboard/")
    assert (_figure(page, "k-reports"), _figure(page, "k-reviewed"), _figure(page, "k-waiting")) == ("1", "100%", "0")
    assert (_figure(page, "k-no-women"), _figure(page, "k-women-share"), _figure(page, "k-separate")) == (
        "0",
        "38%",
        "1",
    )
    rates = page.locator("#checklist-rates tbody tr").first.inner_text().split("\t")
    assert rates[1:] == ["1", "0", "1", "0", "50%"]

    # Phone width: no sideways scrolling on the gender pages.
    page.set_viewport_size({"width": 360, "height": 740})
    for path in ["/gender/queue/", "/gender/dashboard/", f"/gender/review/meeting/{meeting.uid}/"]:
        page.goto(page.base_url + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
