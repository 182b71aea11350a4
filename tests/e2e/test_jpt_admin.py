"""A JPT lead plans a mission in the admin (autocomplete, inline rows), sees the composition
warnings, then runs the mission with the lifecycle buttons and opens the printable report."""

import datetime

import pytest

from jpt.models import JPTMission
from tests.e2e.conftest import login
from tests.factories import PASSWORD


@pytest.mark.django_db(transaction=True)
def test_jpt_lead_plans_a_mission_in_the_admin(page, world, users):
    login(page, "t-jpt", PASSWORD)
    page.goto(f"{page.base_url}/admin/jpt/jptmission/add/")
    page.fill("#id_title", "Sange protection assessment")
    page.fill("#id_start_date", "2026-10-05")
    page.fill("#id_end_date", "2026-10-09")
    page.fill("#id_objectives", "Meet women's associations and local authorities.")
    # Localities through the autocomplete widget.
    page.click("#id_localities + .select2 .select2-selection")
    page.fill(".select2-search__field", "Sang")
    page.click(".select2-results__option:has-text('Sange')")
    # One team member, through the inline's "add another" link.
    page.click("#members-group .add-row a")
    page.fill("#id_members-0-external_name", "Serge Ngoy")
    page.select_option("#id_members-0-section", "civil_affairs")
    page.select_option("#id_members-0-sex", "m")
    page.click("input[name=_continue]")
    page.wait_for_load_state("networkidle")

    warnings = page.locator("ul.messagelist li.warning").all_inner_texts()
    assert warnings == [
        "The team has no woman. Without women on the team, women and girls are hard to meet and to hear.",
        "No CLA from a base covering the area is on the team.",
    ]
    mission = JPTMission.objects.get()
    assert (mission.title, mission.lead_id, list(mission.localities.values_list("name", flat=True))) == (
        "Sange protection assessment",
        users["jpt"].pk,
        ["Sange"],
    )
    assert list(mission.members.values_list("external_name", "section", "sex")) == [
        ("Serge Ngoy", "civil_affairs", "m")
    ]


@pytest.mark.django_db(transaction=True)
def test_jpt_lead_starts_an_approved_mission_and_prints_the_report(page, world, users):
    from django.utils import timezone

    from tests.factories import MemberFactory, MissionFactory

    mission = MissionFactory(
        title="Kiliba follow-up",
        lead=users["jpt"],
        localities=[world.sange],
        status="approved",
        approved_by=users["manager"],
        approved_at=timezone.now(),
        start_date=datetime.date(2026, 10, 5),
        end_date=datetime.date(2026, 10, 9),
    )
    MemberFactory(mission=mission, external_name="Aline Mwamini", section="human_rights", sex="f")
    login(page, "t-jpt", PASSWORD)
    page.goto(f"{page.base_url}/admin/jpt/jptmission/{mission.pk}/change/")
    page.click("button[value=start]")
    page.wait_for_load_state("networkidle")
    # The step saves the form first, then says what it did.
    assert page.locator("ul.messagelist li.success").all_inner_texts() == [
        "Your changes were saved.",
        "Mission is now ongoing.",
    ]
    assert JPTMission.objects.get(pk=mission.pk).status == "ongoing"
    assert page.locator("button[value=complete]").count() == 1
    page.click("text=Printable report")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "Kiliba follow-up"
    assert "Aline Mwamini" in page.locator("article.jpt-report").inner_text()


@pytest.mark.django_db(transaction=True)
def test_typed_summary_survives_submitting_the_report_and_the_page_fits_a_laptop(page, world, users):
    from django.utils import timezone

    from tests.factories import FindingFactory, MemberFactory, MissionFactory, RecommendationFactory

    mission = MissionFactory(
        title="Kiliba follow-up",
        lead=users["jpt"],
        localities=[world.sange],
        status="completed",
        approved_by=users["manager"],
        approved_at=timezone.now(),
        started_by=users["jpt"],
        started_at=timezone.now(),
        completed_by=users["jpt"],
        completed_at=timezone.now(),
    )
    MemberFactory(mission=mission, external_name="Aline Mwamini", section="human_rights", sex="f")
    FindingFactory(mission=mission)
    RecommendationFactory(mission=mission)
    page.set_viewport_size({"width": 1366, "height": 768})
    login(page, "t-jpt", PASSWORD)
    page.goto(f"{page.base_url}/admin/jpt/jptmission/{mission.pk}/change/")
    # the site's own title, and nothing wider than the screen
    assert page.locator("#site-name").inner_text() == "MONUSCO field coordination"
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    widest = page.evaluate(
        "Math.max(...[...document.querySelectorAll('table')].map(t => t.getBoundingClientRect().right))"
    )
    assert widest <= 1366
    # a summary typed and not saved goes with the step
    page.fill("#id_summary", "Barriers on market days; women fear the road.")
    page.click("button[name=_transition][value=submit_report]")
    page.wait_for_load_state("networkidle")
    assert page.locator("ul.messagelist li.success").all_inner_texts() == [
        "Your changes were saved.",
        "Mission is now report submitted.",
    ]
    stored = JPTMission.objects.get(pk=mission.pk)
    assert (stored.summary, stored.status) == ("Barriers on market days; women fear the road.", "report_submitted")


@pytest.mark.django_db(transaction=True)
def test_a_planned_mission_says_who_must_approve_it(page, world, users):
    from tests.factories import MissionFactory

    users["manager"].first_name, users["manager"].last_name = "Grace", "Mapendo"
    users["manager"].save()
    mission = MissionFactory(title="Kiliba planning", lead=users["jpt"], localities=[world.sange])
    page.set_viewport_size({"width": 1366, "height": 768})
    login(page, "t-jpt", PASSWORD)
    page.goto(f"{page.base_url}/admin/jpt/jptmission/{mission.pk}/change/")
    assert page.locator("#waiting-approval").inner_text() == (
        "Waiting for approval by a mission manager or head of office: Grace Mapendo."
    )
