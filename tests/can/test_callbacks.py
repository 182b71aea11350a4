"""Missed calls become call-back tasks: the due time, the CLA's attempts, escalation after three
failures or past the due time, do-not-call-back, scope, double posts, and response times."""

import datetime
from unittest import mock

import pytest
from django.utils import timezone

from can import selectors, selectors_callbacks, services, tasks
from can.models import Alert, AlertEvent, CallbackAttempt, EventKind, Notification
from cla.models import BaseAssignment
from monusco.models import AuditLog
from tests.factories import make_alert, make_focal_point, make_user

pytestmark = pytest.mark.django_db

PHONE = "+243990000111"
T0 = datetime.datetime(2026, 10, 5, 6, 0, tzinfo=datetime.UTC)


def missed_call(channel, sender=PHONE, at=T0):
    with mock.patch("django.utils.timezone.now", return_value=at):
        alert, _created = services.alert_receive_missed_call(channel=channel, sender=sender)
    return Alert.objects.get(pk=alert.pk)


def page(alert):
    return f"/can/call-backs/{alert.uid}/"


def attempt(client, alert, result, seen=None, **account):
    data = {"result": result, "note": "", "seen_failures": alert.callback_failures if seen is None else seen}
    data.update(account)
    return client.post(page(alert), data, HTTP_ACCEPT_LANGUAGE="en")


ACCOUNT = {
    "threat_category": "armed_attack",
    "description": "Armed men seen near the market",
    "women": "2",
    "men": "1",
    "girls": "3",
    "boys": "0",
}


def test_a_missed_call_is_due_after_the_base_setting_and_a_joined_call_keeps_it(channel, world):
    world.base.callback_minutes = 7
    world.base.save()
    services.sms_channel_cache_clear()
    alert = missed_call(channel)
    assert (alert.status, alert.callback_due_at) == ("callback_needed", T0 + datetime.timedelta(minutes=7))
    again = missed_call(channel, at=T0 + datetime.timedelta(minutes=4))
    assert (again.pk, again.missed_calls, again.callback_due_at) == (alert.pk, 2, T0 + datetime.timedelta(minutes=7))


def test_the_whole_flow_no_answer_then_reached_with_the_account(client, channel, world, users):
    alert = missed_call(channel)
    client.force_login(users["cla"])
    response = client.get(page(alert), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert f'href="tel:{PHONE}"' in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    assert attempt(client, alert, "no_answer").status_code == 302
    alert.refresh_from_db()
    assert (alert.status, alert.callback_failures) == ("callback_needed", 1)
    reached_at = timezone.now()
    with mock.patch("django.utils.timezone.now", return_value=reached_at):
        response = attempt(client, alert, "reached", locality=world.sange.pk, **ACCOUNT)
    assert response.status_code == 302 and response["Location"] == f"/can/alerts/{alert.uid}/"
    alert.refresh_from_db()
    assert (alert.status, alert.callback_failures, alert.called_back_by, alert.acknowledged_by) == (
        "acknowledged",
        1,
        users["cla"],
        users["cla"],
    )
    assert (alert.called_back_at, alert.acknowledged_at) == (reached_at, reached_at)
    assert (alert.threat_category, alert.locality, alert.territory, alert.description, alert.needs_triage) == (
        "armed_attack",
        world.sange,
        world.sange.territory,
        "Armed men seen near the market",
        False,
    )
    assert (alert.women, alert.men, alert.girls, alert.boys) == (2, 1, 3, 0)
    assert list(CallbackAttempt.objects.filter(alert=alert).values_list("result", "by__username")) == [
        ("no_answer", "t-cla"),
        ("reached", "t-cla"),
    ]
    assert list(alert.events.order_by("pk").values_list("kind", "from_status", "to_status")) == [
        ("received", "", "callback_needed"),
        ("callback_attempt", "", ""),
        ("called_back", "", ""),
        ("acknowledged", "callback_needed", "acknowledged"),
    ]
    assert selectors_callbacks.callback_tasks(user=users["cla"]).count() == 0


def test_reached_without_an_account_is_refused_and_changes_nothing(client, channel, users):
    alert = missed_call(channel)
    client.force_login(users["cla"])
    response = attempt(client, alert, "reached")
    assert response.status_code == 400
    body = response.content.decode()
    assert "Choose the threat the caller described." in body and "Write what the caller said." in body
    alert.refresh_from_db()
    assert (alert.status, alert.callback_failures, CallbackAttempt.objects.count()) == ("callback_needed", 0, 0)


@pytest.mark.parametrize("bad", [{"result": "maybe"}, {"seen_failures": "x"}, {"women": "-1"}, {"locality": "999999"}])
def test_bad_input_is_a_400_not_a_500(client, channel, users, bad):
    alert = missed_call(channel)
    client.force_login(users["cla"])
    data = {"result": "reached", "seen_failures": "0", **ACCOUNT, **bad}
    assert client.post(page(alert), data, HTTP_ACCEPT_LANGUAGE="en").status_code == 400
    assert CallbackAttempt.objects.count() == 0


def test_a_double_post_is_counted_once(client, channel, users):
    alert = missed_call(channel)
    client.force_login(users["cla"])
    assert attempt(client, alert, "no_answer", seen=0).status_code == 302
    response = attempt(client, alert, "no_answer", seen=0)  # the same form, sent again
    assert response.status_code == 302
    alert.refresh_from_db()
    assert (alert.callback_failures, CallbackAttempt.objects.count()) == (1, 1)
    assert attempt(client, alert, "reached", seen=1, **ACCOUNT).status_code == 302
    again = attempt(client, alert, "reached", seen=1, **ACCOUNT)
    assert (again.status_code, again["Location"]) == (302, page(alert))
    assert CallbackAttempt.objects.filter(result="reached").count() == 1
    assert AlertEvent.objects.filter(alert=alert, kind=EventKind.ACKNOWLEDGED).count() == 1


@pytest.mark.parametrize("who", ["cla2", "manager", "gender", "norole"])
def test_other_bases_and_other_roles_get_404_or_403_and_change_nothing(client, channel, users, who):
    alert = missed_call(channel)
    client.force_login(users[who])
    assert client.get(page(alert)).status_code in {403, 404}
    response = attempt(client, alert, "no_answer")
    assert response.status_code == (404 if who == "cla2" else 403)
    alert.refresh_from_db()
    assert (alert.callback_failures, CallbackAttempt.objects.count()) == (0, 0)
    if who == "cla2":
        assert client.get("/can/call-backs/").content.decode().count("callback-") == 0


def test_the_service_refuses_another_bases_cla(channel, users):
    from django.core.exceptions import PermissionDenied

    alert = missed_call(channel)
    with pytest.raises(PermissionDenied):
        services.callback_attempt(user=users["cla2"], alert=alert, result="no_answer", seen_failures=0)
    assert CallbackAttempt.objects.count() == 0


def _escalate(now, capture):
    with mock.patch("django.utils.timezone.now", return_value=now), capture(execute=True):
        return tasks.escalate_overdue_alerts()


@pytest.fixture
def commander(world):
    user = make_user("duty_officer", username="t-commander")
    BaseAssignment.objects.create(user=user, base=world.base, function="commander", starts_on=datetime.date(2020, 1, 1))
    return user


def test_three_failed_attempts_escalate_at_once(channel, world, users, commander, django_capture_on_commit_callbacks):
    world.base.alert_ack_minutes = 60
    world.base.save()
    alert = missed_call(channel)
    later = T0 + datetime.timedelta(minutes=3)
    for seen, result in enumerate(["no_answer", "no_answer", "no_answer"]):
        with (
            mock.patch("django.utils.timezone.now", return_value=later),
            django_capture_on_commit_callbacks(execute=True),
        ):
            services.callback_attempt(user=users["cla"], alert=alert, result=result, seen_failures=seen)
        alert.refresh_from_db()
        assert alert.escalation_level == (1 if seen == 2 else 0)
    assert (alert.status, alert.callback_failures, alert.escalated_at) == ("callback_needed", 3, later)
    assert list(Notification.objects.filter(level=1).values_list("recipient__username", flat=True)) == ["t-commander"]
    assert _escalate(later, django_capture_on_commit_callbacks) == 0  # the next level waits
    # The next level falls due one acknowledgement period after receipt.
    assert _escalate(T0 + datetime.timedelta(minutes=60), django_capture_on_commit_callbacks) == 1
    alert.refresh_from_db()
    assert alert.escalation_level == 2


def test_past_the_due_time_it_escalates_before_an_ordinary_alert(
    channel, world, users, commander, django_capture_on_commit_callbacks
):
    world.base.alert_ack_minutes = 30  # an SMS alert waits 30 minutes; a call-back 10
    world.base.save()
    services.sms_channel_cache_clear()
    alert = missed_call(channel)
    sms = make_alert(world.base, received_at=T0)
    assert _escalate(T0 + datetime.timedelta(minutes=9, seconds=59), django_capture_on_commit_callbacks) == 0
    assert _escalate(T0 + datetime.timedelta(minutes=10), django_capture_on_commit_callbacks) == 1
    alert.refresh_from_db()
    sms.refresh_from_db()
    assert (alert.escalation_level, sms.escalation_level) == (1, 0)
    assert _escalate(T0 + datetime.timedelta(minutes=39), django_capture_on_commit_callbacks) == 1  # the SMS
    alert.refresh_from_db()
    sms.refresh_from_db()
    assert (alert.escalation_level, sms.escalation_level) == (1, 1)
    assert _escalate(T0 + datetime.timedelta(minutes=40), django_capture_on_commit_callbacks) == 1  # level 2
    alert.refresh_from_db()
    assert alert.escalation_level == 2


def test_a_called_back_alert_no_longer_runs_on_the_call_back_clock(channel, world, users):
    alert = missed_call(channel)
    with mock.patch("django.utils.timezone.now", return_value=T0 + datetime.timedelta(minutes=2)):
        services.callback_attempt(
            user=users["cla"],
            alert=alert,
            result="reached",
            seen_failures=0,
            threat_category="armed_attack",
            description="Seen",
        )
    assert selectors.alerts_overdue_ids(now=T0 + datetime.timedelta(hours=5)) == []


def test_wrong_number_ends_the_task(client, channel, users):
    alert = missed_call(channel)
    client.force_login(users["cla"])
    attempt(client, alert, "wrong_number")
    alert.refresh_from_db()
    assert (alert.status, alert.callback_failures) == ("callback_needed", 1)
    assert selectors_callbacks.callback_tasks(user=users["cla"]).count() == 0
    body = client.get(page(alert), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "A wrong number was recorded" in body and "Record the attempt" not in body
    assert attempt(client, alert, "no_answer").status_code == 400
    assert CallbackAttempt.objects.count() == 1
    client.force_login(users["duty"])
    assert alert.uid.hex[:8] in client.get("/can/inbox/").content.decode().replace("-", "")  # still in the inbox


def test_do_not_call_back_is_never_a_task_and_the_alert_says_so(client, channel, world, users):
    make_focal_point(world.base, phone=PHONE, do_not_call_back=True)
    alert = missed_call(channel)
    assert alert.focal_point.do_not_call_back
    assert selectors_callbacks.callback_tasks(user=users["cla"]).count() == 0
    client.force_login(users["cla"])
    listing = client.get("/can/call-backs/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No missed call is waiting to be called back." in listing and PHONE not in listing
    detail = client.get(f"/can/alerts/{alert.uid}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The focal point asked not to be called back" in detail and PHONE not in detail
    assert attempt(client, alert, "no_answer").status_code == 400
    assert CallbackAttempt.objects.count() == 0
    # Not lost: the duty officer acknowledges it from the inbox, and it escalates if no one does.
    assert selectors.alerts_overdue_ids(now=T0 + datetime.timedelta(minutes=10)) == [alert.pk]


def test_the_list_shows_due_time_overdue_attempts_and_numbers_to_the_allowed(
    client, channel, world, users, django_assert_num_queries
):
    first = missed_call(channel, sender="+243990000201", at=timezone.now() - datetime.timedelta(minutes=30))
    second = missed_call(channel, sender="+243990000202", at=timezone.now())
    make_alert(world.other_base, channel="missed_call", status="callback_needed")
    client.force_login(users["cla"])
    client.get("/can/call-backs/")  # warm the session and the scope
    # The session, the user, their permissions (2) and scope (2), the tasks, and the reads of the
    # numbers logged in one INSERT (inside a savepoint: 2 more).
    with django_assert_num_queries(10):
        body = client.get("/can/call-backs/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert body.index(first.reference) < body.index(second.reference)
    assert body.count(">overdue</span>") == 1
    assert 'href="tel:+243990000201"' in body and 'href="tel:+243990000202"' in body
    logged = AuditLog.objects.filter(action=AuditLog.Action.VIEW_PROTECTED, model="can.alert", actor=users["cla"])
    assert logged.count() == 4  # two numbers, two page views
    for n in range(3):
        missed_call(channel, sender=f"+24399000030{n}", at=timezone.now())
    with django_assert_num_queries(10):
        client.get("/can/call-backs/")


def test_the_number_is_hidden_from_those_without_the_identity_permission(client, channel, world, users):
    from django.contrib.auth.models import Permission

    missed_call(channel)
    duty = users["duty"]
    duty.groups.first().permissions.remove(Permission.objects.get(codename="view_focalpoint_identity"))
    client.force_login(duty)
    body = client.get("/can/call-backs/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Record an attempt" in body and PHONE not in body


def test_response_times_per_base_and_month(world, users, django_assert_num_queries):
    t = datetime.datetime(2026, 10, 5, 8, 0, tzinfo=datetime.UTC)
    minutes = datetime.timedelta(minutes=1)
    for ack in (10, 20, 60):
        make_alert(world.base, received_at=t, status="acknowledged", acknowledged_at=t + ack * minutes)
    for ack, back in ((4, 4), (12, 12)):
        make_alert(
            world.base,
            received_at=t,
            channel="missed_call",
            status="acknowledged",
            acknowledged_at=t + ack * minutes,
            called_back_at=t + back * minutes,
        )
    make_alert(world.base, received_at=t, channel="missed_call", status="callback_needed")
    make_alert(world.base, received_at=t + datetime.timedelta(days=31))
    make_alert(world.far_base, received_at=t, status="acknowledged", acknowledged_at=t + minutes)
    selectors_callbacks.alert_response_times(user=users["manager"])  # the scope and permissions, read once
    with django_assert_num_queries(3):
        rows = selectors_callbacks.alert_response_times(user=users["manager"])
    common = {"base": world.base.uid, "base_code": "cob-uvira", "base_name": "Uvira"}
    assert rows == [
        {
            **common,
            "month": datetime.date(2026, 10, 1),
            "alerts": 6,
            "acknowledged": 5,
            "median_time_to_acknowledge_seconds": 720.0,  # 4, 10, 12, 20, 60 minutes
            "missed_calls": 3,
            "called_back": 2,
            "never_called_back": 1,
            "median_time_to_call_back_seconds": 480.0,  # 4 and 12 minutes
        },
        {
            **common,
            "month": datetime.date(2026, 11, 1),
            "alerts": 1,
            "acknowledged": 0,
            "median_time_to_acknowledge_seconds": None,
            "missed_calls": 0,
            "called_back": 0,
            "never_called_back": 0,
            "median_time_to_call_back_seconds": None,
        },
    ]
    october = selectors_callbacks.alert_response_times(user=users["manager"], month=datetime.date(2026, 10, 1))
    assert [row["alerts"] for row in october] == [6]
    assert selectors_callbacks.alert_response_times(user=users["cla2"]) == []


def test_response_times_page(client, world, users):
    t = datetime.datetime(2026, 10, 5, 8, 0, tzinfo=datetime.UTC)
    make_alert(world.base, received_at=t, status="acknowledged", acknowledged_at=t + datetime.timedelta(minutes=9))
    client.force_login(users["duty"])
    body = client.get("/can/response-times/?month=2026-10", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<td>2026-10</td><td>Uvira</td><td>1</td><td>1</td><td>9.0</td>" in body
    assert client.get("/can/response-times/?month=13-2026").status_code == 200


# --- the API ----------------------------------------------------------------------------------


@pytest.fixture
def measured(world):
    from django.core.cache import cache

    cache.clear()  # the API's throttles
    t = datetime.datetime(2026, 10, 5, 8, 0, tzinfo=datetime.UTC)
    make_alert(
        world.base,
        received_at=t,
        channel="missed_call",
        status="acknowledged",
        sender=PHONE,
        description="Armed men near the market",
        acknowledged_at=t + datetime.timedelta(minutes=6),
        called_back_at=t + datetime.timedelta(minutes=5),
    )
    make_alert(
        world.base,
        received_at=t,
        threat_category="sexual_violence",
        status="acknowledged",
        acknowledged_at=t + datetime.timedelta(minutes=30),
    )
    make_alert(world.far_base, received_at=t)
    yield t
    cache.clear()


_names = iter(range(1000))


def _api(world, provinces, resources):
    from monusco.api.services import api_client_create
    from tests.agreements import agreement_in_force
    from tests.api.conftest import token_client

    _client, key = api_client_create(
        agreement=agreement_in_force(),
        name=f"Client {next(_names)}",
        provinces=provinces,
        resources=resources,
        throttle_rate="1000/minute",
    )
    return token_client(key)


def test_api_alert_measures_for_a_token_client_leave_sexual_violence_out(world, measured):
    client = _api(world, [world.south], ["alerts"])
    response = client.get("/api/v1/alert-measures/")
    assert response.status_code == 200
    assert response.json() == [
        {
            "base": str(world.base.uid),
            "base_code": "cob-uvira",
            "base_name": "Uvira",
            "month": "2026-10-01",
            "alerts": 1,
            "acknowledged": 1,
            "median_time_to_acknowledge_seconds": 360.0,
            "missed_calls": 1,
            "called_back": 1,
            "never_called_back": 0,
            "median_time_to_call_back_seconds": 300.0,
        }
    ]
    assert PHONE not in response.content.decode() and "market" not in response.content.decode()
    assert client.get(f"/api/v1/alert-measures/?month=2026-11&base={world.base.uid}").json() == []
    assert len(client.get(f"/api/v1/alert-measures/?month=2026-10&base={world.base.uid}").json()) == 1


def test_api_alert_measures_for_the_base_count_every_alert(world, users, measured):
    from tests.api.conftest import session_client

    rows = session_client(users["duty"]).get("/api/v1/alert-measures/").json()
    assert [(row["alerts"], row["acknowledged"], row["median_time_to_acknowledge_seconds"]) for row in rows] == [
        (2, 2, 1080.0)  # 6 and 30 minutes
    ]


@pytest.mark.parametrize(
    "query",
    [
        "month=2026-13",
        "month=october",
        "month=2026-1",
        "base=not-a-uuid",
        "month=2026-10%00",
        "month=2026-10&month=2026-11",
    ],
)
def test_api_alert_measures_bad_filters_are_400(world, measured, query):
    client = _api(world, [world.south], ["alerts"])
    response = client.get(f"/api/v1/alert-measures/?{query}")
    assert response.status_code == 400


def test_api_alert_measures_need_the_alerts_grant_and_a_scope(world, measured):
    from rest_framework.test import APIClient

    assert APIClient().get("/api/v1/alert-measures/").status_code == 401
    assert _api(world, [world.south], ["localities"]).get("/api/v1/alert-measures/").status_code == 403
    assert _api(world, [world.north], ["alerts"]).get("/api/v1/alert-measures/").json()[0]["base_code"] == "cob-beni"
    assert _api(world, [world.south], ["alerts"]).post("/api/v1/alert-measures/", {}).status_code == 403  # read-only
