import datetime

import pytest
from django.urls import reverse

from jpt import selectors
from jpt.models import JPTMission
from tests.factories import (
    FindingFactory,
    MeetingHeldFactory,
    MemberFactory,
    MissionFactory,
    RecommendationFactory,
    StopFactory,
    make_user,
)

SV_DETAIL = "Two women assaulted near the river on the way to the fields."


@pytest.fixture
def full_mission(world, users, mission):
    MemberFactory(mission=mission, external_name="Aline Mwamini", section="human_rights", sex="f", role="HR officer")
    StopFactory(mission=mission, locality=world.sange)
    MeetingHeldFactory(mission=mission, locality=world.sange, kind="community", with_whom="Sange market committee")
    MeetingHeldFactory(mission=mission, locality=world.sange, kind="survivors", with_whom="Survivors at the clinic")
    FindingFactory(mission=mission, category="extortion", description="Barrier on the market road.")
    FindingFactory(mission=mission, category="sexual_violence", description=SV_DETAIL)
    RecommendationFactory(mission=mission, text="Remove the barrier.")
    return mission


@pytest.mark.django_db
def test_printable_report_shows_the_mission_without_protected_data(client, users, full_mission):
    client.force_login(users["jpt"])
    response = client.get(reverse("jpt:mission-report", args=[full_mission.uid]))
    assert response.status_code == 200
    html = response.content.decode()
    for text in [
        "Sange–Kiliba",
        "Aline Mwamini",
        "Sange market committee",
        "Barrier on the market road.",
        "Remove the barrier.",
        "jpt/report.css",
    ]:
        assert text in html
    assert SV_DETAIL not in html
    assert "Survivors at the clinic" not in html
    assert html.count("Details withheld") == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("jpt", 200),
        ("cla", 200),
        ("gender", 200),
        ("manager", 200),
        ("admin", 200),
        ("cla2", 404),
        ("far_manager", 404),
        ("duty", 404),
        ("api", 404),
        ("norole", 404),
    ],
)
def test_printable_report_permissions(client, users, full_mission, who, status):
    client.force_login(users[who])
    assert client.get(reverse("jpt:mission-report", args=[full_mission.uid])).status_code == status


@pytest.mark.django_db
def test_printable_report_anonymous(client, full_mission):
    response = client.get(reverse("jpt:mission-report", args=[full_mission.uid]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.django_db
def test_printable_report_query_count(client, world, users, full_mission, django_assert_num_queries):
    client.force_login(users["jpt"])
    url = reverse("jpt:mission-report", args=[full_mission.uid])
    client.get(url)
    with django_assert_num_queries(15):
        response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert (html.count("Aline Mwamini"), html.count(FindingFactory.description), html.count("Remove the barrier.")) == (
        1,
        0,
        1,
    )
    members = []
    for i in range(5):
        members.append(
            MemberFactory(mission=full_mission, user=make_user(None, username=f"t-member-{i}"), external_name="")
        )
        FindingFactory(mission=full_mission, locality=world.sange)
        RecommendationFactory(mission=full_mission)
    with django_assert_num_queries(15):
        response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert [html.count(f"<td>{member.display_name}</td>") for member in members] == [1] * 5
    assert (html.count(FindingFactory.description), html.count(RecommendationFactory.text)) == (5, 5)


@pytest.mark.django_db
def test_mission_list_scope(world, users):
    lead = users["jpt"]
    sange = MissionFactory(title="Sange", lead=lead, localities=[world.sange])
    minembwe = MissionFactory(title="Minembwe", lead=lead, localities=[world.minembwe])
    both = MissionFactory(title="Both", lead=lead, localities=[world.sange, world.minembwe])
    beni = MissionFactory(title="Beni", lead=lead, localities=[world.beni])
    based = MissionFactory(title="Named base", lead=lead, localities=[world.beni])
    based.bases.set([world.base])

    def titles(who):
        return sorted(selectors.mission_list(user=users[who]).values_list("title", flat=True))

    assert titles("manager") == ["Both", "Minembwe", "Sange"]
    assert titles("far_manager") == ["Beni", "Named base"]
    assert titles("cla") == ["Both", "Named base", "Sange"]
    assert titles("cla2") == ["Both", "Minembwe"]
    assert titles("admin") == ["Beni", "Both", "Minembwe", "Named base", "Sange"]
    assert titles("norole") == []
    assert titles("api") == []
    assert {sange.pk, minembwe.pk, both.pk, beni.pk} <= set(JPTMission.objects.values_list("pk", flat=True))


@pytest.mark.django_db
def test_overdue_selector(world, users, mission):
    today = datetime.date(2026, 11, 20)
    late = RecommendationFactory(mission=mission, deadline=datetime.date(2026, 11, 19), follow_up_status="blocked")
    RecommendationFactory(mission=mission, deadline=datetime.date(2026, 11, 20))  # due today: not late
    RecommendationFactory(mission=mission, deadline=datetime.date(2026, 11, 1), follow_up_status="dropped")
    assert list(selectors.overdue_recommendation_list(user=users["manager"], today=today)) == [late]
    assert list(selectors.overdue_recommendation_list(user=users["far_manager"], today=today)) == []


@pytest.mark.django_db
def test_sexual_violence_on_record_sources(world, users, mission):
    from cla.models import CommunityProtectionPlan, PlanThreat

    ids = [world.sange.pk]
    assert selectors.area_has_sexual_violence_on_record(locality_ids=ids) is False
    plan = CommunityProtectionPlan.objects.create(
        base=world.base,
        locality=world.sange,
        period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2026, 6, 30),
        created_by=users["cla"],
    )
    PlanThreat.objects.create(
        plan=plan,
        category="sexual_violence",
        perpetrator_type="armed_group",
        description="Assaults on the way to the fields.",
    )
    assert selectors.area_has_sexual_violence_on_record(locality_ids=ids) is True
    assert selectors.area_has_sexual_violence_on_record(locality_ids=[world.minembwe.pk]) is False
    earlier = MissionFactory(lead=users["jpt"], localities=[world.minembwe])
    FindingFactory(mission=earlier, category="sexual_violence", locality=world.minembwe)
    assert selectors.area_has_sexual_violence_on_record(locality_ids=[world.minembwe.pk]) is True


@pytest.mark.django_db
def test_composition_warnings_for_a_good_team(world, users, mission):
    MemberFactory(mission=mission, external_name="Aline", section="gender", sex="f")
    MemberFactory(mission=mission, user=users["cla"], external_name="", section="cla", sex="m")
    assert selectors.mission_composition_warnings(mission=mission) == []


@pytest.mark.django_db
def test_sexual_violence_alert_counts_as_on_record(world):
    from tests.factories import make_alert

    assert selectors.area_has_sexual_violence_on_record(locality_ids=[world.sange.pk]) is False
    make_alert(world.base, locality=world.uvira, threat_category="sexual_violence")
    assert selectors.area_has_sexual_violence_on_record(locality_ids=[world.sange.pk]) is False
    make_alert(world.base, locality=world.sange, threat_category="sexual_violence")
    assert selectors.area_has_sexual_violence_on_record(locality_ids=[world.sange.pk]) is True


def test_alerts_are_asked_of_the_provider_can_registers():
    import inspect

    from can.providers import alert_threat_on_record
    from gender import threat_records

    assert threat_records._providers == [alert_threat_on_record]
    source = inspect.getsource(selectors)
    assert ("from can" in source, "import can" in source, "get_model" in source) == (False, False, False)


def test_threat_on_record_asks_each_provider_until_one_has_it(monkeypatch):
    from gender import threat_records

    asked = []

    def provider(name, answer):
        def ask(*, category, locality_ids):
            asked.append((name, category, locality_ids))
            return answer

        return ask

    monkeypatch.setattr(threat_records, "_providers", [provider("a", False), provider("b", True), provider("c", True)])
    assert threat_records.threat_on_record(category="sexual_violence", locality_ids=iter([3, 4])) is True
    assert asked == [("a", "sexual_violence", [3, 4]), ("b", "sexual_violence", [3, 4])]
    assert threat_records.threat_on_record(category="sexual_violence", locality_ids=[]) is False
    assert len(asked) == 2
