"""Every dashboard indicator against a small dataset built by hand, with exact numbers."""

import datetime

import pytest
from django.urls import reverse

from gender.models import ReviewChecklist, ReviewStatus
from gender.selectors.dashboard import gender_dashboard
from gender.selectors.reports import DashboardFilters
from gender.selectors.suppression import suppress
from monusco.choices import ThreatCategory
from tests.factories import make_alert, make_meeting, make_review

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def dataset(world, users):
    checklist = ReviewChecklist.objects.get(report_type="meeting", is_active=True)
    last = checklist.items.count()
    cla, gender = users["cla"], users["gender"]
    m1 = make_meeting(
        world=world, author=cla, held_on=D(2026, 1, 15), women=4, men=6, separately=True, submitted_days_ago=3
    )
    m2 = make_meeting(world=world, author=cla, held_on=D(2026, 1, 20), men=10, submitted_days_ago=1)
    m3 = make_meeting(world=world, author=cla, held_on=D(2026, 2, 5), women=5, men=5, girls=2, boys=3, separately=True)
    make_meeting(world=world, author=cla, held_on=D(2026, 2, 6), women=100, status=ReviewStatus.DRAFT)
    m5 = make_meeting(
        world=world, author=cla, base=world.far_base, held_on=D(2026, 2, 7), women=50, men=50, submitted_days_ago=9
    )
    m6 = make_meeting(
        world=world,
        author=users["cla2"],
        base=world.other_base,
        held_on=D(2026, 2, 10),
        men=3,
        concerns=["sexual_violence", "looting"],
        submitted_days_ago=5,
    )
    make_review(m1, gender, "approved", checklist)
    make_review(m2, gender, "returned", checklist, answers=dict.fromkeys(range(1, last + 1), "no"), comment="No women.")
    make_review(m6, gender, "approved", checklist, answers={1: "partly", last: "na"})
    make_review(m5, users["admin"], "approved", checklist, answers={1: "no"})
    make_alert(
        world.base, locality=world.uvira, threat_category="armed_attack", received_on=D(2026, 1, 12), women=2, men=1
    )
    make_alert(
        world.base, locality=world.uvira, threat_category="armed_attack", received_on=D(2026, 2, 1), women=1, boys=2
    )
    make_alert(
        world.base,
        locality=world.uvira,
        threat_category="sexual_violence",
        received_on=D(2026, 1, 12),
        women=3,
        girls=1,
    )
    make_alert(world.base, locality=world.uvira, threat_category="sexual_violence", received_on=D(2026, 1, 12), women=1)
    make_alert(
        world.far_base, locality=world.beni, threat_category="sexual_violence", received_on=D(2026, 1, 12), women=9
    )
    return {"m1": m1, "m2": m2, "m3": m3, "m5": m5, "m6": m6, "items": last}


def test_every_indicator_for_a_province_manager(dataset, users):
    data = gender_dashboard(user=users["manager"], filters=DashboardFilters())
    assert (data.reports, data.reviewed, data.returned, data.waiting) == (4, 3, 1, 1)
    assert data.share_reviewed == 0.75
    assert data.share_returned == pytest.approx(1 / 3)
    assert data.median_days == 3.0
    assert data.participants == {"women": 9, "men": 24, "girls": 2, "boys": 3}
    assert data.women_share == pytest.approx(9 / 38)
    assert data.women_and_girls_share == pytest.approx(11 / 38)
    assert (data.meetings, data.meetings_no_women, data.meetings_separate) == (4, 2, 2)
    by_type = {row["slug"]: (row["reports"], row["reviewed"], row["returned"], row["waiting"]) for row in data.by_type}
    assert by_type["meeting"] == (4, 3, 1, 1)
    assert by_type["alert"] == (0, 0, 0, 0)  # alerts are drafts for the review workflow
    assert [(m["month"], m["reports"], m["reviewed"], m["women"], m["people"]) for m in data.months] == [
        (D(2026, 1, 1), 2, 2, 4, 20),
        (D(2026, 2, 1), 2, 1, 5, 18),
    ]
    last = dataset["items"]
    rates = {row["position"]: (row["yes"], row["partly"], row["no"], row["na"]) for row in data.checklist}
    assert len(rates) == last
    assert rates[1] == (1, 1, 1, 0)
    assert rates[2] == (2, 0, 1, 0)
    assert rates[last] == (1, 0, 1, 1)
    pass_rates = {row["position"]: row["pass_rate"] for row in data.checklist}
    assert pass_rates[1] == pytest.approx(1 / 3)
    assert pass_rates[2] == pytest.approx(2 / 3)
    assert pass_rates[last] == 0.5
    assert [(t["category"], t["n"], t["women"], t["men"], t["girls"], t["boys"]) for t in data.threats] == [
        ("armed_attack", 2, 3, 1, 0, 2),
        ("sexual_violence", "<5", "<5", "<5", "<5", "<5"),
    ]
    assert data.sexual_violence == {
        "alerts": "<5",
        "women": "<5",
        "men": "<5",
        "girls": "<5",
        "boys": "<5",
        "reports_mentioning": "<5",
    }


def test_scope_and_filters(dataset, users, world):
    far = gender_dashboard(user=users["far_manager"], filters=DashboardFilters())
    assert (far.reports, far.reviewed, far.median_days, far.participants["women"]) == (1, 1, 9.0, 50)
    assert [(t["category"], t["n"]) for t in far.threats] == [("sexual_violence", "<5")]
    admin = gender_dashboard(user=users["admin"], filters=DashboardFilters())
    assert (admin.reports, admin.reviewed, admin.returned) == (5, 4, 1)
    manager = users["manager"]
    fizi = gender_dashboard(user=manager, filters=DashboardFilters(territory_id=world.fizi_t.pk))
    assert (fizi.reports, fizi.reviewed, fizi.meetings_no_women) == (1, 1, 1)
    # no alert in Fizi, but the sexual-violence row is always there (its presence would tell)
    assert [(t["category"], t["n"]) for t in fizi.threats] == [("sexual_violence", "<5")]
    uvira = gender_dashboard(user=manager, filters=DashboardFilters(base_id=world.base.pk))
    assert (uvira.reports, uvira.reviewed, uvira.returned, uvira.median_days) == (3, 2, 1, 2.0)
    february = gender_dashboard(user=manager, filters=DashboardFilters(date_from=D(2026, 2, 1), date_to=D(2026, 2, 28)))
    assert (february.reports, february.participants["women"], february.meetings_separate) == (2, 5, 1)
    assert [(t["category"], t["n"]) for t in february.threats] == [("armed_attack", 1), ("sexual_violence", "<5")]
    alerts_only = gender_dashboard(user=manager, filters=DashboardFilters(report_type="alert"))
    assert (alerts_only.reports, alerts_only.meetings, alerts_only.checklist) == (0, 0, [])
    assert [(t["category"], t["n"]) for t in alerts_only.threats] == [("armed_attack", 2), ("sexual_violence", "<5")]
    north = gender_dashboard(user=users["admin"], filters=DashboardFilters(province_id=world.north.pk))
    assert (north.reports, north.participants["men"]) == (1, 50)


def test_small_counts_are_suppressed_and_five_is_shown(world, users):
    assert [suppress(n) for n in (0, 1, 4, 5, 12)] == ["<5", "<5", "<5", "5", "12"]
    for _ in range(4):
        make_alert(
            world.base,
            locality=world.uvira,
            threat_category="sexual_violence",
            received_on=D(2026, 1, 12),
            women=2,
            girls=1,
        )
    data = gender_dashboard(user=users["gender"], filters=DashboardFilters())
    assert data.sexual_violence["alerts"] == "<5"
    # 8 women at risk, but in a base-month of fewer than 5 alerts: withheld with the alerts
    assert (data.sexual_violence["women"], data.sexual_violence["girls"]) == ("<5", "<5")
    make_alert(world.base, locality=world.uvira, threat_category="sexual_violence", received_on=D(2026, 1, 12), girls=1)
    data = gender_dashboard(user=users["gender"], filters=DashboardFilters())
    assert (data.sexual_violence["alerts"], data.sexual_violence["girls"]) == ("5", "5")
    assert data.threats == [
        {
            "category": "sexual_violence",
            "label": ThreatCategory.SEXUAL_VIOLENCE.label,
            "protected": True,
            "n": "5",
            "women": "8",
            "men": "<5",
            "girls": "5",
            "boys": "<5",
        },
    ]


def test_page_and_csv_show_the_figures(dataset, users, client):
    client.force_login(users["manager"])
    page = client.get(reverse("gender:dashboard"))
    assert page.status_code == 200
    html = page.content.decode()
    assert '<strong id="k-reports">4</strong>' in html
    assert '<strong id="k-reviewed">75%</strong>' in html
    assert '<strong id="k-median">3.0</strong>' in html
    assert '<strong id="k-returned">33%</strong>' in html
    assert '<strong id="k-no-women">2</strong>' in html
    assert '<strong id="sv-alerts">&lt;5</strong>' in html
    # the monthly columns (wide screens), and bars with full labels: two months, every item (9)
    assert html.count('<svg class="chart"') == 1
    assert html.count('<svg class="bar"') == 2 + dataset["items"] == 11
    assert "(Community meeting, version 1)" in html and "(meeting v1)" not in html
    assert "<script" not in html
    csv = client.get(reverse("gender:dashboard-csv"), {"report_type": "meeting"})
    assert csv.status_code == 200
    assert csv["Content-Type"] == "text/csv; charset=utf-8"
    lines = csv.content.decode().splitlines()
    assert lines[0] == "section,indicator,key,value"
    for expected in (
        "counts,reports,,4",
        "counts,share_reviewed,,0.7500",
        "counts,median_days_to_review,,3.0000",
        "participation,women_share,,0.2368",
        "participation,meetings_no_women,,2",
        "participation,meetings_women_consulted_separately,,2",
        "months,reports,2026-01,2",
        "checklist,pass_rate,meeting v1 #1,0.3333",
        "sexual_violence,reports_mentioning,,<5",
    ):
        assert expected in lines


def test_bad_filters_answer_400_and_out_of_scope_404(dataset, users, client, world):
    client.force_login(users["manager"])
    url = reverse("gender:dashboard")
    assert client.get(url, {"date_from": "not-a-date"}).status_code == 400
    assert client.get(url, {"date_from": "2026-03-01", "date_to": "2026-01-01"}).status_code == 400
    assert client.get(url, {"province": str(world.south.uid)}).status_code == 200
    client.force_login(users["far_manager"])
    assert client.get(url, {"province": str(world.south.uid)}).status_code == 404
    assert client.get(url, {"base": str(world.base.uid)}).status_code == 404
    assert client.get(reverse("gender:dashboard-csv"), {"territory": str(world.uvira_t.uid)}).status_code == 404


def _grow(world, users, n):
    checklist = ReviewChecklist.objects.get(report_type="meeting", is_active=True)
    for i in range(n):
        meeting = make_meeting(
            world=world, author=users["cla"], held_on=D(2026, 3, 1) + datetime.timedelta(days=i * 9), women=i, men=2
        )
        if i % 2:
            make_review(meeting, users["gender"], "approved" if i % 3 else "returned", checklist)
        make_alert(
            world.base,
            locality=world.uvira,
            threat_category=["looting", "killing", "abduction"][i % 3],
            received_on=D(2026, 4, 1) + datetime.timedelta(days=i * 11),
            women=1,
        )


@pytest.mark.parametrize("extra", [0, 12])
def test_dashboard_query_count_does_not_grow_with_data(dataset, users, world, client, django_assert_num_queries, extra):
    _grow(world, users, extra)
    client.force_login(users["gender"])
    client.get(reverse("gender:dashboard"))  # warm the session and content type caches
    # 20: the sexual-violence cells are one query of their own (a UNION over the report types
    # reading only the protected rows), so the figures of every other record stay as cheap as before;
    # 27 with the breakdown by territory and base (one query per type, two for JPT missions, and
    # the names of the territories and bases)
    with django_assert_num_queries(27):
        response = client.get(reverse("gender:dashboard"), {"province": str(world.south.uid)})
    assert response.status_code == 200
    assert response.context["data"].reports == 4 + extra


def test_a_jpt_mission_over_two_bases_counts_once_and_its_review_too(world, users, client):
    from django.utils import timezone

    from jpt.models import JPTMission

    mission = JPTMission.objects.create(
        title="Joint mission",
        lead=users["jpt"],
        start_date=D(2026, 3, 2),
        end_date=D(2026, 3, 6),
        objectives="Assess threats on the roads to the fields",
        women=3,
        men=4,
        review_status=ReviewStatus.SUBMITTED,
        review_round=1,
        submitted_at=timezone.now() - datetime.timedelta(days=2),
    )
    mission.bases.set([world.base, world.other_base])
    mission.localities.set([world.uvira, world.sange, world.minembwe])
    checklist = ReviewChecklist.objects.get(report_type="jpt_mission", is_active=True)
    made = make_review(
        mission, users["gender"], "returned", checklist, answers={1: "no"}, comment="Who walks to the fields?"
    )
    assert (made.report_base_id, made.report_territory_id, made.report_province_id) == (None, None, None)
    data = gender_dashboard(user=users["manager"], filters=DashboardFilters(report_type="jpt_mission"))
    assert (data.reports, data.reviewed, data.returned, data.median_days) == (1, 1, 1, 2.0)
    assert [(row["position"], row["no"], row["yes"]) for row in data.checklist][:2] == [(1, 1, 0), (2, 0, 1)]
    assert [(m["month"], m["reports"]) for m in data.months] == [(D(2026, 3, 1), 1)]
    by_base = gender_dashboard(user=users["manager"], filters=DashboardFilters(base_id=world.other_base.pk))
    assert (by_base.reports, by_base.reviewed) == (1, 1)
    far = gender_dashboard(user=users["far_manager"], filters=DashboardFilters())
    assert (far.reports, far.median_days, far.checklist) == (0, None, [])
    waiting = JPTMission.objects.create(
        title="Second mission",
        lead=users["jpt"],
        start_date=D(2026, 4, 2),
        end_date=D(2026, 4, 6),
        objectives="Follow up",
        review_status=ReviewStatus.SUBMITTED,
        review_round=1,
        submitted_at=timezone.now(),
    )
    waiting.bases.set([world.base, world.other_base])
    waiting.localities.set([world.uvira, world.minembwe])
    client.force_login(users["gender"])
    queue = client.get(reverse("gender:queue"))
    assert (queue.context["total"], [row["uid"] for row in queue.context["rows"]]) == (1, [waiting.uid])
    by_base = client.get(reverse("gender:queue"), {"base": str(world.other_base.uid)})
    assert [row["uid"] for row in by_base.context["rows"]] == [waiting.uid]


def test_csv_rows_are_safe_for_spreadsheets_and_numbers_stay_numbers():
    from gender.exports import dashboard_rows
    from gender.selectors.dashboard import Dashboard

    data = Dashboard(
        reports=-1,
        median_days=-0.5,
        threats=[
            {
                "category": '=HYPERLINK("http://x.example")',
                "n": 7,
                "women": "<5",
                "men": -2,
                "girls": "@x",
                "boys": "+1",
            },
        ],
    )
    rows = dashboard_rows(data)
    assert rows[0] == ["counts", "reports", "", "-1"]
    assert ["counts", "median_days_to_review", "", "-0.5000"] in rows
    threat_rows = [row for row in rows if row[0] == "alerts_by_threat"]
    assert threat_rows == [
        ["alerts_by_threat", "alerts", '\'=HYPERLINK("http://x.example")', "7"],
        ["alerts_by_threat", "women", '\'=HYPERLINK("http://x.example")', "<5"],
        ["alerts_by_threat", "men", '\'=HYPERLINK("http://x.example")', "-2"],
        ["alerts_by_threat", "girls", '\'=HYPERLINK("http://x.example")', "'@x"],
        ["alerts_by_threat", "boys", '\'=HYPERLINK("http://x.example")', "'+1"],
    ]


def test_breakdown_by_territory_and_base(dataset, users, world, client):
    from gender.selectors.breakdown import dashboard_breakdown

    data = dashboard_breakdown(user=users["manager"], filters=DashboardFilters())
    columns = ("name", "reports", "reviewed", "waiting", "women", "people")
    assert [tuple(row[c] for c in columns) for row in data["territories"]] == [
        ("Uvira", 3, 2, 1, 9, 35),
        ("Fizi", 1, 1, 0, 0, 3),
    ]
    assert [tuple(row[c] for c in columns) for row in data["bases"]] == [
        ("Uvira", 3, 2, 1, 9, 35),
        ("Minembwe", 1, 1, 0, 0, 3),
    ]
    filtered = dashboard_breakdown(user=users["manager"], filters=DashboardFilters(territory_id=world.fizi_t.pk))
    assert [row["name"] for row in filtered["territories"]] == ["Fizi"]
    assert [row["name"] for row in filtered["bases"]] == ["Minembwe"]
    far = dashboard_breakdown(user=users["far_manager"], filters=DashboardFilters())
    assert [(row["name"], row["reports"]) for row in far["territories"]] == [("Beni", 1)]

    client.force_login(users["manager"])
    html = client.get(reverse("gender:dashboard")).content.decode()
    assert (
        '<tr><td>Uvira</td><td class="num">3</td><td class="num">67%</td><td class="num">1</td>'
        '<td class="num">26%</td></tr>'
    ) in html
