"""Shared fixtures: two provinces, two territories, two bases, and one user per role.

- ``world.base`` (Uvira, in South Kivu / Uvira) and ``world.other_base`` (Minembwe, South Kivu /
  Fizi); ``world.far_base`` is in North Kivu.
- ``users`` maps a role to a user: ``cla`` and ``duty`` at ``base``; ``cla2`` at ``other_base``;
  ``jpt``, ``gender`` and ``manager`` over South Kivu; ``far_manager`` over North Kivu;
  ``admin`` is a superuser; ``api`` has the API client role and no scope; ``norole`` has nothing.
"""

from types import SimpleNamespace

import pytest

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
        south=south, north=north, uvira_t=uvira_t, fizi_t=fizi_t, beni_t=beni_t,
        uvira=uvira, sange=sange, minembwe=minembwe, beni=beni,
        base=base, other_base=other_base, far_base=far_base,
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
