"""Filters (date range, base, locality, territory, status, threat category, updated_since) and
ordering, on meetings, plans and alerts."""

import datetime

import pytest

from tests.api.conftest import token_client
from tests.factories import api_alert, make_alert
from tests.factories.api import ActionFactory, ConcernFactory, MeetingFactory, PlanFactory, ThreatFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(tokens):
    return token_client(tokens.inside_key)


def _uids(client, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200, response.content
    return [row["uid"] for row in response.json()["results"]]


def test_meeting_filters(world, client):
    early = MeetingFactory(base=world.base, held_on=datetime.date(2026, 1, 10))
    late = MeetingFactory(base=world.base, locality=world.sange, held_on=datetime.date(2026, 3, 10))
    fizi = MeetingFactory(base=world.other_base, held_on=datetime.date(2026, 2, 10), meeting_type="women_forum")
    ConcernFactory(meeting=late, category="abduction")
    ConcernFactory(meeting=fizi, category="sexual_violence")
    base = "/api/v1/meetings/?ordering=held_on"
    assert _uids(client, f"{base}&date_from=2026-02-01") == [str(fizi.uid), str(late.uid)]
    assert _uids(client, f"{base}&date_to=2026-02-10") == [str(early.uid), str(fizi.uid)]
    assert _uids(client, f"{base}&base={world.other_base.uid}") == [str(fizi.uid)]
    assert _uids(client, f"{base}&locality={world.sange.uid}") == [str(late.uid)]
    assert _uids(client, f"{base}&territory={world.uvira_t.uid}") == [str(early.uid), str(late.uid)]
    assert _uids(client, f"{base}&province={world.north.uid}") == []
    assert _uids(client, f"{base}&meeting_type=women_forum") == [str(fizi.uid)]
    assert _uids(client, f"{base}&threat_category=abduction") == [str(late.uid)]
    assert _uids(client, f"{base}&threat_category=sexual_violence") == []  # never for API clients
    assert _uids(client, "/api/v1/meetings/?ordering=-held_on") == [str(late.uid), str(fizi.uid), str(early.uid)]
    since = fizi.updated_at.isoformat()
    assert _uids(client, f"{base}&updated_since={since.replace('+00:00', 'Z')}") == [str(fizi.uid)]


def test_plan_filters(world, client):
    old = PlanFactory(base=world.base, period_start=datetime.date(2025, 1, 1), period_end=datetime.date(2025, 6, 30))
    current = PlanFactory(
        base=world.base,
        locality=world.sange,
        period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2026, 6, 30),
    )
    ActionFactory(threat=ThreatFactory(plan=current, category="looting"), status="blocked")
    ActionFactory(threat=ThreatFactory(plan=old), status="done")
    base = "/api/v1/plans/?ordering=period_start"
    assert _uids(client, f"{base}&date_from=2026-03-01") == [str(current.uid)]
    assert _uids(client, f"{base}&date_to=2025-12-31") == [str(old.uid)]
    assert _uids(client, f"{base}&status=blocked") == [str(current.uid)]
    assert _uids(client, f"{base}&threat_category=abduction") == [str(old.uid)]
    assert _uids(client, f"{base}&locality={world.sange.uid}") == [str(current.uid)]


def test_alert_filters(world, client):
    looting = api_alert(world)
    attack = make_alert(
        world.base,
        locality=world.sange,
        threat_category="armed_attack",
        description="Shops looted at the market",
        status="received",
        events=True,
        women=2,
        men=1,
        girls=1,
        acknowledged_at=None,
    )
    base = "/api/v1/alerts/?ordering=created_at"
    assert _uids(client, f"{base}&status=received") == [str(attack.uid)]
    assert _uids(client, f"{base}&threat_category=looting") == [str(looting.uid)]
    assert _uids(client, f"{base}&locality={world.sange.uid}") == [str(attack.uid)]
    assert _uids(client, f"{base}&territory={world.uvira_t.uid}") == [str(looting.uid), str(attack.uid)]
    today = looting.received_on.isoformat()
    assert _uids(client, f"{base}&date_from={today}&date_to={today}") == [str(looting.uid), str(attack.uid)]
    assert _uids(client, f"{base}&channel=api") == []


def test_bad_filter_values_are_explained(world, client):
    response = client.get("/api/v1/alerts/?status=lost&updated_since=yesterday")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "The request is not valid. See the errors for each field.",
        "errors": {
            "status": ["Select a valid choice. lost is not one of the available choices."],
            "updated_since": [
                "Enter a date and time with its UTC offset, e.g. 2026-11-01T08:00:00Z or 2026-11-01T10:00:00+02:00."
            ],
        },
    }
