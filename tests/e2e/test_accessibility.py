"""axe-core on every page of each role's main task: no critical or serious violation, in French
and in Swahili; field pages at 360 px."""

import datetime

import pytest

from tests.e2e.axe import violations
from tests.e2e.conftest import login
from tests.factories import PASSWORD, ConcernFactory, MeetingFactory, PlanFactory, ThreatFactory


def _context(browser, live_server, width):
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15000)
    page.base_url = live_server.url
    return page


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["fr", "sw"])
def test_cla_pages_have_no_serious_accessibility_violation(browser, live_server, world, users, language):
    cla = users["cla"]
    cla.preferred_language = language
    cla.save(update_fields=["preferred_language"])
    meeting = MeetingFactory(base=world.base, created_by=cla, locality=world.sange, held_on=datetime.date(2026, 11, 2))
    ConcernFactory(meeting=meeting)
    plan = PlanFactory(
        base=world.base,
        locality=world.sange,
        created_by=cla,
        period_start=datetime.date(2026, 7, 1),
        period_end=datetime.date(2026, 12, 31),
    )
    ThreatFactory(plan=plan)
    page = _context(browser, live_server, 360)
    try:
        login(page, cla.username, PASSWORD)
        found = {}
        for path in [
            "/cla/",
            "/cla/meetings/",
            "/cla/meetings/new/",
            f"/cla/meetings/{meeting.uid}/",
            f"/cla/meetings/{meeting.uid}/edit/",
            "/cla/plans/",
            "/cla/plans/new/",
            f"/cla/plans/{plan.uid}/",
            f"/cla/plans/{plan.uid}/edit/",
            "/can/alerts/new/",
            "/field/offline/",
        ]:
            page.goto(live_server.url + path)
            if problems := violations(page):
                found[path] = problems
        assert found == {}
    finally:
        page.context.close()


def _pages_of(role, world, users):
    """The pages of a role's main task, with the records they open."""
    from tests.factories import make_alert, make_focal_point
    from tests.factories.api import mission, plan_with_details
    from tests.factories.gender import make_meeting

    if role == "duty":
        alert = make_alert(world.base, locality=world.sange)
        focal_point = make_focal_point(world.base, world.sange)
        return 360, [
            "/can/inbox/",
            f"/can/alerts/{alert.uid}/",
            "/can/alerts/new/",
            "/can/focal-points/",
            f"/can/focal-points/{focal_point.uid}/",
        ]
    if role == "gender":
        meeting = make_meeting(world=world, author=users["cla"], locality=world.sange, submitted_days_ago=2)
        return 360, ["/gender/queue/", f"/gender/review/meeting/{meeting.uid}/", "/gender/dashboard/"]
    if role == "manager":
        plan_with_details(base=world.base, locality=world.sange, created_by=users["cla"])
        return 1280, ["/gender/dashboard/", "/cla/plans/", "/admin/jpt/jptmission/?status__exact=planned"]
    item = mission(localities=[world.sange], bases=[world.base], lead=users["jpt"])
    return 1366, [
        "/admin/jpt/jptmission/",
        "/admin/jpt/jptmission/add/",
        f"/admin/jpt/jptmission/{item.pk}/change/",
    ]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["fr", "sw"])
@pytest.mark.parametrize("role", ["duty", "gender", "manager", "jpt"])
def test_every_roles_pages_have_no_serious_accessibility_violation(browser, live_server, world, users, role, language):
    user = users[role]
    user.preferred_language = language
    user.save(update_fields=["preferred_language"])
    width, paths = _pages_of(role, world, users)
    page = _context(browser, live_server, width)
    try:
        login(page, user.username, PASSWORD)
        found = {}
        for path in paths:
            response = page.goto(live_server.url + path)
            assert response.status == 200, path
            if problems := violations(page):
                found[path] = problems
        assert found == {}
    finally:
        page.context.close()
