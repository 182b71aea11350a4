"""The gender office's pages on a 360 px phone, in French and in Swahili: the review page shows
the meeting's concerns and follow-ups with labels, lists every unanswered item at once with the
focus on the list; the queue tells reports apart; the dashboard draws bars with readable labels."""

import datetime

import pytest

from cla.models import MeetingFollowUp, SecurityConcern
from gender.models import ReviewChecklist
from tests.e2e.conftest import login
from tests.factories import PASSWORD, make_meeting, make_review

TEXTS = {
    "fr": {
        "concerns": "Préoccupations sécuritaires (1)",
        "looting": "Pillage",
        "groups": "Chef (de localité ou de groupement), Associations de femmes",
        "problems": "La revue ne peut pas être enregistrée : {n} problèmes.",
        "missing": "Choisissez une réponse pour cet élément.",
        "legend": ["Rapports soumis", "Revus"],
    },
    "sw": {
        "concerns": None,  # checked in French only; the label is the model's own
        "looting": None,
        "groups": None,
        "problems": "Ukaguzi hauwezi kuhifadhiwa: kuna matatizo {n}.",
        "missing": "Chagua jibu la swali hili.",
        "legend": ["Ripoti zilizotumwa", "Zimekaguliwa"],
    },
}


def _meeting(world, users):
    meeting = make_meeting(
        world=world, author=users["cla"], locality=world.sange, women=3, men=4, held_on=datetime.date(2026, 3, 10)
    )
    meeting.stakeholder_groups = ["chief", "women_associations"]
    meeting.save()
    SecurityConcern.objects.create(meeting=meeting, category="looting", description="Champs pillés la nuit")
    MeetingFollowUp.objects.create(meeting=meeting, action="Patrouille au marché", responsible="monusco")
    return meeting


def _no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


@pytest.mark.parametrize("language", ["fr", "sw"])
@pytest.mark.django_db(transaction=True)
def test_review_page_on_a_phone(phone, world, users, language):
    meeting = _meeting(world, users)
    texts = TEXTS[language]
    checklist = ReviewChecklist.objects.get(report_type="meeting", is_active=True)
    items = list(checklist.items.order_by("position"))
    page = phone(language)
    login(page, "t-gender", PASSWORD)
    page.context.add_cookies([{"name": "django_language", "value": language, "url": page.base_url}])

    page.goto(f"{page.base_url}/gender/queue/")
    card = page.locator("#queue-rows li").first
    assert "10/03/2026" in card.inner_text() and "Sange" in card.inner_text()
    _no_sideways_scroll(page)

    page.click(f"a[href$='/gender/review/meeting/{meeting.uid}/']")
    concerns = page.locator("#children-concerns")
    assert "Champs pillés la nuit" in concerns.inner_text()
    assert "Patrouille au marché" in page.locator("#children-follow_ups").inner_text()
    assert "women_associations" not in page.content()
    if texts["concerns"]:
        assert concerns.locator("h2").inner_text() == texts["concerns"]
        assert texts["looting"] in concerns.inner_text()
        assert texts["groups"] in page.locator("main").inner_text()
    _no_sideways_scroll(page)

    # Two answers only: every other item is listed at once, and the list has the focus.
    page.check(f"input[name=answer_{items[0].pk}][value=yes]")
    page.check(f"input[name=answer_{items[1].pk}][value=no]")
    page.click("button[value=approved]")
    page.wait_for_load_state("networkidle")
    summary = page.locator("#error-summary")
    missing = len(items) - 2
    assert summary.locator("h3").inner_text() == texts["problems"].format(n=missing)
    assert summary.locator("li a").count() == missing
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert page.locator("fieldset.answers.invalid").count() == missing
    assert page.locator("fieldset.answers.invalid .field-error").first.inner_text() == texts["missing"]
    # what was chosen is kept
    assert page.locator(f"input[name=answer_{items[1].pk}][value=no]").is_checked()
    # a link takes the reader to the item
    summary.locator("li a").first.click()
    assert page.url.endswith(f"#item-{items[2].pk}")
    _no_sideways_scroll(page)


@pytest.mark.parametrize("language", ["fr", "sw"])
@pytest.mark.django_db(transaction=True)
def test_dashboard_on_a_phone(phone, world, users, language):
    checklist = ReviewChecklist.objects.get(report_type="meeting", is_active=True)
    for day in (5, 40):
        meeting = make_meeting(
            world=world,
            author=users["cla"],
            women=2,
            men=3,
            held_on=datetime.date(2026, 1, 1) + datetime.timedelta(day),
        )
        make_review(meeting, users["gender"], "approved", checklist, answers={1: "no"})
    page = phone(language)
    login(page, "t-manager", PASSWORD)
    page.context.add_cookies([{"name": "django_language", "value": language, "url": page.base_url}])
    page.goto(f"{page.base_url}/gender/dashboard/")
    # Narrow screen: the bars with their labels, not the columns.
    assert page.locator("#trend-columns").is_hidden()
    assert page.locator("#trend-bars li").count() == 2
    assert page.locator(".legend li").all_inner_texts() == TEXTS[language]["legend"]
    labels = page.locator(".bars .bar-label")
    assert labels.count() == 2 + checklist.items.count()
    sizes = page.evaluate(
        "[...document.querySelectorAll('.bars .bar-label')].map(e => parseFloat(getComputedStyle(e).fontSize))"
    )
    assert min(sizes) >= 14
    first_item = checklist.items.get(position=1)
    text = getattr(first_item, f"text_{language}")
    assert f"1. {text}" in page.locator(".bars").nth(1).inner_text()  # the label in full
    assert page.locator("#by-territory tbody tr").first.inner_text().split("\t")[:3] == ["Uvira", "2", "100%"]
    _no_sideways_scroll(page)
