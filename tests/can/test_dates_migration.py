"""The migration that bounds alert dates repairs the rows a bad gateway date (or an API client's
``received_at``) left behind: they could be stored, but never read back."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from can.models import Alert, AlertEvent
from monusco.models import AuditLog

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = ("can", "0003_fewer_indexes")  # the last migration without the date bounds


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def _plant(sql: str, params) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _alert(Old, world, n, **values):
    """An alert row of the schema before the migration (no new column), written as intake did."""
    now = datetime.datetime.now(datetime.UTC)
    return Old.objects.create(
        idempotency_key=f"old:{n}",
        channel="sms",
        base_id=world.base.pk,
        territory_id=world.uvira_t.pk,
        threat_category="armed_attack",
        status="received",
        received_at=now,
        received_on=now.date(),
        **values,
    )


def test_bad_rows_are_repaired_and_nothing_else_changes(world, users, client):
    _migrate([BEFORE])
    try:
        old = MigrationExecutor(connection).loader.project_state([BEFORE]).apps
        Old, OldEvent = old.get_model("can", "Alert"), old.get_model("can", "AlertEvent")
        good_sent = datetime.datetime(2026, 11, 23, 6, 15, tzinfo=datetime.UTC)
        good = _alert(Old, world, 0, sent_at=good_sent)
        early, late, endless, received = (_alert(Old, world, n) for n in range(1, 5))
        event = OldEvent.objects.create(alert=received, kind="received", at=received.received_at, to_status="received")
        if connection.vendor == "postgresql":  # what PostgreSQL took from a gateway and an API client
            bad = {early: "0001-01-01T00:00:00+14:00", late: "9999-12-31T23:59:59-14:00", endless: "infinity"}
            bad_received = "0001-01-01T01:30:00+02:00"
            kept = {early: "0001-12-31 10:00:00+00 BC", late: "10000-01-01 13:59:59+00", endless: "infinity"}
        else:  # SQLite keeps text: the same instants, written as its rows are
            bad = {early: "0000-12-31 10:00:00", late: "10000-01-01 13:59:59", endless: "9999-12-31 23:59:59.999999"}
            bad_received = "0000-12-31 23:30:00"
            kept = dict(bad)
        for alert, value in bad.items():
            _plant("UPDATE can_alert SET sent_at = %s WHERE id = %s", [value, alert.pk])
        _plant(
            "UPDATE can_alert SET received_at = %s, received_on = %s WHERE id = %s",
            [bad_received, "0001-01-01", received.pk],
        )
        _plant("UPDATE can_alertevent SET at = %s WHERE id = %s", [bad_received, event.pk])
        audits = AuditLog.objects.count()
        untouched = Old.objects.filter(pk=good.pk).values_list("updated_at", flat=True).get()
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    # Every row reads back; the bad dates are gone, flagged and kept as text.
    rows = {a.pk: a for a in Alert.objects.all()}
    for alert, text in kept.items():
        repaired = rows[alert.pk]
        assert (repaired.sent_at, repaired.sent_at_ignored, repaired.sent_at_as_received) == (None, True, text)
    fixed = rows[received.pk]
    assert fixed.received_at == fixed.created_at
    assert fixed.received_on == fixed.created_at.astimezone(datetime.timezone(datetime.timedelta(hours=2))).date()
    assert AlertEvent.objects.get(pk=event.pk).at == AlertEvent.objects.get(pk=event.pk).created_at
    # The good alert is as it was.
    assert (rows[good.pk].sent_at, rows[good.pk].sent_at_ignored, rows[good.pk].updated_at) == (
        good_sent,
        False,
        untouched,
    )
    assert (rows[good.pk].received_at, rows[good.pk].sent_at_as_received) == (good.received_at, "")
    # Each repair is audited, with the fields it changed.
    assert sorted(AuditLog.objects.order_by("pk")[audits:].values_list("object_pk", "action", "detail")) == sorted(
        [(str(a.pk), "update", {"fields": ["sent_at", "sent_at_as_received", "sent_at_ignored"]}) for a in kept]
        + [(str(received.pk), "update", {"fields": ["received_at", "received_on"]})]
    )
    client.force_login(users["duty"])
    inbox = client.get("/can/inbox/", HTTP_ACCEPT_LANGUAGE="en")
    assert inbox.status_code == 200
    assert inbox.content.decode().count(">gateway date ignored</span>") == 3
    assert client.get("/api/v1/alerts/").status_code == 200
