"""The review queue tells reports apart (date, place, threats) and comes a page at a time."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from gender.models import ReviewStatus
from gender.selectors.queue import PAGE_SIZE
from tests.factories import make_meeting
from tests.factories.can import make_alert

pytestmark = pytest.mark.django_db


def test_rows_say_date_place_and_threats(world, users, client):
    meeting = make_meeting(
        world=world,
        author=users["cla"],
        locality=world.sange,
        held_on=datetime.date(2026, 3, 10),
        concerns=["looting", "armed_attack", "looting"],
        submitted_days_ago=3,
    )
    alert = make_alert(
        world.base,
        threat_category="killing",
        received_on=datetime.date(2026, 3, 12),
        review_status=ReviewStatus.SUBMITTED,
        review_round=1,
        submitted_at=timezone.now() - datetime.timedelta(days=2),
    )
    client.force_login(users["gender"])
    client.cookies["django_language"] = "fr"
    response = client.get(reverse("gender:queue"))
    rows = response.context["rows"]
    assert [(row["uid"], row["place"], row["threats"]) for row in rows] == [
        (meeting.uid, "Sange", ["Pillage", "Attaque armée"]),
        (alert.uid, "Uvira", ["Meurtre"]),
    ]
    html = response.content.decode()
    assert '<span class="date">10/03/2026</span> · Sange</a>' in html
    assert '<p class="threats">Pillage, Attaque armée</p>' in html
    assert '<span class="date">12/03/2026</span> · Uvira</a>' in html


def test_the_queue_comes_a_page_at_a_time(world, users, client):
    made = [make_meeting(world=world, author=users["cla"], submitted_days_ago=60 - i) for i in range(PAGE_SIZE + 2)]
    client.force_login(users["gender"])
    url = reverse("gender:queue")
    first = client.get(url)
    assert [row["uid"] for row in first.context["rows"]] == [m.uid for m in made[:PAGE_SIZE]]
    assert (first.context["total"], first.context["page"], first.context["pages"]) == (PAGE_SIZE + 2, 1, 2)
    assert 'href="?page=2"' in first.content.decode()
    second = client.get(url, {"page": "2", "report_type": "meeting"})
    assert [row["uid"] for row in second.context["rows"]] == [m.uid for m in made[PAGE_SIZE:]]
    assert 'href="?report_type=meeting&amp;page=1"' in second.content.decode()
    # past the last page: the last page
    assert client.get(url, {"page": "9"}).context["page"] == 2
    for bad in ("0", "abc", "-1"):
        assert client.get(url, {"page": bad}).status_code == 400


def test_a_sexual_violence_concern_is_named_in_the_queue_to_need_to_know_roles_only(world, users, client):
    from django.contrib.auth.models import Permission

    from tests.factories import make_user

    make_meeting(world=world, author=users["cla"], concerns=["sexual_violence", "looting"])
    reviewer = make_user("manager", province=world.south, username="t-reviewer")
    reviewer.user_permissions.add(Permission.objects.get(codename="review_report"))
    for user, expected in ((users["gender"], ["Sexual violence", "Looting"]), (reviewer, ["Looting"])):
        client.force_login(user)
        client.cookies["django_language"] = "en"
        assert [row["threats"] for row in client.get(reverse("gender:queue")).context["rows"]] == [expected]
