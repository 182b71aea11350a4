"""Every list loads related data in bulk: the same exact query count at page sizes 10 and 100."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.conftest import session_client, token_client
from tests.factories import LocalityFactory, OperatingBaseFactory, make_alert, make_focal_point, make_review
from tests.factories.api import ActionFactory, meeting_with_details, mission, plan_with_details

pytestmark = pytest.mark.django_db

# Token client: the page and one query per related list (meetings bring theirs in the page's query).
# The client and its scope were read by the warm-up request and are reused (see monusco.api.auth);
# reads run outside a transaction.
TOKEN_QUERIES = {"localities": 1, "bases": 2, "meetings": 1, "plans": 3, "alerts": 2, "missions": 4, "reviews": 1}


@pytest.fixture
def many(world, users):
    for n in range(100):
        locality = LocalityFactory(territory=world.uvira_t, name=f"Village {n}")
        OperatingBaseFactory(
            code=f"tob-{n}",
            name=f"TOB {n}",
            locality=locality,
            coverage=[locality, world.uvira],
            kind="tob",
            parent=world.base,
        )
        meeting_with_details(base=world.base, locality=locality)
        plan = plan_with_details(base=world.base, locality=locality)
        ActionFactory(threat=plan.threats.get())
        item = make_alert(
            world.base,
            locality=locality,
            threat_category="looting",
            description="Shops looted at the market",
            focal_point=make_focal_point(
                world.base,
                code=f"FP-{n}",
                name="Furaha Test",
                phone=f"+2438100{n:05d}",
                consent_on=datetime.date(2025, 1, 1),
            ),
            status="acknowledged",
            events=True,
            women=2,
            men=1,
            girls=1,
        )
        mission(localities=[locality, world.uvira], bases=[world.base], title=f"Mission {n}")
        make_review(
            item if n % 2 else plan,
            users["gender"],
            "returned",
            comment="Add women's views",
            direct=True,
            report_type="alert" if n % 2 else "protection_plan",
        )


def _count(client, url: str) -> tuple[int, int]:
    client.get(url)  # warm caches (content types, permissions) so both sizes start alike
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), len(response.json()["results"])


# A token client's read adds its access-log row: inside the test's transaction a SAVEPOINT, the
# INSERT and a RELEASE (outside one, as the API runs, the INSERT alone: tests/api/test_access_log.py).
LOG = 3


@pytest.mark.parametrize("resource", sorted(TOKEN_QUERIES))
def test_query_count_is_flat_for_token_clients_and_sessions(resource, many, tokens, users):
    client = token_client(tokens.inside_key)
    assert _count(client, f"/api/v1/{resource}/?page_size=10") == (TOKEN_QUERIES[resource] + LOG, 10)
    assert _count(client, f"/api/v1/{resource}/?page_size=100") == (TOKEN_QUERIES[resource] + LOG, 100)
    # a session adds 6: session, user, user scope, base assignments, user permissions, group permissions
    session = session_client(users["manager"])
    assert _count(session, f"/api/v1/{resource}/?page_size=10") == (TOKEN_QUERIES[resource] + 6, 10)
    assert _count(session, f"/api/v1/{resource}/?page_size=100") == (TOKEN_QUERIES[resource] + 6, 100)


def test_a_token_client_is_read_once_then_reused_for_reads(world, tokens):
    from monusco.api import auth

    auth.forget_clients()
    client = token_client(tokens.inside_key)
    with CaptureQueriesContext(connection) as cold:
        assert client.get("/api/v1/localities/?page_size=10").status_code == 200
    with CaptureQueriesContext(connection) as warm:
        assert client.get("/api/v1/localities/?page_size=10").status_code == 200
    # client + user, then its provinces and territories (one UNION), then the page, then the log
    assert (len(cold.captured_queries), len(warm.captured_queries)) == (3 + LOG, 1 + LOG)


def test_a_cached_token_client_is_read_again_after_the_cache_window(world, tokens, monkeypatch):
    from cachetools import TTLCache

    from monusco.api import auth

    now = [1000.0]
    monkeypatch.setattr(
        auth, "_clients", TTLCache(maxsize=auth.CLIENT_CACHE_SIZE, ttl=auth.CLIENT_CACHE_SECONDS, timer=lambda: now[0])
    )
    client = token_client(tokens.inside_key)
    counts = []
    for step in (0, auth.CLIENT_CACHE_SECONDS - 0.5, 1):  # cold, still warm, then past the window
        now[0] += step
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/v1/localities/?page_size=10").status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts == [3 + LOG, 1 + LOG, 3 + LOG]
