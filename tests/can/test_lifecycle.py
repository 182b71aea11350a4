"""Every legal and illegal transition, who and when, and concurrent acknowledgement."""

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from can import services
from can.models import Alert, AlertEvent, AlertStatus
from tests.factories import make_alert

S = AlertStatus


def _snapshot(alert):
    row = Alert.objects.filter(pk=alert.pk).values().get()
    row.pop("updated_at")
    return row, AlertEvent.objects.filter(alert=alert).count()


def _at(base, status, **extra):
    alert = make_alert(base, status=status, **extra)
    if status in (S.VERIFIED, S.RESPONSE_DISPATCHED, S.CLOSED):
        Alert.objects.filter(pk=alert.pk).update(verified_at=alert.received_at)
    alert.refresh_from_db()
    return alert


ACTIONS = {
    "acknowledge": lambda alert, user: services.alert_acknowledge(alert=alert, user=user),
    "verify": lambda alert, user: services.alert_verify(alert=alert, user=user, note="Confirmed by the chief"),
    "dispatch": lambda alert, user: services.alert_dispatch_response(alert=alert, user=user, response_type="patrol"),
    "close_addressed": lambda alert, user: services.alert_close(alert=alert, user=user, outcome="addressed"),
    "close_false_alarm": lambda alert, user: services.alert_close(alert=alert, user=user, outcome="false_alarm"),
}
LEGAL = {
    ("acknowledge", S.RECEIVED): S.ACKNOWLEDGED,
    ("acknowledge", S.CALLBACK_NEEDED): S.ACKNOWLEDGED,
    ("verify", S.ACKNOWLEDGED): S.VERIFIED,
    ("dispatch", S.VERIFIED): S.RESPONSE_DISPATCHED,
    ("close_addressed", S.RESPONSE_DISPATCHED): S.CLOSED,
    ("close_false_alarm", S.ACKNOWLEDGED): S.CLOSED,
    ("close_false_alarm", S.VERIFIED): S.CLOSED,
    ("close_false_alarm", S.RESPONSE_DISPATCHED): S.CLOSED,
}
STAMPS = {
    "acknowledge": ("acknowledged_at", "acknowledged_by"),
    "verify": ("verified_at", "verified_by"),
    "dispatch": ("response_at", "response_by"),
    "close_addressed": ("closed_at", "closed_by"),
    "close_false_alarm": ("closed_at", "closed_by"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("status", list(S))
def test_transition_matrix(world, users, action, status):
    alert = _at(world.base, status)
    duty = users["duty"]
    expected = LEGAL.get((action, status))
    if expected is None:
        before = _snapshot(alert)
        with pytest.raises(ValidationError) as excinfo:
            ACTIONS[action](alert, duty)
        assert excinfo.value.messages[0].startswith(f"This alert is “{alert.get_status_display()}”") or (
            action == "close_addressed"
            and excinfo.value.messages == ["An alert is addressed only after a response was dispatched."]
        )
        assert _snapshot(alert) == before
        return
    ACTIONS[action](alert, duty)
    alert.refresh_from_db()
    assert alert.status == expected
    at_field, by_field = STAMPS[action]
    assert getattr(alert, by_field) == duty
    assert getattr(alert, at_field) is not None
    event = AlertEvent.objects.get(alert=alert)
    assert (event.kind, event.actor, event.from_status, event.to_status) == (
        {"close_addressed": "closed", "close_false_alarm": "closed", "dispatch": "response_dispatched"}.get(
            action, expected
        ),
        duty,
        status,
        expected,
    )
    if action.startswith("close"):
        assert alert.outcome == action.removeprefix("close_")


@pytest.mark.django_db
def test_illegal_message_is_clear(world, users):
    alert = _at(world.base, S.CLOSED)
    with pytest.raises(ValidationError) as excinfo:
        services.alert_acknowledge(alert=alert, user=users["duty"])
    assert excinfo.value.messages == ["This alert is “Closed”: it cannot be acknowledged now."]


@pytest.mark.django_db
def test_bad_values_change_nothing(world, users):
    verified = _at(world.base, S.VERIFIED)
    before = _snapshot(verified)
    with pytest.raises(ValidationError):
        services.alert_dispatch_response(alert=verified, user=users["duty"], response_type="airstrike")
    with pytest.raises(ValidationError):
        services.alert_close(alert=verified, user=users["duty"], outcome="maybe")
    assert _snapshot(verified) == before
    acknowledged = _at(world.base, S.ACKNOWLEDGED)
    before = _snapshot(acknowledged)
    with pytest.raises(ValidationError):
        services.alert_verify(alert=acknowledged, user=users["duty"], note="  ")
    assert _snapshot(acknowledged) == before


@pytest.mark.django_db
def test_verification_ends_triage(world, users):
    alert = _at(world.base, S.ACKNOWLEDGED, needs_triage=True, threat_category="other")
    services.alert_verify(
        alert=alert, user=users["cla"], note="Called back", locality=world.sange, threat_category="looting"
    )
    alert.refresh_from_db()
    assert (alert.locality, alert.territory, alert.threat_category, alert.needs_triage, alert.verification_note) == (
        world.sange,
        world.uvira_t,
        "looting",
        False,
        "Called back",
    )


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["cla2", "manager", "gender", "norole"])
def test_other_base_or_role_cannot_act(world, users, who):
    alert = _at(world.base, S.RECEIVED)
    before = _snapshot(alert)
    with pytest.raises(PermissionDenied):
        services.alert_acknowledge(alert=alert, user=users[who])
    assert _snapshot(alert) == before


@pytest.mark.django_db
def test_acknowledgement_rereads_under_lock(world, users):
    """Two people load the same received alert, then both acknowledge: the second sees, under the
    row lock, that it is already acknowledged (this is the locking service path on every engine)."""
    alert = _at(world.base, S.RECEIVED)
    seen_by_duty = Alert.objects.get(pk=alert.pk)
    seen_by_cla = Alert.objects.get(pk=alert.pk)
    services.alert_acknowledge(alert=seen_by_duty, user=users["duty"])
    with pytest.raises(ValidationError):
        services.alert_acknowledge(alert=seen_by_cla, user=users["cla"])
    alert.refresh_from_db()
    assert alert.acknowledged_by == users["duty"]
    assert AlertEvent.objects.filter(alert=alert, kind="acknowledged").count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_acknowledgement_gives_one(world, users):
    """On PostgreSQL: two threads acknowledge at the same moment; SELECT ... FOR UPDATE makes one
    wait, then fail. On SQLite (one writer at a time) the same service runs from two threads one
    after the other, each with its own connection."""
    alert = _at(world.base, S.RECEIVED)
    barrier = threading.Barrier(2)
    results = []
    vendor = connection.vendor

    def acknowledge(user):
        try:
            stale = Alert.objects.get(pk=alert.pk)
            if vendor == "postgresql":
                barrier.wait(timeout=10)
            services.alert_acknowledge(alert=stale, user=user)
            results.append("ok")
        except ValidationError:
            results.append("refused")
        finally:
            connection.close()

    users_ = [users["duty"], users["cla"]]
    if vendor == "postgresql":
        threads = [threading.Thread(target=acknowledge, args=(u,)) for u in users_]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
    else:
        for u in users_:
            t = threading.Thread(target=acknowledge, args=(u,))
            t.start()
            t.join(timeout=30)
    assert sorted(results) == ["ok", "refused"]
    alert.refresh_from_db()
    assert alert.status == S.ACKNOWLEDGED
    assert AlertEvent.objects.filter(alert=alert, kind="acknowledged").count() == 1
