"""Alerts through the API: reading with events, GeoJSON, and creation by a granted client through
the can app's service, with its idempotency key honoured."""

import datetime
import uuid

import pytest

from can.models import Alert, AlertEvent
from monusco.models import AuditLog
from tests.api.conftest import session_client, token_client
from tests.factories import api_alert, make_alert, make_focal_point

pytestmark = pytest.mark.django_db


def _payload(world, **extra):
    return {
        "idempotency_key": str(uuid.uuid4()),
        "base": str(world.base.uid),
        "locality": str(world.sange.uid),
        "threat_category": "armed_attack",
        "description": "Armed men seen near the school",
        "women": 3,
        "girls": 2,
        **extra,
    }


def _counts():
    return (Alert.objects.count(), AlertEvent.objects.count())


def test_alert_detail_exact_for_a_token_client(world, tokens):
    item = make_alert(
        world.base,
        locality=world.uvira,
        threat_category="looting",
        description="Cattle raid, call 0998 877 665 for details",
        status="acknowledged",
        events=True,
        women=2,
        men=1,
        girls=1,
    )
    body = token_client(tokens.inside_key).get(f"/api/v1/alerts/{item.uid}/").json()
    events = list(item.events.order_by("at", "id"))
    stamp = item.received_at.isoformat().replace("+00:00", "Z")
    assert body == {
        "uid": str(item.uid),
        "channel": "sms",
        "base": {"uid": str(world.base.uid), "code": "cob-uvira", "name": "Uvira"},
        "locality": {
            "uid": str(world.uvira.uid),
            "name": "Uvira",
            "territory": "Uvira",
            "province": "South Kivu",
            "latitude": -3.3953,
            "longitude": 29.1378,
        },
        "territory": {"uid": str(world.uvira_t.uid), "name": "Uvira"},
        "province": {"uid": str(world.south.uid), "name": "South Kivu"},
        "focal_point": None,
        "threat_category": "looting",
        "description": "Cattle raid, call [phone] for details",
        "needs_triage": False,
        "sent_at_ignored": False,
        "text_truncated": False,
        "people_at_risk": {
            "women": 2,
            "men": 1,
            "girls": 1,
            "boys": 0,
            "age_0_5": None,
            "age_6_12": None,
            "age_13_17": None,
            "age_18_49": None,
            "age_50_59": None,
            "age_60_plus": None,
        },
        "status": "acknowledged",
        "received_at": stamp,
        "received_on": item.received_on.isoformat(),
        "acknowledged_at": stamp,
        "verified_at": None,
        "response_at": None,
        "response_type": "",
        "closed_at": None,
        "outcome": "",
        "escalation_level": 0,
        "review_status": "draft",
        "events": [
            {"uid": str(events[0].uid), "kind": "received", "at": stamp, "from_status": "", "to_status": "received"},
            {
                "uid": str(events[1].uid),
                "kind": "acknowledged",
                "at": stamp,
                "from_status": "received",
                "to_status": "acknowledged",
            },
        ],
        "updated_at": Alert.objects.get(pk=item.pk).updated_at.isoformat().replace("+00:00", "Z"),
    }


def test_session_users_see_the_focal_point_code_token_clients_do_not(world, users, tokens):
    focal = make_focal_point(
        world.base, code="UVI-007", name="Furaha Test", phone="+243810000001", consent_on=datetime.date(2025, 1, 1)
    )
    item = make_alert(
        world.base,
        locality=world.uvira,
        threat_category="looting",
        description="Shops looted at the market",
        focal_point=focal,
        status="acknowledged",
        events=True,
        women=2,
        men=1,
        girls=1,
    )
    assert session_client(users["cla"]).get(f"/api/v1/alerts/{item.uid}/").json()["focal_point"] == "UVI-007"
    assert token_client(tokens.inside_key).get(f"/api/v1/alerts/{item.uid}/").json()["focal_point"] is None


def test_sexual_violence_alerts_are_left_out_for_clients_and_emptied_for_sessions(world, users, tokens):
    sv = make_alert(
        world.base,
        locality=world.uvira,
        threat_category="sexual_violence",
        description="SV detail",
        status="acknowledged",
        events=True,
        women=2,
        men=1,
        girls=1,
    )
    other = api_alert(world)
    client = token_client(tokens.inside_key)
    assert [r["uid"] for r in client.get("/api/v1/alerts/").json()["results"]] == [str(other.uid)]
    assert client.get(f"/api/v1/alerts/{sv.uid}/").status_code == 404
    assert client.get("/api/v1/alerts/?threat_category=sexual_violence").json()["results"] == []
    session = session_client(users["cla"]).get(f"/api/v1/alerts/{sv.uid}/").json()
    assert (session["threat_category"], session["description"]) == ("sexual_violence", None)


def test_alert_geojson_feature(world, tokens):
    item = make_alert(
        world.base,
        locality=world.sange,
        threat_category="looting",
        description="Shops looted at the market",
        status="acknowledged",
        events=True,
        women=2,
        men=1,
        girls=1,
    )
    body = token_client(tokens.inside_key).get("/api/v1/alerts/?format=geojson").json()
    assert [(f["type"], f["id"], f["geometry"]) for f in body["features"]] == [
        ("Feature", str(item.uid), {"type": "Point", "coordinates": [29.12, -3.08]})
    ]
    assert body["features"][0]["properties"]["threat_category"] == "looting"


def test_granted_client_creates_an_alert_through_the_service_once_per_key(world, tokens):
    client = token_client(tokens.inside_key)
    payload = _payload(world)
    first = client.post("/api/v1/alerts/", payload, format="json")
    assert first.status_code == 201
    created = Alert.objects.get(uid=first.json()["uid"])
    assert (created.channel, created.base, created.locality, created.threat_category, created.women, created.girls) == (
        "api",
        world.base,
        world.sange,
        "armed_attack",
        3,
        2,
    )
    assert created.reported_by == tokens.inside.user
    assert created.idempotency_key == f"client:{payload['idempotency_key']}"
    assert list(created.events.values_list("kind", flat=True)) == ["received"]
    assert (
        AuditLog.objects.filter(model="can.alert", object_pk=str(created.pk), action="create").get().actor
        == tokens.inside.user
    )
    repeat = client.post("/api/v1/alerts/", payload, format="json")
    assert (repeat.status_code, repeat.json()["uid"]) == (200, first.json()["uid"])
    assert Alert.objects.count() == 1


def test_a_client_gets_back_the_sexual_violence_alert_it_sent_itself(world, tokens):
    """It may not read other such alerts, but the one it just sent comes back (not a 500)."""
    client = token_client(tokens.inside_key)
    payload = {**_payload(world), "threat_category": "sexual_violence"}
    first = client.post("/api/v1/alerts/", payload, format="json")
    repeat = client.post("/api/v1/alerts/", payload, format="json")
    created = Alert.objects.get()
    assert [first.status_code, repeat.status_code] == [201, 200]
    assert [first.json()["uid"], first.json()["threat_category"]] == [str(created.uid), "sexual_violence"]
    assert repeat.json()["uid"] == str(created.uid)
    assert client.get("/api/v1/alerts/").json()["results"] == []


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        ({"idempotency_key": None}, {"idempotency_key": ["This field may not be null."]}),
        ({"threat_category": "ghosts"}, {"threat_category": ['"ghosts" is not a valid choice.']}),
        ({"women": -1}, {"women": ["Ensure this value is greater than or equal to 0."]}),
        ({"base": "0b7d3b52-1111-4bbb-8ccc-000000000000"}, {"base": ["This place is not in your scope."]}),
    ],
)
def test_bad_alert_is_refused_with_a_message_and_nothing_saved(world, tokens, change, errors):
    before = _counts()
    response = token_client(tokens.inside_key).post("/api/v1/alerts/", _payload(world, **change), format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": "The request is not valid. See the errors for each field.", "errors": errors}
    assert _counts() == before


@pytest.mark.parametrize("caller", ["token_in", "cla"])
def test_missing_idempotency_key_is_refused_for_every_caller(world, callers, caller):
    payload = _payload(world)
    del payload["idempotency_key"]
    response = callers[caller].post("/api/v1/alerts/", payload, format="json")
    assert (response.status_code, response.json()["errors"]) == (
        400,
        {
            "idempotency_key": [
                "Send an idempotency key (a UUID of your own) with each alert: a repeat is then the same alert."
            ]
        },
    )
    assert _counts() == (0, 0)


def test_a_time_received_before_2000_is_refused(world, tokens):
    response = token_client(tokens.inside_key).post(
        "/api/v1/alerts/", _payload(world, received_at="1999-12-31T23:59:59Z"), format="json"
    )
    assert (response.status_code, response.json()["errors"]) == (
        400,
        {"received_at": ["The alert cannot be received before 2000."]},
    )
    assert _counts() == (0, 0)


def test_alert_write_matrix(world, users, tokens, callers):
    """Who may create an alert for the Uvira base: CLAs and duty officers of that base, the
    administrator, and the client granted alert writes in South Kivu (the North Kivu one has no grant)."""
    expected = {
        "anonymous": 401,
        "cla": 201,
        "cla2": 400,
        "duty": 201,
        "jpt": 403,
        "gender": 403,
        "manager": 403,
        "far_manager": 403,
        "admin": 201,
        "norole": 403,
        "api": 403,
        "token_in": 201,
        "token_out": 403,
    }
    statuses = {}
    for name, client in callers.items():
        before = _counts()
        response = client.post("/api/v1/alerts/", _payload(world), format="json")
        statuses[name] = response.status_code
        if response.status_code != 201:
            assert response.json()["detail"]
            assert _counts() == before
    assert statuses == expected
    assert Alert.objects.count() == 4


def test_client_without_write_grant_is_refused(world, tokens):
    from monusco.api.services import api_client_create
    from tests.agreements import agreement_in_force

    _client, key = api_client_create(
        agreement=agreement_in_force(), name="Reader", provinces=[world.south], throttle_rate="100/minute"
    )
    response = token_client(key).post("/api/v1/alerts/", _payload(world), format="json")
    assert (response.status_code, response.json()) == (
        403,
        {"detail": "This API client may not create records of this kind."},
    )
    assert _counts() == (0, 0)


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_alerts_cannot_be_changed_or_deleted(world, tokens, method):
    item = api_alert(world)
    response = getattr(token_client(tokens.inside_key), method)(f"/api/v1/alerts/{item.uid}/", {}, format="json")
    assert (response.status_code, response.json()) == (405, {"detail": "This method is not allowed here."})
    assert Alert.objects.get(pk=item.pk).status == "acknowledged"


def test_focal_points_only_for_session_users_of_their_own_base(world, users, tokens, callers):
    fp = make_focal_point(
        world.base, code="UVI-001", name="Amani Secret", phone="+243810000111", consent_on=datetime.date(2025, 1, 1)
    )
    make_focal_point(
        world.other_base,
        code="MIN-001",
        name="Other Secret",
        phone="+243810000222",
        consent_on=datetime.date(2025, 1, 1),
    )
    lists = {name: client.get("/api/v1/focal-points/") for name, client in callers.items()}
    codes = {
        name: [r["code"] for r in resp.json()["results"]] for name, resp in lists.items() if resp.status_code == 200
    }
    assert {name: resp.status_code for name, resp in lists.items()} == {
        "anonymous": 401,
        "cla": 200,
        "cla2": 200,
        "duty": 200,
        "jpt": 403,
        "gender": 403,
        "manager": 403,
        "far_manager": 403,
        "admin": 200,
        "norole": 403,
        "api": 403,
        "token_in": 403,
        "token_out": 403,
    }
    assert codes == {"cla": ["UVI-001"], "cla2": ["MIN-001"], "duty": ["UVI-001"], "admin": []}
    assert lists["token_in"].json() == {"detail": "This resource is available only to signed-in staff of the base."}
    assert b"Amani" not in lists["cla"].content
    detail = callers["cla"].get(f"/api/v1/focal-points/{fp.uid}/")
    assert (detail.json()["name"], detail.json()["phone"]) == ("Amani Secret", "+243810000111")
    assert AuditLog.objects.filter(action="view_protected", model="can.focalpoint", object_pk=str(fp.pk)).count() == 1
    assert callers["cla2"].get(f"/api/v1/focal-points/{fp.uid}/").status_code == 404
    assert callers["admin"].get(f"/api/v1/focal-points/{fp.uid}/").status_code == 404
    assert callers["cla"].get("/api/v1/focal-points/?format=csv").status_code == 406  # JSON only
