"""Builders for the foundation: provinces, territories, localities and users with a role and a scope."""

import datetime

import factory
from django.contrib.auth.models import Group

from cla.models import BaseAssignment, CommunityLiaisonAssistant
from monusco.models import Locality, Province, Territory, User, UserScope
from monusco.roles import sync_roles

PASSWORD = "pw-for-tests-only"


class ProvinceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Province
        django_get_or_create = ("name",)

    name = "South Kivu"


class TerritoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Territory
        django_get_or_create = ("province", "name")

    province = factory.SubFactory(ProvinceFactory)
    name = factory.Sequence(lambda n: f"Territory {n}")


class LocalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Locality
        django_get_or_create = ("territory", "name")

    territory = factory.SubFactory(TerritoryFactory)
    name = factory.Sequence(lambda n: f"Locality {n}")
    latitude = "-3.39530"
    longitude = "29.13780"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User{n}")
    preferred_language = "en"
    password = factory.django.Password(PASSWORD)


def make_user(role: str | None = None, *, base=None, province=None, territory=None, username=None, **extra) -> User:
    """A user with one role (a group), and a scope: a base assignment, a province or a territory."""
    sync_roles()
    kwargs = {"username": username} if username else {}
    user = UserFactory(**kwargs, **extra)
    if role:
        user.groups.add(Group.objects.get(name=role))
        if role == "administrator":
            user.is_superuser = True
        user.is_staff = True
        user.save()
    if base is not None:
        function = role if role in {"cla", "duty_officer"} else "other"
        BaseAssignment.objects.create(user=user, base=base, function=function, starts_on=datetime.date(2020, 1, 1))
        if role == "cla":
            CommunityLiaisonAssistant.objects.get_or_create(user=user)
    if province is not None:
        UserScope.objects.create(user=user, province=province)
    if territory is not None:
        UserScope.objects.create(user=user, territory=territory)
    return user
