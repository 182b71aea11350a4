"""``column = ANY(%s)`` with the whole list as one array parameter on PostgreSQL.

A page's related rows are fetched by the page's ids. ``__in=ids`` makes Django resolve and quote
every id as its own parameter (about 2 ms for a page of 100); one array parameter does not.
Elsewhere (SQLite) it is a plain ``IN (...)``. An empty list matches nothing, as ``__in=[]``.
"""

from __future__ import annotations

from django.core.exceptions import EmptyResultSet
from django.db.models import F, Lookup


class AnyOf(Lookup):
    lookup_name = "any_of"
    prepare_rhs = False
    can_use_none_as_rhs = False

    def __init__(self, lhs, rhs):
        super().__init__(lhs, [int(value) for value in rhs])

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        ids = self.rhs
        if not ids:
            raise EmptyResultSet
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", (*lhs_params, ids)
        return f"{lhs} IN ({', '.join(['%s'] * len(ids))})", (*lhs_params, *ids)


def id_in(column: str, ids) -> AnyOf:
    """A filter condition: ``queryset.filter(id_in("meeting_id", ids))``."""
    return AnyOf(F(column), ids)
