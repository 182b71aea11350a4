"""Demo data registry. Each app registers a seeder; ``manage.py seed_demo`` runs them in order.

A seeder is ``func(ctx: DemoContext) -> None`` and must be idempotent: natural keys and
``get_or_create``/``update_or_create``, never blind inserts. Randomness comes from ``ctx.rng``,
which is seeded, and dates are relative to ``ctx.today``.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

_seeders: list[tuple[int, str, Callable]] = []


@dataclass
class DemoContext:
    today: date
    password: str
    rng: random.Random = field(default_factory=lambda: random.Random(20241123))
    users: dict = field(default_factory=dict)  # "demo-cla" -> User
    data: dict = field(default_factory=dict)  # anything a seeder leaves for the next


def register(order: int, name: str) -> Callable[[Callable], Callable]:
    def decorator(func: Callable) -> Callable:
        if all(existing_name != name for _o, existing_name, _f in _seeders):
            _seeders.append((order, name, func))
        return func

    return decorator


def seeders() -> list[tuple[int, str, Callable]]:
    return sorted(_seeders, key=lambda item: item[0])


DEMO_USERS = {
    # username: (first name, last name, role, province scope or None, language)
    "demo-cla": ("Espérance", "Mugisho", "cla", None, "fr"),
    "demo-cla2": ("Amani", "Bisimwa", "cla", None, "sw"),
    "demo-duty": ("Rajesh", "Kumar", "duty_officer", None, "en"),
    "demo-jpt": ("Claire", "Lunanga", "jpt_lead", "South Kivu", "fr"),
    "demo-gender": ("Nadine", "Furaha", "gender_reviewer", "South Kivu", "fr"),
    "demo-manager": ("Jean-Pierre", "Kasongo", "manager", "South Kivu", "fr"),
    "demo-admin": ("Admin", "Demo", "administrator", None, "en"),
}


@register(0, "places, roles and demo users")
def seed_foundation(ctx: DemoContext) -> None:
    from django.contrib.auth.models import Group

    from .models import Locality, Province, Territory, User, UserScope
    from .places import load_places
    from .roles import sync_roles

    load_places(province_model=Province, territory_model=Territory, locality_model=Locality)
    sync_roles()
    for username, (first, last, role, province, language) in DEMO_USERS.items():
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@example.org",
                "preferred_language": language,
            },
        )
        if created:
            user.set_password(ctx.password)
        user.is_staff = role in {"administrator", "jpt_lead", "gender_reviewer", "manager", "cla", "duty_officer"}
        user.is_superuser = role == "administrator"
        user.save()
        user.groups.set([Group.objects.get(name=role)])
        if province:
            UserScope.objects.get_or_create(user=user, province=Province.objects.get(name=province))
        ctx.users[username] = user


@register(50, "demo API client")
def seed_api_client(ctx: DemoContext) -> None:
    """A read-only client over South Kivu, under a territory-level agreement for a year (every
    resource but the gender reviews). Its token is printed when it is first created (it is
    stored hashed); later runs leave it as it is. Rotate it in the admin to see a new one."""
    import datetime

    from django.utils import timezone

    from .api.resources import Resource
    from .api.services import agreement_create, api_client_create
    from .models import ApiClient, DataSharingAgreement, Province

    name = "Demo situational awareness tool"
    if ApiClient.objects.filter(name=name).exists():
        return
    today = timezone.localdate()
    agreement = agreement_create(
        partner="Demo protection cluster",
        purpose="Situational awareness for the protection cluster (demonstration data).",
        signed_on=today - datetime.timedelta(days=30),
        expires_on=today + datetime.timedelta(days=335),
        resources=[value for value in Resource.values if value != Resource.REVIEWS],
        geography=DataSharingAgreement.Geography.TERRITORY,
    )
    _client, key = api_client_create(
        name=name, agreement=agreement, provinces=[Province.objects.get(name="South Kivu")]
    )
    ctx.data.setdefault("notes", []).append(f"API client '{name}' created; token (shown once): {key}")
