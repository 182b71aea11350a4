"""The manager's menu link to the missions awaiting approval (``monusco.menus``) lists the planned
missions of their area, and only those."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from jpt.models import MissionStatus
from tests.factories import MissionFactory

pytestmark = pytest.mark.django_db


def test_the_manager_sees_the_missions_to_approve_in_their_menu(world, users, client, mission):
    MissionFactory(
        title="Fizi",
        lead=users["jpt"],
        localities=[world.minembwe],
        start_date=datetime.date(2026, 10, 5),
        end_date=datetime.date(2026, 10, 9),
    )
    MissionFactory(
        title="Already approved",
        lead=users["jpt"],
        localities=[world.sange],
        status=MissionStatus.APPROVED,
        approved_by=users["manager"],
        approved_at=timezone.now(),
        start_date=datetime.date(2026, 10, 5),
        end_date=datetime.date(2026, 10, 9),
    )
    MissionFactory(
        title="Beni",
        lead=users["jpt"],
        localities=[world.beni],
        start_date=datetime.date(2026, 10, 5),
        end_date=datetime.date(2026, 10, 9),
    )
    client.force_login(users["manager"])
    url = reverse("admin:jpt_jptmission_changelist") + "?status__exact=planned"
    assert f'<a href="{url}">' in client.get(reverse("gender:dashboard")).content.decode()
    listed = client.get(url)
    assert listed.status_code == 200
    assert sorted(m.title for m in listed.context["cl"].result_list) == ["Fizi", "Sange–Kiliba"]

    client.force_login(users["far_manager"])
    assert [m.title for m in client.get(url).context["cl"].result_list] == ["Beni"]
