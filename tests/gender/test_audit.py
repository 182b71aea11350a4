"""Every write of the review workflow leaves its audit rows, bulk writes included: a checklist
revised into a new version or edited in place, the default checklists, and a review's answers."""

import pytest
from django.contrib.contenttypes.models import ContentType

from gender import services
from gender.models import ChecklistItem, Review, ReviewAnswer, ReviewChecklist
from monusco.audit import acting_as
from monusco.models import AuditLog
from tests.factories import all_answers, make_meeting, make_review

pytestmark = pytest.mark.django_db

NEW_ITEMS = [
    {"measure": "sadd", "text_fr": "Chiffres ?", "text_sw": "Hesabu?", "text_en": "Figures?"},
    {"measure": "whole_society", "text_fr": "Société ?", "text_sw": "Jamii?", "text_en": "Society?"},
]


def _mark() -> int:
    last = AuditLog.objects.order_by("pk").last()
    return last.pk if last else 0


def _rows_since(mark: int) -> list[tuple]:
    return sorted(
        AuditLog.objects.filter(pk__gt=mark).values_list(
            "action", "actor_id", "model", "object_pk", "object_repr", "detail"
        ),
        key=lambda row: (row[2], row[0], int(row[3])),
    )


def _named(instance) -> str:
    """How a model save names the row in the audit log (the row's uid, or its key)."""
    return f"{instance._meta.verbose_name} {getattr(instance, 'uid', instance.pk)}"


def test_revising_a_used_checklist_audits_the_old_version_deactivated_and_every_new_item(world, users):
    v1 = ReviewChecklist.objects.get(report_type="meeting", is_active=True)
    make_review(make_meeting(world=world, author=users["cla"]), users["gender"], "approved", v1)
    admin = users["admin"]
    mark = _mark()
    with acting_as(admin):
        v2 = services.checklist_revise(checklist=v1, items=NEW_ITEMS, note="Shorter")
    items = list(v2.items.order_by("pk"))
    assert [item.text_en for item in items] == ["Figures?", "Society?"]
    assert _rows_since(mark) == sorted(
        [("create", admin.pk, "gender.checklistitem", str(item.pk), _named(item), {}) for item in items]
        + [
            ("create", admin.pk, "gender.reviewchecklist", str(v2.pk), _named(v2), {}),
            (
                "update",
                admin.pk,
                "gender.reviewchecklist",
                str(v1.pk),
                f"reviewchecklist {v1.uid}",
                {"fields": ["is_active", "updated_at"]},
            ),
        ],
        key=lambda row: (row[2], row[0], int(row[3])),
    )
    v1.refresh_from_db()
    assert (v1.is_active, v2.is_active, v2.version, v2.note) == (False, True, 2, "Shorter")


def test_editing_an_unused_checklist_in_place_audits_every_item_deleted_and_created(world, users):
    checklist = ReviewChecklist.objects.get(report_type="meeting", is_active=True)
    old_items = list(checklist.items.order_by("pk"))
    admin = users["admin"]
    mark = _mark()
    with acting_as(admin):
        same = services.checklist_revise(checklist=checklist, items=NEW_ITEMS, note="Edited")
    assert same.pk == checklist.pk
    new_items = list(same.items.order_by("pk"))
    assert _rows_since(mark) == sorted(
        [("delete", admin.pk, "gender.checklistitem", str(item.pk), _named(item), {}) for item in old_items]
        + [("create", admin.pk, "gender.checklistitem", str(item.pk), _named(item), {}) for item in new_items]
        + [
            (
                "update",
                admin.pk,
                "gender.reviewchecklist",
                str(checklist.pk),
                _named(checklist),
                {"fields": ["note", "updated_at"]},
            )
        ],
        key=lambda row: (row[2], row[0], int(row[3])),
    )


def test_the_default_checklist_of_a_type_is_audited_with_its_items(db):
    ReviewChecklist.objects.filter(report_type="protection_plan").delete()
    mark = _mark()
    assert services.checklist_ensure_defaults() == 1
    checklist = ReviewChecklist.objects.get(report_type="protection_plan")
    items = list(ChecklistItem.objects.filter(checklist=checklist).order_by("pk"))
    assert len(items) >= 5
    assert _rows_since(mark) == sorted(
        [("create", None, "gender.checklistitem", str(item.pk), _named(item), {}) for item in items]
        + [("create", None, "gender.reviewchecklist", str(checklist.pk), _named(checklist), {})],
        key=lambda row: (row[2], row[0], int(row[3])),
    )


def test_a_review_audits_itself_each_answer_and_the_report(world, users, django_assert_num_queries):
    meeting = make_meeting(world=world, author=users["cla"])
    checklist = ReviewChecklist.objects.get(report_type="meeting", is_active=True)
    answers = all_answers(checklist)
    gender = users["gender"]
    gender.has_perm("gender.review_report")  # the reviewer's permissions, read once per user
    ContentType.objects.get_for_model(meeting)  # cached once per process
    mark = _mark()
    # a savepoint; the report locked; the checklist locked, its items; the report's place; its
    # base, locality and author for the snapshot; the review and its audit row; the answers and
    # theirs (4, in a savepoint); the report saved and audited; the savepoint released
    with acting_as(gender), django_assert_num_queries(17):
        made = services.review_record(report=meeting, reviewer=gender, decision="approved", answers=answers)
    answer_rows = list(ReviewAnswer.objects.filter(review=made).order_by("pk"))
    assert len(answer_rows) == len(answers)
    assert _rows_since(mark) == sorted(
        [("create", gender.pk, "gender.review", str(made.pk), _named(made), {})]
        + [("create", gender.pk, "gender.reviewanswer", str(answer.pk), _named(answer), {}) for answer in answer_rows]
        + [
            (
                "update",
                gender.pk,
                "cla.urafikimeeting",
                str(meeting.pk),
                _named(meeting),
                {"fields": ["review_status", "reviewed_at", "updated_at"]},
            )
        ],
        key=lambda row: (row[2], row[0], int(row[3])),
    )
    assert Review.objects.count() == 1
