"""Alerts in the gender office's review: closing an alert submits it; a returned alert is
corrected on its own page by its base and goes back to the queue."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from can import services
from can.models import Alert, AlertStatus, EventKind
from gender import services as gender_services
from gender.selectors.queue import QueueFilters, review_queue
from gender.selectors.reviews import active_checklist
from monusco.models import AuditLog
from tests.factories import make_alert

pytestmark = pytest.mark.django_db

COMMENT = "Combien de filles et de garçons ? Précisez le lieu."


def _closed(world, users, **extra):
    alert = make_alert(world.base, status=AlertStatus.RESPONSE_DISPATCHED, locality=world.uvira, **extra)
    return services.alert_close(alert=alert, user=users["duty"], outcome="addressed", note="Patrouille sur place.")


def _returned(world, users, **extra):
    gender_services.checklist_ensure_defaults()
    alert = _closed(world, users, **extra)
    checklist = active_checklist(report_type="alert")
    answers = {item.pk: ("partly", "") for item in checklist.items.all()}
    gender_services.review_record(
        report=alert, reviewer=users["gender"], decision="returned", comment=COMMENT, answers=answers
    )
    alert.refresh_from_db()
    return alert


def _post(client, alert, **changes):
    data = {
        "threat_category": alert.threat_category,
        "locality": alert.locality_id or "",
        "description": alert.description,
        "women": alert.women,
        "men": alert.men,
        "girls": alert.girls,
        "boys": alert.boys,
    }
    data.update(changes)
    return client.post(f"/can/alerts/{alert.uid}/correct", data)


def test_closing_an_alert_sends_it_to_the_gender_queue(world, users):
    alert = _closed(world, users)
    alert.refresh_from_db()
    assert (alert.status, alert.review_status, alert.review_round) == ("closed", "submitted", 1)
    assert alert.closed_at <= alert.submitted_at <= alert.closed_at + datetime.timedelta(seconds=5)
    rows = review_queue(user=users["gender"], filters=QueueFilters())["rows"]
    assert [(row["kind"], row["uid"]) for row in rows] == [("alert", alert.uid)]


def test_returned_alert_shows_the_review_and_is_corrected_and_resubmitted(client, world, users):
    alert = _returned(world, users, women=2, description="Tirs à Uvira")
    client.force_login(users["cla"])
    page = client.get(f"/can/alerts/{alert.uid}/")
    html = page.content.decode()
    assert COMMENT in html
    assert f'href="/can/alerts/{alert.uid}/correct"' in html
    form = client.get(f"/can/alerts/{alert.uid}/correct")
    assert form.status_code == 200
    assert 'name="women" value="2"' in form.content.decode()
    audits = AuditLog.objects.filter(model="can.alert", action="update").count()

    response = _post(
        client, alert, locality=world.sange.pk, girls=3, boys=1, description="Tirs à Sange, 3 filles et 1 garçon"
    )
    assert response.status_code == 302
    assert response["Location"] == f"/can/alerts/{alert.uid}/"
    alert.refresh_from_db()
    assert (alert.locality, alert.women, alert.men, alert.girls, alert.boys) == (world.sange, 2, 0, 3, 1)
    assert alert.description == "Tirs à Sange, 3 filles et 1 garçon"
    assert (alert.review_status, alert.review_round, alert.status) == ("submitted", 2, "closed")
    event = alert.events.get(kind=EventKind.CORRECTED)
    assert (event.actor, event.note) == (users["cla"], "locality, description, girls, boys")
    assert AuditLog.objects.filter(model="can.alert", action="update").count() == audits + 2  # correction, resubmission
    rows = review_queue(user=users["gender"], filters=QueueFilters())["rows"]
    assert [row["uid"] for row in rows] == [alert.uid]
    # Resubmitted: the page no longer offers a correction.
    assert f'href="/can/alerts/{alert.uid}/correct"' not in client.get(f"/can/alerts/{alert.uid}/").content.decode()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"girls": -1}, "Assurez-vous que cette valeur est supérieure ou égale à 0."),
        ({"threat_category": "weather"}, "Sélectionnez un choix valide."),
    ],
)
def test_bad_correction_is_refused_in_french_and_changes_nothing(client, world, users, changes, message):
    alert = _returned(world, users, girls=1)
    users["cla"].preferred_language = "fr"
    users["cla"].save()
    client.force_login(users["cla"])
    response = client.post(
        f"/can/alerts/{alert.uid}/correct",
        {
            "threat_category": alert.threat_category,
            "locality": "",
            "description": "",
            "women": 0,
            "men": 0,
            "girls": 1,
            "boys": 0,
            **changes,
        },
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    fresh = Alert.objects.get(pk=alert.pk)
    assert (fresh.review_status, fresh.review_round, fresh.girls, fresh.threat_category) == (
        "returned",
        1,
        1,
        "armed_attack",
    )
    assert not fresh.events.filter(kind=EventKind.CORRECTED).exists()


def test_a_place_outside_the_base_is_refused_by_the_service(world, users):
    alert = _returned(world, users)
    with pytest.raises(ValidationError) as caught:
        services.alert_correct(
            user=users["cla"],
            alert=alert,
            threat_category="armed_attack",
            locality=world.minembwe,
            description="",
            women=0,
            men=0,
            girls=0,
            boys=0,
        )
    assert caught.value.message_dict == {
        "locality": ["Choose a place covered by the alert's base or in its territory."]
    }
    fresh = Alert.objects.get(pk=alert.pk)
    assert (fresh.review_status, fresh.locality) == ("returned", world.uvira)


def test_only_a_returned_alert_can_be_corrected(client, world, users):
    alert = _closed(world, users)  # submitted, not yet reviewed
    client.force_login(users["cla"])
    response = _post(client, alert, girls=4)
    assert response.status_code == 302
    assert Alert.objects.get(pk=alert.pk).girls == 0
    with pytest.raises(ValidationError):
        services.alert_correct(
            user=users["cla"],
            alert=alert,
            threat_category="armed_attack",
            locality=None,
            description="",
            women=0,
            men=0,
            girls=4,
            boys=0,
        )
    assert Alert.objects.get(pk=alert.pk).review_round == 1


@pytest.mark.parametrize(("role", "status"), [("cla2", 404), ("gender", 403), ("norole", 403)])
def test_other_bases_and_roles_cannot_correct(client, world, users, role, status):
    alert = _returned(world, users, girls=1)
    client.force_login(users[role])
    assert client.get(f"/can/alerts/{alert.uid}/correct").status_code == status
    assert _post(client, alert, girls=5).status_code == status
    fresh = Alert.objects.get(pk=alert.pk)
    assert (fresh.girls, fresh.review_status, fresh.review_round) == (1, "returned", 1)


def test_the_gender_office_sees_what_the_correction_changed(client, world, users):
    alert = _returned(world, users, girls=1)
    services.alert_correct(
        user=users["cla"],
        alert=alert,
        threat_category="armed_attack",
        locality=world.uvira,
        description="",
        women=0,
        men=0,
        girls=4,
        boys=0,
    )
    client.force_login(users["gender"])
    response = client.get(f"/gender/review/alert/{alert.uid}/")
    assert response.status_code == 200
    changes = {change["field"]: (change["before"], change["after"]) for change in response.context["changes"]}
    assert changes == {"girls": ("1", "4")}
