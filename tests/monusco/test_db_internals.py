"""``monusco.db`` (``insert_together``, ``update_returning``, prepared statements) compiles SQL with
Django's own query classes, through a few of their private attributes and methods. These tests
fail loudly on a Django whose internals differ, before the intake path breaks in production.

On a new Django: re-read ``InsertQuery.insert_values``, ``SQLInsertCompiler.as_sql`` and its
``returning_fields``, ``UpdateQuery.add_update_values`` and ``Query.chain``, and the fields'
``generated`` flag; run tests/can/test_intake.py and tests/monusco/test_audit_helpers.py on
PostgreSQL; then move the pinned version below."""

import inspect

import django
import pytest
from django.db import connection
from django.db.models.sql import InsertQuery, UpdateQuery
from django.db.models.sql.compiler import SQLInsertCompiler, SQLUpdateCompiler

from can.models import Alert, AlertEvent
from monusco import db
from monusco.models import AuditLog


def test_the_django_version_is_the_one_monusco_db_was_checked_against():
    assert django.VERSION[:2] == (5, 2), (
        "monusco/db.py relies on Django internals checked against 5.2: re-check them (see this "
        "module's docstring) and update this pin"
    )


def test_the_private_query_api_used_keeps_its_shape():
    assert list(inspect.signature(InsertQuery.insert_values).parameters)[:3] == ["self", "fields", "objs"]
    assert list(inspect.signature(UpdateQuery.add_update_values).parameters) == ["self", "values"]
    assert "klass" in inspect.signature(UpdateQuery.chain).parameters
    assert list(inspect.signature(SQLInsertCompiler.as_sql).parameters) == ["self"]
    assert list(inspect.signature(SQLUpdateCompiler.as_sql).parameters) == ["self"]
    assert hasattr(SQLInsertCompiler, "returning_fields")
    assert all(hasattr(field, "generated") for field in Alert._meta.local_concrete_fields)


@pytest.mark.django_db
def test_an_insert_compiles_to_one_statement_returning_the_key(world):
    from tests.factories import make_alert

    alert = make_alert(world.base)
    event = AlertEvent(alert_id=alert.pk, kind="received", at=alert.received_at, to_status="received")
    sql, params = db._compiled([event], "default", returning=True)
    assert sql.startswith(f'INSERT INTO "{AlertEvent._meta.db_table}"')
    assert sql.rstrip().endswith('RETURNING "can_alertevent"."id"')
    assert sql.count("%s") == len(params) == len(db._fields(AlertEvent))


@pytest.mark.django_db
def test_an_update_compiles_from_a_queryset_with_its_joins(world):
    query = Alert.objects.filter(base__code=world.base.code).query.chain(UpdateQuery)
    query.add_update_values({"missed_calls": 3})
    query.annotations = {}
    sql, params = query.get_compiler(using="default").as_sql()
    assert sql.startswith(f'UPDATE "{Alert._meta.db_table}" SET "missed_calls" = %s')
    assert params[0] == 3


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the session's backend pid is psycopg's")
@pytest.mark.django_db
def test_the_prepared_statement_cache_can_name_its_session():
    connection.ensure_connection()
    assert isinstance(connection.connection.get_backend_pid(), int)
    assert AuditLog._meta.get_field("detail").get_db_prep_value({"fields": []}, connection) is not None
