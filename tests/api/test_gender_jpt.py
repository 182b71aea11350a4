"""JPT missions, gender reviews and the dashboard indicators through the API."""

import pytest
from django.utils import timezone

from tests.api.conftest import session_client, token_client
from tests.factories import api_alert, make_alert, make_review
from tests.factories.api import MeetingFactory, mission

pytestmark = pytest.mark.django_db


def test_mission_exact_for_a_token_client(world, tokens):
    item = mission(localities=[world.uvira], bases=[world.base])
    body = token_client(tokens.inside_key).get(f"/api/v1/missions/{item.uid}/").json()
    recommendations = list(item.recommendations.order_by("deadline", "id"))
    assert body == {
        "uid": str(item.uid),
        "title": "Fizi highlands",
        "status": "planned",
        "start_date": "2026-02-02",
        "end_date": "2026-02-06",
        "localities": [{"uid": str(world.uvira.uid), "name": "Uvira", "territory": "Uvira"}],
        "bases": ["cob-uvira"],
        "objectives": "Assess threats on the roads to the markets",
        "summary": None,
        "team_size": 0,
        "women_on_team": 0,
        "people_met": {
            "women": 5,
            "men": 3,
            "girls": 0,
            "boys": 0,
            "age_0_5": None,
            "age_6_12": None,
            "age_13_17": None,
            "age_18_49": None,
            "age_50_59": None,
            "age_60_plus": None,
        },
        "recommendations": [
            {
                "uid": str(recommendations[0].uid),
                "text": "Patrol the market road",
                "responsible": "fardc",
                "deadline": "2026-03-01",
                "follow_up_status": "open",
                "last_update_on": None,
            },
            {
                "uid": str(recommendations[1].uid),
                "text": "Lighting at the water point",
                "responsible": "local_authority",
                "deadline": "2099-01-01",
                "follow_up_status": "in_progress",
                "last_update_on": None,
            },
        ],
        "overdue_recommendations": 1,  # the first deadline (2026-03-01) has passed
        "review_status": "draft",
        "updated_at": type(item).objects.get(pk=item.pk).updated_at.isoformat().replace("+00:00", "Z"),
    }


def test_mission_filters(world, tokens):
    uvira = mission(localities=[world.uvira], bases=[world.base], title="Uvira")
    fizi = mission(localities=[world.minembwe], bases=[world.other_base], title="Fizi")
    client = token_client(tokens.inside_key)

    def titles(query: str) -> list[str]:
        return [row["title"] for row in client.get(f"/api/v1/missions/?{query}").json()["results"]]

    assert titles(f"territory={world.fizi_t.uid}") == ["Fizi"]
    assert titles(f"base={world.base.uid}") == ["Uvira"]
    assert titles("threat_category=looting&ordering=created_at") == ["Uvira", "Fizi"]
    assert titles("threat_category=sexual_violence") == []
    assert titles(f"updated_since={fizi.updated_at.isoformat().replace('+00:00', 'Z')}") == ["Fizi"]
    assert uvira.pk != fizi.pk


def test_session_sees_the_summary_and_review_comments(world, users, tokens):
    item = mission(localities=[world.uvira], bases=[world.base])
    round_one = make_review(
        item, users["gender"], "returned", comment="Add women's views", direct=True, report_type="jpt_mission"
    )
    session = session_client(users["gender"])
    assert session.get(f"/api/v1/missions/{item.uid}/").json()["summary"] == "Report summary"
    assert session.get(f"/api/v1/reviews/{round_one.uid}/").json()["comment"] == "Add women's views"
    assert token_client(tokens.inside_key).get(f"/api/v1/reviews/{round_one.uid}/").json() == {
        "uid": str(round_one.uid),
        "report_type": "jpt_mission",
        "report_uid": str(item.uid),
        "round": 1,
        "decision": "returned",
        "checklist_version": 1,
        "answers": {"yes": 1, "partly": 1, "no": 1, "na": 1},
        "comment": None,
        "submitted_at": None,
        "reviewed_at": round_one.created_at.isoformat().replace("+00:00", "Z"),
        "days_to_review": 2.5,
    }


def test_reviews_of_sexual_violence_alerts_are_left_out_for_clients(world, users, tokens):
    sv = make_review(
        make_alert(
            world.base,
            locality=world.uvira,
            threat_category="sexual_violence",
            description="Shops looted at the market",
            status="acknowledged",
            events=True,
            women=2,
            men=1,
            girls=1,
        ),
        users["gender"],
        "returned",
        comment="Add women's views",
        direct=True,
        report_type="alert",
    )
    other = make_review(
        api_alert(world),
        users["gender"],
        "returned",
        comment="Add women's views",
        direct=True,
        report_type="alert",
    )
    client_uids = [r["uid"] for r in token_client(tokens.inside_key).get("/api/v1/reviews/").json()["results"]]
    session_uids = [r["uid"] for r in session_client(users["gender"]).get("/api/v1/reviews/").json()["results"]]
    assert client_uids == [str(other.uid)]
    assert session_uids == [str(other.uid), str(sv.uid)]
    assert [
        r["uid"] for r in token_client(tokens.inside_key).get("/api/v1/reviews/?report_type=meeting").json()["results"]
    ] == []


def test_indicators_suppress_small_sexual_violence_counts(world, tokens):
    now = timezone.now()
    for _ in range(2):
        MeetingFactory(base=world.base, review_status="submitted", review_round=1, submitted_at=now)
    for _ in range(3):
        make_alert(
            world.base,
            locality=world.uvira,
            threat_category="sexual_violence",
            description="Shops looted at the market",
            status="acknowledged",
            events=True,
            women=2,
            men=1,
            girls=1,
        )
    for _ in range(6):
        api_alert(world)
    body = token_client(tokens.inside_key).get("/api/v1/indicators/").json()
    assert body["participants"] == {"women": 12, "men": 8, "girls": 2, "boys": 4}
    assert (body["meetings"], body["meetings_without_women"]) == (2, 0)
    assert body["threats"] == [
        {"category": "looting", "protected": False, "alerts": 6, "women": 12, "men": 6, "girls": 6, "boys": 0},
        {
            "category": "sexual_violence",
            "protected": True,
            "alerts": None,
            "women": None,
            "men": None,
            "girls": None,
            "boys": None,
        },
    ]
    # 6 women at risk, but in 3 alerts of one base and month: withheld with the alert count
    assert body["sexual_violence"] == {
        "alerts": None,
        "women": None,
        "men": None,
        "girls": None,
        "boys": None,
        "reports_mentioning": None,
    }
    # with no alert at all, the sexual-violence row is still there, suppressed (its presence would tell)
    none = [
        {"category": "sexual_violence", "protected": True, **dict.fromkeys(("alerts", "women", "men", "girls", "boys"))}
    ]
    outside = token_client(tokens.outside_key).get("/api/v1/indicators/").json()
    assert (outside["threats"], outside["participants"]["women"]) == (none, 0)
    only_fizi = token_client(tokens.inside_key).get(f"/api/v1/indicators/?territory={world.fizi_t.uid}").json()
    assert (only_fizi["threats"], only_fizi["meetings"]) == (none, 0)


def test_indicators_refuse_bad_parameters_with_a_message(world, tokens):
    response = token_client(tokens.inside_key).get("/api/v1/indicators/?date_from=soon&report_type=poem")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "The request is not valid. See the errors for each field.",
        "errors": {
            "date_from": ["Enter a date as YYYY-MM-DD, e.g. 2026-11-01."],
            "report_type": ["Select a valid choice. poem is not one of the available choices."],
        },
    }
