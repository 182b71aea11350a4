"""Every page a person opens answers a hostile query string without a server error: each filter,
paging and polling parameter the pages read is set at once to text, numbers out of range, a NUL
byte, an impossible date, a path, SQL and a very long string, and also repeated. The page either
ignores what it cannot use, or says so with a 4xx; it never answers 5xx (the test client raises
the view's exception, so a crash fails the test with its traceback)."""

import pytest
from django.urls import reverse

from can.models import AlertStatus
from tests.conftest import SignInClient as Client
from tests.factories import make_alert
from tests.factories.gender import make_meeting

pytestmark = pytest.mark.django_db

PARAMETERS = (
    "page",
    "page_size",
    "since",
    "auto",
    "status",
    "state",
    "threat",
    "territory",
    "base",
    "locality",
    "date_from",
    "date_to",
    "month",
    "q",
    "sort",
    "ordering",
    "report_type",
    "kind",
    "next",
    "format",
    "layer",
)
HOSTILE = (
    "abc",
    "-1",
    "99999999999999999999999999",
    "\x00",
    "2026-02-30",
    "../../etc/passwd' OR 1=1--",
    "\u202e" + "é" * 3000,
)


def _pages(world) -> dict[str, list[str]]:
    """The pages each role opens, with the map's layers for the roles that see the map."""
    layers = [reverse("map-layer", args=[slug]) for slug in ("alerts", "sexual-violence", "meetings", "bases")]
    layers += [reverse("map-layer", args=[slug]) for slug in ("plan-actions", "itineraries")]
    return {
        "cla": ["/cla/", "/cla/meetings/", "/cla/plans/", "/can/alerts/new/", "/can/focal-points/", "/can/call-backs/"],
        "duty": [
            "/can/inbox/",
            "/can/inbox/new?auto=1&since=1000000000000000",
            "/can/call-backs/",
            "/can/response-times/",
            "/map/",
            "/map/outlines.geojson",
            *layers,
        ],
        "gender": ["/gender/queue/", "/gender/dashboard/", "/gender/dashboard.csv", "/map/", *layers],
        "manager": ["/gender/dashboard/", "/can/response-times/", "/map/", *layers],
    }


@pytest.fixture
def records(world, users):
    make_alert(world.base, locality=world.sange, status=AlertStatus.ACKNOWLEDGED, events=True)
    make_alert(world.base, locality=world.uvira, threat_category="sexual_violence")
    make_meeting(world=world, author=users["cla"])


@pytest.mark.parametrize("role", ["cla", "duty", "gender", "manager"])
def test_no_page_answers_a_hostile_query_with_a_server_error(role, records, users, world):
    client = Client()
    client.force_login(users[role])
    answered = []
    for url in _pages(world)[role]:
        baseline = client.get(url)
        # 404: a map layer the role does not see (the JPT itineraries for a duty officer).
        assert baseline.status_code in (200, 404), (url, baseline.status_code)
        for value in HOSTILE:
            response = client.get(url, dict.fromkeys(PARAMETERS, value))
            assert response.status_code < 500
            assert response.status_code in (200, 302, 400, 404), (url, repr(value)[:20], response.status_code)
            answered.append(response.status_code)
        repeated = client.get(url.split("?")[0] + "?" + "&".join(f"{name}=1&{name}=2" for name in PARAMETERS))
        assert repeated.status_code in (200, 302, 400, 404), (url, repeated.status_code)
    assert len(answered) == len(_pages(world)[role]) * len(HOSTILE)
