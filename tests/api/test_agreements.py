"""Data-sharing agreements enforced: no agreement, an expired one or a resource outside it gives a
403 with its message and changes nothing; geography is coarsened in JSON, CSV and GeoJSON alike."""

import csv
import datetime
import io

import pytest
from django.utils import timezone

from can.models import Alert
from monusco.api.services import api_client_create
from monusco.models import DataSharingAgreement, Locality
from tests.agreements import agreement_in_force
from tests.api.conftest import token_client
from tests.factories import api_alert
from tests.factories.api import meeting_with_details, mission

pytestmark = pytest.mark.django_db

Geography = DataSharingAgreement.Geography
# The centroids of the bundled places (migration 0002) with the world fixture's: Uvira territory
# is the mean of Kiliba, Sange and Uvira; South Kivu's is worked out from its localities below.
UVIRA_T = (-3.2318, 29.1359)
SOUTH_KIVU = (-3.0144, 28.7325)


def test_the_centroids_are_the_means_of_the_localities(world):
    def mean(**where):
        rows = list(Locality.objects.filter(**where).values_list("latitude", "longitude"))
        return tuple(float(round(sum(values) / len(rows), 4)) for values in zip(*rows, strict=True))

    assert mean(territory=world.uvira_t) == UVIRA_T
    assert mean(territory__province=world.south) == SOUTH_KIVU


def _client(world, **agreement):
    _api_client, key = api_client_create(
        name="Partner",
        agreement=agreement_in_force(**agreement),
        provinces=[world.south],
        write_resources=["alerts"],
        throttle_rate="100000/minute",
    )
    return token_client(key)


def _alert_payload(world) -> dict:
    return {
        "idempotency_key": "6c906e2b-9472-37fa-9b6f-a398e0f821f1",
        "base": str(world.base.uid),
        "threat_category": "looting",
        "description": "Looting",
    }


def test_a_client_without_agreement_is_refused(world):
    client, key = api_client_create(name="Partner", agreement=agreement_in_force(), provinces=[world.south])
    client.agreement = None
    client.save()
    response = token_client(key).get("/api/v1/alerts/")
    assert (response.status_code, response.json()) == (
        403,
        {"detail": "This API client has no data-sharing agreement, so it may not read or send data."},
    )


def test_an_expired_agreement_stops_reads_and_writes_with_its_date(world):
    today = timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)
    api = _client(world, expires_on=yesterday)
    message = {
        "detail": f"The data-sharing agreement of this API client expired on {yesterday:%Y-%m-%d}. "
        "Ask MONUSCO to renew it."
    }
    for response in (api.get("/api/v1/alerts/"), api.get("/api/v1/localities/?format=csv")):
        assert (response.status_code, response.json()) == (403, message)
    response = api.post("/api/v1/alerts/", _alert_payload(world), format="json")
    assert (response.status_code, response.json()) == (403, message)
    assert Alert.objects.count() == 0


def test_the_last_day_of_an_agreement_is_still_in_force(world):
    api = _client(world, expires_on=timezone.localdate())
    assert api.get("/api/v1/alerts/").status_code == 200


def test_renewing_the_agreement_lets_the_client_in_at_once(world):
    api = _client(world, expires_on=timezone.localdate() - datetime.timedelta(days=1))
    assert api.get("/api/v1/alerts/").status_code == 403
    agreement = DataSharingAgreement.objects.get()
    agreement.expires_on = timezone.localdate() + datetime.timedelta(days=365)
    agreement.save()
    assert api.get("/api/v1/alerts/").status_code == 200


def test_a_resource_outside_the_agreement_is_refused(world):
    client, key = api_client_create(
        name="Partner", agreement=agreement_in_force(), provinces=[world.south], resources=["alerts", "meetings"]
    )
    DataSharingAgreement.objects.filter(pk=client.agreement_id).update(resources=["alerts"])
    response = token_client(key).get("/api/v1/meetings/")
    assert (response.status_code, response.json()) == (
        403,
        {"detail": "The data-sharing agreement of this API client does not cover this resource."},
    )
    assert token_client(key).get("/api/v1/alerts/").status_code == 200


@pytest.mark.parametrize(
    ("level", "query", "allowed"),
    [
        (Geography.TERRITORY, "locality", "territory or province"),
        (Geography.PROVINCE, "locality", "province"),
        (Geography.PROVINCE, "territory", "province"),
    ],
)
def test_a_filter_finer_than_the_agreement_is_refused(world, level, query, allowed):
    api_alert(world)
    place = world.uvira if query == "locality" else world.uvira_t
    response = _client(world, geography=level).get(f"/api/v1/alerts/?{query}={place.uid}")
    assert (response.status_code, response.json()) == (
        403,
        {
            "detail": f"The data-sharing agreement of this API client allows geography down to the {level} only: "
            f"filter by {allowed} instead."
        },
    )


def test_a_territory_filter_is_allowed_under_a_territory_agreement(world):
    api_alert(world)
    response = _client(world, geography=Geography.TERRITORY).get(f"/api/v1/alerts/?territory={world.uvira_t.uid}")
    assert response.status_code == 200
    assert len(response.json()["results"]) == 1


def test_locality_agreement_sees_the_locality(world):
    api_alert(world)
    row = _client(world, geography=Geography.LOCALITY).get("/api/v1/alerts/").json()["results"][0]
    assert row["locality"] == {
        "uid": str(world.uvira.uid),
        "name": "Uvira",
        "territory": "Uvira",
        "province": "South Kivu",
        "latitude": -3.3953,
        "longitude": 29.1378,
    }


def test_territory_agreement_json(world):
    alert = api_alert(world)
    row = _client(world, geography=Geography.TERRITORY).get(f"/api/v1/alerts/{alert.uid}/").json()
    assert row["locality"] == {
        "uid": None,
        "name": None,
        "territory": "Uvira",
        "province": "South Kivu",
        "latitude": UVIRA_T[0],
        "longitude": UVIRA_T[1],
    }
    assert row["territory"] == {"uid": str(world.uvira_t.uid), "name": "Uvira"}
    assert row["base"] == {"uid": str(world.base.uid), "code": "cob-uvira", "name": "Uvira"}


def test_province_agreement_json(world):
    api_alert(world)
    row = _client(world, geography=Geography.PROVINCE).get("/api/v1/alerts/").json()["results"][0]
    assert row["locality"] == {
        "uid": None,
        "name": None,
        "territory": None,
        "province": "South Kivu",
        "latitude": SOUTH_KIVU[0],
        "longitude": SOUTH_KIVU[1],
    }
    assert row["territory"] is None
    assert row["province"] == {"uid": str(world.south.uid), "name": "South Kivu"}


def _csv(response) -> list[dict]:
    lines = list(csv.reader(io.StringIO(response.content.decode())))
    return [dict(zip(lines[0], line, strict=True)) for line in lines[2:]]


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        (Geography.TERRITORY, ["", "", "Uvira", "South Kivu", str(UVIRA_T[0]), str(UVIRA_T[1]), "Uvira"]),
        (Geography.PROVINCE, ["", "", "", "South Kivu", str(SOUTH_KIVU[0]), str(SOUTH_KIVU[1]), ""]),
    ],
)
def test_coarsened_csv(world, level, expected):
    api_alert(world)
    response = _client(world, geography=level).get("/api/v1/alerts/?format=csv")
    assert response.status_code == 200
    (row,) = _csv(response)
    names = ["locality_uid", "locality", "territory", "province", "latitude", "longitude", "area_territory"]
    assert [row[name] for name in names] == expected


@pytest.mark.parametrize(("level", "point"), [(Geography.TERRITORY, UVIRA_T), (Geography.PROVINCE, SOUTH_KIVU)])
def test_coarsened_geojson_sits_on_the_centroid(world, level, point):
    alert = api_alert(world)
    body = _client(world, geography=level).get("/api/v1/alerts/?format=geojson").json()
    (feature,) = body["features"]
    assert feature["id"] == str(alert.uid)
    assert feature["geometry"] == {"type": "Point", "coordinates": [point[1], point[0]]}
    assert feature["properties"]["locality"]["uid"] is None


def test_meetings_are_coarsened_too(world):
    meeting = meeting_with_details(base=world.base, locality=world.sange)
    api = _client(world, geography=Geography.TERRITORY)
    row = api.get("/api/v1/meetings/").json()["results"][0]
    assert row["uid"] == str(meeting.uid)
    assert row["locality"] == {
        "uid": None,
        "name": None,
        "territory": "Uvira",
        "province": "South Kivu",
        "latitude": UVIRA_T[0],
        "longitude": UVIRA_T[1],
    }


def test_a_missions_localities_become_its_territories_once_each(world):
    mission(localities=[world.uvira, world.sange, world.minembwe], bases=[world.base])
    api = _client(world, geography=Geography.TERRITORY)
    row = api.get("/api/v1/missions/").json()["results"][0]
    assert row["localities"] == [  # by name: Minembwe, then Sange and Uvira
        {"uid": None, "name": None, "territory": "Fizi"},
        {"uid": None, "name": None, "territory": "Uvira"},
    ]
    (csv_row,) = _csv(api.get("/api/v1/missions/?format=csv"))
    assert csv_row["territories"] == "Fizi|Uvira"


def test_the_gazetteer_is_not_coarsened(world):
    api = _client(world, geography=Geography.PROVINCE)
    response = api.get(f"/api/v1/localities/?territory={world.uvira_t.uid}&name=sange")
    (row,) = response.json()["results"]
    assert (row["name"], row["latitude"], row["longitude"]) == ("Sange", -3.08, 29.12)
