"""Field mode in Chromium at 360 px, in French and in Swahili: the network is cut
(``context.set_offline``, which the service worker's own fetches obey too) before the CLA sends.
What was typed waits on the phone, is sent once when the network returns, and the server's answer
is shown for each item."""

import datetime
import re

import pytest
from django.utils import translation
from django.utils.translation import gettext

from can.models import Alert
from cla.models import CommunityProtectionPlan, UrafikiMeeting
from tests.e2e.conftest import login, open_account_menu, speaking
from tests.factories import PASSWORD, ActionFactory, PlanFactory, ThreatFactory, make_focal_point, make_user

LANGUAGES = ["fr", "sw"]
UUID = r"[0-9a-f-]{36}"


def _t(language, text):
    with translation.override(language):
        translated = gettext(text)
    assert translated != text, f"{text!r} has no {language} translation"
    return translated


def _phone(browser, live_server):
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.set_default_timeout(15000)
    page.base_url = live_server.url
    return page


def _ready(page):
    """field.js has restored drafts and listed the outbox."""
    page.wait_for_selector("body[data-field-ready='1']", state="attached")


def _controlled(page):
    """The service worker is active, controls the page, and has kept the CLA's pages."""
    page.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.controller !== null")
    page.wait_for_function(
        """async () => {
            const cache = await caches.open('monusco-pages');
            const kept = (await cache.keys()).map(r => new URL(r.url).pathname);
            return kept.includes('/cla/meetings/new/') && kept.includes('/cla/') && kept.includes('/field/offline/');
        }"""
    )


def _start(page, user, language):
    speaking(user, language)
    login(page, user.username, PASSWORD)
    page.goto(page.base_url + "/cla/")
    _ready(page)
    page.reload()  # the second load is the one the worker controls
    _controlled(page)


def _stored(page, kind):
    """What IndexedDB holds under ``kind`` ("outbox" or "draft") for anyone."""
    return page.evaluate(
        """async (kind) => (await FieldOutbox.list(kind, document.body.dataset.fieldUser))""",
        kind,
    )


def _fill_meeting(page, world):
    page.select_option("#id_locality", str(world.sange.pk))
    page.fill("#id_held_on", "2026-11-28")
    page.select_option("#id_meeting_type", "urafiki")
    page.fill("#id_women", "12")
    page.fill("#id_men", "9")
    page.fill("#id_girls", "3")
    page.fill("#id_boys", "1")
    page.fill("#id_topics", "Sécurité sur la route des champs")
    page.select_option("#id_concerns-0-category", "extortion")
    page.fill("#id_concerns-0-description", "Barrière illégale vers Luvungi")
    page.fill("#id_followups-0-action", "Plaidoyer auprès du chef de poste")
    page.select_option("#id_followups-0-responsible", "local_authority")


def _assert_meeting(meeting, world):
    assert (meeting.locality_id, meeting.held_on, meeting.meeting_type) == (
        world.sange.pk,
        datetime.date(2026, 11, 28),
        "urafiki",
    )
    assert (meeting.women, meeting.men, meeting.girls, meeting.boys) == (12, 9, 3, 1)
    assert meeting.topics == "Sécurité sur la route des champs"
    assert list(meeting.concerns.values_list("category", "description")) == [
        ("extortion", "Barrière illégale vers Luvungi")
    ]
    assert list(meeting.follow_ups.values_list("action", "responsible")) == [
        ("Plaidoyer auprès du chef de poste", "local_authority")
    ]


def _status_of(page, status):
    return page.locator(f"#field-outbox li[data-status={status}]")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", LANGUAGES)
def test_meeting_sent_offline_waits_on_the_phone_and_is_saved_once_online(browser, live_server, world, users, language):
    page = _phone(browser, live_server)
    try:
        _start(page, users["cla"], language)
        page.goto(page.base_url + "/cla/meetings/new/")
        _ready(page)
        _fill_meeting(page, world)
        page.context.set_offline(True)
        page.click("button[value=submit]")
        page.wait_for_url(re.compile(r"/cla/\?queued=" + UUID))
        _ready(page)

        pending = _status_of(page, "pending")
        assert pending.count() == 1
        assert _t(language, "Waiting to be sent") in pending.inner_text()
        assert "Sange" in pending.inner_text()
        assert UrafikiMeeting.objects.count() == 0

        page.reload()  # still offline: the home comes from the phone, and so does the item
        _ready(page)
        assert _status_of(page, "pending").count() == 1
        [item] = _stored(page, "outbox")
        assert ["topics", "Sécurité sur la route des champs"] in item["fields"]
        assert ["action", "submit"] in item["fields"]
        page.goto(page.base_url + "/cla/meetings/new/")  # the form opens offline, empty
        _ready(page)
        assert page.input_value("#id_topics") == ""
        assert page.input_value("input[name=client_token]") != item["token"]

        page.goto(page.base_url + "/cla/")
        page.context.set_offline(False)
        page.wait_for_selector("#field-outbox li[data-status=saved]")
        meeting = UrafikiMeeting.objects.get()
        _assert_meeting(meeting, world)
        assert (meeting.review_status, str(meeting.client_token)) == ("submitted", item["token"])
        saved = _status_of(page, "saved")
        assert _t(language, "The meeting was sent to the gender office for review.") in saved.inner_text()
        assert saved.locator("a").get_attribute("href") == f"/cla/meetings/{meeting.uid}/"
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
    finally:
        page.context.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_half_typed_meeting_comes_back_after_the_page_is_closed(browser, live_server, world, users, language):
    page = _phone(browser, live_server)
    try:
        _start(page, users["cla"], language)
        page.goto(page.base_url + "/cla/meetings/new/")
        _ready(page)
        page.select_option("#id_locality", str(world.sange.pk))
        page.fill("#id_women", "7")
        page.check("input[name=stakeholder_groups][value=chief]")
        page.fill("#id_concerns-0-description", "Des hommes armés la nuit")
        page.wait_for_selector(".draft-note:not([hidden])")
        token = page.input_value("input[name=client_token]")
        context = page.context
        page.close()

        page = context.new_page()
        page.base_url = live_server.url
        page.goto(live_server.url + "/cla/meetings/new/")
        _ready(page)
        assert page.input_value("#id_locality") == str(world.sange.pk)
        assert page.input_value("#id_women") == "7"
        assert page.is_checked("input[name=stakeholder_groups][value=chief]")
        assert page.input_value("#id_concerns-0-description") == "Des hommes armés la nuit"
        assert page.input_value("input[name=client_token]") == token
        assert page.locator("#total").inner_text() == "7"
        note = page.locator(".draft-note")
        assert _t(language, "Discard the draft") in note.inner_text()

        with page.expect_navigation():
            note.locator("button").click()  # discard: the form is empty again, with a new token
        _ready(page)
        assert page.input_value("#id_women") == "0"
        assert page.input_value("input[name=client_token]") != token
        assert _stored(page, "draft") == []
        assert UrafikiMeeting.objects.count() == 0
    finally:
        page.context.close()


@pytest.mark.django_db(transaction=True)
def test_a_refused_item_reopens_as_a_draft_with_the_servers_french_error(browser, live_server, world, users):
    page = _phone(browser, live_server)
    try:
        _start(page, users["cla"], "fr")
        page.goto(page.base_url + "/cla/meetings/new/")
        _ready(page)
        _fill_meeting(page, world)
        page.click("main details summary")
        for band, value in (
            ("0_5", "1"),
            ("6_12", "1"),
            ("13_17", "1"),
            ("18_49", "10"),
            ("50_59", "5"),
            ("60_plus", "6"),
        ):
            page.fill(f"#id_age_{band}", value)  # under 18: 3, not girls + boys = 4
        page.context.set_offline(True)
        page.click("button[value=save]")
        page.wait_for_url(re.compile(r"/cla/\?queued="))
        page.context.set_offline(False)
        page.wait_for_selector("#field-outbox li[data-status=refused]")
        assert _stored(page, "outbox") == []
        assert UrafikiMeeting.objects.count() == 0
        refused = _status_of(page, "refused")
        assert "Refusé : à corriger" in refused.inner_text()

        refused.locator("a").click()
        page.wait_for_url(re.compile(r"/cla/meetings/new/$"))
        _ready(page)
        summary = page.locator("[data-field-errors]")
        assert summary.evaluate("e => e === document.activeElement")
        assert "Le serveur a refusé ce formulaire." in summary.inner_text()
        with translation.override("fr"):
            from gender.sadd import BANDS_MESSAGE

            expected = str(BANDS_MESSAGE)
        assert expected.split("(")[0].strip()[:30] in summary.inner_text()
        assert page.input_value("#id_topics") == "Sécurité sur la route des champs"

        page.fill("#id_age_13_17", "2")  # corrected: sent online as always
        page.click("button[value=save]")
        page.wait_for_url(re.compile(r"/cla/meetings/" + UUID + "/$"))
        _ready(page)
        assert UrafikiMeeting.objects.count() == 1
        assert _stored(page, "draft") == []
    finally:
        page.context.close()


@pytest.mark.django_db(transaction=True)
def test_the_same_queued_item_sent_three_times_makes_one_meeting(browser, live_server, world, users):
    page = _phone(browser, live_server)
    try:
        _start(page, users["cla"], "fr")
        page.goto(page.base_url + "/cla/meetings/new/")
        _ready(page)
        _fill_meeting(page, world)
        page.context.set_offline(True)
        page.click("button[value=save]")
        page.wait_for_url(re.compile(r"/cla/\?queued="))
        _ready(page)
        page.context.set_offline(False)
        page.wait_for_selector("#field-outbox li[data-status=saved]")
        # Three more sends of the same item, as when the answers are lost.
        answers = page.evaluate(
            """async () => {
                const [item] = await FieldOutbox.list('outbox', document.body.dataset.fieldUser);
                const session = await FieldOutbox.session();
                const answers = [];
                for (let i = 0; i < 3; i++) answers.push((await FieldOutbox.post(item, session.csrf)).status);
                return answers;
            }"""
        )
        assert answers == ["saved", "saved", "saved"]
        context = page.context
        page.close()
        page = context.new_page()
        page.base_url = live_server.url
        page.goto(live_server.url + "/cla/")
        page.wait_for_selector("#field-outbox li[data-status=saved]")
        assert UrafikiMeeting.objects.count() == 1
        _assert_meeting(UrafikiMeeting.objects.get(), world)
    finally:
        page.context.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_plan_edited_offline_while_changed_on_the_server_shows_both_versions(
    browser, live_server, world, users, language
):
    offline_cla = users["cla"]
    online_cla = speaking(make_user("cla", base=world.base, username="t-colleague"), language)
    plan = PlanFactory(
        base=world.base,
        locality=world.sange,
        created_by=online_cla,
        summary="Plan de Sange",
        period_start=datetime.date(2026, 7, 1),
        period_end=datetime.date(2026, 12, 31),
    )
    threat = ThreatFactory(plan=plan, category="extortion", perpetrator_type="bandits", description="Barrières")
    ActionFactory(threat=threat, description="Plaidoyer", responsible="local_authority", status="planned")
    edit = f"/cla/plans/{plan.uid}/edit/"
    field_phone = _phone(browser, live_server)
    office = _phone(browser, live_server)
    try:
        _start(field_phone, offline_cla, language)
        login(office, online_cla.username, PASSWORD)
        field_phone.goto(field_phone.base_url + edit)
        _ready(field_phone)
        field_phone.context.set_offline(True)
        field_phone.fill("#id_summary", "Plan revu avec les femmes de Sange")
        field_phone.click("button[value=save]")
        field_phone.wait_for_url(re.compile(r"/cla/\?queued="))

        office.goto(office.base_url + edit)
        office.fill("#id_summary", "Plan revu par le chef de base")
        office.click("button[value=save]")
        office.wait_for_url(re.compile(r"/cla/plans/" + UUID + "/$"))

        field_phone.context.set_offline(False)
        field_phone.wait_for_selector("#field-outbox li[data-status=conflict]")
        plan.refresh_from_db()
        assert (plan.version, plan.summary) == (2, "Plan revu par le chef de base")

        conflict_item = _status_of(field_phone, "conflict")
        assert _t(language, "Changed on the server meanwhile") in conflict_item.inner_text()
        conflict_item.locator("button").click()
        field_phone.wait_for_selector("#conflict")
        text = field_phone.locator("#conflict").inner_text()
        assert "Plan revu avec les femmes de Sange" in text and "Plan revu par le chef de base" in text
        assert field_phone.input_value("#id_summary") == "Plan revu avec les femmes de Sange"
        plan.refresh_from_db()
        assert (plan.version, plan.summary) == (2, "Plan revu par le chef de base")  # nothing overwritten
        assert _stored(field_phone, "outbox") == []

        field_phone.click("button[value=save]")  # having read both, the CLA keeps theirs
        field_phone.wait_for_url(re.compile(r"/cla/plans/" + UUID + "/$"))
        plan.refresh_from_db()
        assert (plan.version, plan.summary) == (3, "Plan revu avec les femmes de Sange")
        assert CommunityProtectionPlan.objects.count() == 1
    finally:
        field_phone.context.close()
        office.context.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", LANGUAGES)
def test_an_alert_logged_offline_goes_through_the_outbox_once(browser, live_server, world, users, language):
    page = _phone(browser, live_server)
    try:
        _start(page, users["cla"], language)
        page.goto(page.base_url + "/can/alerts/new/")
        _ready(page)
        page.select_option("#id_channel", "phone_call")
        page.select_option("#id_locality", str(world.sange.pk))
        page.select_option("#id_threat_category", "armed_attack")
        page.fill("#id_description", "Coups de feu entendus près du marché")
        page.fill("#id_sender", "+243 812 345 678")
        page.wait_for_selector(".draft-note:not([hidden])")
        [draft] = _stored(page, "draft")
        assert [name for name, _value in draft["fields"] if name == "sender"] == []  # never in a draft
        page.context.set_offline(True)
        page.click("form[data-field-form] button[type=submit]")
        page.wait_for_url(re.compile(r"/cla/\?queued="))
        _ready(page)
        assert _status_of(page, "pending").count() == 1
        page.context.set_offline(False)
        page.wait_for_selector("#field-outbox li[data-status=saved]")
        alert = Alert.objects.get()
        assert (alert.threat_category, alert.locality_id) == ("armed_attack", world.sange.pk)
        assert _stored(page, "draft") == []
    finally:
        page.context.close()


@pytest.mark.django_db(transaction=True)
def test_the_phone_never_keeps_a_page_with_protected_data(browser, live_server, world, users):
    focal_point = make_focal_point(world.base, world.sange)
    page = _phone(browser, live_server)
    try:
        _start(page, users["cla"], "fr")
        for path in (f"/can/focal-points/{focal_point.uid}/", "/can/focal-points/", "/cla/meetings/"):
            response = page.goto(page.base_url + path)
            assert response.status == 200, path
        kept = page.evaluate(
            """async () => {
                const cache = await caches.open('monusco-pages');
                return (await cache.keys()).map(r => new URL(r.url).pathname).sort();
            }"""
        )
        assert kept == sorted(["/can/alerts/new/", "/cla/", "/cla/meetings/new/", "/cla/plans/new/", "/field/offline/"])
        page.context.set_offline(True)
        page.goto(page.base_url + f"/can/focal-points/{focal_point.uid}/")
        assert page.locator("h1").inner_text() == "Pas de réseau"
    finally:
        page.context.close()


@pytest.mark.django_db(transaction=True)
def test_logging_out_clears_the_users_caches_and_stores(browser, live_server, world, users):
    page = _phone(browser, live_server)
    try:
        _start(page, users["cla"], "fr")
        page.goto(page.base_url + "/cla/meetings/new/")
        _ready(page)
        page.fill("#id_topics", "Réunion du marché")
        page.wait_for_selector(".draft-note:not([hidden])")
        assert len(_stored(page, "draft")) == 1
        page.on("dialog", lambda dialog: dialog.accept())  # one draft not sent: asked first
        open_account_menu(page)
        page.click("form.logout button")
        page.wait_for_url(re.compile(r"/accounts/login/"))
        left = (
            page.evaluate(
                """async () => {
                const names = await caches.keys();
                const dbs = (await indexedDB.databases()).map(d => d.name);
                let entries = [];
                if (dbs.includes('monusco-field')) {
                    entries = await idbKeyval.entries(idbKeyval.createStore('monusco-field', 'kv'));
                }
                return {caches: names, entries: entries.length};
            }"""
            )
            if page.evaluate("typeof idbKeyval !== 'undefined'")
            else page.evaluate(
                """async () => ({caches: await caches.keys(),
                             entries: (await indexedDB.databases()).filter(d => d.name === 'monusco-field').length})"""
            )
        )
        assert left == {"caches": [], "entries": 0}
    finally:
        page.context.close()
