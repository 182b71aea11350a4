"""insert_together: a record and the rows that belong to it, written all or nothing."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from can.models import Alert, AlertEvent
from monusco.db import insert_together, parent_pk
from monusco.models import AuditLog

pytestmark = pytest.mark.django_db


def _alert(world, key):
    now = timezone.now()
    return Alert(
        idempotency_key=key,
        channel="sms",
        base=world.base,
        territory_id=world.base.locality.territory_id,
        threat_category="other",
        status="received",
        received_at=now,
        received_on=timezone.localdate(now),
    )


def _rows(world, key):
    alert = _alert(world, key)
    events = [
        AlertEvent(alert_id=parent_pk(0), kind="received", at=alert.received_at, to_status="received"),
        AlertEvent(alert_id=parent_pk(0), kind="repeated", at=alert.received_at),
    ]
    audit = [
        AuditLog(action="create", model="can.alert", object_pk=parent_pk(0, as_text=True)),
        AuditLog(action="update", model="can.alert", object_pk=parent_pk(0, as_text=True)),
    ]
    return alert, events, audit


def test_children_get_their_parent_key(world, django_assert_num_queries):
    warm, warm_events, warm_audit = _rows(world, "k-0")
    insert_together([warm], warm_events, warm_audit)  # the statement of this shape is prepared by now
    alert, events, audit = _rows(world, "k-1")
    before = AuditLog.objects.count()
    # One statement on PostgreSQL (a savepoint around it, as the test runs in a transaction);
    # elsewhere one INSERT per group in a savepoint.
    with django_assert_num_queries(3 if connection.vendor == "postgresql" else 5):
        keys = insert_together([alert], events, audit)
    assert keys == [alert.pk, events[0].pk, audit[0].pk]
    assert Alert.objects.get(idempotency_key="k-1").pk == alert.pk
    assert sorted(AlertEvent.objects.filter(alert=alert).values_list("kind", flat=True)) == ["received", "repeated"]
    assert [e.alert_id for e in events] == [alert.pk, alert.pk]
    assert list(AuditLog.objects.order_by("pk")[before:].values_list("action", "model", "object_pk")) == [
        ("create", "can.alert", str(alert.pk)),
        ("update", "can.alert", str(alert.pk)),
    ]


def test_a_key_must_come_from_an_earlier_group_of_one_row(world):
    alert, events, _audit = _rows(world, "k-3")
    with pytest.raises(ValueError, match="earlier group of one row"):
        insert_together([alert], events, [AuditLog(action="create", model="x", object_pk=parent_pk(1, as_text=True))])
    assert not Alert.objects.filter(idempotency_key="k-3").exists()


def test_a_failure_writes_nothing_and_leaves_the_outer_transaction_usable(world):
    insert_together([_alert(world, "k-2")])
    alert, events, audit = _rows(world, "k-2")  # the same idempotency key: the first INSERT fails
    with transaction.atomic():
        with pytest.raises(IntegrityError):
            insert_together([alert], events, audit)
        assert Alert.objects.count() == 1  # still usable
    assert AlertEvent.objects.count() == 0
    assert AuditLog.objects.filter(model="can.alert").count() == 0


def _statements(captured) -> list[str]:
    return [q["sql"].split(" ", 1)[0] for q in captured if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]


def test_postgresql_prepares_the_statement_once_per_session(world, settings):
    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    settings.DB_PREPARED_STATEMENTS = True
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DEALLOCATE ALL")  # a new session, as far as prepared statements go
    connections["default"].__dict__.pop("_monusco_prepared", None)
    with CaptureQueriesContext(connection) as first:
        insert_together([_alert(world, "p-1")])
    with CaptureQueriesContext(connection) as second:
        insert_together([_alert(world, "p-2")])
    if connection.vendor == "postgresql":
        assert (_statements(first), _statements(second)) == (["SELECT", "PREPARE", "EXECUTE"], ["EXECUTE"])
    else:
        assert (_statements(first), _statements(second)) == (["INSERT"], ["INSERT"])
    assert list(
        Alert.objects.filter(idempotency_key__startswith="p-").order_by("pk").values_list("idempotency_key", "base_id")
    ) == [("p-1", world.base.pk), ("p-2", world.base.pk)]


def test_without_prepared_statements_the_statement_is_sent_whole(world, settings):
    from django.test.utils import CaptureQueriesContext

    settings.DB_PREPARED_STATEMENTS = False
    with CaptureQueriesContext(connection) as captured:
        insert_together([_alert(world, "w-1")])
    assert _statements(captured) == ["WITH" if connection.vendor == "postgresql" else "INSERT"]
    assert Alert.objects.filter(idempotency_key="w-1").exists()
