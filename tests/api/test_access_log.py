"""The access log: one row per read by a token client, exact; never one for a session user or a
write; a failing INSERT does not fail the read; rows past ``API_ACCESS_LOG_DAYS`` are purged."""

import datetime

import pytest
from django.db import DatabaseError
from django.utils import timezone

from monusco.api.access_log import access_log_purge
from monusco.models import ApiAccessLog
from monusco.tasks import purge_api_access_log
from tests.api.conftest import session_client, token_client
from tests.factories import api_alert

pytestmark = pytest.mark.django_db

FIELDS = ("client_id", "client_name", "endpoint", "filters", "status", "rows")


def _rows():
    return list(ApiAccessLog.objects.order_by("id").values_list(*FIELDS))


def test_each_read_by_a_token_client_is_one_exact_row(world, tokens):
    alert = api_alert(world)
    api_alert(world, threat_category="abduction")
    api = token_client(tokens.inside_key)
    assert api.get("/api/v1/alerts/?format=csv&threat_category=looting").status_code == 200
    assert api.get("/api/v1/alerts/?page_size=1").status_code == 200
    assert api.get(f"/api/v1/alerts/{alert.uid}/").status_code == 200
    assert api.get("/api/v1/alerts/?territory=not-a-uid").status_code == 400
    inside = tokens.inside
    assert _rows() == [
        (inside.pk, "SAGE South Kivu", "/api/v1/alerts/", {"format": "csv", "threat_category": "looting"}, 200, 1),
        (inside.pk, "SAGE South Kivu", "/api/v1/alerts/", {"page_size": "1"}, 200, 1),
        (inside.pk, "SAGE South Kivu", f"/api/v1/alerts/{alert.uid}/", {}, 200, 1),
        (inside.pk, "SAGE South Kivu", "/api/v1/alerts/", {"territory": "not-a-uid"}, 400, 0),
    ]


def test_the_page_link_is_not_a_filter_and_each_page_counts_its_rows(world, tokens):
    for _ in range(3):
        api_alert(world)
    api = token_client(tokens.inside_key)
    first = api.get("/api/v1/alerts/?page_size=2").json()
    assert api.get(first["next"]).status_code == 200
    assert [(filters, rows) for *_, filters, _status, rows in _rows()] == [
        ({"page_size": "2"}, 2),
        ({"page_size": "2"}, 1),
    ]


def test_a_refused_read_is_logged_with_no_rows(world, tokens):
    response = token_client(tokens.narrow_key).get("/api/v1/alerts/")
    assert response.status_code == 403
    assert _rows() == [(tokens.narrow.pk, "HDX places", "/api/v1/alerts/", {}, 403, 0)]


def test_session_reads_and_writes_are_not_in_the_access_log(world, tokens, users):
    api_alert(world)
    assert session_client(users["manager"]).get("/api/v1/alerts/").status_code == 200
    payload = {
        "idempotency_key": "6c906e2b-9472-37fa-9b6f-a398e0f821f1",
        "base": str(world.base.uid),
        "threat_category": "looting",
        "description": "Looting",
    }
    assert token_client(tokens.inside_key).post("/api/v1/alerts/", payload, format="json").status_code == 201
    assert _rows() == []


@pytest.mark.django_db(transaction=True)
def test_a_read_costs_one_insert(world, tokens, django_assert_num_queries):
    """Outside a transaction, as the API's views run: no savepoint around the INSERT."""
    api = token_client(tokens.inside_key)
    api.get("/api/v1/localities/?name=sange")  # the client and its scope are now cached
    with django_assert_num_queries(2) as captured:  # the page, and the log's INSERT
        assert api.get("/api/v1/localities/?name=sange").status_code == 200
    assert captured.captured_queries[-1]["sql"].startswith('INSERT INTO "monusco_apiaccesslog"')


def test_inside_a_transaction_the_insert_has_its_savepoint(world, tokens, django_assert_num_queries):
    api = token_client(tokens.inside_key)
    api.get("/api/v1/localities/?name=sange")
    with django_assert_num_queries(4) as captured:  # the page, SAVEPOINT, INSERT, RELEASE
        assert api.get("/api/v1/localities/?name=sange").status_code == 200
    assert captured.captured_queries[2]["sql"].startswith('INSERT INTO "monusco_apiaccesslog"')


def test_a_failing_insert_does_not_fail_the_read(world, tokens, monkeypatch, caplog):
    def refuse(*args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(ApiAccessLog, "save", refuse)
    response = token_client(tokens.inside_key).get("/api/v1/localities/?name=sange")
    assert response.status_code == 200
    assert [row["name"] for row in response.json()["results"]] == ["Sange"]
    assert "API access log: could not record a read by SAGE South Kivu of /api/v1/localities/" in caplog.text
    monkeypatch.undo()
    assert _rows() == []


def _entry(tokens, days_ago: float) -> ApiAccessLog:
    return ApiAccessLog.objects.create(
        at=timezone.now() - datetime.timedelta(days=days_ago),
        client=tokens.inside,
        client_name="SAGE South Kivu",
        endpoint="/api/v1/alerts/",
        status=200,
        rows=1,
    )


def test_purge_deletes_only_rows_older_than_the_setting(world, tokens, settings):
    kept = [_entry(tokens, 29.9).pk, _entry(tokens, 0.5).pk]
    _entry(tokens, 30.1)
    _entry(tokens, 400)
    settings.API_ACCESS_LOG_DAYS = 30
    assert purge_api_access_log() == 2
    assert sorted(ApiAccessLog.objects.values_list("pk", flat=True)) == sorted(kept)
    assert access_log_purge(days=1) == 1


def test_purge_is_on_the_beat_schedule_daily(settings):
    assert settings.CELERY_BEAT_SCHEDULE["monusco-purge-api-access-log"] == {
        "task": "monusco.tasks.purge_api_access_log",
        "schedule": 86400.0,
    }
