"""Who may open the gender pages: the permission matrix, scope (404), and denied writes."""

import datetime

import pytest
from django.urls import reverse

from gender import services
from gender.models import Review, ReviewChecklist, ReviewStatus
from tests.gender.factories import make_meeting, review

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
    with django_assert_num_queries(13):
        response = client.get(reverse("gender:queue"))
    assert len(response.context["rows"]) == 2 + extra


@pytest.mark.parametrize("rounds", [1, 3])
def test_review_page_query_count_does_not_grow_with_rounds(world, users, client, django_assert_num_queries, rounds):
    meeting = make_meeting(world=world, author=users["cla"])
    checklist = ReviewChecklist.objects.get(report_type="meeting", is_active=True)
    for _ in range(rounds):
        review(meeting, users["gender"], "returned", checklist, comment="Again")
        services.report_submit(report=meeting, user=users["cla"])
    client.force_login(users["gender"])
    url = reverse("gender:review", kwargs={"report_type": "meeting", "uid": meeting.uid})
    client.get(url)
    with django_assert_num_queries(14):
        response = client.get(url)
    assert [r.round for r in response.context["history"]] == list(range(1, rounds + 1))
