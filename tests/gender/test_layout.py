"""The gender app's shape: it imports none of the apps that write reports (it learns them through
its registry), and its row locks are taken in one module."""

import ast
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

GENDER = Path(__file__).resolve().parents[2] / "gender"
APPS = ("cla", "can", "jpt")


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_gender_imports_none_of_the_apps():
    found = {
        str(path.relative_to(GENDER)): sorted(name for name in _imports(path) if name.split(".")[0] in APPS)
        for path in sorted(GENDER.rglob("*.py"))
    }
    assert {path: names for path, names in found.items() if names} == {}


def test_every_row_lock_of_gender_is_taken_in_its_locks_module():
    users = sorted(
        str(path.relative_to(GENDER)) for path in GENDER.rglob("*.py") if "select_for_update" in path.read_text()
    )
    assert users == ["locks.py"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite takes no row locks")
@pytest.mark.django_db
def test_locks_are_for_no_key_update_of_the_row_alone_in_key_order(world, users):
    from gender import services
    from gender.models import ReviewChecklist, ReviewStatus
    from tests.factories import all_answers, make_meeting

    meeting = make_meeting(world=world, author=users["cla"], status=ReviewStatus.DRAFT)
    checklist = ReviewChecklist.objects.get(report_type="meeting", is_active=True)
    with CaptureQueriesContext(connection) as queries:
        services.report_submit(report=meeting, user=users["cla"])
        services.review_record(
            report=meeting, reviewer=users["gender"], decision="approved", answers=all_answers(checklist)
        )
        services.checklist_revise(
            checklist=checklist, items=[{"measure": "sadd", "text_fr": "a", "text_sw": "b", "text_en": "c"}]
        )
    locks = [q["sql"] for q in queries.captured_queries if " FOR " in q["sql"]]
    meeting_lock = f'"cla_urafikimeeting"."id" = {meeting.pk} LIMIT 21 FOR NO KEY UPDATE OF "cla_urafikimeeting"'
    # one row by its key (submit; then the review, with its checklist); every version of the type
    # in key order (the revision)
    assert [sql[sql.index(" WHERE ") + 7 :] for sql in locks] == [
        meeting_lock,
        meeting_lock,
        '("gender_reviewchecklist"."is_active" AND "gender_reviewchecklist"."report_type" = \'meeting\') '
        'ORDER BY "gender_reviewchecklist"."id" ASC LIMIT 1 FOR NO KEY UPDATE OF "gender_reviewchecklist"',
        '"gender_reviewchecklist"."report_type" = \'meeting\' '
        'ORDER BY "gender_reviewchecklist"."id" ASC FOR NO KEY UPDATE OF "gender_reviewchecklist"',
    ]
