"""API fixtures: token clients in and out of scope, and an authenticated test client per caller."""

from types import SimpleNamespace

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from monusco.api.resources import Resource
from monusco.api.services import api_client_create
from tests.agreements import agreement_in_force
from tests.conftest import SignInAPIClient
from tests.factories import PASSWORD


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def tokens(world):
    """``inside``: South Kivu, reads everything and may create alerts; ``outside``: North Kivu;
    ``narrow``: South Kivu, localities only."""
    inside, inside_key = api_client_create(
        agreement=agreement_in_force(),
        name="SAGE South Kivu",
        provinces=[world.south],
        resources=list(Resource.values),
        write_resources=[Resource.ALERTS],
        throttle_rate="100000/minute",
    )
    outside, outside_key = api_client_create(
        agreement=agreement_in_force(),
        name="Dashboard North Kivu",
        provinces=[world.north],
        resources=list(Resource.values),
        throttle_rate="100000/minute",
    )
    narrow, narrow_key = api_client_create(
        agreement=agreement_in_force(),
        name="HDX places",
        territories=[world.uvira_t],
        resources=[Resource.LOCALITIES],
        throttle_rate="3/minute",
    )
    return SimpleNamespace(
        inside=inside,
        inside_key=inside_key,
        outside=outside,
        outside_key=outside_key,
        narrow=narrow,
        narrow_key=narrow_key,
    )


def token_client(key: str) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def session_client(user) -> APIClient:
    client = SignInAPIClient(HTTP_ACCEPT_LANGUAGE="en")
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def callers(users, tokens):
    """Every kind of caller: anonymous, each role by session, token clients in and out of scope."""
    result = {"anonymous": APIClient(HTTP_ACCEPT_LANGUAGE="en")}
    for name, user in users.items():
        result[name] = session_client(user)
    result["token_in"] = token_client(tokens.inside_key)
    result["token_out"] = token_client(tokens.outside_key)
    return result
