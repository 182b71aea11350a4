"""A parent row's child rows as one column of the parent's query: no query per related list.

``ChildRows(SecurityConcern, "meeting_id", ("uid", "category"))`` is a correlated subquery giving,
for each parent row, its children (ordered by ``id``) as JSON text: an array with one array of
values per child, in the order of the columns, e.g. ``[["5b0c…", "looting"], …]``. Parse it with
``orjson.loads``: UUIDs arrive as their canonical string, dates as ISO 8601, JSON columns as JSON
(datetimes are not carried: each vendor writes them its own way).

The SQL is written once per database vendor and set of columns, and reused: a page costs no ORM
compilation for its children. PostgreSQL builds the arrays with ``json_agg``; SQLite (the tests'
default) with ``json_group_array``.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import NotSupportedError
from django.db.models import Expression, F, Model, TextField

_ALIAS = "api_child"
_sql_cache: dict[tuple, tuple[str, str]] = {}


class ChildRows(Expression):
    """``exclude`` leaves out the children whose ``column`` holds one of ``values``."""

    output_field = TextField()

    def __init__(
        self,
        model: type[Model],
        parent_column: str,
        columns: Iterable[str],
        *,
        exclude: tuple[str, Iterable[str]] | None = None,
        parent: str = "pk",
    ):
        super().__init__()
        self.model = model
        self.parent_column = parent_column
        self.columns = tuple(columns)
        self.exclude_column, self.exclude_values = (exclude[0], tuple(sorted(exclude[1]))) if exclude else (None, ())
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
        """The subquery's SQL before and after the parent's key, written once."""
        key = (connection.vendor, self.model, self.parent_column, self.columns, self.exclude_column,
               len(self.exclude_values))
        cached = _sql_cache.get(key)
        if cached is None:
            cached = _sql_cache[key] = self._write_sql(connection)
        return cached

    def _write_sql(self, connection) -> tuple[str, str]:
        quote = connection.ops.quote_name
        meta = self.model._meta
        fields = [meta.get_field(name) for name in self.columns]
        for field in fields:
            if field.get_internal_type() == "DateTimeField":  # each vendor writes its own format
                raise NotSupportedError(f"ChildRows does not carry datetimes ({field.name})")
        where = f"{quote(meta.get_field(self.parent_column).column)} = "
        condition = ""
        if self.exclude_column:
            column = quote(meta.get_field(self.exclude_column).column)
            condition = f" AND NOT ({column} IN ({', '.join(['%s'] * len(self.exclude_values))}))"
        table, order = quote(meta.db_table), quote(meta.pk.column)
        if connection.vendor == "postgresql":
            values = ", ".join(f"{_ALIAS}.{quote(field.column)}" for field in fields)
            return (
                f"(SELECT COALESCE(json_agg(json_build_array({values}) ORDER BY {_ALIAS}.{order}), '[]')::text "
                f"FROM {table} {_ALIAS} WHERE {_ALIAS}.{where}",
                f"{condition})",
            )
        if connection.vendor == "sqlite":
            values = ", ".join(_sqlite_value(f"{_ALIAS}.{quote(field.column)}", field) for field in fields)
            return (
                f"(SELECT json_group_array(json_array({values})) FROM (SELECT * FROM {table} WHERE {where}",
                f"{condition} ORDER BY {order}) {_ALIAS})",
            )
        raise NotSupportedError(f"ChildRows is written for PostgreSQL and SQLite, not {connection.vendor}")


def _sqlite_value(column: str, field) -> str:
    """A column as PostgreSQL's ``json_build_array`` gives it: JSON columns as JSON, booleans as
    ``true``/``false``, and UUIDs (32 hex digits in SQLite) in their canonical hyphenated form."""
    kind = field.get_internal_type()
    if kind == "JSONField":
        return f"json({column})"
    if kind == "BooleanField":
        return f"CASE WHEN {column} IS NULL THEN NULL WHEN {column} THEN json('true') ELSE json('false') END"
    if kind == "UUIDField":
        parts = [f"substr({column}, {start}, {length})" for start, length in ((1, 8), (9, 4), (13, 4), (17, 4), (21, 12))]
        hyphenated = " || '-' || ".join(parts)
        return f"CASE WHEN {column} IS NULL THEN NULL ELSE {hyphenated} END"
    return column
