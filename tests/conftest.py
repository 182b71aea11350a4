"""Shared fixtures: two provinces, two territories, two bases, and one user per role.

- ``world.base`` (Uvira, in South Kivu / Uvira) and ``world.other_base`` (Minembwe, South Kivu /
  Fizi); ``world.far_base`` is in North Kivu.
- ``users`` maps a role to a user: ``cla`` and ``duty`` at ``base``; ``cla2`` at ``other_base``;
  ``jpt``, ``gender`` and ``manager`` over South Kivu; ``far_manager`` over North Kivu;
  ``admin`` is a superuser; ``api`` has the API client role and no scope; ``norole`` has nothing.
"""

from types import SimpleNamespace

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.factories import LocalityFactory, OperatingBaseFactory, ProvinceFactory, TerritoryFactory, make_user


@pytest.fixture
def world(db):
    south = ProvinceFactory(name="South Kivu")
    north = ProvinceFactory(name="North Kivu")
    uvira_t = TerritoryFactory(province=south, name="Uvira")
    fizi_t = TerritoryFactory(province=south, name="Fizi")
    beni_t = TerritoryFactory(province=north, name="Beni")
    uvira = LocalityFactory(territory=uvira_t, name="Uvira", latitude="-3.39530", longitude="29.13780")
    sange = LocalityFactory(territory=uvira_t, name="Sange", latitude="-3.08000", longitude="29.12000")
    minembwe = LocalityFactory(territory=fizi_t, name="Minembwe", latitude="-3.88000", longitude="28.80000")
    beni = LocalityFactory(territory=beni_t, name="Beni", latitude="0.49110", longitude="29.47310")
    base = OperatingBaseFactory(code="cob-uvira", name="Uvira", locality=uvira, coverage=[uvira, sange])
    other_base = OperatingBaseFactory(code="cob-minembwe", name="Minembwe", locality=minembwe, coverage=[minembwe])
    far_base = OperatingBaseFactory(code="cob-beni", name="Beni", locality=beni, coverage=[beni])
    return SimpleNamespace(
        south=south,
        north=north,
        uvira_t=uvira_t,
        fizi_t=fizi_t,
        beni_t=beni_t,
        uvira=uvira,
        sange=sange,
        minembwe=minembwe,
        beni=beni,
        base=base,
        other_base=other_base,
        far_base=far_base,
    )


@pytest.fixture
def users(world):
    return {
        "cla": make_user("cla", base=world.base, username="t-cla"),
        "cla2": make_user("cla", base=world.other_base, username="t-cla2"),
        "duty": make_user("duty_officer", base=world.base, username="t-duty"),
        "jpt": make_user("jpt_lead", province=world.south, username="t-jpt"),
        "gender": make_user("gender_reviewer", province=world.south, username="t-gender"),
        "manager": make_user("manager", province=world.south, username="t-manager"),
        "far_manager": make_user("manager", province=world.north, username="t-far-manager"),
        "admin": make_user("administrator", username="t-admin"),
        "api": make_user("api_client", username="t-api"),
        "norole": make_user(None, username="t-norole"),
    }


# --- Signing in ------------------------------------------------------------------------------
# The test clients sign a user in as the login pages do, second step included: ``force_login`` and
# ``login`` give a user whose role requires a second factor (or who has one) a confirmed
# authenticator, and mark the session verified with it, under the session key that django-otp's
# ``login`` sets after a right code. ``second_step=False`` stops after the password, as a browser
# that has not typed the code yet. The enforcement itself is never turned off in tests.


def give_authenticator(user):
    """The user's confirmed authenticator (TOTP device), made if there is none."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def mark_session_verified(client, device) -> None:
    from django_otp import DEVICE_ID_SESSION_KEY

    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


class SignInMixin:
    def force_login(self, user, backend=None, *, second_step: bool = True):
        super().force_login(user, backend)
        if second_step:
            self._pass_second_step(user)

    def login(self, *, second_step: bool = True, **credentials) -> bool:
        from django.contrib.auth import authenticate
        from django.test import RequestFactory

        # The login throttle (django-axes) needs the request, as the login page passes it.
        credentials.setdefault("request", RequestFactory().post("/accounts/login/"))
        user = authenticate(**credentials)
        if user is None:
            return False
        self._login(user)
        if second_step:
            self._pass_second_step(user)
        return True

    def _pass_second_step(self, user) -> None:
        from monusco.accounts.policy import second_factor_required
        from monusco.accounts.selectors import user_devices

        if second_factor_required(user) or user_devices(user).any:
            mark_session_verified(self, give_authenticator(user))


class SignInClient(SignInMixin, Client):
    pass


class SignInAPIClient(SignInMixin, APIClient):
    pass


@pytest.fixture
def client():
    """pytest-django's ``client``, signing in with the second step (see above)."""
    return SignInClient()


@pytest.fixture
def plan(world, users):
    """A plan of Sange by the CLA, July to December 2024: one threat with one planned action."""
    import datetime

    from tests.factories import ActionFactory, PlanFactory, ThreatFactory

    plan = PlanFactory(
        base=world.base,
        locality=world.sange,
        created_by=users["cla"],
        period_start=datetime.date(2024, 7, 1),
        period_end=datetime.date(2024, 12, 31),
    )
    threat = ThreatFactory(plan=plan, description="Barrières illégales")
    ActionFactory(threat=threat, description="Plaidoyer", status="planned")
    return plan
