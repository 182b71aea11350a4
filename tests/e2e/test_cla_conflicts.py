"""Two CLAs edit the same meeting, or the same plan, in two browsers at 360 px, in French and in
Swahili, the second without JavaScript. The second save is refused: the page shows what they typed
beside what is saved now, keeps their typing in the form, and saves it once they send it again."""

import datetime
import re

import pytest
from django.utils import translation
from django.utils.translation import gettext

from cla.models import ActionStatus, CommunityProtectionPlan, PlanRevision, UrafikiMeeting
from tests.e2e.conftest import login, speaking
from tests.factories import (
    PASSWORD,
    ActionFactory,
    ConcernFactory,
    MeetingFactory,
    PlanFactory,
    ThreatFactory,
    make_user,
)

LANGUAGES = ["fr", "sw"]


def _browser_page(browser, live_server, *, javascript: bool):
    context = browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=javascript)
    page = context.new_page()
    page.set_default_timeout(15000)
    page.base_url = live_server.url
    return page


def _t(language, text):
    with translation.override(language):
        translated = gettext(text)
    assert translated != text, f"{text!r} has no {language} translation"
    return translated


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 360


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", LANGUAGES)
def test_meeting_edited_in_two_browsers_shows_both_versions(browser, live_server, world, users, language):
    first_cla = speaking(users["cla"], language)
    second_cla = speaking(make_user("cla", base=world.base, username="t-colleague"), language)
    meeting = MeetingFactory(
        base=world.base,
        created_by=first_cla,
        locality=world.uvira,
        held_on=datetime.date(2024, 5, 2),
        topics="Route des champs",
    )
    ConcernFactory(meeting=meeting, category="extortion", description="Barrière illégale à Kiliba")
    edit = f"/cla/meetings/{meeting.uid}/edit/"

    first = _browser_page(browser, live_server, javascript=True)
    second = _browser_page(browser, live_server, javascript=False)
    try:
        login(first, first_cla.username, PASSWORD)
        login(second, second_cla.username, PASSWORD)
        first.goto(live_server.url + edit)
        second.goto(live_server.url + edit)

        first.fill("#id_concerns-0-description", "Barrière illégale à Kiliba, les jours de marché")
        first.click("button[value=save]")
        first.wait_for_url(re.compile(r"/cla/meetings/[0-9a-f-]{36}/$"))

        second.fill("#id_topics", "Route des champs et marché")
        second.check("#id_concerns-0-DELETE")
        second.click("button[value=save]")
        second.wait_for_load_state("networkidle")

        conflict = second.locator("#conflict")
        assert conflict.locator("h2").inner_text() == _t(language, "Someone else saved this in the meantime")
        text = conflict.inner_text()
        assert "Route des champs et marché" in text and "Barrière illégale à Kiliba, les jours de marché" in text
        assert _t(language, "only in the saved version") in text
        assert _t(language, "You typed") in text and _t(language, "Saved now") in text
        assert second.input_value("#id_topics") == "Route des champs et marché"
        assert second.is_checked("#id_concerns-0-DELETE")
        assert second.locator("input[name=version]").get_attribute("value") == "2"
        assert _fits(second)
        meeting.refresh_from_db()
        assert (meeting.version, meeting.topics, meeting.concerns.count()) == (2, "Route des champs", 1)

        second.click("button[value=save]")  # having read both versions, they keep their own
        second.wait_for_url(re.compile(r"/cla/meetings/[0-9a-f-]{36}/$"))
        meeting.refresh_from_db()
        assert (meeting.version, meeting.topics, meeting.concerns.count()) == (3, "Route des champs et marché", 0)
    finally:
        first.context.close()
        second.context.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", LANGUAGES)
def test_plan_edited_in_two_browsers_shows_threats_and_actions_of_both_versions(
    browser, live_server, world, users, language
):
    first_cla = speaking(users["cla"], language)
    second_cla = speaking(make_user("cla", base=world.base, username="t-colleague"), language)
    plan = PlanFactory(
        base=world.base,
        locality=world.sange,
        created_by=first_cla,
        summary="Plan de Sange",
        period_start=datetime.date(2024, 7, 1),
        period_end=datetime.date(2024, 12, 31),
    )
    threat = ThreatFactory(
        plan=plan, category="extortion", perpetrator_type="bandits", description="Barrières illégales"
    )
    ActionFactory(threat=threat, description="Plaidoyer", responsible="local_authority", status="planned")
    edit = f"/cla/plans/{plan.uid}/edit/"

    first = _browser_page(browser, live_server, javascript=True)
    second = _browser_page(browser, live_server, javascript=False)
    try:
        login(first, first_cla.username, PASSWORD)
        login(second, second_cla.username, PASSWORD)
        first.goto(live_server.url + edit)
        second.goto(live_server.url + edit)

        first.fill("#id_threats-0-description", "Barrières illégales sur la route de Luvungi")
        first.select_option("#id_threats-0-actions-0-status", "in_progress")
        first.click("button[value=save]")
        first.wait_for_url(re.compile(r"/cla/plans/[0-9a-f-]{36}/$"))

        second.fill("#id_summary", "Plan revu avec les femmes")
        second.click("button[value=save]")
        second.wait_for_load_state("networkidle")

        conflict = second.locator("#conflict")
        assert conflict.locator("h2").inner_text() == _t(language, "Someone else saved this in the meantime")
        text = conflict.inner_text()
        for shown in (
            "Plan revu avec les femmes",
            "Plan de Sange",
            "Barrières illégales sur la route de Luvungi",
            _t(language, "Threats"),
            _t(language, "changed"),
        ):
            assert shown in text, shown
        with translation.override(language):
            assert str(ActionStatus.IN_PROGRESS.label) in text
        assert second.input_value("#id_summary") == "Plan revu avec les femmes"
        assert _fits(second)
        plan.refresh_from_db()
        assert (plan.version, plan.summary) == (2, "Plan de Sange")

        second.click("button[value=save]")
        second.wait_for_url(re.compile(r"/cla/plans/[0-9a-f-]{36}/$"))
        plan.refresh_from_db()
        assert (plan.version, plan.summary, PlanRevision.objects.filter(plan=plan).count()) == (
            3,
            "Plan revu avec les femmes",
            2,
        )
        assert CommunityProtectionPlan.objects.count() == 1
        assert UrafikiMeeting.objects.count() == 0
    finally:
        first.context.close()
        second.context.close()
