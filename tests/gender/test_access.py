"""Who may open the gender pages: the permission matrix, scope (404), and denied writes."""

import datetime

import pytest
from django.urls import reverse

from gender import services
from gender.models import Review, ReviewChecklist, ReviewStatus
from tests.factories import make_meeting, make_review

pytestmark = pytest.mark.django_db

ROLES = ["cla", "cla2", "duty", "jpt", "gender", "manager", "far_manager", "admin", "api", "norole"]
# role -> (queue, review page of a South Kivu meeting, dashboard, csv)
EXPECTED = {
    "anonymous": (302, 302, 302, 302),
    "cla": (403, 403, 403, 403),
    "cla2": (403, 403, 403, 403),
    "duty": (403, 403, 403, 403),
    "jpt": (403, 403, 403, 403),
    "gender": (200, 200, 200, 200),
    "manager": (403, 403, 200, 200),
    "far_manager": (403, 403, 200, 200),
    "admin": (200, 200, 200, 200),
    "api": (403, 403, 403, 403),
    "norole": (403, 403, 403, 403),
}


@pytest.mark.parametrize("who", ["anonymous", *ROLES])
def test_permission_matrix(world, users, client, who):
    meeting = make_meeting(world=world, author=users["cla"])
    if who != "anonymous":
        client.force_login(users[who])
    urls = [
        reverse("gender:queue"),
        reverse("gender:review", kwargs={"report_type": "meeting", "uid": meeting.uid}),
        reverse("gender:dashboard"),
        reverse("gender:dashboard-csv"),
    ]
    assert tuple(client.get(url).status_code for url in urls) == EXPECTED[who]


@pytest.mark.parametrize("who", ["anonymous", "cla", "manager", "far_manager", "norole"])
def test_denied_review_post_changes_nothing(world, users, client, who):
    meeting = make_meeting(world=world, author=users["cla"])
    checklist = ReviewChecklist.objects.get(report_type="meeting", is_active=True)
    if who != "anonymous":
        client.force_login(users[who])
    data = {"decision": "approved", **{f"answer_{item.pk}": "yes" for item in checklist.items.all()}}
    response = client.post(reverse("gender:review", kwargs={"report_type": "meeting", "uid": meeting.uid}), data)
    assert response.status_code == (302 if who == "anonymous" else 403)
    meeting.refresh_from_db()
    assert meeting.review_status == ReviewStatus.SUBMITTED
    assert Review.objects.count() == 0


def test_out_of_scope_report_is_404_and_unchanged(world, users, client):
    far = make_meeting(world=world, author=users["cla"], base=world.far_base)
    checklist = ReviewChecklist.objects.get(report_type="meeting", is_active=True)
    client.force_login(users["gender"])
    url = reverse("gender:review", kwargs={"report_type": "meeting", "uid": far.uid})
    assert client.get(url).status_code == 404
    data = {"decision": "approved", **{f"answer_{item.pk}": "yes" for item in checklist.items.all()}}
    assert client.post(url, data).status_code == 404
    far.refresh_from_db()
    assert far.review_status == ReviewStatus.SUBMITTED
    assert Review.objects.count() == 0
    assert client.get(reverse("gender:review", kwargs={"report_type": "nope", "uid": far.uid})).status_code == 404
    assert client.get(reverse("gender:review", kwargs={"report_type": "alert", "uid": far.uid})).status_code == 404


def test_queue_lists_submitted_reports_oldest_first_with_filters(world, users, client):
    old = make_meeting(world=world, author=users["cla"], submitted_days_ago=10, held_on=datetime.date(2026, 1, 2))
    mid = make_meeting(world=world, author=users["cla2"], base=world.other_base, submitted_days_ago=8)
    new = make_meeting(world=world, author=users["cla"], submitted_days_ago=1, held_on=datetime.date(2026, 1, 3))
    make_meeting(world=world, author=users["cla"], status=ReviewStatus.DRAFT)
    make_meeting(world=world, author=users["cla"], status=ReviewStatus.APPROVED)
    make_meeting(world=world, author=users["cla"], base=world.far_base, submitted_days_ago=30)
    client.force_login(users["gender"])
    url = reverse("gender:queue")
    response = client.get(url)
    assert response.status_code == 200
    assert [row["uid"] for row in response.context["rows"]] == [old.uid, mid.uid, new.uid]
    assert (response.context["total"], response.context["overdue"]) == (3, 2)
    assert [row["uid"] for row in client.get(url, {"base": str(world.base.uid)}).context["rows"]] == [old.uid, new.uid]
    assert [row["uid"] for row in client.get(url, {"territory": str(world.fizi_t.uid)}).context["rows"]] == [mid.uid]
    assert [row["uid"] for row in client.get(url, {"age": "7"}).context["rows"]] == [old.uid, mid.uid]
    assert client.get(url, {"report_type": "alert"}).context["rows"] == []
    assert client.get(url, {"base": str(world.far_base.uid)}).status_code == 404
    assert client.get(url, {"age": "3"}).status_code == 400


@pytest.mark.parametrize("extra", [0, 6])
def test_queue_query_count_does_not_grow(world, users, client, django_assert_num_queries, extra):
    for i in range(2 + extra):
        make_meeting(world=world, author=users["cla"], submitted_days_ago=i)
    client.force_login(users["gender"])
    client.get(reverse("gender:queue"))
    # 14: the meetings' concerns (their threat categories) are one query
    with django_assert_num_queries(14):
        response = client.get(reverse("gender:queue"))
    assert len(response.context["rows"]) == 2 + extra


@pytest.mark.parametrize("rounds", [1, 3])
def test_review_page_query_count_does_not_grow_with_rounds(world, users, client, django_assert_num_queries, rounds):
    meeting = make_meeting(world=world, author=users["cla"])
    checklist = ReviewChecklist.objects.get(report_type="meeting", is_active=True)
    for _ in range(rounds):
        make_review(meeting, users["gender"], "returned", checklist, comment="Again")
        services.report_submit(report=meeting, user=users["cla"])
    client.force_login(users["gender"])
    url = reverse("gender:review", kwargs={"report_type": "meeting", "uid": meeting.uid})
    client.get(url)
    # 16: the meeting's concerns and follow-ups are one query each
    with django_assert_num_queries(16):
        response = client.get(url)
    assert [r.round for r in response.context["history"]] == list(range(1, rounds + 1))


def test_review_page_get_writes_nothing(world, users, client, django_assert_num_queries):
    from monusco.models import AuditLog

    meeting = make_meeting(world=world, author=users["cla"])
    client.force_login(users["gender"])
    url = reverse("gender:review", kwargs={"report_type": "meeting", "uid": meeting.uid})
    client.get(url)
    before = list(AuditLog.objects.values_list("pk", flat=True))
    # 16 with past rounds (their answers, their reviewers); the concerns and follow-ups one each
    with django_assert_num_queries(14):
        response = client.get(url)
    assert (response.status_code, response.context["can_review"]) == (200, True)
    assert list(AuditLog.objects.values_list("pk", flat=True)) == before


def test_review_page_of_a_type_without_checklist_writes_nothing_and_offers_no_form(
    world, users, client, django_assert_num_queries
):
    from gender.models import ChecklistItem
    from monusco.models import AuditLog

    meeting = make_meeting(world=world, author=users["cla"])
    client.force_login(users["gender"])
    url = reverse("gender:review", kwargs={"report_type": "meeting", "uid": meeting.uid})
    client.get(url)
    ReviewChecklist.objects.filter(report_type="meeting").delete()  # an administrator removed it
    before = (
        list(AuditLog.objects.values_list("pk", flat=True)),
        ReviewChecklist.objects.count(),
        ChecklistItem.objects.count(),
    )
    # one query fewer than with a checklist: no items to read
    with django_assert_num_queries(13):
        response = client.get(url)
    html = response.content.decode()
    assert (response.status_code, response.context["can_review"]) == (200, False)
    assert 'id="no-checklist"' in html and 'id="review-form"' not in html
    # a review posted all the same is refused with the service's message, and nothing is saved
    response = client.post(url, {"decision": "approved"})
    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == ["There is no checklist for this report type."]
    after = (
        list(AuditLog.objects.values_list("pk", flat=True)),
        ReviewChecklist.objects.count(),
        ChecklistItem.objects.count(),
    )
    assert after == before
    meeting.refresh_from_db()
    assert (meeting.review_status, Review.objects.count()) == (ReviewStatus.SUBMITTED, 0)


def test_review_page_of_a_sexual_violence_alert_logs_the_read_with_it(world, users, client):
    from can.models import Alert
    from gender.snapshots import report_snapshot
    from monusco.models import AuditLog
    from tests.factories import make_alert

    alert = make_alert(
        world.base,
        locality=world.uvira,
        threat_category="sexual_violence",
        received_on=datetime.date(2026, 1, 12),
        women=1,
    )
    services.report_submit(report=alert, user=users["cla"])
    other = make_alert(
        world.base, locality=world.uvira, threat_category="looting", received_on=datetime.date(2026, 1, 12), women=1
    )
    services.report_submit(report=other, user=users["cla"])
    client.force_login(users["gender"])
    for report in (alert, other):
        assert (
            client.get(reverse("gender:review", kwargs={"report_type": "alert", "uid": report.uid})).status_code == 200
        )
    fields = sorted(report_snapshot(Alert.objects.get(pk=alert.pk)))
    assert list(
        AuditLog.objects.filter(action="view_protected").values_list("actor", "model", "object_pk", "detail")
    ) == [
        (users["gender"].pk, "can.alert", str(alert.pk), {"fields": fields}),
    ]
