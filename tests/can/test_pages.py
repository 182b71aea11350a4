"""Browser pages: the inbox, alert detail and steps, the alert form, focal points. Permission
matrices, exact query counts, protected data shown only to the focal point's base."""

import datetime

import pytest
from django.utils import timezone

from can.models import Alert, AlertStatus, FocalPoint, Notification
from monusco.models import AuditLog
from tests.factories import PASSWORD, make_alert, make_focal_point

pytestmark = pytest.mark.django_db

ROLES = ["cla", "cla2", "duty", "jpt", "gender", "manager", "far_manager", "admin", "api", "norole"]


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


# --- inbox -----------------------------------------------------------------------------------

INBOX_STATUS = {
    "cla": 200,
    "duty": 200,
    "cla2": 200,
    "admin": 200,
    "jpt": 403,
    "gender": 403,
    "manager": 403,
    "far_manager": 403,
    "api": 403,
    "norole": 403,
}


@pytest.mark.parametrize("role", ROLES)
def test_inbox_permission_matrix(client, world, users, role):
    alert = make_alert(world.base, locality=world.sange)
    login(client, users[role])
    response = client.get("/can/inbox/")
    assert response.status_code == INBOX_STATUS[role]
    if response.status_code == 200:
        shown = [a.pk for a in response.context["alerts"]]
        assert shown == ([] if role == "cla2" else [alert.pk])


def test_inbox_anonymous_redirects_to_login(client):
    response = client.get("/can/inbox/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_inbox_lists_open_alerts_oldest_first_with_age(client, world, users):
    now = timezone.now()
    newer = make_alert(world.base, received_at=now - datetime.timedelta(minutes=5))
    older = make_alert(
        world.base,
        status=AlertStatus.CALLBACK_NEEDED,
        channel="missed_call",
        received_at=now - datetime.timedelta(minutes=90),
    )
    make_alert(world.base, status=AlertStatus.CLOSED, received_at=now - datetime.timedelta(days=1))
    make_alert(world.other_base, received_at=now - datetime.timedelta(minutes=300))
    login(client, users["duty"])
    response = client.get("/can/inbox/")
    assert [a.pk for a in response.context["alerts"]] == [older.pk, newer.pk]
    assert [a.age for a in response.context["alerts"]] == ["1 h 30 min ago", "5 min ago"]
    html = response.content.decode()
    assert "http-equiv" not in html  # the page never reloads itself: typing is never lost
    assert '<script src="/static/can/inbox.js" defer></script>' in html
    assert '<a href="?" id="inbox-refresh">Refresh the list</a>' in html  # without JavaScript
    assert html.count('action="/can/alerts/') == 2  # one-tap acknowledge, a plain form per alert
    assert html.count("/acknowledge") == 2
    assert "· Missed call ·\n    1 h 30 min ago" in html


def _fill(world, n):
    fp = make_focal_point(world.base, world.sange, phone=f"+24399{n:07d}")
    for i in range(n):
        make_alert(
            world.base,
            locality=world.sange if i % 2 else None,
            focal_point=fp if i % 3 else None,
            status=[AlertStatus.RECEIVED, AlertStatus.ACKNOWLEDGED, AlertStatus.CALLBACK_NEEDED][i % 3],
        )


@pytest.mark.parametrize("size", [2, 25])
def test_inbox_query_count_does_not_grow(client, world, users, size, django_assert_num_queries):
    _fill(world, size)
    login(client, users["duty"])
    # 11: the counts per state are one query of their own, and they also give the pager its total.
    with django_assert_num_queries(11):
        response = client.get("/can/inbox/")
    assert len(response.context["alerts"]) == size


def _flood(world, n, *, start=None):
    """``n`` open alerts a minute apart (oldest first), in turn in each open state."""
    start = start or timezone.now() - datetime.timedelta(minutes=n + 1)
    states = [
        AlertStatus.RECEIVED,
        AlertStatus.CALLBACK_NEEDED,
        AlertStatus.ACKNOWLEDGED,
        AlertStatus.VERIFIED,
        AlertStatus.RESPONSE_DISPATCHED,
    ]
    return [
        make_alert(
            world.base, locality=world.sange, status=states[i % 5], received_at=start + datetime.timedelta(minutes=i)
        )
        for i in range(n)
    ]


@pytest.mark.parametrize("page", ["", "2", "5"])
def test_inbox_is_paginated_oldest_first_with_counts_per_state_in_one_query(
    client, world, users, page, django_assert_num_queries
):
    alerts = _flood(world, 110)
    make_alert(world.base, status=AlertStatus.CLOSED)
    make_alert(world.other_base)
    login(client, users["duty"])
    with django_assert_num_queries(11):
        response = client.get(f"/can/inbox/?page={page}" if page else "/can/inbox/")
    number = int(page or 1)
    first, last = (number - 1) * 25, min(number * 25, 110)
    assert [a.pk for a in response.context["alerts"]] == [a.pk for a in alerts[first:last]]
    assert [(c["status"], c["count"]) for c in response.context["state_counts"]] == [
        ("received", 22),
        ("callback_needed", 22),
        ("acknowledged", 22),
        ("verified", 22),
        ("response_dispatched", 22),
    ]
    html = response.content.decode()
    assert '<h1>Open alerts <span class="badge">110</span></h1>' in html
    assert 'Callback needed <span class="badge">22</span>' in html
    assert f"Alerts {first + 1}–{last} of 110 (page {number} of 5)" in html
    assert html.count('class="card" id="alert-') == last - first
    assert (f'href="?page={number + 1}" rel="next"' in html) is (number < 5)
    assert (f'href="?page={number - 1}" rel="prev"' in html) is (number > 1)


@pytest.mark.parametrize("page", ["0", "-1", "abc", "99999", "9" * 5000, "%EF%BF%BF"])
def test_a_bad_inbox_page_shows_a_real_page(client, world, users, page):
    alerts = _flood(world, 30)
    login(client, users["duty"])
    response = client.get(f"/can/inbox/?page={page}")
    assert response.status_code == 200
    assert len(response.context["alerts"]) in (25, 5)
    assert {a.pk for a in response.context["alerts"]} <= {a.pk for a in alerts}


def test_a_nul_in_the_inbox_page_is_refused_before_the_inbox(client, world, users):
    _flood(world, 3)
    login(client, users["duty"])
    response = client.get("/can/inbox/?page=%00")
    assert response.status_code == 400  # the NUL guard answers, as for any query string


def test_the_inbox_counts_are_the_users_scope(client, world, users):
    _flood(world, 3)
    make_alert(world.other_base, status=AlertStatus.VERIFIED)
    login(client, users["cla2"])
    response = client.get("/can/inbox/")
    assert [c["count"] for c in response.context["state_counts"]] == [0, 0, 0, 1, 0]
    assert "No open alerts." not in response.content.decode()


def test_a_step_taken_on_a_later_inbox_page_comes_back_to_that_page(client, world, users):
    alerts = _flood(world, 30)
    login(client, users["duty"])
    page = client.get("/can/inbox/?page=2").content.decode()
    received = next(a for a in alerts[25:] if a.status == AlertStatus.RECEIVED)
    assert '<input type="hidden" name="page" value="2">' in page
    response = client.post(f"/can/alerts/{received.uid}/acknowledge", {"next": "inbox", "page": "2"})
    assert response["Location"] == "/can/inbox/?page=2"
    received.refresh_from_db()
    assert received.status == AlertStatus.ACKNOWLEDGED
    for bad in ("1", "0", "x", "9" * 5000, ""):
        response = client.post(f"/can/alerts/{alerts[0].uid}/acknowledge", {"next": "inbox", "page": bad})
        assert response["Location"] == "/can/inbox/"


def test_acknowledge_from_the_inbox(client, world, users):
    alert = make_alert(world.base)
    login(client, users["duty"])
    response = client.post(f"/can/alerts/{alert.uid}/acknowledge", {"next": "inbox"})
    assert response.status_code == 302
    assert response["Location"] == "/can/inbox/"
    alert.refresh_from_db()
    assert (alert.status, alert.acknowledged_by) == (AlertStatus.ACKNOWLEDGED, users["duty"])
    # A second tap is answered with a message and changes nothing.
    response = client.post(f"/can/alerts/{alert.uid}/acknowledge", {"next": "inbox"}, follow=True)
    assert "This alert is “Acknowledged”: it cannot be acknowledged now." in response.content.decode()
    assert alert.events.filter(kind="acknowledged").count() == 1


@pytest.mark.parametrize(
    "role,status", [("cla2", 404), ("manager", 403), ("gender", 403), ("norole", 403), ("far_manager", 403)]
)
def test_denied_steps_change_nothing(client, world, users, role, status):
    alert = make_alert(world.base)
    login(client, users[role])
    for step, data in [
        ("acknowledge", {}),
        ("verify", {"note": "x"}),
        ("dispatch", {"response_type": "patrol"}),
        ("close", {"outcome": "false_alarm"}),
    ]:
        assert client.post(f"/can/alerts/{alert.uid}/{step}", data).status_code == status
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RECEIVED
    assert alert.events.count() == 0


def test_anonymous_cannot_act(client, world):
    alert = make_alert(world.base)
    response = client.post(f"/can/alerts/{alert.uid}/acknowledge")
    assert response.status_code == 302
    assert Alert.objects.get(pk=alert.pk).status == AlertStatus.RECEIVED


def test_full_lifecycle_through_the_pages(client, world, users):
    alert = make_alert(world.base, needs_triage=True, threat_category="other")
    login(client, users["duty"])
    client.post(f"/can/alerts/{alert.uid}/acknowledge")
    client.post(
        f"/can/alerts/{alert.uid}/verify",
        {"note": "Chief confirms", "locality": world.sange.pk, "threat_category": "looting"},
    )
    client.post(f"/can/alerts/{alert.uid}/dispatch", {"response_type": "patrol", "note": "Two vehicles"})
    response = client.post(f"/can/alerts/{alert.uid}/close", {"outcome": "addressed"})
    assert response.status_code == 200  # the close is asked to be confirmed first
    assert Alert.objects.get(pk=alert.pk).status == AlertStatus.RESPONSE_DISPATCHED
    response = client.post(f"/can/alerts/{alert.uid}/close", {"outcome": "addressed", "confirm": "1"})
    assert response.status_code == 302
    alert.refresh_from_db()
    assert (
        alert.status,
        alert.outcome,
        alert.response_type,
        alert.locality,
        alert.threat_category,
        alert.needs_triage,
    ) == ("closed", "addressed", "patrol", world.sange, "looting", False)
    assert list(alert.events.values_list("kind", flat=True)) == [
        "acknowledged",
        "verified",
        "response_dispatched",
        "closed",
    ]


def test_invalid_step_input_is_a_message_not_an_error(client, world, users):
    alert = make_alert(world.base, status=AlertStatus.VERIFIED)
    login(client, users["duty"])
    response = client.post(f"/can/alerts/{alert.uid}/dispatch", {"response_type": "airstrike"}, follow=True)
    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    assert Alert.objects.get(pk=alert.pk).status == AlertStatus.VERIFIED


# --- alert detail and protected sender -------------------------------------------------------

DETAIL_STATUS = {
    "cla": 200,
    "duty": 200,
    "cla2": 404,
    "jpt": 200,
    "gender": 200,
    "manager": 200,
    "far_manager": 404,
    "admin": 200,
    "api": 403,
    "norole": 403,
}


@pytest.mark.parametrize("role", ROLES)
def test_alert_detail_matrix_and_sender_number(client, world, users, role):
    fp = make_focal_point(world.base, world.sange, phone="+243990000222", name="Papa Bahati")
    alert = make_alert(world.base, focal_point=fp, sender_number="+243990000222", description="Tirs à Sange")
    login(client, users[role])
    response = client.get(f"/can/alerts/{alert.uid}/")
    assert response.status_code == DETAIL_STATUS[role]
    html = response.content.decode()
    own_base = role in {"cla", "duty"}
    assert ("+243990000222" in html) is own_base
    assert "Papa Bahati" not in html
    if response.status_code == 200:
        assert fp.code in html
    reads = AuditLog.objects.filter(action="view_protected", model="can.alert", actor=users[role])
    assert reads.count() == (1 if own_base else 0)


def test_do_not_call_back_hides_the_number(client, world, users):
    fp = make_focal_point(world.base, world.sange, phone="+243990000333", do_not_call_back=True)
    alert = make_alert(world.base, focal_point=fp, sender_number="+243990000333")
    login(client, users["duty"])
    html = client.get(f"/can/alerts/{alert.uid}/").content.decode()
    assert "Do not call back" in html
    assert "990000333" not in html


# --- alert form ------------------------------------------------------------------------------


def test_cla_logs_a_phone_alert_once_even_if_submitted_twice(client, world, users, django_capture_on_commit_callbacks):
    login(client, users["cla"])
    page = client.get("/can/alerts/new/")
    assert page.status_code == 200
    client_uuid = page.context["form"].initial["client_uuid"]
    data = {
        "client_uuid": client_uuid,
        "channel": "radio",
        "base": world.base.pk,
        "locality": world.sange.pk,
        "threat_category": "displacement",
        "description": "Familles en fuite vers Sange",
        "sender": "",
        "women": 12,
        "men": 4,
        "girls": 7,
        "boys": 6,
    }
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post("/can/alerts/new/", data)
    second = client.post("/can/alerts/new/", data)
    alert = Alert.objects.get()
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == f"/can/alerts/{alert.uid}/"
    assert (alert.channel, alert.reported_by, alert.women, alert.girls, alert.needs_triage, alert.status) == (
        "radio",
        users["cla"],
        12,
        7,
        False,
        "received",
    )
    assert alert.notifications.count() == 2


def test_alert_form_rejects_bad_input_and_other_bases(client, world, users):
    login(client, users["cla"])
    base = {
        "client_uuid": "5b0f8d58-5f53-4d5b-9d55-0c1f8b7b0c11",
        "channel": "radio",
        "threat_category": "looting",
        "description": "x",
        "women": 0,
        "men": 0,
        "girls": 0,
        "boys": 0,
    }
    response = client.post("/can/alerts/new/", {**base, "base": world.other_base.pk})
    assert response.status_code == 400
    response = client.post("/can/alerts/new/", {**base, "base": world.base.pk, "women": -1, "channel": "sms"})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"women", "channel"}
    assert Alert.objects.count() == 0


@pytest.mark.parametrize(
    ("field", "value", "errors"),
    [
        ("women", str(2**31), {"women": ["A count cannot be more than 100000."]}),
        ("boys", "100001", {"boys": ["A count cannot be more than 100000."]}),
        ("girls", "-3", {"girls": ["Ensure this value is greater than or equal to 0."]}),
        ("sender", "' OR 1=1--", {"sender": ["Enter a valid phone number."]}),
        ("sender", "11", {"sender": ["Enter a valid phone number."]}),
    ],
)
def test_alert_form_refuses_huge_counts_and_what_is_not_a_phone_number(client, world, users, field, value, errors):
    login(client, users["cla"])
    data = {
        "client_uuid": "5b0f8d58-5f53-4d5b-9d55-0c1f8b7b0c11",
        "channel": "radio",
        "threat_category": "looting",
        "description": "x",
        "base": world.base.pk,
        "sender": "",
        "women": 0,
        "men": 0,
        "girls": 0,
        "boys": 0,
    }
    response = client.post("/can/alerts/new/", {**data, field: value})
    assert response.status_code == 400
    assert response.context["form"].errors == errors
    assert Alert.objects.count() == 0


def test_alert_form_keeps_a_real_callers_number(client, world, users):
    login(client, users["cla"])
    data = {
        "client_uuid": "5b0f8d58-5f53-4d5b-9d55-0c1f8b7b0c12",
        "channel": "phone_call",
        "threat_category": "looting",
        "description": "x",
        "base": world.base.pk,
        "sender": "0812 345 678",
        "women": 0,
        "men": 0,
        "girls": 0,
        "boys": 0,
    }
    assert client.post("/can/alerts/new/", data).status_code == 302
    assert Alert.objects.get().sender_number == "+243812345678"


def test_correction_form_refuses_huge_counts(client, world, users):
    from tests.can.test_review import _post, _returned

    alert = _returned(world, users, women=2)
    login(client, users["cla"])
    response = _post(client, alert, girls=str(2**31))
    assert response.status_code == 400
    assert response.context["form"].errors == {"girls": ["A count cannot be more than 100000."]}
    alert.refresh_from_db()
    assert (alert.girls, alert.review_status) == (0, "returned")


def test_an_sms_from_a_sender_that_is_no_phone_number_is_kept_with_the_sender_unknown(client, world, channel):
    import json

    from tests.factories import TOKEN

    for path, body in (
        ("receive", {"from": "' OR 1=1--", "text": "Attaque à Sange", "id": "gw-sql"}),
        ("missed-call", {"from": "' OR 1=1--"}),
    ):
        response = client.post(
            f"/can/inbound/{channel.uid}/{path}",
            json.dumps(body),
            content_type="application/json",
            HTTP_X_GATEWAY_TOKEN=TOKEN,
        )
        assert response.status_code == 200
    assert sorted(Alert.objects.values_list("channel", "sender_number", "sender_hash")) == [
        ("missed_call", "", ""),
        ("sms", "", ""),
    ]


@pytest.mark.parametrize(
    "role,status", [("manager", 403), ("gender", 403), ("jpt", 403), ("norole", 403), ("api", 403)]
)
def test_alert_form_denied(client, world, users, role, status):
    login(client, users[role])
    assert client.get("/can/alerts/new/").status_code == status


# --- focal points ----------------------------------------------------------------------------

FP_LIST = {
    "cla": 200,
    "cla2": 200,
    "duty": 200,
    "admin": 200,
    "jpt": 403,
    "gender": 403,
    "manager": 403,
    "far_manager": 403,
    "api": 403,
    "norole": 403,
}


@pytest.mark.parametrize("role", ROLES)
def test_focal_point_pages_matrix(client, world, users, role):
    fp = make_focal_point(world.base, world.sange, phone="+243990000444", name="Maman Neema")
    login(client, users[role])
    listing = client.get("/can/focal-points/")
    assert listing.status_code == FP_LIST[role]
    detail = client.get(f"/can/focal-points/{fp.uid}/")
    own_base = role in {"cla", "duty"}
    expected_detail = 200 if own_base or role == "admin" else (404 if role == "cla2" else 403)
    assert detail.status_code == expected_detail
    for response in (listing, detail):
        html = response.content.decode()
        assert ("Maman Neema" in html) is (own_base and response is detail)
        assert ("990000444" in html) is (own_base and response is detail)
    if listing.status_code == 200:
        assert [f.pk for f in listing.context["focal_points"]] == ([] if role == "cla2" else [fp.pk])
    assert AuditLog.objects.filter(action="view_protected", model="can.focalpoint", actor=users[role]).count() == (
        1 if own_base else 0
    )


@pytest.mark.parametrize("size", [1, 20])
def test_focal_point_list_query_count(client, world, users, size, django_assert_num_queries):
    for i in range(size):
        make_focal_point(world.base, world.sange, phone=f"+2439911{i:05d}")
    login(client, users["cla"])
    with django_assert_num_queries(9):
        response = client.get("/can/focal-points/")
    assert len(response.context["focal_points"]) == size


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


def test_cla_registers_updates_moves_and_deactivates(client, world, users):
    login(client, users["cla"])
    response = client.post("/can/focal-points/new/", _fp_data(world))
    fp = FocalPoint.objects.get()
    assert response.status_code == 302
    assert (fp.code, fp.name, fp.phone, fp.base, fp.is_active) == (
        "FP-UVI-0001",
        "Mzee Kasongo",
        "+243990000555",
        world.base,
        True,
    )
    response = client.post(
        f"/can/focal-points/{fp.uid}/edit/", {**_fp_data(world), "phone": "+243990000556", "do_not_call_back": "on"}
    )
    assert response.status_code == 302
    fp.refresh_from_db()
    assert (fp.phone, fp.do_not_call_back) == ("+243990000556", True)
    response = client.post(f"/can/focal-points/{fp.uid}/move", {"base": world.other_base.pk})
    fp.refresh_from_db()
    assert (fp.base, fp.code) == (world.other_base, "FP-UVI-0001")
    assert world.other_base.coverage.filter(pk=world.sange.pk).exists()
    # The new base's coverage is a many-to-many row, which no model signal logs: the move does.
    assert list(
        AuditLog.objects.filter(model="cla.operatingbase", actor=users["cla"]).values_list(
            "action", "object_pk", "actor", "detail"
        )
    ) == [("update", str(world.other_base.pk), users["cla"].pk, {"fields": ["coverage"], "added": [world.sange.pk]})]
    # Moved away: the old base's CLA no longer sees it.
    assert client.get(f"/can/focal-points/{fp.uid}/").status_code == 404
    client.logout()
    login(client, users["cla2"])
    assert client.post(f"/can/focal-points/{fp.uid}/deactivate").status_code == 302
    fp.refresh_from_db()
    assert (fp.is_active, fp.deactivated_at is not None) == (False, True)
    assert FocalPoint.objects.count() == 1


def test_focal_point_bad_input_is_rejected(client, world, users):
    make_focal_point(world.base, world.sange, phone="+243990000555")
    login(client, users["cla"])
    response = client.post("/can/focal-points/new/", _fp_data(world))
    assert response.status_code == 400
    assert "An active focal point already has this phone number." in response.content.decode()
    future = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    response = client.post("/can/focal-points/new/", _fp_data(world, phone="", consent_on=future))
    assert response.status_code == 400
    assert "The date cannot be in the future." in response.content.decode()
    response = client.post("/can/focal-points/new/", _fp_data(world, phone="", consent_on="1999-12-31"))
    assert response.status_code == 400
    assert response.context["form"].errors == {"consent_on": ["Enter a date in the year 2000 or later."]}
    response = client.post("/can/focal-points/new/", _fp_data(world, phone="' OR 1=1--"))
    assert response.status_code == 400
    assert "Enter a valid phone number." in response.content.decode()
    response = client.post("/can/focal-points/new/", _fp_data(world, phone="", locality=world.minembwe.pk))
    assert response.status_code == 400
    assert FocalPoint.objects.count() == 1


@pytest.mark.parametrize("role,status", [("cla2", 404), ("manager", 403), ("jpt", 403), ("norole", 403), ("duty", 403)])
def test_focal_point_writes_denied_change_nothing(client, world, users, role, status):
    fp = make_focal_point(world.base, world.sange, phone="+243990000444")
    login(client, users[role])
    codes = {
        "deactivate": client.post(f"/can/focal-points/{fp.uid}/deactivate").status_code,
        "move": client.post(f"/can/focal-points/{fp.uid}/move", {"base": world.other_base.pk}).status_code,
        "create": client.post("/can/focal-points/new/", _fp_data(world, phone="+243990000999")).status_code,
    }
    if role == "duty":  # duty officers may edit focal points of their base but not register new ones
        assert codes == {"deactivate": 302, "move": 302, "create": 403}
        return
    assert codes == {"deactivate": status, "move": status, "create": 403 if role != "cla2" else 400}
    fp.refresh_from_db()
    assert (fp.is_active, fp.base) == (True, world.base)
    assert FocalPoint.objects.count() == 1


def test_cla_home_panel(rf, world, users):
    from django.contrib.auth.models import AnonymousUser

    from can.apps import open_alerts_panel
    from monusco.home import panels_for

    make_alert(world.base)
    make_alert(world.base, status=AlertStatus.CLOSED)
    request = rf.get("/")
    request.user = users["cla"]
    panel = [p for p in panels_for(request, "cla") if p["template"] == "can/panels/open_alerts.html"]
    assert panel == [
        {"title": "Open alerts", "template": "can/panels/open_alerts.html", "count": 1, "url": "/can/inbox/"}
    ]
    request.user = AnonymousUser()
    assert open_alerts_panel(request) is None


SV_DETAIL = {"cla": True, "duty": True, "gender": True, "manager": False, "jpt": False, "admin": True}


@pytest.mark.parametrize("role", list(SV_DETAIL))
def test_sexual_violence_alerts_open_only_for_their_base_and_need_to_know(client, world, users, role):
    alert = make_alert(
        world.base,
        threat_category="sexual_violence",
        description="Détail protégé de l'incident",
        verification_note="Note protégée",
    )
    other = make_alert(world.base, threat_category="looting", description="Pillage au marché")
    login(client, users[role])
    response = client.get(f"/can/alerts/{alert.uid}/")
    assert response.status_code == (200 if SV_DETAIL[role] else 404)  # as if it did not exist
    assert client.get(f"/can/alerts/{other.uid}/").status_code == 200
    if SV_DETAIL[role]:
        html = response.content.decode()
        assert "Détail protégé" in html and "Note protégée" in html
    logged = AuditLog.objects.filter(action="view_protected", model="can.alert", actor=users[role]).count()
    assert logged == (1 if SV_DETAIL[role] else 0)


@pytest.mark.parametrize("role", ["manager", "jpt"])
def test_a_sexual_violence_alert_opens_without_its_text_for_whoever_was_notified_of_it(client, world, users, role):
    alert = make_alert(
        world.base,
        threat_category="sexual_violence",
        description="Détail protégé de l'incident",
        verification_note="Note protégée",
    )
    Notification.objects.create(alert=alert, recipient=users[role], channel="in_app", level=2)  # escalated to them
    login(client, users[role])
    response = client.get(f"/can/alerts/{alert.uid}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Détail protégé" not in html and "Note protégée" not in html
    assert "The details of this alert are protected" in html
    assert AuditLog.objects.filter(action="view_protected", model="can.alert", actor=users[role]).count() == 0


@pytest.mark.parametrize("role", ["manager", "jpt"])
def test_other_bases_sexual_violence_alerts_are_in_no_list_of_the_app(client, world, users, role):
    alert = make_alert(world.base, threat_category="sexual_violence", description="Détail protégé")
    shown = make_alert(world.base, threat_category="looting", description="Pillage")
    login(client, users[role])
    listed = client.get("/admin/can/alert/")
    assert {a.pk for a in listed.context["cl"].result_list} == {shown.pk}
    assert client.get("/admin/can/alert/?threat_category__exact=sexual_violence").context["cl"].result_count == 0
    assert client.get(f"/admin/can/alert/{alert.pk}/change/").status_code == 302  # as a record that does not exist


@pytest.mark.parametrize("role,visible", [("admin", True), ("gender", True)])
def test_admin_shows_sexual_violence_text_to_need_to_know(client, world, users, role, visible):
    alert = make_alert(
        world.base, threat_category="sexual_violence", description="Détail protégé", raw_text="Texte brut protégé"
    )
    login(client, users[role])
    response = client.get(f"/admin/can/alert/{alert.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    assert ("Détail protégé" in html) is visible
    assert ("Texte brut protégé" in html) is visible


def test_admin_focal_point_identity_only_for_its_base(client, world, users):
    fp = make_focal_point(world.base, world.sange, phone="+243990000888", name="Mama Sifa")
    login(client, users["admin"])
    html = client.get(f"/admin/can/focalpoint/{fp.pk}/change/").content.decode()
    assert "Mama Sifa" not in html and "990000888" not in html
    assert fp.code in html
    login(client, users["cla"])
    html = client.get(f"/admin/can/focalpoint/{fp.pk}/change/").content.decode()
    assert "Mama Sifa" in html
    assert AuditLog.objects.filter(action="view_protected", model="can.focalpoint", actor=users["cla"]).count() == 1


def test_inbox_carries_each_alert_to_closure(client, world, users):
    alert = make_alert(world.base)
    login(client, users["duty"])
    steps = [
        ("acknowledge", {}, 'name="note"'),
        ("verify", {"note": "Chef joint"}, 'name="response_type"'),
        ("dispatch", {"response_type": "escort"}, 'value="addressed"'),
        ("close", {"outcome": "addressed", "confirm": "1"}, None),
    ]
    for step, data, next_field in steps:
        response = client.post(f"/can/alerts/{alert.uid}/{step}", {**data, "next": "inbox"})
        assert response["Location"] == "/can/inbox/"
        html = client.get("/can/inbox/").content.decode()
        if next_field:
            assert next_field in html
    alert.refresh_from_db()
    assert (alert.status, alert.response_type, alert.outcome) == ("closed", "escort", "addressed")
    assert "No open alerts." in html
