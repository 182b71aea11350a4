"""The read replica, on a real streaming replica (``.ci/replica.sh``: a throwaway primary and a
replica made with pg_basebackup; CI runs this file against them, with ``DATABASE_URL`` on the
primary, ``DATABASE_REPLICA_URL`` on the replica and ``REPLICA_DIR`` the directory of both).

The dashboard's aggregates are read from the replica; a user who just wrote reads from the
primary; a replica that lags or is stopped, before or during a read, sends reads to the primary
with no error page; /healthz reports its state. Skipped where no replica is configured."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections

from monusco import replica
from tests.factories import make_user
from tests.factories.gender import make_meeting

ROOT = Path(settings.BASE_DIR)
pytestmark = [
    pytest.mark.skipif(not replica.configured(), reason="no read replica (DATABASE_REPLICA_URL) configured"),
    pytest.mark.django_db(transaction=True, databases=["default", "replica"]),
]
WAIT_SECONDS = 20


@pytest.fixture(autouse=True)
def fresh_state(settings):
    settings.REPLICA_CHECK_SECONDS = 0  # every block checks again: the tests change the replica's state
    replica.reset()
    yield
    replica.reset()


def _node(action: str) -> None:
    subprocess.run(
        ["bash", str(ROOT / ".ci/replica.sh"), "pg_ctl", os.environ["REPLICA_DIR"], "replica", action], check=True
    )
    connections["replica"].close()


def _replayed(meeting) -> None:
    """Wait (bounded) until the replica has replayed the primary's last write."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        with connections["replica"].cursor() as cursor:
            cursor.execute("SELECT count(*) FROM cla_urafikimeeting WHERE id = %s", [meeting.pk])
            if cursor.fetchone()[0] == 1:
                return
        time.sleep(0.05)
    raise AssertionError("the replica did not replay the write in time")


def _recorder(into: list[str]):
    def record(execute, sql, params, many, context):
        into.append(sql)
        return execute(sql, params, many, context)

    return record


def _dashboard(client, user):
    """The dashboard's response and the SQL sent to each database (recorded without connecting:
    a stopped replica stays unreached)."""
    client.force_login(user)
    primary: list[str] = []
    secondary: list[str] = []
    with (
        connections["default"].execute_wrapper(_recorder(primary)),
        connections["replica"].execute_wrapper(_recorder(secondary)),
    ):
        response = client.get("/gender/dashboard/")
    assert response.status_code == 200
    return response, primary, secondary


def _report_reads(queries: list[str]) -> list[str]:
    return [sql for sql in queries if "cla_urafikimeeting" in sql]


@pytest.fixture
def reviewer(world):
    return make_user("gender_reviewer", province=world.south)


@pytest.fixture
def cla(world):
    return make_user("cla", base=world.base)


def _meeting(world, cla, **counts):
    return make_meeting(world=world, author=cla, **counts)


def test_the_dashboard_reads_its_aggregates_from_the_replica(world, cla, reviewer, client):
    meeting = _meeting(world, cla, women=7, men=3)
    _replayed(meeting)
    response, primary, secondary = _dashboard(client, reviewer)
    assert _report_reads(secondary), "the aggregates were read from the replica"
    assert _report_reads(primary) == []
    assert replica.state() == "ok"


def test_a_user_who_just_wrote_reads_from_the_primary(world, cla, reviewer, client):
    meeting = _meeting(world, cla)
    _replayed(meeting)
    client.force_login(reviewer)
    assert client.post("/i18n/setlang/", {"language": "fr", "next": "/"}).status_code == 302
    _response, primary, secondary = _dashboard(client, reviewer)
    assert _report_reads(primary) and _report_reads(secondary) == []
    other = make_user("gender_reviewer", province=world.south)  # another user is not held back
    _response, primary, secondary = _dashboard(client, other)
    assert _report_reads(secondary) and _report_reads(primary) == []


def test_a_lagging_replica_sends_reads_to_the_primary_and_healthz_says_so(world, cla, reviewer, client, settings):
    settings.REPLICA_MAX_LAG_SECONDS = 0.2
    first = _meeting(world, cla)
    _replayed(first)
    with connections["replica"].cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()")
    try:
        time.sleep(0.5)
        _meeting(world, cla, women=11)  # received by the replica, not replayed
        deadline = time.monotonic() + WAIT_SECONDS
        while replica.state() != "lagging" and time.monotonic() < deadline:
            _meeting(world, cla)
            time.sleep(0.1)
        assert replica.state() == "lagging"
        response, primary, secondary = _dashboard(client, reviewer)
        assert _report_reads(primary) and _report_reads(secondary) == []
        health = client.get("/healthz").json()
        assert (health["status"], health["replica"], health["degraded"]) == ("degraded", "lagging", ["replica"])
    finally:
        with connections["replica"].cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_resume()")


def test_a_stopped_replica_sends_reads_to_the_primary_with_no_error_page(world, cla, reviewer, client):
    _meeting(world, cla, women=5)
    _node("stop")
    try:
        response, primary, secondary = _dashboard(client, reviewer)
        assert _report_reads(primary) and secondary == []
        health = client.get("/healthz")
        assert health.status_code == 200
        assert (health.json()["replica"], health.json()["status"]) == ("down", "degraded")
    finally:
        _node("start")
    replica.reset()
    assert replica.state() == "ok"


def test_a_replica_that_fails_mid_read_is_read_again_from_the_primary(world, cla, reviewer):
    meeting = _meeting(world, cla)
    _replayed(meeting)
    assert replica.state() == "ok"
    connections["replica"].ensure_connection()

    from django.conf import settings as live

    live.REPLICA_CHECK_SECONDS = 60  # the check just made stands: the failure comes mid-read
    _node("stop")
    try:
        from cla.models import UrafikiMeeting

        calls = []

        def read():
            calls.append(1)
            return list(UrafikiMeeting.objects.values_list("pk", flat=True))

        assert replica.replica_or_primary(read, reviewer) == [meeting.pk]
        assert len(calls) == 2  # on the replica (which failed), then on the primary
        assert replica.state() == "down"
    finally:
        _node("start")


def test_writes_never_go_to_the_replica(world, cla):
    with replica.replica_reads() as on_replica:
        assert on_replica
        meeting = _meeting(world, cla)  # written inside a replica block: to the primary
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT count(*) FROM cla_urafikimeeting WHERE id = %s", [meeting.pk])
        assert cursor.fetchone()[0] == 1
    assert replica.ReplicaRouter().db_for_write(type(meeting)) == "default"
    assert replica.ReplicaRouter().allow_migrate("replica", "cla") is False
