import datetime

import pytest

from cla.models import BaseAssignment, UrafikiMeeting
from cla.selectors import base_list, meeting_list
from monusco.scope import Scope, scope_for


def _meeting(base, locality, author):
    return UrafikiMeeting.objects.create(
        base=base, locality=locality, held_on=datetime.date(2026, 10, 1), created_by=author, women=3, men=2
    )


@pytest.fixture
def meetings(world, users):
    return {
        "uvira": _meeting(world.base, world.uvira, users["cla"]),
        "minembwe": _meeting(world.other_base, world.minembwe, users["cla2"]),
        "beni": _meeting(world.far_base, world.beni, users["admin"]),
    }


def test_scope_of_each_kind_of_user(world, users):
    assert scope_for(users["cla"]) == Scope(base_ids=frozenset({world.base.id}))
    assert scope_for(users["manager"]) == Scope(province_ids=frozenset({world.south.id}))
    assert scope_for(users["admin"]) == Scope(everything=True)
    assert scope_for(users["norole"]).is_empty


def test_covers_applies_the_filter_rule_to_one_record(world):
    by_base = Scope(base_ids=frozenset({world.base.id}))
    by_territory = Scope(territory_ids=frozenset({world.uvira_t.id}))
    by_province = Scope(province_ids=frozenset({world.south.id}))
    uvira = {"base_id": world.base.id, "territory_id": world.uvira_t.id, "province_id": world.south.id}
    minembwe = {"base_id": world.other_base.id, "territory_id": world.fizi_t.id, "province_id": world.south.id}
    beni = {"base_id": world.far_base.id, "territory_id": world.beni_t.id, "province_id": world.north.id}
    assert [by_base.covers(**p) for p in (uvira, minembwe, beni)] == [True, False, False]
    assert [by_territory.covers(**p) for p in (uvira, minembwe, beni)] == [True, False, False]
    assert [by_province.covers(**p) for p in (uvira, minembwe, beni)] == [True, True, False]
    assert [Scope().covers(**p) for p in (uvira, minembwe, beni)] == [False, False, False]
    assert [Scope(everything=True).covers(**p) for p in (uvira, minembwe, beni)] == [True, True, True]
    assert by_territory.covers(base_id=world.base.id) is False  # a record known by its base only


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("cla", {"uvira"}),
        ("cla2", {"minembwe"}),
        ("duty", {"uvira"}),
        ("manager", {"uvira", "minembwe"}),
        ("gender", {"uvira", "minembwe"}),
        ("far_manager", {"beni"}),
        ("admin", {"uvira", "minembwe", "beni"}),
        ("norole", set()),
        ("api", set()),
    ],
)
def test_meeting_selector_is_cut_to_scope(meetings, users, who, expected):
    names = {name for name, meeting in meetings.items() if meeting in meeting_list(user=users[who])}
    assert names == expected


def test_territory_scope_sees_its_territory_only(world, meetings):
    from tests.factories import make_user

    fizi_officer = make_user("manager", territory=world.fizi_t, username="fizi")
    assert list(meeting_list(user=fizi_officer)) == [meetings["minembwe"]]
    assert list(base_list(user=fizi_officer)) == [world.other_base]


def test_ended_assignment_no_longer_gives_scope(world, users, meetings):
    cla = users["cla"]
    BaseAssignment.objects.filter(user=cla).update(ends_on=datetime.date(2021, 1, 1))
    cla = type(cla).objects.get(pk=cla.pk)  # fresh object: scope is cached per user object
    assert list(meeting_list(user=cla)) == []


def test_anonymous_and_inactive_users_have_empty_scope(users):
    from django.contrib.auth.models import AnonymousUser

    assert scope_for(AnonymousUser()).is_empty
    manager = users["manager"]
    manager.is_active = False
    assert scope_for(manager).is_empty


def test_scope_is_computed_once_per_user_object(users, django_assert_num_queries):
    cla = type(users["cla"]).objects.get(pk=users["cla"].pk)
    with django_assert_num_queries(2):  # geographic scopes + base assignments
        scope_for(cla)
    with django_assert_num_queries(0):
        scope_for(cla)
