"""The CLA's pages on a 360 px phone, in French and in Swahili: a compact header, lists shown as
cards, and no date, number or status broken across lines."""

import datetime

import pytest

from tests.e2e.conftest import login, open_account_menu
from tests.factories import PASSWORD, ConcernFactory, MeetingFactory, PlanFactory

LANGUAGES = ["fr", "sw"]

# Every text node inside a date, a number or a badge sits on one line.
BROKEN = """() => {
    const broken = [];
    for (const el of document.querySelectorAll('.date, .num, .badge, time')) {
        const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            if (!node.textContent.trim()) continue;
            const range = document.createRange();
            range.selectNodeContents(node);
            const lines = new Set(Array.from(range.getClientRects()).map(r => Math.round(r.top)));
            if (lines.size > 1) broken.push(node.textContent.trim());
        }
    }
    return broken;
}"""


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", LANGUAGES)
def test_cla_pages_fit_a_phone_with_nothing_broken(browser, live_server, world, users, language):
    cla = users["cla"]
    cla.preferred_language = language
    cla.save(update_fields=["preferred_language"])
    for day in range(1, 4):
        meeting = MeetingFactory(
            base=world.base,
            created_by=cla,
            locality=world.sange,
            held_on=datetime.date(2026, 12, day),
            women=19,
            men=23,
        )
        ConcernFactory(meeting=meeting)
    PlanFactory(
        base=world.base,
        locality=world.sange,
        created_by=cla,
        period_start=datetime.date(2026, 7, 1),
        period_end=datetime.date(2026, 12, 31),
    )
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.set_default_timeout(15000)
    page.base_url = live_server.url
    try:
        login(page, cla.username, PASSWORD)
        for path in ["/cla/", "/cla/meetings/", "/cla/plans/", "/cla/meetings/new/", "/cla/plans/new/"]:
            page.goto(live_server.url + path)
            header = page.locator("header.top").bounding_box()
            assert header["height"] <= 100, (path, header["height"])
            assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
            assert page.evaluate(BROKEN) == [], path
        page.goto(live_server.url + "/cla/meetings/")
        # A card per meeting: every cell says what it holds.
        first = page.locator("table.cards tbody tr").first
        assert first.evaluate("tr => getComputedStyle(tr).display") == "block"
        labels = first.locator("td").evaluate_all("tds => tds.map(td => td.dataset.label)")
        assert len(labels) == 6 and all(labels)
        assert first.locator("td.num div").first.inner_text() == str(19 + 23 + 5)
        open_account_menu(page)
        assert page.locator("form.logout button").is_visible()
    finally:
        context.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("role", ["duty", "gender"])
def test_other_field_pages_fit_a_phone_with_nothing_broken(browser, live_server, world, users, role, language):
    from tests.factories import make_alert, make_meeting

    user = users[role]
    user.preferred_language = language
    user.save(update_fields=["preferred_language"])
    alert = make_alert(world.base, locality=world.sange, sender="+243812345679", women=19, men=23)
    make_meeting(world=world, author=users["cla"], locality=world.sange, women=19, men=23, submitted_days_ago=2)
    paths = {
        "duty": ["/can/inbox/", f"/can/alerts/{alert.uid}/", "/can/focal-points/"],
        "gender": ["/gender/queue/", "/gender/dashboard/"],
    }[role]
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.set_default_timeout(15000)
    page.base_url = live_server.url
    try:
        login(page, user.username, PASSWORD)
        for path in paths:
            page.goto(live_server.url + path)
            assert page.locator("header.top").bounding_box()["height"] <= 100, path
            assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
            assert page.evaluate(BROKEN) == [], path
    finally:
        context.close()


# Controls a thumb must hit, smaller than 24 px (WCAG 2.2 AA target size); links inside a sentence
# are exempt, as WCAG has them.
SMALL_TARGETS = """() => Array.from(document.querySelectorAll(
        'button, select, summary, input:not([type=hidden]), textarea, nav a, .actions a, a.button'))
    .filter(el => el.offsetParent !== null)
    .map(el => [el.tagName + (el.name ? '[' + el.name + ']' : ''), el.getBoundingClientRect()])
    .filter(([, r]) => r.height < 24 || r.width < 24)
    .map(([name, r]) => name + ' ' + Math.round(r.width) + 'x' + Math.round(r.height))"""


@pytest.mark.django_db(transaction=True)
def test_field_pages_have_tap_targets_of_24_px(browser, live_server, world, users):
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        login_page = page
        login_page.base_url = live_server.url
        login(login_page, users["cla"].username, PASSWORD)
        for path in ["/cla/", "/cla/meetings/", "/cla/meetings/new/", "/cla/plans/new/", "/can/alerts/new/"]:
            page.goto(live_server.url + path)
            assert page.evaluate(SMALL_TARGETS) == [], path
    finally:
        context.close()
