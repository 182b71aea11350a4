"""Columns the API's reads build in SQL, the same on PostgreSQL and SQLite (the tests' default).

- ``ChildRows(SecurityConcern, "meeting", ("uid", "category"))`` is a correlated subquery giving,
  for each parent row, its children (ordered by ``id``) as JSON text: one array of values per
  child, in the order of the fields, e.g. ``[["5b0c…", "looting"], …]`` (arrays, not objects:
  PostgreSQL builds them about twice as fast). Parse it with ``orjson.loads``: UUIDs arrive as
  their canonical string, dates as ISO 8601, JSON fields as JSON (datetimes are not carried: each
  vendor writes them its own way). A page's related lists cost no query of their own.
- ``UUIDText("base__uid")`` is a UUID as its canonical string (what the API writes), so reading a
  page builds no ``uuid.UUID`` objects.

The children's SQL is written once per database vendor and set of fields, and reused: a page costs
no ORM compilation for them.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from cachetools import LRUCache, cached
from cachetools.keys import hashkey
from django.db import NotSupportedError
from django.db.models import Expression, F, Field, Func, Model, TextField

_ALIAS = "api_child"
# The SQL of a set of children never goes stale (it depends on the code only), so it is kept with
# no time limit; the bound only guards against a caller making up endless field sets.
_sql_cache: LRUCache[tuple, tuple[str, str]] = LRUCache(maxsize=256)


def _hyphenated(column: str) -> str:
    """SQLite keeps a UUID as 32 hex digits: the canonical form, cut with hyphens."""
    parts = [f"substr({column}, {start}, {length})" for start, length in ((1, 8), (9, 4), (13, 4), (17, 4), (21, 12))]
    hyphenated = " || '-' || ".join(parts)
    return f"CASE WHEN {column} IS NULL THEN NULL ELSE {hyphenated} END"


class UUIDText(Func):
    output_field = TextField()

    def __init__(self, expression: str):
        super().__init__(F(expression))

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"({sql})::text", params

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return _hyphenated(sql), params * 6

    def as_sql(self, compiler, connection, function=None, template=None, arg_joiner=None, **extra):
        raise NotSupportedError(f"UUIDText is written for PostgreSQL and SQLite, not {connection.vendor}")


class ChildRows(Expression):
    """``exclude=(field, values)`` leaves out the children whose ``field`` holds one of ``values``."""

    output_field = TextField()

    def __init__(
        self,
        model: type[Model],
        parent_field: str,
        fields: Iterable[str],
        *,
        exclude: tuple[str, Iterable[str]] | None = None,
        parent: str = "pk",
    ):
        super().__init__()
        self.model = model
        self.parent_field = parent_field
        self.fields = tuple(fields)
        self.exclude_field: str | None = exclude[0] if exclude else None
        self.exclude_values: tuple = tuple(sorted(exclude[1])) if exclude else ()
        self.parent = F(parent)

    def get_source_expressions(self):
        return [self.parent]

    def set_source_expressions(self, exprs):
        (self.parent,) = exprs

    def as_sql(self, compiler, connection):
        parent_sql, parent_params = compiler.compile(self.parent)
        before, after = self._sql(connection)
        return f"{before}{parent_sql}{after}", (*parent_params, *self.exclude_values)

    def _sql(self, connection) -> tuple[str, str]:
        """The subquery's SQL before and after the parent's key, written once (``_child_sql``)."""
        return _child_sql(
            connection, self.model, self.parent_field, self.fields, self.exclude_field, len(self.exclude_values)
        )


def _concrete(meta, name: str) -> Field:
    """A concrete field of the model (a relation's reverse side has no column)."""
    field = meta.get_field(name)
    if not isinstance(field, Field):
        raise NotSupportedError(f"ChildRows reads columns, and {name} is not one")
    return field


def _sql_key(connection, model, parent_field, fields, exclude_field, exclude_count) -> tuple:
    return hashkey(connection.vendor, model, parent_field, fields, exclude_field, exclude_count)


@cached(cache=_sql_cache, key=_sql_key, lock=threading.Lock())
def _child_sql(
    connection,
    model: type[Model],
    parent_field: str,
    fields: tuple[str, ...],
    exclude_field: str | None,
    exclude_count: int,
) -> tuple[str, str]:
    """The SQL of ``ChildRows``, by vendor and set of fields: a page costs no ORM compilation."""
    quote = connection.ops.quote_name
    meta = model._meta
    columns = [_concrete(meta, name) for name in fields]
    for field in columns:
        if field.get_internal_type() == "DateTimeField":
            raise NotSupportedError(f"ChildRows does not carry datetimes ({field.name})")
    where = f"{quote(_concrete(meta, parent_field).column)} = "
    condition = ""
    if exclude_field:
        column = quote(_concrete(meta, exclude_field).column)
        condition = f" AND NOT ({column} IN ({', '.join(['%s'] * exclude_count)}))"
    table, order = quote(meta.db_table), quote(meta.pk.column)
    if connection.vendor == "postgresql":
        values = ", ".join(f"{_ALIAS}.{quote(field.column)}" for field in columns)
        return (
            f"(SELECT COALESCE(json_agg(json_build_array({values}) ORDER BY {_ALIAS}.{order}), '[]')::text "
            f"FROM {table} {_ALIAS} WHERE {_ALIAS}.{where}",
            f"{condition})",
        )
    if connection.vendor == "sqlite":
        values = ", ".join(_sqlite_value(f"{_ALIAS}.{quote(field.column)}", field) for field in columns)
        return (
            f"(SELECT json_group_array(json_array({values})) FROM (SELECT * FROM {table} WHERE {where}",
            f"{condition} ORDER BY {order}) {_ALIAS})",
        )
    raise NotSupportedError(f"ChildRows is written for PostgreSQL and SQLite, not {connection.vendor}")


def _sqlite_value(column: str, field) -> str:
    """A column as PostgreSQL's ``json_build_array`` gives it: JSON fields as JSON, booleans as
    ``true``/``false``, UUIDs in their canonical form."""
    kind = field.get_internal_type()
    if kind == "JSONField":
        return f"json({column})"
    if kind == "BooleanField":
        return f"CASE WHEN {column} IS NULL THEN NULL WHEN {column} THEN json('true') ELSE json('false') END"
    if kind == "UUIDField":
        return _hyphenated(column)
    return column
