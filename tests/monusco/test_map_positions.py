"""Positions taken on the phone: optional, checked, kept with the alert, a warning (never a
refusal) past 25 km from the locality, and exact only for the staff of the record's base."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from can.models import Alert
from monusco.map_positions import FAR_KM, Position, distance_km, far_from_locality
from tests.factories.can import make_alert


def _post(client, world, **extra):
    data = {
        "client_uuid": "7b0c3b5e-1111-4c7e-9a51-8d0a7e2d1f01",
        "channel": "radio",
        "base": world.base.pk,
        "locality": world.sange.pk,
        "threat_category": "armed_attack",
        "description": "Armed men near the market",
        "women": 0,
        "men": 0,
        "girls": 0,
        "boys": 0,
        **extra,
    }
    return client.post("/can/alerts/new/", data, follow=True)


def test_distance():
    assert round(distance_km(-3.08, 29.12, -3.3953, 29.1378), 1) == 35.1  # Sange to Uvira
    assert (
        far_from_locality(
            Position(Decimal("-3.3953"), Decimal("29.1378")), type("L", (), {"latitude": -3.08, "longitude": 29.12})
        )
        == 35
    )
    assert far_from_locality(None, None) is None
    assert FAR_KM == 25


@pytest.mark.django_db
def test_the_alert_keeps_the_position_given(client, world, users):
    client.force_login(users["cla"])
    response = _post(client, world, latitude="-3.081234", longitude="29.119876", position_accuracy="18")
    assert response.status_code == 200
    alert = Alert.objects.get()
    assert (alert.latitude, alert.longitude, alert.position_accuracy) == (Decimal("-3.08123"), Decimal("29.11988"), 18)
    assert [m.message for m in response.context["messages"]] == ["Alert recorded. The duty officer has been notified."]


@pytest.mark.django_db
def test_no_position_is_stored_unless_given(client, world, users):
    client.force_login(users["cla"])
    _post(client, world, position_accuracy="30")
    alert = Alert.objects.get()
    assert (alert.latitude, alert.longitude, alert.position_accuracy) == (None, None, None)


@pytest.mark.django_db
def test_far_from_the_locality_is_a_warning_not_a_refusal(client, world, users):
    users["cla"].preferred_language = "sw"
    users["cla"].save(update_fields=["preferred_language"])
    client.force_login(users["cla"])
    response = _post(client, world, latitude="-3.3953", longitude="29.1378", position_accuracy="10")
    assert Alert.objects.get().latitude == Decimal("-3.39530")
    (message,) = response.context["messages"]
    assert message.level_tag == "warning"
    assert "km 35 kutoka Sange" in message.message


@pytest.mark.django_db
@pytest.mark.parametrize(
    "bad",
    [
        {"latitude": "-3.1"},
        {"latitude": "91", "longitude": "29"},
        {"latitude": "-3", "longitude": "181"},
        {"latitude": "abc", "longitude": "29"},
        {"latitude": "-3", "longitude": "29", "position_accuracy": "-1"},
        {"latitude": "-3", "longitude": "29", "position_accuracy": "100001"},
    ],
)
def test_bad_positions_are_refused_with_a_400_and_nothing_saved(client, world, users, bad):
    client.force_login(users["cla"])
    response = _post(client, world, **bad)
    assert response.status_code == 400
    assert Alert.objects.count() == 0


@pytest.mark.django_db
def test_the_database_refuses_half_a_position(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_alert(world.base, latitude=Decimal("-3.1"))
    with pytest.raises(IntegrityError), transaction.atomic():
        make_alert(world.base, latitude=Decimal("-95"), longitude=Decimal("29"))


@pytest.mark.django_db
def test_the_locality_options_carry_their_coordinates_for_the_hint(client, world, users):
    client.force_login(users["cla"])
    html = client.get("/can/alerts/new/").content.decode()
    assert f'<option value="{world.sange.pk}" data-lat="-3.08000" data-lon="29.12000">Sange</option>' in html
    assert "Use my position" in html
    assert "Only the staff of the record" in html
    assert "map/position.js" in html


@pytest.mark.django_db
def test_the_meeting_keeps_the_position_given_and_clears_it_when_removed(client, world, users):
    import datetime

    from cla.models import UrafikiMeeting

    client.force_login(users["cla"])
    page = client.get("/cla/meetings/new/")
    token = page.context["form"].initial.get("client_token") or "2c9d7c1e-5e2b-4d9a-8a51-1d0a7e2d1f02"
    data = {
        "client_token": token,
        "locality": world.sange.pk,
        "held_on": (datetime.date.today() - datetime.timedelta(days=1)).isoformat(),
        "meeting_type": "urafiki",
        "women": 3,
        "men": 2,
        "girls": 0,
        "boys": 0,
        "topics": "Patrols",
        "latitude": "-3.0812",
        "longitude": "29.1211",
        "position_accuracy": "25",
        "concerns-TOTAL_FORMS": 0,
        "concerns-INITIAL_FORMS": 0,
        "followups-TOTAL_FORMS": 0,
        "followups-INITIAL_FORMS": 0,
        "action": "save",
    }
    response = client.post("/cla/meetings/new/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    meeting = UrafikiMeeting.objects.get()
    assert (meeting.latitude, meeting.longitude, meeting.position_accuracy) == (
        Decimal("-3.08120"),
        Decimal("29.12110"),
        25,
    )
    edit = client.get(f"/cla/meetings/{meeting.uid}/edit/")
    assert edit.context["form"].initial["latitude"] == Decimal("-3.08120")
    data.update(latitude="", longitude="", position_accuracy="", version=meeting.version)
    assert client.post(f"/cla/meetings/{meeting.uid}/edit/", data).status_code == 302
    meeting.refresh_from_db()
    assert (meeting.latitude, meeting.longitude, meeting.position_accuracy) == (None, None, None)
