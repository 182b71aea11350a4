"""Database rules on meetings, scope of the cla selectors, and the cla admin pages."""

import pytest
from django.contrib import admin
from django.db import IntegrityError, transaction
from django.urls import reverse

from cla import selectors
from cla.models import UrafikiMeeting
from tests.factories import ActionFactory, MeetingFactory, PlanFactory, ThreatFactory

BANDS = ("age_0_5", "age_6_12", "age_13_17", "age_18_49", "age_50_59", "age_60_plus")


def _meeting(world, users, **counts):
    return UrafikiMeeting(
        base=world.base, locality=world.uvira, held_on="2024-05-01", created_by=users["cla"], **counts
    )


@pytest.mark.parametrize("field", ["women", "men", "girls", "boys"])
def test_negative_count_is_rejected_by_the_database(world, users, field):
    with pytest.raises(IntegrityError), transaction.atomic():
        _meeting(world, users, **{field: -1}).save()
    assert UrafikiMeeting.objects.count() == 0


def test_bands_that_do_not_add_up_are_rejected(world, users):
    counts = {"women": 10, "men": 5, "girls": 4, "boys": 2}
    bands = dict(zip(BANDS, [1, 2, 2, 10, 3, 1], strict=True))  # children 5 != 6
    with pytest.raises(IntegrityError), transaction.atomic():
        _meeting(world, users, **counts, **bands).save()
    adult_wrong = dict(zip(BANDS, [1, 2, 3, 10, 3, 1], strict=True))  # adults 14 != 15
    with pytest.raises(IntegrityError), transaction.atomic():
        _meeting(world, users, **counts, **adult_wrong).save()
    partly = {"age_0_5": 6}
    with pytest.raises(IntegrityError), transaction.atomic():
        _meeting(world, users, **counts, **partly).save()
    assert UrafikiMeeting.objects.count() == 0


def test_bands_that_add_up_and_empty_bands_are_accepted(world, users):
    counts = {"women": 10, "men": 5, "girls": 4, "boys": 2}
    _meeting(world, users, **counts, **dict(zip(BANDS, [1, 2, 3, 10, 3, 2], strict=True))).save()
    _meeting(world, users, **counts).save()
    assert UrafikiMeeting.objects.count() == 2
    assert sorted(m.total_people for m in UrafikiMeeting.objects.all()) == [21, 21]


@pytest.fixture
def records(world, users):
    mine = MeetingFactory(base=world.base, created_by=users["cla"])
    other = MeetingFactory(base=world.other_base, created_by=users["cla2"])
    far = MeetingFactory(base=world.far_base, created_by=users["admin"])
    plans = [PlanFactory(base=b, created_by=users["admin"]) for b in (world.base, world.other_base, world.far_base)]
    for plan in plans:
        ActionFactory(threat=ThreatFactory(plan=plan))
    return {"meetings": (mine, other, far), "plans": plans}


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("cla", {"Uvira"}),
        ("cla2", {"Minembwe"}),
        ("duty", {"Uvira"}),
        ("manager", {"Uvira", "Minembwe"}),
        ("gender", {"Uvira", "Minembwe"}),
        ("far_manager", {"Beni"}),
        ("admin", {"Uvira", "Minembwe", "Beni"}),
        ("norole", set()),
        ("api", set()),
    ],
)
def test_selectors_cut_to_scope(users, records, role, expected):
    user = users[role]
    assert {m.base.name for m in selectors.meeting_list(user=user)} == expected
    assert {p.base.name for p in selectors.plan_list(user=user)} == expected
    assert {a.threat.plan.base.name for a in selectors.actions_due(user=user, days=100000)} == expected
    assert {b.name for b in selectors.base_list(user=user)} == expected


def test_writable_bases_are_the_cla_open_assignments_only(world, users):
    assert list(selectors.writable_bases(user=users["cla"])) == [world.base]
    assert list(selectors.writable_bases(user=users["duty"])) == []
    assert list(selectors.writable_bases(user=users["manager"])) == []


def _cla_admin_urls():
    for model in admin.site._registry:
        if model._meta.app_label == "cla":
            yield reverse(f"admin:cla_{model._meta.model_name}_changelist")
            if model._meta.model_name != "planrevision":  # versions are written by the plan service only
                yield reverse(f"admin:cla_{model._meta.model_name}_add")


def test_every_cla_admin_page_answers_200_for_an_administrator(client, users, records):
    client.force_login(users["admin"])
    urls = list(_cla_admin_urls())
    assert len(urls) == 19
    for url in urls:
        assert client.get(url).status_code == 200, url
    meeting = records["meetings"][0]
    assert client.get(reverse("admin:cla_urafikimeeting_change", args=[meeting.pk])).status_code == 200


def test_admin_changelist_is_cut_to_the_staff_user_scope(client, users, records):
    client.force_login(users["cla"])
    response = client.get(reverse("admin:cla_urafikimeeting_changelist"))
    assert response.status_code == 200
    assert [m.base.name for m in response.context["cl"].result_list] == ["Uvira"]
    other = records["meetings"][1]
    assert client.get(reverse("admin:cla_urafikimeeting_change", args=[other.pk])).status_code == 302


def test_admin_hides_sexual_violence_concerns_from_roles_without_need_to_know(client, world, users):
    from cla.models import SecurityConcern
    from tests.factories import ConcernFactory

    meeting = MeetingFactory(base=world.base, created_by=users["cla"])
    ConcernFactory(meeting=meeting, category="sexual_violence", description="Protégé")
    ConcernFactory(meeting=meeting, category="looting", description="Pillage")
    url = reverse("admin:cla_securityconcern_changelist")
    seen = {}
    for role in ("cla", "duty", "gender", "manager"):
        client.force_login(users[role])
        seen[role] = sorted(c.description for c in client.get(url).context["cl"].result_list)
    assert seen == {
        "cla": ["Pillage", "Protégé"],
        "duty": ["Pillage"],
        "gender": ["Pillage", "Protégé"],
        "manager": ["Pillage"],
    }
    assert SecurityConcern.objects.count() == 2
