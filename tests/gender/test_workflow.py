"""The review workflow end to end: submit, return with comments, resubmit, approve."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cla.models import UrafikiMeeting
from gender import services
from gender.models import ChecklistItem, Review, ReviewAnswer, ReviewChecklist, ReviewStatus
from gender.selectors.reviews import returned_to_author, review_history
from tests.factories import all_answers, make_meeting

pytestmark = pytest.mark.django_db


def _checklist(slug="meeting"):
    return ReviewChecklist.objects.get(report_type=slug, is_active=True)


def _post_data(checklist, decision, comment="", answer="yes", note=""):
    data = {"decision": decision, "comment": comment}
    for item in checklist.items.all():
        data[f"answer_{item.pk}"] = answer
        data[f"note_{item.pk}"] = note
    return data


def test_submit_return_resubmit_approve_keeps_every_round(world, users, client):
    meeting = make_meeting(world=world, author=users["cla"], status=ReviewStatus.DRAFT, women=0, men=12)
    services.report_submit(report=meeting, user=users["cla"])
    assert (meeting.review_status, meeting.review_round) == (ReviewStatus.SUBMITTED, 1)

    checklist_v1 = _checklist()
    client.force_login(users["gender"])
    url = reverse("gender:review", kwargs={"report_type": "meeting", "uid": meeting.uid})
    response = client.post(
        url,
        _post_data(
            checklist_v1, "returned", comment="No women at all: who walks to the fields?", answer="no", note="Missing"
        ),
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.review_status == ReviewStatus.RETURNED

    # The author sees the comment on their home page panel (through the selector behind it).
    rows = returned_to_author(user=users["cla"])
    assert [(row["report"].pk, row["comment"]) for row in rows] == [
        (meeting.pk, "No women at all: who walks to the fields?")
    ]

    # The author fixes the report and resubmits.
    UrafikiMeeting.objects.filter(pk=meeting.pk).update(women=7, men=12, women_consulted_separately=True)
    meeting.refresh_from_db()
    services.report_submit(report=meeting, user=users["cla"])
    assert (meeting.review_status, meeting.review_round) == (ReviewStatus.SUBMITTED, 2)

    # The reviewer sees what changed since round 1.
    page = client.get(url)
    assert page.status_code == 200
    changes = {c["field"]: (c["before"], c["after"]) for c in page.context["changes"]}
    assert changes == {"women": ("0", "7"), "women_consulted_separately": ("False", "True")}

    response = client.post(url, _post_data(checklist_v1, "approved", comment="Thank you."))
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.review_status == ReviewStatus.APPROVED
    assert meeting.reviewed_at is not None

    history = list(review_history(report=meeting))
    assert [(r.round, r.decision, r.comment) for r in history] == [
        (1, "returned", "No women at all: who walks to the fields?"),
        (2, "approved", "Thank you."),
    ]
    assert [a.answer for a in history[0].answers.all()] == ["no"] * checklist_v1.items.count()
    assert {a.comment for a in history[0].answers.all()} == {"Missing"}
    assert history[0].report_snapshot["women"] == "0"
    assert history[1].report_snapshot["women"] == "7"
    assert returned_to_author(user=users["cla"]) == []

    # Approved: it cannot be reviewed again, and the page no longer offers the form.
    with pytest.raises(ValidationError):
        services.review_record(
            report=meeting, reviewer=users["gender"], decision="approved", answers=all_answers(checklist_v1)
        )
    assert client.get(url).context["can_review"] is False
    assert Review.objects.count() == 2


def test_checklist_versioning_keeps_past_reviews_on_their_items(world, users):
    meeting = make_meeting(world=world, author=users["cla"])
    v1 = _checklist()
    v1_items = list(v1.items.values_list("pk", "text_en"))
    review = services.review_record(
        report=meeting, reviewer=users["gender"], decision="approved", answers=all_answers(v1)
    )
    new_items = [
        {"measure": "sadd", "text_fr": "Chiffres ?", "text_sw": "Hesabu?", "text_en": "Figures?"},
        {"measure": "whole_society", "text_fr": "Société ?", "text_sw": "Jamii?", "text_en": "Society?"},
    ]
    v2 = services.checklist_revise(checklist=v1, items=new_items)
    assert (v2.pk != v1.pk, v2.version, v2.is_active) == (True, 2, True)
    v1.refresh_from_db()
    assert v1.is_active is False
    assert list(v1.items.values_list("pk", "text_en")) == v1_items
    review.refresh_from_db()
    assert review.checklist_id == v1.pk
    assert sorted(review.answers.values_list("item_id", flat=True)) == sorted(pk for pk, _ in v1_items)
    assert list(v2.items.values_list("position", "text_en")) == [(1, "Figures?"), (2, "Society?")]

    # A checklist no review has used yet is edited in place.
    v3 = services.checklist_revise(checklist=v2, items=new_items[:1])
    assert (v3.pk, v3.version) == (v2.pk, 2)
    assert list(v3.items.values_list("text_en", flat=True)) == ["Figures?"]

    # The next review uses the new version.
    other = make_meeting(world=world, author=users["cla"], held_on=meeting.held_on.replace(day=11))
    second = services.review_record(
        report=other, reviewer=users["gender"], decision="approved", answers=all_answers(v3)
    )
    assert second.checklist_id == v3.pk


def test_checklist_revise_rejects_incomplete_items(world):
    v1 = _checklist()
    before = list(v1.items.values_list("pk", flat=True))
    with pytest.raises(ValidationError):
        services.checklist_revise(
            checklist=v1, items=[{"measure": "sadd", "text_fr": "x", "text_sw": "", "text_en": "x"}]
        )
    with pytest.raises(ValidationError):
        services.checklist_revise(checklist=v1, items=[])
    assert list(v1.items.values_list("pk", flat=True)) == before


def test_default_checklists_exist_for_every_registered_type_and_are_idempotent(db):
    from gender.registry import reports

    assert (
        sorted(ReviewChecklist.objects.filter(is_active=True).values_list("report_type", flat=True)) == reports.slugs()
    )
    counts = (ReviewChecklist.objects.count(), ChecklistItem.objects.count())
    assert services.checklist_ensure_defaults() == 0
    assert (ReviewChecklist.objects.count(), ChecklistItem.objects.count()) == counts
    meeting_items = _checklist().items.all()
    assert all(item.text_fr and item.text_sw and item.text_en for item in meeting_items)
    assert {"whole_society", "sadd", "targeting"} <= {item.measure for item in meeting_items}


@pytest.mark.parametrize(
    ("decision", "comment", "answers", "message"),
    [
        ("returned", "", "all", "Say what the author should correct before returning the report."),
        ("approved", "", "missing", "Answer every checklist item."),
        ("maybe", "", "all", "Choose to approve the report or to return it."),
    ],
)
def test_review_record_rejects_bad_input_and_saves_nothing(world, users, decision, comment, answers, message):
    meeting = make_meeting(world=world, author=users["cla"])
    checklist = _checklist()
    given = all_answers(checklist)
    if answers == "missing":
        given.pop(next(iter(given)))
    with pytest.raises(ValidationError) as error:
        services.review_record(
            report=meeting, reviewer=users["gender"], decision=decision, comment=comment, answers=given
        )
    assert error.value.messages == [message]
    meeting.refresh_from_db()
    assert meeting.review_status == ReviewStatus.SUBMITTED
    assert (Review.objects.count(), ReviewAnswer.objects.count()) == (0, 0)


def test_review_page_bad_post_answers_400_and_keeps_input(world, users, client):
    meeting = make_meeting(world=world, author=users["cla"])
    client.force_login(users["gender"])
    url = reverse("gender:review", kwargs={"report_type": "meeting", "uid": meeting.uid})
    data = _post_data(_checklist(), "returned", comment="   ", answer="no", note="kept note")
    response = client.post(url, data)
    assert response.status_code == 400
    assert "Say what the author should correct before returning the report." in response.content.decode()
    assert "kept note" in response.content.decode()
    response = client.post(url, {"decision": "approved"})
    assert response.status_code == 400
    meeting.refresh_from_db()
    assert meeting.review_status == ReviewStatus.SUBMITTED
    assert Review.objects.count() == 0


def test_draft_cannot_be_reviewed(world, users, client):
    meeting = make_meeting(world=world, author=users["cla"], status=ReviewStatus.DRAFT)
    client.force_login(users["gender"])
    url = reverse("gender:review", kwargs={"report_type": "meeting", "uid": meeting.uid})
    assert client.get(url).status_code == 404
    with pytest.raises(ValidationError):
        services.review_record(
            report=meeting, reviewer=users["gender"], decision="approved", answers=all_answers(_checklist())
        )
    assert Review.objects.count() == 0


def _fill_copies_as_migrated() -> int:
    """The data migration that fills the copies of older reviews, run on the historical models of
    the schema as migrated."""
    import importlib

    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    migration = importlib.import_module("gender.migrations.0005_review_fill_copies")
    return migration.fill_review_copies(MigrationLoader(connection).project_state().apps, None)


def _blank_copies(review) -> None:
    Review.objects.filter(pk=review.pk).update(
        answer_codes="",
        report_type="",
        report_date=None,
        report_base_id=None,
        report_territory_id=None,
        report_province_id=None,
    )


COPIES = ("report_type", "report_date", "report_base_id", "report_territory_id", "report_province_id", "answer_codes")


def test_review_keeps_dashboard_copies_and_the_data_migration_restores_them(world, users):
    from monusco.models import AuditLog

    meeting = make_meeting(world=world, author=users["cla"], base=world.other_base)
    checklist = _checklist()
    answers = all_answers(checklist)
    first, second = list(answers)[:2]
    answers[first] = ("no", "")
    answers[second] = ("na", "")
    made = services.review_record(
        report=meeting, reviewer=users["gender"], decision="returned", comment="Fix", answers=answers
    )
    expected = (
        "meeting",
        meeting.held_on,
        world.other_base.pk,
        world.fizi_t.pk,
        world.south.pk,
        "nx" + "y" * (len(answers) - 2),
    )
    assert tuple(getattr(made, f) for f in COPIES) == expected
    _blank_copies(made)
    last_audit = AuditLog.objects.order_by("pk").last().pk
    assert _fill_copies_as_migrated() == 1
    assert _fill_copies_as_migrated() == 0
    made.refresh_from_db()
    assert tuple(getattr(made, f) for f in COPIES) == expected
    assert list(
        AuditLog.objects.filter(pk__gt=last_audit).values_list(
            "action", "actor", "model", "object_pk", "object_repr", "detail"
        )
    ) == [("update", None, "gender.review", str(made.pk), f"review {made.uid}", {"fields": sorted(COPIES)})]


def test_the_data_migration_fills_what_it_can_of_a_review_whose_report_is_gone(world, users):
    meeting = make_meeting(world=world, author=users["cla"])
    made = services.review_record(
        report=meeting, reviewer=users["gender"], decision="approved", answers=all_answers(_checklist())
    )
    _blank_copies(made)
    Review.objects.filter(pk=made.pk).update(object_id=987654)  # its report deleted since
    assert _fill_copies_as_migrated() == 1
    made.refresh_from_db()
    assert tuple(getattr(made, f) for f in COPIES) == ("", None, None, None, None, "y" * len(made.answers.all()))


def test_migrate_backfills_nothing_and_syncs_only_missing_checklists(world, users):
    """After ``migrate`` (its post_migrate handlers) a review without copies keeps none: filling
    them is the data migration's job; a report type without a checklist gets its defaults."""
    from django.core.management.sql import emit_post_migrate_signal

    from monusco.models import AuditLog

    made = services.review_record(
        report=make_meeting(world=world, author=users["cla"]),
        reviewer=users["gender"],
        decision="approved",
        answers=all_answers(_checklist()),
    )
    _blank_copies(made)
    ReviewChecklist.objects.filter(report_type="protection_plan").delete()
    last_audit = AuditLog.objects.order_by("pk").last().pk
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    made.refresh_from_db()
    assert tuple(getattr(made, f) for f in COPIES) == ("", None, None, None, None, "")
    plan = _checklist("protection_plan")
    assert sorted(AuditLog.objects.filter(pk__gt=last_audit).values_list("action", "model")) == sorted(
        [("create", "gender.reviewchecklist")] + [("create", "gender.checklistitem")] * plan.items.count()
    )


def test_only_a_reviewer_can_record_a_review(world, users):
    from django.core.exceptions import PermissionDenied

    meeting = make_meeting(world=world, author=users["cla"])
    for who in ("cla", "manager", "norole"):
        with pytest.raises(PermissionDenied):
            services.review_record(
                report=meeting, reviewer=users[who], decision="approved", answers=all_answers(_checklist())
            )
    meeting.refresh_from_db()
    assert (meeting.review_status, Review.objects.count()) == (ReviewStatus.SUBMITTED, 0)
