"""Nothing of substance is chosen in advance on the CLA's forms (a focal point's sex and role, an
alert's threat), and a focal point's phone number is a phone number, stored in E.164."""

import pytest

from can.models import Alert, FocalPoint
from monusco.crypto import phone_hash
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def login(client, user, language="en"):
    user.preferred_language = language
    user.save(update_fields=["preferred_language"])
    assert client.login(username=user.username, password=PASSWORD)


def _fp_data(world, **extra):
    return {
        "base": world.base.pk,
        "name": "Mzee Kasongo",
        "phone": "0990 000 555",
        "locality": world.sange.pk,
        "community_role": "chief",
        "sex": "m",
        "consent_on": "2026-03-01",
        **extra,
    }


def _alert_data(world, **extra):
    return {
        "client_uuid": "5b0f8d58-5f53-4d5b-9d55-0c1f8b7b0c21",
        "channel": "radio",
        "threat_category": "looting",
        "description": "Pillage au marché",
        "base": world.base.pk,
        "sender": "",
        "women": 0,
        "men": 0,
        "girls": 0,
        "boys": 0,
        **extra,
    }


def test_the_focal_point_form_presets_neither_sex_nor_role(client, world, users):
    login(client, users["cla"])
    html = client.get("/can/focal-points/new/").content.decode()
    assert '<option value="" selected>Choose the sex</option>' in html
    assert '<option value="" selected>Choose the role</option>' in html
    assert [
        value for value in ("f", "m", "u", "chief", "women", "other") if f'<option value="{value}" selected>' in html
    ] == []


def test_a_focal_point_without_sex_or_role_is_refused_with_every_error_at_once(client, world, users):
    login(client, users["cla"])
    response = client.post(
        "/can/focal-points/new/", _fp_data(world, sex="", community_role="", phone="abc-not-a-phone")
    )
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "phone": ["Enter a valid phone number."],
        "community_role": ["This field is required."],
        "sex": ["This field is required."],
    }
    assert FocalPoint.objects.count() == 0


def test_editing_a_focal_point_shows_its_sex_and_role(client, world, users):
    login(client, users["cla"])
    assert client.post("/can/focal-points/new/", _fp_data(world, sex="f", community_role="women")).status_code == 302
    fp = FocalPoint.objects.get()
    html = client.get(f"/can/focal-points/{fp.uid}/edit/").content.decode()
    assert '<option value="f" selected>Female</option>' in html
    assert '<option value="women" selected>' in html


@pytest.mark.parametrize(
    ("language", "message"),
    [("fr", "Saisissez un numéro de téléphone valide."), ("sw", "Andika namba ya simu sahihi."), ("en", None)],
)
@pytest.mark.parametrize("phone", ["abc-not-a-phone", "11", "+243 81 234 567 899 99", "0812345678 ext. 2"])
def test_what_is_not_a_phone_number_is_refused_in_the_users_language(client, world, users, language, message, phone):
    login(client, users["cla"], language)
    response = client.post("/can/focal-points/new/", _fp_data(world, phone=phone))
    assert response.status_code == 400
    assert (message or "Enter a valid phone number.") in response.content.decode()
    assert FocalPoint.objects.count() == 0


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0812 345 678", "+243812345678"),
        ("+243 81 234 5678", "+243812345678"),
        ("00243-81-234-5678", "+243812345678"),
        ("812345678", "+243812345678"),
        ("+250 788 123 456", "+250788123456"),  # a Rwandan number stays Rwandan
        ("", ""),
    ],
)
def test_a_focal_points_phone_is_stored_in_e164_with_the_hash_of_that_form(client, world, users, typed, stored):
    login(client, users["cla"])
    assert client.post("/can/focal-points/new/", _fp_data(world, phone=typed)).status_code == 302
    fp = FocalPoint.objects.get()
    assert (fp.phone, fp.phone_hash) == (stored, phone_hash(stored) if stored else "")


def test_editing_with_an_invalid_number_changes_nothing(client, world, users):
    login(client, users["cla"])
    client.post("/can/focal-points/new/", _fp_data(world))
    fp = FocalPoint.objects.get()
    response = client.post(f"/can/focal-points/{fp.uid}/edit/", _fp_data(world, phone="abc-not-a-phone"))
    assert response.status_code == 400
    fp.refresh_from_db()
    assert (fp.phone, fp.phone_hash) == ("+243990000555", phone_hash("+243990000555"))


def test_the_alert_form_presets_no_threat_and_requires_one(client, world, users):
    login(client, users["cla"])
    html = client.get("/can/alerts/new/").content.decode()
    assert '<option value="" selected>Choose the threat</option>' in html
    response = client.post("/can/alerts/new/", _alert_data(world, threat_category=""))
    assert response.status_code == 400
    assert response.context["form"].errors == {"threat_category": ["This field is required."]}
    assert Alert.objects.count() == 0
    assert client.post("/can/alerts/new/", _alert_data(world)).status_code == 302
    assert Alert.objects.get().threat_category == "looting"


@pytest.mark.parametrize("language", ["fr", "sw", "en"])
def test_the_consent_date_is_given_to_the_date_field_as_the_browser_reads_it(client, world, users, language):
    from django.utils import timezone

    login(client, users["cla"], language)
    html = client.get("/can/focal-points/new/").content.decode()
    today = timezone.localdate().isoformat()  # a date field takes YYYY-MM-DD whatever the language
    assert f'<input type="date" name="consent_on" value="{today}"' in html
