"""API clients: tokens shown once and stored hashed, the command, the admin, the throttle."""

import hashlib
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from monusco.api.services import api_client_create, api_client_rotate_key
from monusco.models import ApiClient
from tests.agreements import agreement_in_force
from tests.api.conftest import session_client, token_client

pytestmark = pytest.mark.django_db


def test_only_the_digest_of_the_token_is_stored(world):
    client, key = api_client_create(agreement=agreement_in_force(), name="KST", provinces=[world.south])
    assert client.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert client.key_prefix == key[:8]
    stored = ApiClient.objects.filter(pk=client.pk).values_list("key_hash", "key_prefix", "name", "note").get()
    assert key not in "".join(stored)
    assert client.user.has_usable_password() is False
    assert list(client.user.groups.values_list("name", flat=True)) == ["api_client"]


def test_command_prints_the_token_once_and_it_works(world):
    agreement = agreement_in_force(partner="OCHA")
    out = io.StringIO()
    call_command(
        "create_api_client",
        "SAGE",
        "--agreement",
        "ocha",
        "--province",
        "south kivu",
        "--resource",
        "localities",
        stdout=out,
    )
    lines = out.getvalue().splitlines()
    assert lines[0] == "API client SAGE created. Its token, shown only this once:"
    client = ApiClient.objects.get(name="SAGE")
    assert (client.resources, client.write_resources, client.throttle_rate) == (["localities"], [], "600/minute")
    assert list(client.provinces.all()) == [world.south]
    assert client.agreement == agreement
    assert token_client(lines[1]).get("/api/v1/localities/").status_code == 200


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["X"], "Give the API client at least one province or territory."),
        (["X", "--province", "Atlantis"], "province 'Atlantis': not found."),
        (["X", "--agreement", "KST", "--province", "South Kivu"], "Data-sharing agreement 'KST': not found."),
        (
            ["X", "--agreement", "Twice", "--province", "South Kivu"],
            "Data-sharing agreement 'Twice': ambiguous: give its uid.",
        ),
        (
            ["X", "--province", "South Kivu", "--resource", "reviews"],
            "The data-sharing agreement does not cover these resources: reviews.",
        ),
        (
            ["X", "--province", "South Kivu", "--write", "meetings"],
            "These resources cannot be written through the API: meetings.",
        ),
        (
            ["X", "--province", "South Kivu", "--rate", "fast"],
            "Write a number, a slash and second, minute, hour or day, e.g. 600/minute.",
        ),
    ],
)
def test_command_refuses_bad_input_and_creates_nothing(world, args, message):
    agreement_in_force(partner="OCHA", resources=["localities", "alerts"])
    agreement_in_force(partner="Twice")
    agreement_in_force(partner="Twice")
    if "--agreement" not in args:
        args = [args[0], "--agreement", "OCHA", *args[1:]]
    with pytest.raises(CommandError) as error:
        call_command("create_api_client", *args, stdout=io.StringIO())
    assert str(error.value) == message
    assert ApiClient.objects.count() == 0


def test_duplicate_name_is_refused(world):
    api_client_create(agreement=agreement_in_force(), name="KST", provinces=[world.south])
    with pytest.raises(ValidationError) as error:
        api_client_create(agreement=agreement_in_force(), name="KST", provinces=[world.north])
    assert error.value.messages == ["An API client with this name already exists."]


def test_rotating_the_key_revokes_the_old_one(world):
    client, old = api_client_create(agreement=agreement_in_force(), name="KST", provinces=[world.south])
    new = api_client_rotate_key(client=client)
    assert token_client(old).get("/api/v1/localities/").status_code == 401
    assert token_client(new).get("/api/v1/localities/").status_code == 200


def test_each_client_has_its_own_throttle_rate(world, tokens):
    narrow = token_client(tokens.narrow_key)  # 3/minute
    assert [narrow.get("/api/v1/localities/").status_code for _ in range(4)] == [200, 200, 200, 429]
    response = narrow.get("/api/v1/localities/")
    assert response.json() == {"detail": "Too many requests. Wait a little and try again."}
    assert int(response["Retry-After"]) > 0
    assert token_client(tokens.inside_key).get("/api/v1/localities/").status_code == 200


def test_admin_creates_a_client_and_shows_the_token_once(world, users):
    agreement = agreement_in_force(partner="HDX")
    admin = session_client(users["admin"])
    response = admin.post(
        "/admin/monusco/apiclient/add/",
        {
            "name": "HDX",
            "agreement": agreement.pk,
            "provinces": [world.south.pk],
            "resources": ["localities", "bases"],
            "throttle_rate": "60/minute",
            "is_active": "on",
        },
        follow=True,
    )
    assert response.status_code == 200
    client = ApiClient.objects.get(name="HDX")
    shown = [str(m) for m in response.context["messages"] if "HDX" in str(m) and ":" in str(m)]
    key = shown[0].rsplit(": ", 1)[1]
    assert client.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert token_client(key).get("/api/v1/bases/").status_code == 200
    assert token_client(key).get("/api/v1/meetings/").status_code == 403
    assert admin.get(f"/admin/monusco/apiclient/{client.pk}/change/").status_code == 200
    assert key not in admin.get(f"/admin/monusco/apiclient/{client.pk}/change/").content.decode()
