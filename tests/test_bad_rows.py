"""One bad row never takes a page down: the worst dates the database will store in every alert
date the intake and the API write (the sender's date, the time and date of receipt, and the time
of the first event) are planted, and every page and list that shows alerts answers, for each role
that sees them.

"Worst" is found, not assumed: each field is given the most extreme values first (PostgreSQL's
infinity, year 4713 BC, year 0 in UTC, the last microsecond of year 9999, text on SQLite), and
keeps the first one the database accepts. Before the date constraints, that was a value no driver
or page could read; now it is the edge of the allowed range."""

import datetime

import pytest
from django.db import DatabaseError, connection, transaction

from can import services
from can.models import Alert, AlertEvent
from monusco.api.resources import Resource
from monusco.api.services import api_client_create
from tests.agreements import agreement_in_force
from tests.conftest import SignInClient as Client
from tests.factories import make_alert, make_channel, make_focal_point

pytestmark = pytest.mark.django_db

PG = {
    "low": {
        "datetime": [
            "-infinity",
            "4713-01-01 00:00:00+00 BC",
            "0001-01-01T00:00:00+14:00",
            "0001-01-01 00:00:00+00",
            "1999-12-31 23:59:59.999999+00",
            "2000-01-01 00:00:00+00",
        ],
        "date": ["-infinity", "4713-01-01 BC", "0001-01-01", "1999-12-31", "2000-01-01"],
    },
    "high": {
        "datetime": [
            "infinity",
            "294276-12-31 23:59:59+00",
            "9999-12-31T23:59:59-14:00",
            "9999-12-31 23:59:59.999999+00",
            "2100-01-01 00:00:00+00",
            "2099-12-31 23:59:59.999999+00",
        ],
        "date": ["infinity", "5874897-12-31", "9999-12-31", "2100-01-02", "2100-01-01"],
    },
}
SQLITE = {  # SQLite keeps any text; Django writes UTC without an offset
    "low": {
        "datetime": [
            "not a date",
            "0000-12-31 10:00:00",
            "0001-01-01 00:00:00",
            "1999-12-31 23:59:59.999999",
            "2000-01-01 00:00:00",
        ],
        "date": ["not a date", "0000-12-31", "0001-01-01", "1999-12-31", "2000-01-01"],
    },
    "high": {
        "datetime": [
            "10000-01-01 13:59:59",
            "9999-12-31 23:59:59.999999",
            "2100-01-01 00:00:00",
            "2099-12-31 23:59:59.999999",
        ],
        "date": ["10000-01-01", "9999-12-31", "2100-01-02", "2100-01-01"],
    },
}
EXPECTED = {  # what must be left once the database refuses everything worse
    "low": {"datetime": datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC), "date": datetime.date(2000, 1, 1)},
    "high": {
        "datetime": datetime.datetime(2099, 12, 31, 23, 59, 59, 999999, tzinfo=datetime.UTC),
        "date": datetime.date(2100, 1, 1),
    },
}
FIELDS = [
    ("can_alert", "sent_at", "datetime"),
    ("can_alert", "received_at", "datetime"),
    ("can_alert", "received_on", "date"),
]


def _plant_worst(table: str, column: str, pk: int, candidates: list[str]) -> str:
    for value in candidates:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"UPDATE {table} SET {column} = %s WHERE id = %s", [value, pk])  # noqa: S608
        except DatabaseError:
            continue
        return value
    raise AssertionError(f"no value stored in {table}.{column}")


@pytest.fixture
def planted(world, users):
    """For each side (earliest, latest): an open SMS alert with a focal point, and a closed alert
    waiting for the gender office's review; every date of both at its worst."""
    planted_values.clear()
    channel = make_channel(world.base)
    fp = make_focal_point(world.base, world.sange)
    table = PG if connection.vendor == "postgresql" else SQLITE
    alerts = {}
    for side in ("low", "high"):
        sms, _created = services.alert_receive_sms(channel=channel, sender=fp.phone, text=f"Attaque à Sange {side}")
        closed = make_alert(
            world.base,
            locality=world.sange,
            status="closed",
            review_status="submitted",
            review_round=1,
            submitted_at=datetime.datetime.now(datetime.UTC),
            focal_point=fp,
        )
        AlertEvent.objects.create(alert=closed, kind="received", at=closed.received_at, to_status="received")
        for alert in (sms, closed):
            stored = {}
            for table_name, column, kind in FIELDS:
                stored[column] = _plant_worst(table_name, column, alert.pk, table[side][kind])
            for event_pk in AlertEvent.objects.filter(alert=alert).values_list("pk", flat=True):
                stored["event.at"] = _plant_worst("can_alertevent", "at", event_pk, table[side]["datetime"])
            alerts[(side, alert.status)] = alert
            planted_values[alert.pk] = stored
    return alerts


planted_values: dict[int, dict] = {}


def test_the_database_keeps_nothing_worse_than_the_edges_of_the_range(planted):
    for (side, _status), alert in planted.items():
        with connection.cursor() as cursor:  # read as text: a value Python cannot read still shows
            cursor.execute(
                "SELECT CAST(sent_at AS TEXT), CAST(received_at AS TEXT), CAST(received_on AS TEXT) "
                "FROM can_alert WHERE id = %s",
                [alert.pk],
            )
            as_text = cursor.fetchone()
        candidates = (PG if connection.vendor == "postgresql" else SQLITE)[side]  # the edge is the last
        assert planted_values[alert.pk] == {
            "sent_at": candidates["datetime"][-1],
            "received_at": candidates["datetime"][-1],
            "received_on": candidates["date"][-1],
            "event.at": candidates["datetime"][-1],
        }, as_text
        reread = Alert.objects.get(pk=alert.pk)
        assert (reread.sent_at, reread.received_at, reread.received_on) == (
            EXPECTED[side]["datetime"],
            EXPECTED[side]["datetime"],
            EXPECTED[side]["date"],
        )
        assert set(AlertEvent.objects.filter(alert=alert).values_list("at", flat=True)) == {EXPECTED[side]["datetime"]}


def _get(user, url, **extra):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    client.raise_request_exception = False  # a 500 is an answer here, and the assertion says which
    return client.get(url, follow=True, **extra)


def test_every_page_and_list_survives_the_worst_dates(planted, users, world):
    open_alerts = [a for (side, status), a in planted.items() if status != "closed"]
    closed = [a for (side, status), a in planted.items() if status == "closed"]
    everyone = [u for name, u in users.items() if name not in ("api", "norole")]
    urls = [
        "/",
        "/cla/",
        "/can/inbox/",
        "/can/focal-points/",
        "/admin/",
        "/admin/can/alert/",
        "/admin/can/alert/?received_at__year=2000",
        "/admin/can/alert/?received_at__year=2100",
        "/gender/queue/",
        "/gender/dashboard/",
        "/gender/dashboard.csv",
        "/api/v1/alerts/",
        "/api/v1/alerts/?format=csv",
        "/api/v1/alerts/?format=geojson",
        "/api/v1/alerts/?ordering=received_at",
        "/api/v1/indicators/",
    ]
    urls += [f"/can/alerts/{a.uid}/" for a in planted.values()]
    urls += [f"/admin/can/alert/{a.pk}/change/" for a in planted.values()]
    urls += [f"/api/v1/alerts/{a.uid}/" for a in planted.values()]
    urls += [f"/gender/review/alert/{a.uid}/" for a in closed]
    failures = {
        (name, url): status
        for name, user in users.items()
        if user in everyone
        for url in urls
        if (status := _get(user, url).status_code) >= 500
    }
    assert failures == {}

    # The roles that see the alerts see all of them.
    duty, admin, gender, manager, cla = (users[n] for n in ("duty", "admin", "gender", "manager", "cla"))
    inbox = _get(duty, "/can/inbox/")
    assert inbox.status_code == 200
    assert [str(a.uid) in inbox.content.decode() for a in open_alerts] == [True, True]
    for user in (duty, manager, gender, admin):
        for alert in planted.values():
            assert _get(user, f"/can/alerts/{alert.uid}/").status_code == 200
    changelist = _get(admin, "/admin/can/alert/").content.decode()
    assert all(a.short_id in changelist for a in planted.values())
    for alert in planted.values():
        assert _get(admin, f"/admin/can/alert/{alert.pk}/change/").status_code == 200
    queue = _get(gender, "/gender/queue/").content.decode()
    assert all(str(a.uid) in queue for a in closed)
    for alert in closed:
        assert _get(gender, f"/gender/review/alert/{alert.uid}/").status_code == 200
    for user in (gender, manager):
        assert _get(user, "/gender/dashboard/").status_code == 200
        assert _get(user, "/gender/dashboard.csv").status_code == 200
    assert "open alerts at your base" in _get(cla, "/cla/").content.decode()
    for user in (duty, manager):
        listed = _get(user, "/api/v1/alerts/?page_size=100").json()["results"]
        assert sorted(row["uid"] for row in listed) == sorted(str(a.uid) for a in planted.values())
        assert _get(user, "/api/v1/alerts/?format=csv").status_code == 200
        features = _get(user, "/api/v1/alerts/?format=geojson").json()["features"]
        assert len(features) == 4


def test_token_clients_read_the_worst_dates_too(planted, world):
    _client, key = api_client_create(
        agreement=agreement_in_force(),
        name="Reader",
        provinces=[world.south],
        resources=list(Resource.values),
        throttle_rate="1000/minute",
    )
    client = Client(HTTP_ACCEPT_LANGUAGE="en", HTTP_AUTHORIZATION=f"Token {key}")
    client.raise_request_exception = False
    for url in (
        "/api/v1/alerts/?page_size=100",
        "/api/v1/alerts/?format=csv",
        "/api/v1/alerts/?format=geojson",
        "/api/v1/indicators/",
        *[f"/api/v1/alerts/{a.uid}/" for a in planted.values()],
    ):
        assert (url, client.get(url).status_code) == (url, 200)
    rows = client.get("/api/v1/alerts/?page_size=100&ordering=received_at").json()["results"]
    assert [row["received_at"] for row in rows] == ["2000-01-01T00:00:00Z"] * 2 + ["2099-12-31T23:59:59.999999Z"] * 2
