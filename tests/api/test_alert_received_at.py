"""``received_at`` of an alert raised through the API: between 2000 and five minutes from now,
stored in UTC whatever offset it came with; anything else is a 400 with a message, never a 500."""

import datetime
import uuid

import pytest

from can.models import Alert, AlertEvent
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db


def _post(world, tokens, received_at, language="en"):
    payload = {
        "idempotency_key": str(uuid.uuid4()),
        "base": str(world.base.uid),
        "threat_category": "armed_attack",
        "received_at": received_at,
    }
    client = token_client(tokens.inside_key)
    return client.post("/api/v1/alerts/", payload, format="json", HTTP_ACCEPT_LANGUAGE=language)


@pytest.mark.parametrize(
    ("received_at", "error"),
    [
        ("1999-12-31T23:59:59Z", "The alert cannot be received before 2000."),
        ("2000-01-01T00:59:59+01:00", "The alert cannot be received before 2000."),
        ("0001-01-01T02:00:00+01:00", "The alert cannot be received before 2000."),  # was stored
        ("0001-01-01T00:00:00+14:00", "Datetime value out of range."),  # year 0 in UTC: refused by the serializer
        ("9999-12-31T23:59:59-14:00", "Datetime value out of range."),
    ],
)
def test_a_received_at_out_of_range_is_a_400_and_nothing_is_saved(world, tokens, received_at, error):
    response = _post(world, tokens, received_at)
    assert response.status_code == 400
    assert response.json() == {
        "detail": "The request is not valid. See the errors for each field.",
        "errors": {"received_at": [error]},
    }
    assert (Alert.objects.count(), AlertEvent.objects.count()) == (0, 0)


def test_the_refusal_is_translated(world, tokens):
    for language, error in (
        ("fr", "L'alerte ne peut pas avoir été reçue avant 2000."),
        ("sw", "Tahadhari haiwezi kupokelewa kabla ya mwaka 2000."),
    ):
        response = _post(world, tokens, "1999-06-01T00:00:00Z", language=language)
        assert (response.status_code, response.json()["errors"]) == (400, {"received_at": [error]})


@pytest.mark.parametrize(
    ("received_at", "utc"),
    [
        ("2000-01-01T00:00:00Z", datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)),
        ("2026-11-23T08:15:00-23:59", datetime.datetime(2026, 11, 24, 8, 14, tzinfo=datetime.UTC)),
        ("2026-11-23T08:15:00+16:00", datetime.datetime(2026, 11, 22, 16, 15, tzinfo=datetime.UTC)),
    ],
)
def test_a_received_at_in_range_is_stored_in_utc(world, tokens, received_at, utc, django_assert_max_num_queries):
    with django_assert_max_num_queries(40) as captured:
        response = _post(world, tokens, received_at)
    assert response.status_code == 201
    alert = Alert.objects.get(uid=response.json()["uid"])
    assert (alert.received_at, alert.received_at.utcoffset()) == (utc, datetime.timedelta(0))
    assert alert.events.get().at == utc
    assert response.json()["received_at"] == utc.isoformat().replace("+00:00", "Z")
    # The database was given UTC, not the offset sent nor the server's zone (Africa/Lubumbashi).
    from django.db import connection

    written = utc.isoformat() if connection.vendor == "postgresql" else utc.strftime("%Y-%m-%d %H:%M:%S")
    statements = [q["sql"] for q in captured.captured_queries]  # the insert, prepared or not, holds the values
    assert any(written in sql for sql in statements)
    assert not [sql for sql in statements if "+02:00" in sql or received_at[-6:] in sql]
