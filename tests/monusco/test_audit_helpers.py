"""The audited bulk writes: ``audited_update`` and ``audited_bulk_create`` write one audit row per
row they change, with the change, on both engines."""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from can.models import Alert, Notification
from monusco.audit import acting_as, audited_bulk_create, audited_update
from monusco.models import AuditLog
from tests.factories import make_alert

pytestmark = pytest.mark.django_db

ON_POSTGRESQL = connection.vendor == "postgresql"


def _audit(model: str):
    return list(
        AuditLog.objects.filter(model=model)
        .order_by("object_pk")
        .values_list("action", "actor_id", "object_pk", "object_repr", "detail")
    )


def test_audited_update_writes_one_row_per_row_changed_in_the_same_statement(world, users, django_assert_num_queries):
    alerts = [make_alert(world.base) for _ in range(3)]
    untouched = make_alert(world.other_base)
    AuditLog.objects.all().delete()
    before = timezone.now()
    # One statement on PostgreSQL; the UPDATE ... RETURNING and the audit INSERT in a savepoint elsewhere.
    with django_assert_num_queries(1 if ON_POSTGRESQL else 4), acting_as(users["duty"]):
        changed = audited_update(Alert.objects.filter(base=world.base), missed_calls=F("missed_calls") + 2)
    assert changed == 3
    assert sorted(Alert.objects.filter(base=world.base).values_list("missed_calls", flat=True)) == [2, 2, 2]
    assert Alert.objects.get(pk=untouched.pk).missed_calls == 0
    assert all(a.updated_at >= before for a in Alert.objects.filter(base=world.base))
    assert Alert.objects.get(pk=untouched.pk).updated_at < before
    assert _audit("can.alert") == sorted(
        ("update", users["duty"].pk, str(a.pk), f"alert {a.uid}", {"fields": ["missed_calls", "updated_at"]})
        for a in alerts
    )


def test_audited_update_of_nothing_writes_nothing(world, django_assert_num_queries):
    make_alert(world.base)
    AuditLog.objects.all().delete()
    with django_assert_num_queries(1 if ON_POSTGRESQL else 3):
        assert audited_update(Alert.objects.filter(base=world.far_base), missed_calls=5) == 0
    assert AuditLog.objects.count() == 0


def test_audited_update_follows_joins_and_names_the_actor_given(world, users):
    alert = make_alert(world.base, threat_category="looting")
    other = make_alert(world.other_base, threat_category="looting")
    mine = Notification.objects.create(alert=alert, recipient=users["duty"], channel="in_app")
    Notification.objects.create(alert=other, recipient=users["cla2"], channel="in_app")
    AuditLog.objects.all().delete()
    now = timezone.now()
    changed = audited_update(
        Notification.objects.filter(alert__base=world.base, status="pending"),
        actor=users["admin"],
        status="sent",
        sent_at=now,
        updated_at=now,
    )
    assert changed == 1
    assert list(Notification.objects.order_by("pk").values_list("status", flat=True)) == ["sent", "pending"]
    assert _audit("can.notification") == [
        (
            "update",
            users["admin"].pk,
            str(mine.pk),
            f"notification {mine.uid}",
            {"fields": ["sent_at", "status", "updated_at"]},
        ),
    ]


def test_audited_update_is_all_or_nothing(world):
    alert = make_alert(world.base)
    AuditLog.objects.all().delete()
    with pytest.raises(IntegrityError), transaction.atomic():  # the dates' check constraint refuses it
        audited_update(
            Alert.objects.filter(pk=alert.pk), received_at=datetime.datetime(1900, 1, 1, tzinfo=datetime.UTC)
        )
    assert AuditLog.objects.count() == 0


def test_audited_bulk_create_audits_each_row(world, users, django_assert_num_queries):
    alert = make_alert(world.base)
    AuditLog.objects.all().delete()
    rows = [Notification(alert=alert, recipient=users[name], channel="in_app") for name in ("duty", "cla")]
    # the two INSERTs, in a savepoint
    with django_assert_num_queries(4), acting_as(users["duty"]):
        created = audited_bulk_create(rows)
    assert [n.pk is not None for n in created] == [True, True]
    assert _audit("can.notification") == sorted(
        ("create", users["duty"].pk, str(n.pk), f"notification {n.uid}", {}) for n in created
    )
    assert audited_bulk_create([]) == []
