"""The alert admin saves through ``alert_update``: a focal point or locality outside the user's scope
is refused (by the form's choices, and again by the service), the territory follows the locality,
and a link already there is kept when the rest of the alert is edited."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from can import services
from can.models import Alert
from tests.factories import LocalityFactory, make_alert, make_focal_point

pytestmark = pytest.mark.django_db


def _snapshot(alert):
    return Alert.objects.filter(pk=alert.pk).values().get()


def _form_data(response, **changes):
    """What the browser posts back for the change form as shown, with ``changes``."""
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = value
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({management.add_prefix(name): management[name].value() for name in management.fields})
        for row in inline.formset.forms:
            data.update({row.add_prefix(name): row[name].value() or "" for name in row.fields})
    data.update({name: str(getattr(value, "pk", value)) for name, value in changes.items()})
    return data


@pytest.fixture
def alert(world):
    return make_alert(world.base, locality=world.uvira, description="Coups de feu la nuit")


@pytest.fixture
def kigongo(world):
    """A locality of Fizi territory that the Uvira base also covers."""
    place = LocalityFactory(territory=world.fizi_t, name="Kigongo")
    world.base.coverage.add(place)
    return place


def _change(client, alert, **changes):
    url = reverse("admin:can_alert_change", args=[alert.pk])
    return client.post(url, _form_data(client.get(url), **changes))


def test_admin_refuses_a_focal_point_and_a_locality_out_of_scope(client, world, users, alert):
    minembwe_fp = make_focal_point(world.other_base, world.minembwe, code="FP-MIN-0001")
    before = _snapshot(alert)
    client.force_login(users["duty"])
    response = _change(client, alert, focal_point=minembwe_fp, locality=world.beni)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert sorted(errors) == ["focal_point", "locality"]
    assert all("Select a valid choice" in message for field in errors.values() for message in field)
    assert _snapshot(alert) == before


def test_admin_edit_moves_the_alert_to_its_locality_territory(client, world, users, alert, kigongo):
    client.force_login(users["duty"])
    response = _change(client, alert, locality=kigongo, description="Coups de feu à Kigongo")
    assert response.status_code == 302
    alert.refresh_from_db()
    assert (alert.locality_id, alert.territory_id, alert.description) == (
        kigongo.pk,
        world.fizi_t.pk,
        "Coups de feu à Kigongo",
    )


def test_admin_keeps_a_focal_point_of_another_base_already_on_the_alert(client, world, users, alert):
    minembwe_fp = make_focal_point(world.other_base, world.minembwe, code="FP-MIN-0001")
    Alert.objects.filter(pk=alert.pk).update(focal_point=minembwe_fp)  # the SMS came from that focal point
    client.force_login(users["duty"])
    assert _change(client, alert, verification_note="Confirmé par le chef").status_code == 302
    alert.refresh_from_db()
    assert (alert.focal_point_id, alert.verification_note) == (minembwe_fp.pk, "Confirmé par le chef")


def test_admin_edit_denied_to_roles_that_only_read_and_out_of_scope(client, world, users, alert):
    before = _snapshot(alert)
    url = reverse("admin:can_alert_change", args=[alert.pk])
    client.force_login(users["admin"])
    data = _form_data(client.get(url), description="Changé")
    for who, status in (("manager", 403), ("jpt", 403), ("far_manager", 403), ("cla2", 302)):
        client.force_login(users[who])
        response = client.post(url, data)
        assert response.status_code == status, who
        if status == 302:
            assert response["Location"] == reverse("admin:index")
    assert _snapshot(alert) == before


# --- the service ----------------------------------------------------------------------------------


def test_alert_update_refuses_links_out_of_scope_and_changes_nothing(world, users, alert):
    minembwe_fp = make_focal_point(world.other_base, world.minembwe, code="FP-MIN-0001")
    before = _snapshot(alert)
    with pytest.raises(ValidationError) as error:
        services.alert_update(
            user=users["duty"], alert=alert, changes={"focal_point": minembwe_fp, "locality": world.beni}
        )
    assert error.value.message_dict == {
        "focal_point": ["Choose a focal point of your area."],
        "locality": ["Choose a locality in your area."],
    }
    with pytest.raises(ValidationError) as error:
        services.alert_update(user=users["duty"], alert=alert, changes={"threat_category": "aliens", "women": -1})
    assert error.value.message_dict == {
        "threat_category": ["Choose a threat category from the list."],
        "women": ["A count cannot be negative."],
    }
    with pytest.raises(ValueError, match="cannot change status"):
        services.alert_update(user=users["duty"], alert=alert, changes={"status": "closed"})
    assert _snapshot(alert) == before


@pytest.mark.parametrize("who", ["cla2", "far_manager", "manager", "jpt", "norole"])
def test_alert_update_denied(world, users, alert, who):
    before = _snapshot(alert)
    with pytest.raises(PermissionDenied):
        services.alert_update(user=users[who], alert=alert, changes={"description": "Changé"})
    assert _snapshot(alert) == before


def test_alert_update_sets_the_territory_from_the_locality(world, users, alert, kigongo):
    updated = services.alert_update(user=users["cla"], alert=alert, changes={"locality": kigongo, "women": 3})
    assert (updated.locality_id, updated.territory_id, updated.women) == (kigongo.pk, world.fizi_t.pk, 3)
    updated = services.alert_update(user=users["cla"], alert=alert, changes={"locality": None})
    assert (updated.locality_id, updated.territory_id) == (None, world.uvira_t.pk)  # the base's, until known
    assert _snapshot(alert)["territory_id"] == world.uvira_t.pk


def test_alert_update_by_an_administrator_reaches_everywhere(world, users, alert):
    updated = services.alert_update(user=users["admin"], alert=alert, changes={"locality": world.beni})
    assert (updated.locality_id, updated.territory_id) == (world.beni.pk, world.beni_t.pk)
