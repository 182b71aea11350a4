"""The access log of token clients: one row per API read (``ApiAccessLog``).

``record_read`` is called by ``ApiView.finalize_response`` for each GET or HEAD a token client
makes, refused ones included (a 403 of an expired agreement is worth knowing). It costs one
INSERT and never fails the request: a database error is logged and the answer goes out. Inside
an open transaction (a test, or a caller's ``atomic``) the INSERT runs in a savepoint, so a failure
leaves that transaction usable; the API's own views run outside one (no savepoint, no extra query).

``filters`` holds the query string as given, one value per name (each name is given once: see
``params``), without ``cursor`` (a page link, not a filter). ``rows`` counts the records in the
answer: the page's results, 1 for one record, 0 for an error.
"""

from __future__ import annotations

import datetime
import logging

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from monusco.models import ApiAccessLog, ApiClient

logger = logging.getLogger(__name__)

_NOT_FILTERS = frozenset({"cursor"})


def rows_in(status: int, data) -> int:
    if status >= 400 or data is None:
        return 0
    if isinstance(data, dict) and isinstance(data.get("results"), list):
        return len(data["results"])
    if isinstance(data, list):
        return len(data)
    return 1


def record_read(*, client: ApiClient, endpoint: str, query_params, status: int, data) -> None:
    filters = {name: query_params.get(name) for name in sorted(query_params) if name not in _NOT_FILTERS}
    entry = ApiAccessLog(
        client=client,
        client_name=client.name,
        endpoint=endpoint[:200],
        filters=filters,
        status=status,
        rows=rows_in(status, data),
    )
    try:
        if connection.in_atomic_block:
            with transaction.atomic():
                entry.save(force_insert=True)
        else:
            entry.save(force_insert=True)
    except DatabaseError:
        logger.warning("API access log: could not record a read by %s of %s", client.name, endpoint, exc_info=True)


def access_log_purge(*, days: int) -> int:
    """Delete the rows older than ``days`` in one statement, and return how many went. The log
    is not audited row by row (it is a log itself, as the audit log is), so no row is loaded."""
    cutoff = timezone.now() - datetime.timedelta(days=days)
    table = connection.ops.quote_name(ApiAccessLog._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE at < %s", [cutoff])  # noqa: S608 (the table name is ours)
        deleted = cursor.rowcount
    logger.info("API access log: %d row(s) older than %d days purged", deleted, days)
    return deleted
