"""Rows of the CLA forms added and removed on the phone (360 px, French and Swahili): with
JavaScript no add or remove goes to the server, and the saved meeting or plan holds exactly the rows
left on the page. Without JavaScript the add buttons still post the page back, and it comes back
scrolled to the new row."""

import datetime
import re

import pytest
from django.utils import translation
from django.utils.translation import gettext

from cla.models import CommunityProtectionPlan, UrafikiMeeting
from tests.e2e.conftest import login
from tests.factories import PASSWORD

LANGUAGES = ["fr", "sw"]


def _t(language, text):
    with translation.override(language):
        translated = gettext(text)
    assert translated != text, f"{text!r} has no {language} translation"
    return translated


def _phone(browser, live_server, *, javascript: bool):
    context = browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=javascript)
    page = context.new_page()
    page.set_default_timeout(15000)
    page.base_url = live_server.url
    return page


def _signed_in(browser, live_server, users, language, *, javascript=True):
    users["cla"].preferred_language = language
    users["cla"].save(update_fields=["preferred_language"])
    page = _phone(browser, live_server, javascript=javascript)
    login(page, users["cla"].username, PASSWORD)
    return page


def _watch(page):
    """A marker that a navigation would wipe, and a count of the rows-changed events."""
    page.evaluate(
        """() => { window.__stayed = "yes"; window.__changes = 0;
        document.addEventListener("field:rows-changed", () => { window.__changes += 1; }); }"""
    )


def _stayed(page, url) -> bool:
    return page.url == url and page.evaluate("window.__stayed") == "yes"


def _focused_id(page) -> str:
    return page.evaluate("document.activeElement.id")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", LANGUAGES)
def test_meeting_rows_are_added_and_removed_on_the_phone(browser, live_server, world, users, language):
    page = _signed_in(browser, live_server, users, language)
    try:
        page.goto(live_server.url + "/cla/meetings/new/")
        url = page.url
        _watch(page)
        page.select_option("#id_locality", label="Sange")
        for name, value in (("women", "6"), ("men", "4"), ("girls", "0"), ("boys", "0")):
            page.fill(f"#id_{name}", value)
        page.select_option("#id_concerns-0-category", "extortion")
        page.fill("#id_concerns-0-description", "Barrière illégale vers Luvungi")

        page.click("button[data-add=concerns]")
        assert _focused_id(page) == "id_concerns-1-category"
        page.select_option("#id_concerns-1-category", "looting")
        page.fill("#id_concerns-1-description", "À retirer")
        page.click("button[data-add=concerns]")
        page.select_option("#id_concerns-2-category", "armed_attack")
        page.fill("#id_concerns-2-description", "Tirs la nuit à Sange")
        page.check("#id_concerns-2-at_risk_groups_0")
        remove = page.locator("#concerns-1 > button.remove")
        assert remove.inner_text() == _t(language, "Remove this concern")
        remove.click()
        assert page.locator("#concerns-1").count() == 0
        assert page.evaluate("document.activeElement.dataset.add") == "concerns"
        assert page.input_value("#id_concerns-TOTAL_FORMS") == "3"

        page.click("button[data-add=followups]")
        page.fill("#id_followups-1-action", "Patrouille de nuit")
        page.select_option("#id_followups-1-responsible", "monusco")
        page.fill("#id_followups-1-due_on", "2026-12-20")
        assert page.locator("#followups-1 > button.remove").inner_text() == _t(language, "Remove this follow-up action")
        assert page.evaluate("window.__changes") == 4
        assert _stayed(page, url)
        assert UrafikiMeeting.objects.count() == 0
        assert page.evaluate("document.documentElement.scrollWidth") <= 360

        page.click("button[value=save]")
        page.wait_for_url(re.compile(r"/cla/meetings/[0-9a-f-]{36}/$"))
        meeting = UrafikiMeeting.objects.get()
        assert list(meeting.concerns.order_by("id").values_list("category", "description", "at_risk_groups")) == [
            ("extortion", "Barrière illégale vers Luvungi", []),
            ("armed_attack", "Tirs la nuit à Sange", ["women"]),
        ]
        assert list(meeting.follow_ups.values_list("action", "responsible", "due_on", "status")) == [
            ("Patrouille de nuit", "monusco", datetime.date(2026, 12, 20), "planned")
        ]
    finally:
        page.context.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", LANGUAGES)
def test_plan_threats_and_actions_are_added_and_removed_on_the_phone(browser, live_server, world, users, language):
    page = _signed_in(browser, live_server, users, language)
    try:
        page.goto(live_server.url + "/cla/plans/new/")
        url = page.url
        _watch(page)
        page.select_option("#id_locality", label="Sange")
        page.fill("#id_period_start", "2026-07-01")
        page.fill("#id_period_end", "2026-12-31")
        page.select_option("#id_threats-0-category", "extortion")
        page.select_option("#id_threats-0-perpetrator_type", "bandits")
        page.fill("#id_threats-0-description", "Barrières illégales")
        page.fill("#id_threats-0-actions-0-description", "Plaidoyer auprès du chef")
        page.select_option("#id_threats-0-actions-0-responsible", "local_authority")
        page.click("button[data-add=threats-0-actions]")
        assert _focused_id(page) == "id_threats-0-actions-1-description"
        page.fill("#id_threats-0-actions-1-description", "Patrouille les jours de marché")
        page.select_option("#id_threats-0-actions-1-responsible", "monusco")

        page.click("button[data-add=threats]")
        assert _focused_id(page) == "id_threats-1-category"
        legend = _t(language, "Threat %(n)s") % {"n": 2}
        assert page.locator("#threats-1 > legend").inner_text() == legend
        page.select_option("#id_threats-1-category", "armed_attack")
        page.select_option("#id_threats-1-perpetrator_type", "armed_group")
        page.fill("#id_threats-1-description", "Incursions la nuit")
        page.fill("#id_threats-1-actions-0-description", "Alerte précoce")
        page.select_option("#id_threats-1-actions-0-responsible", "community")
        page.click("button[data-add=threats-1-actions]")
        page.fill("#id_threats-1-actions-1-description", "Escorte vers les champs")
        page.select_option("#id_threats-1-actions-1-responsible", "monusco")
        assert page.input_value("#id_threats-1-actions-TOTAL_FORMS") == "2"

        page.click("button[data-add=threats]")
        page.fill("#id_threats-2-description", "À retirer")
        remove = page.locator("#threats-2 > button.remove")
        assert remove.inner_text() == _t(language, "Remove this threat")
        remove.click()
        assert page.locator("#threats-2").count() == 0
        assert page.locator("#threats-0-actions-1 > button.remove").inner_text() == _t(language, "Remove this action")

        # The draft-restore API: a threat made with its rows, as a draft kept on the phone needs.
        made = page.evaluate(
            """() => { const form = document.querySelector("[data-rows=threats]").closest("form");
            FieldRows.ensure(form, "threats-4-actions", 2);
            const made = document.querySelectorAll("#threats-4-actions-0, #threats-4-actions-1").length;
            const row = FieldRows.add(form, "threats-4-actions");
            return [form.elements["threats-TOTAL_FORMS"].value, form.elements["threats-4-actions-TOTAL_FORMS"].value,
                    made, row.id]; }"""
        )
        assert made == ["5", "3", 2, "threats-4-actions-2"]
        assert page.evaluate("window.__changes") == 7
        assert _stayed(page, url)
        assert CommunityProtectionPlan.objects.count() == 0

        page.click("button[value=save]")
        page.wait_for_url(re.compile(r"/cla/plans/[0-9a-f-]{36}/$"))
        plan = CommunityProtectionPlan.objects.get()
        assert [
            (t.category, t.description, [(a.description, a.responsible) for a in t.actions.order_by("id")])
            for t in plan.threats.order_by("id")
        ] == [
            (
                "extortion",
                "Barrières illégales",
                [("Plaidoyer auprès du chef", "local_authority"), ("Patrouille les jours de marché", "monusco")],
            ),
            (
                "armed_attack",
                "Incursions la nuit",
                [("Alerte précoce", "community"), ("Escorte vers les champs", "monusco")],
            ),
        ]
    finally:
        page.context.close()


def _in_view(page, selector) -> bool:
    return page.evaluate(
        """(selector) => { const box = document.querySelector(selector).getBoundingClientRect();
        return box.top > -2 && box.top < window.innerHeight; }""",
        selector,
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", LANGUAGES)
def test_without_javascript_the_add_buttons_post_back_to_the_new_row(browser, live_server, world, users, language):
    page = _signed_in(browser, live_server, users, language, javascript=False)
    try:
        page.goto(live_server.url + "/cla/meetings/new/")
        page.fill("#id_topics", "Route des champs")
        page.click("button[value=add_concern]")
        page.wait_for_load_state("networkidle")
        assert page.url.endswith("/cla/meetings/new/#concerns-1")
        assert page.input_value("#id_topics") == "Route des champs"
        assert page.locator("#concerns-1 #id_concerns-1-description").count() == 1
        assert page.evaluate("window.scrollY") > 0 and _in_view(page, "#concerns-1")
        assert page.locator("button.remove").count() == 0
        page.click("button[value=add_followup]")
        page.wait_for_load_state("networkidle")
        assert page.url.endswith("/cla/meetings/new/#followups-1")
        assert _in_view(page, "#followups-1")
        assert page.locator("#concerns-1").count() == 1
        assert UrafikiMeeting.objects.count() == 0

        page.goto(live_server.url + "/cla/plans/new/")
        page.fill("#id_threats-0-description", "Barrières illégales")
        page.click("button[value='add_action:0']")
        page.wait_for_load_state("networkidle")
        assert page.url.endswith("/cla/plans/new/#threats-0-actions-1")
        assert _in_view(page, "#threats-0-actions-1")
        page.click("button[value=add_threat]")
        page.wait_for_load_state("networkidle")
        assert page.url.endswith("/cla/plans/new/#threats-1")
        assert _in_view(page, "#threats-1")
        assert page.input_value("#id_threats-0-description") == "Barrières illégales"
        assert page.locator("#threats-1-actions-0").count() == 1
        assert CommunityProtectionPlan.objects.count() == 0
    finally:
        page.context.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", LANGUAGES)
def test_rows_added_on_the_phone_come_back_with_the_draft(browser, live_server, world, users, language):
    page = _signed_in(browser, live_server, users, language)
    try:
        page.goto(live_server.url + "/cla/plans/new/")
        page.wait_for_selector("body[data-field-ready='1']", state="attached")
        page.fill("#id_threats-0-description", "Barrières illégales")
        page.click("button[data-add=threats]")
        page.fill("#id_threats-1-description", "Incursions la nuit")
        page.click("button[data-add=threats-1-actions]")
        page.fill("#id_threats-1-actions-1-description", "Escorte vers les champs")
        page.wait_for_selector(".draft-note:not([hidden])")
        page.wait_for_timeout(600)  # the draft is written 300 ms after the last keystroke
        page.reload()
        page.wait_for_selector("body[data-field-ready='1']", state="attached")
        assert page.input_value("#id_threats-1-description") == "Incursions la nuit"
        assert page.input_value("#id_threats-1-actions-1-description") == "Escorte vers les champs"
        assert page.input_value("#id_threats-TOTAL_FORMS") == "2"
        assert page.locator("#threats-1 > button.remove").count() == 1
        assert CommunityProtectionPlan.objects.count() == 0
    finally:
        page.context.close()
