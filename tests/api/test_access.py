"""Permission matrix for every endpoint: anonymous, each role by session, token clients in and out
of scope. Out of scope answers 404; a denied write changes nothing."""

import pytest

from can.models import Alert, AlertEvent
from cla.models import CommunityProtectionPlan, OperatingBase, UrafikiMeeting
from gender.models import Review
from jpt.models import JPTMission
from monusco.models import ApiClient, AuditLog, Locality
from tests.factories import api_alert, make_review
from tests.factories.api import meeting_with_details, mission, plan_with_details

pytestmark = pytest.mark.django_db

READ_RESOURCES = ["localities", "bases", "meetings", "plans", "alerts", "missions", "reviews"]
READ_ONLY_RESOURCES = ["localities", "bases", "meetings", "plans", "missions", "reviews"]
SESSION_ROLES_READING_REPORTS = ["cla", "cla2", "duty", "jpt", "gender", "manager", "far_manager", "admin"]

# Who may open one record of the Uvira base (South Kivu / Uvira territory), per caller.
DETAIL_IN_UVIRA = {
    "anonymous": 401,
    "cla": 200,
    "cla2": 404,
    "duty": 200,
    "jpt": 200,
    "gender": 200,
    "manager": 200,
    "far_manager": 404,
    "admin": 200,
    "norole": 403,
    "api": 403,
    "token_in": 200,
    "token_out": 404,
}
LIST = {
    "anonymous": 401,
    "norole": 403,
    "api": 403,
    "token_in": 200,
    "token_out": 200,
    **dict.fromkeys(SESSION_ROLES_READING_REPORTS, 200),
}


@pytest.fixture
def records(world, users):
    meeting = meeting_with_details(base=world.base)
    return {
        "localities": world.uvira,
        "bases": world.base,
        "meetings": meeting,
        "plans": plan_with_details(base=world.base),
        "alerts": api_alert(world),
        "missions": mission(localities=[world.uvira], bases=[world.base]),
        "reviews": make_review(
            meeting, users["gender"], "returned", comment="Add women's views", direct=True, report_type="meeting"
        ),
    }


def _expected(resource: str, table: dict) -> dict:
    if resource == "localities":  # every role may read places; the session API user has no scope
        return {**table, "norole": 403, "api": 404 if table is DETAIL_IN_UVIRA else 200}
    if resource == "missions":  # duty officers do not read JPT missions
        return {**table, "duty": 403}
    return table


@pytest.mark.parametrize("resource", READ_RESOURCES)
def test_list_matrix(resource, callers, records):
    statuses = {name: client.get(f"/api/v1/{resource}/").status_code for name, client in callers.items()}
    assert statuses == _expected(resource, LIST)


@pytest.mark.parametrize("resource", READ_RESOURCES)
def test_detail_matrix(resource, callers, records):
    url = f"/api/v1/{resource}/{records[resource].uid}/"
    statuses = {name: client.get(url).status_code for name, client in callers.items()}
    assert statuses == _expected(resource, DETAIL_IN_UVIRA)


@pytest.mark.parametrize("resource", READ_RESOURCES)
def test_out_of_scope_client_lists_nothing_of_south_kivu(resource, callers, records, world):
    uids = [row["uid"] for row in callers["token_out"].get(f"/api/v1/{resource}/?page_size=500").json()["results"]]
    expected = {
        "localities": sorted(
            str(uid) for uid in Locality.objects.filter(territory__province=world.north).values_list("uid", flat=True)
        ),
        "bases": [str(world.far_base.uid)],
        "meetings": [],
        "plans": [],
        "alerts": [],
        "missions": [],
        "reviews": [],
    }[resource]
    assert sorted(uids) == expected


def _counts() -> dict:
    return {
        model.__name__: model.objects.count()
        for model in (
            Locality,
            OperatingBase,
            UrafikiMeeting,
            CommunityProtectionPlan,
            Alert,
            AlertEvent,
            JPTMission,
            Review,
            ApiClient,
            AuditLog,
        )
    }


@pytest.mark.parametrize("resource", READ_ONLY_RESOURCES)
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_writes_are_denied_and_change_nothing(resource, method, callers, records):
    before = _counts()
    for name, client in callers.items():
        url = f"/api/v1/{resource}/" if method == "post" else f"/api/v1/{resource}/{records[resource].uid}/"
        response = getattr(client, method)(url, {"name": "changed"}, format="json")
        expected = 401 if name == "anonymous" else 403
        assert (name, response.status_code) == (name, expected)
        assert response.json()["detail"]
    assert _counts() == before


def test_messages_are_translated(callers):
    response = callers["token_in"].get("/api/v1/meetings/?base=not-a-uid", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "La requête n'est pas valide. Voyez les erreurs de chaque champ.",
        "errors": {
            "base": ["Saisissez un uid sous sa forme habituelle, par exemple 6c906e2b-9472-37fa-9b6f-a398e0f821f1."]
        },
    }
    response = callers["anonymous"].get("/api/v1/meetings/", HTTP_ACCEPT_LANGUAGE="sw")
    assert response.json() == {
        "detail": "Ingia, au tuma tokeni yako ya API katika kichwa cha Authorization: Token <key>."
    }


def test_client_not_granted_a_resource_is_refused(world, tokens):
    from tests.api.conftest import token_client

    response = token_client(tokens.narrow_key).get("/api/v1/meetings/")
    assert response.status_code == 403
    assert response.json() == {"detail": "This API client may not read this resource."}


def test_unknown_and_revoked_tokens_are_refused(world, tokens):
    from tests.api.conftest import token_client

    assert token_client("not-a-key").get("/api/v1/localities/").status_code == 401
    assert token_client(tokens.narrow_key).get("/api/v1/localities/").status_code == 200  # now cached
    tokens.narrow.is_active = False
    tokens.narrow.save()
    response = token_client(tokens.narrow_key).get("/api/v1/localities/")
    assert response.status_code == 401
    assert response.json() == {"detail": "This API token is not valid or has been revoked."}
    assert response["WWW-Authenticate"] == 'Token realm="api"'


def test_a_cached_client_sees_its_scope_and_user_changes_at_once(world, tokens):
    from tests.api.conftest import token_client

    client = token_client(tokens.inside_key)
    assert client.get(f"/api/v1/localities/{world.uvira.uid}/").status_code == 200  # client now cached
    tokens.inside.provinces.remove(world.south)
    assert client.get(f"/api/v1/localities/{world.uvira.uid}/").status_code == 404
    tokens.inside.provinces.add(world.south)
    assert client.get(f"/api/v1/localities/{world.uvira.uid}/").status_code == 200
    tokens.inside.user.is_active = False
    tokens.inside.user.save()
    assert client.get(f"/api/v1/localities/{world.uvira.uid}/").status_code == 401


def test_a_cached_client_reusing_its_meeting_query_follows_its_scope_and_new_rows(world, tokens):
    from tests.api.conftest import token_client

    client = token_client(tokens.inside_key)
    first = meeting_with_details(base=world.base)
    assert [row["uid"] for row in client.get("/api/v1/meetings/").json()["results"]] == [str(first.uid)]
    second = meeting_with_details(base=world.base)
    assert [row["uid"] for row in client.get("/api/v1/meetings/").json()["results"]] == [
        str(second.uid),
        str(first.uid),
    ]
    tokens.inside.provinces.remove(world.south)
    assert client.get("/api/v1/meetings/").json()["results"] == []
    assert client.get(f"/api/v1/meetings/{first.uid}/").status_code == 404
    tokens.inside.provinces.add(world.south)
    assert client.get(f"/api/v1/meetings/{first.uid}/").status_code == 200


def test_unknown_uid_and_bad_uid_answer_404(callers):
    for url in ("/api/v1/meetings/00000000-0000-0000-0000-000000000000/", "/api/v1/meetings/not-a-uid/"):
        response = callers["token_in"].get(url)
        assert (response.status_code, response.json()) == (404, {"detail": "Not found, or outside your scope."})


def test_indicators_matrix(callers):
    statuses = {name: client.get("/api/v1/indicators/").status_code for name, client in callers.items()}
    assert statuses == {
        "anonymous": 401,
        "cla": 403,
        "cla2": 403,
        "duty": 403,
        "jpt": 403,
        "gender": 200,
        "manager": 200,
        "far_manager": 200,
        "admin": 200,
        "norole": 403,
        "api": 403,
        "token_in": 200,
        "token_out": 200,
    }


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_indicators_cannot_be_written(callers, method):
    for name, client in callers.items():
        response = getattr(client, method)("/api/v1/indicators/", {}, format="json")
        assert (name, response.status_code) == (name, 401 if name == "anonymous" else 403)


def test_unknown_api_paths_answer_json_404(callers):
    for url in ("/api/v1/", "/api/v1/nothing/", "/api/v1/meetings/extra/path/"):
        response = callers["token_in"].get(url)
        assert (url, response.status_code, response.json()) == (
            url,
            404,
            {"detail": "Not found, or outside your scope."},
        )
    redirected = callers["token_in"].get("/api/v1/meetings", follow=False)
    assert (redirected.status_code, redirected["Location"]) == (301, "/api/v1/meetings/")
