"""The shape of the CAN code that reviews rely on: services write only through audited paths,
row locks are taken in ``can/locks.py``, and the lock SQL is ``FOR NO KEY UPDATE OF`` the row."""

import pathlib
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from can import locks

CAN = pathlib.Path(__file__).resolve().parents[2] / "can"


def _sources(*globs):
    return sorted({path for pattern in globs for path in CAN.glob(pattern)})


@pytest.mark.parametrize("path", _sources("services/*.py"), ids=lambda p: p.name)
def test_services_write_only_through_saves_and_the_audited_helpers(path):
    text = path.read_text()
    for call in (r"\.update\(", r"(?<!audited_)bulk_create\(", r"bulk_update\("):
        assert not re.search(call, text), (
            f"{path.name} calls {call}: use monusco.audit.audited_update / audited_bulk_create"
        )


@pytest.mark.parametrize("path", _sources("**/*.py"), ids=lambda p: str(p.relative_to(CAN)))
def test_row_locks_are_taken_in_can_locks(path):
    if path.name == "locks.py" or "migrations" in path.parts:
        return
    assert "select_for_update" not in path.read_text(), f"{path} locks rows itself: add a helper to can/locks.py"


@pytest.mark.parametrize(
    "path", _sources("services/*.py", "selectors*.py", "selectors/*.py", "admin*.py"), ids=lambda p: p.name
)
def test_service_selector_and_admin_modules_stay_short(path):
    assert len(path.read_text().splitlines()) <= 400


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's")
def test_every_lock_is_no_key_update_of_the_row_itself(world):
    from can.models import Alert, FocalPoint, Notification

    with CaptureQueriesContext(connection) as captured, connection.cursor():
        from django.db import transaction

        with transaction.atomic():
            list(locks.alerts_for_update().select_related("base").filter(pk=0))
            list(locks.alerts_for_update(skip_locked=True).filter(pk=0))
            list(locks.focal_points_for_update().filter(pk=0))
            list(locks.notifications_for_update(skip_locked=True).filter(pk=0))
            locks.base_for_numbering(world.base.pk)
    statements = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("SELECT")]
    tables = [model._meta.db_table for model in (Alert, Alert, FocalPoint, Notification)] + [world.base._meta.db_table]
    assert len(statements) == 5
    for sql, table in zip(statements, tables, strict=True):
        assert f'FOR NO KEY UPDATE OF "{table}"' in sql, sql
    for sql, table in zip(statements[:4], tables, strict=False):  # a get() drops the order: one row
        assert f'ORDER BY "{table}"."id" ASC' in sql, sql
    assert statements[1].endswith("SKIP LOCKED") and statements[3].endswith("SKIP LOCKED")
