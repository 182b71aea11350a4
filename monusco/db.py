"""Writing a record with the rows that belong to it in one database statement.

The SMS gateway's hot path inserts an alert, its first event and their audit rows. Run as four
statements in a transaction, each is a round trip and a context switch between the web process
and PostgreSQL, and on a small server those cost more than the inserts. ``insert_together``
compiles each INSERT with Django's own compiler (so columns, defaults and value conversions stay
the model's) and sends them as one statement, chained by data-modifying CTEs, on PostgreSQL. A
child names its parent's key with ``parent_pk(i)``.

One statement is one transaction in autocommit: all rows are written or none. With
``DB_PREPARED_STATEMENTS`` the statement is prepared once per database session, so PostgreSQL
parses and plans it once. Other databases (SQLite has no data-modifying CTEs) get the same rows
from ordinary inserts in a transaction.
"""

from __future__ import annotations

import functools
import hashlib
import re
from contextlib import nullcontext
from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.db import connections, transaction
from django.db.models import BigIntegerField, Field, Model, TextField
from django.db.models.expressions import RawSQL
from django.db.models.sql import InsertQuery, UpdateQuery

if TYPE_CHECKING:
    from .models import AuditLog

# Output fields, made once: a Field is costly to build.
_KEY: BigIntegerField[int, int] = BigIntegerField()
_TEXT: TextField[str, str] = TextField()


class _ParentKey(RawSQL):
    """Stands for the key of the ``index``-th row inserted before, until the rows are written."""

    def __init__(self, index: int, *, as_text: bool = False):
        self.index = index
        self.as_text = as_text
        cast = "::text" if as_text else ""
        super().__init__(f"SELECT id{cast} FROM insert_{index}", (), output_field=_TEXT if as_text else _KEY)


def parent_pk(index: int, *, as_text: bool = False) -> _ParentKey:
    """The primary key of the ``index``-th group of rows given to ``insert_together`` (a group of
    one row), as a value for a child's foreign key (or, ``as_text``, for a text column)."""
    return _ParentKey(index, as_text=as_text)


@functools.cache
def _fields(model: type[Model]) -> tuple:
    return tuple(f for f in model._meta.local_concrete_fields if not f.generated and f is not model._meta.pk)


def _compiled(rows: list[Model], using: str, *, returning: bool) -> tuple[str, tuple]:
    model = type(rows[0])
    query = InsertQuery(model)
    query.insert_values(_fields(model), rows)
    compiler = query.get_compiler(using=using)
    if returning:
        compiler.returning_fields = [model._meta.pk]
    [(sql, params)] = compiler.as_sql()
    return sql, tuple(params)


def _stand_ins(row: Model) -> list[tuple[str, _ParentKey]]:
    return [(f.attname, v) for f in _fields(type(row)) if isinstance(v := getattr(row, f.attname), _ParentKey)]


def insert_together(*groups: list[Model], using: str = "default") -> list[int]:
    """Insert each group's rows (one model per group), in order, as one all-or-nothing write.

    Returns the primary key of each group's first row, and sets it on that row. Fields that hold
    ``parent_pk(i)`` are filled with group ``i``'s key (group ``i`` must come before and hold
    one row). ``pre_save`` defaults (``auto_now_add``, ``default``) apply as in ``bulk_create``;
    model signals do not run: audit rows are given as a group of their own."""
    stand_ins = _checked_stand_ins(groups)
    connection = connections[using]
    one_statement = connection.vendor == "postgresql"
    # A transaction where the rows take several statements; a savepoint inside an outer
    # transaction, so that a failure (a repeated unique key, say) leaves the outer one usable.
    block = transaction.atomic(using=using) if not one_statement or connection.in_atomic_block else nullcontext()
    with block:
        if not one_statement:
            return _insert_in_turn(groups, stand_ins, using)
        keys = _insert_in_one_statement(groups, connection, using)
    for rows, found, key in zip(groups, stand_ins, keys, strict=True):
        rows[0].pk = key
        rows[0]._state.adding = False
        rows[0]._state.db = using
        _fill(found, keys)
    return keys


def _checked_stand_ins(groups) -> list[list[tuple[Model, list[tuple[str, _ParentKey]]]]]:
    """Each row with its stand-ins for parents' keys, once checked: keys named id, and every
    ``parent_pk`` naming an earlier group of one row."""
    if any(type(rows[0])._meta.pk.column != "id" for rows in groups):
        raise ValueError("insert_together expects primary keys named id")
    stand_ins = [[(row, _stand_ins(row)) for row in rows] for rows in groups]
    for index, found in enumerate(stand_ins):
        for _row, pairs in found:
            if any(stand_in.index >= index or len(groups[stand_in.index]) != 1 for _attname, stand_in in pairs):
                raise ValueError("parent_pk must name an earlier group of one row")
    return stand_ins


def _insert_in_turn(groups, stand_ins, using: str) -> list[int]:
    """Other databases: each group's INSERT in turn, its parents' keys filled in first."""
    keys: list[int] = []
    for rows, found in zip(groups, stand_ins, strict=True):
        _fill(found, keys)
        type(rows[0])._base_manager.using(using).bulk_create(rows)
        keys.append(rows[0].pk)
    return keys


def _insert_in_one_statement(groups, connection, using: str) -> list[int]:
    """PostgreSQL: every INSERT chained by data-modifying CTEs, one statement; returns the keys."""
    parts: list[str] = []
    params: list = []
    for index, rows in enumerate(groups):
        sql, values = _compiled(rows, using, returning=True)
        parts.append(f"insert_{index} AS ({sql})")
        params.extend(values)
    selects = " UNION ALL ".join(f"(SELECT {i} AS n, id FROM insert_{i} LIMIT 1)" for i in range(len(groups)))
    sql = f"WITH {', '.join(parts)} SELECT id FROM ({selects}) AS keys ORDER BY n"
    with connection.cursor() as cursor:
        cursor.execute(*_prepared(connection, cursor, sql, params))
        return [row[0] for row in cursor.fetchall()]


_PLACEHOLDER = re.compile(r"%%|%s")


def _prepared(connection, cursor, sql: str, params: list) -> tuple[str, list]:
    """The statement to run ``sql`` with ``params``: on PostgreSQL with ``DB_PREPARED_STATEMENTS``,
    an EXECUTE of a statement prepared once per database session, so the server parses and plans
    it once, not on every message. (Behind a proxy that pools connections per transaction, turn
    the setting off: a session's prepared statements would not follow the next transaction.)"""
    if not getattr(settings, "DB_PREPARED_STATEMENTS", False):
        return sql, params
    session = (id(connection.connection), connection.connection.get_backend_pid())
    known = connection.__dict__.get("_monusco_prepared")
    if known is None or known[0] != session:  # a new session: learn what it has prepared (nothing, usually)
        cursor.execute("SELECT name FROM pg_prepared_statements")
        known = connection.__dict__["_monusco_prepared"] = (session, {row[0] for row in cursor.fetchall()})
    name = "monusco_" + hashlib.sha1(sql.encode(), usedforsecurity=False).hexdigest()[:20]
    if name not in known[1]:
        numbers = iter(range(1, len(params) + 1))
        body = _PLACEHOLDER.sub(lambda m: "%" if m.group() == "%%" else f"${next(numbers)}", sql)
        cursor.execute(f"PREPARE {name} AS {body}")  # lasts for the session, whatever the transaction does
        known[1].add(name)
    return (f"EXECUTE {name} ({', '.join(['%s'] * len(params))})" if params else f"EXECUTE {name}"), params


def _fill(found: list, keys: list[int]) -> None:
    """Put the parents' keys, once known, where their stand-ins were."""
    for row, pairs in found:
        for attname, stand_in in pairs:
            setattr(row, attname, str(keys[stand_in.index]) if stand_in.as_text else keys[stand_in.index])


def update_returning(queryset, fields: dict, *, audit: AuditLog) -> int:
    """Update the rows of ``queryset`` with ``fields`` and write, for each row changed, a copy of
    the ``audit`` row (an unsaved ``AuditLog``) naming it: ``object_pk`` its key, ``object_repr``
    the audit row's text, a space and the row's ``uid``. Returns how many rows changed.

    On PostgreSQL this is one statement, the UPDATE compiled by Django's own compiler inside a
    data-modifying CTE whose rows feed the audit INSERT, so an audited bulk change costs what the
    plain UPDATE did. SQLite (3.35+) runs ``UPDATE ... RETURNING`` and inserts the audit rows in
    the same transaction."""
    model = queryset.model
    using = queryset.db
    connection = connections[using]
    query = queryset.query.chain(UpdateQuery)
    query.add_update_values(fields)
    query.annotations = {}
    sql, params = query.get_compiler(using=using).as_sql()
    if not sql:
        return 0
    qn = connection.ops.quote_name
    pk, uid = qn(model._meta.pk.column), qn(model._meta.get_field("uid").column)
    audit_model = type(audit)
    audit.at = audit.at or _now()
    if connection.vendor == "postgresql":
        columns = ["at", "actor_id", "action", "model", "object_pk", "object_repr", "detail"]
        detail = cast(Field, audit_model._meta.get_field("detail")).get_db_prep_value(audit.detail, connection)
        statement = (
            f"WITH changed AS ({sql} RETURNING {pk} AS id, {uid} AS uid) "
            f"INSERT INTO {qn(audit_model._meta.db_table)} ({', '.join(qn(c) for c in columns)}) "
            "SELECT %s, %s, %s, %s, changed.id::text, %s || ' ' || changed.uid::text, %s FROM changed"
        )
        values = (*params, audit.at, audit.actor_id, audit.action, audit.model, audit.object_repr, detail)
        with connection.cursor() as cursor:
            cursor.execute(statement, values)
            return cursor.rowcount
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute(f"{sql} RETURNING {pk}, {uid}", params)
        changed = cursor.fetchall()
        audit_model._base_manager.using(using).bulk_create(
            [
                audit_model(
                    at=audit.at,
                    actor_id=audit.actor_id,
                    action=audit.action,
                    model=audit.model,
                    object_pk=str(key),
                    object_repr=f"{audit.object_repr} {_uid_text(value)}",
                    detail=audit.detail,
                )
                for key, value in changed
            ]
        )
    return len(changed)


def _uid_text(value) -> str:
    import uuid

    return str(value if isinstance(value, uuid.UUID) else uuid.UUID(hex=str(value)))


def _now():
    from django.utils import timezone

    return timezone.now()
