"""Field mode on the server: which pages the phone may keep, the outbox's JSON answers (saved,
refused, conflict), a repeat applied once, another account's item refused, and logout clearing
what the browser keeps."""

import json
import uuid

import pytest
from django.urls import reverse

from can.models import Alert
from cla.models import CommunityProtectionPlan, UrafikiMeeting
from tests.cla.test_plans import _edit_post
from tests.cla.test_views import _meeting_post
from tests.factories import (
    ConcernFactory,
    MeetingFactory,
    make_alert,
    make_focal_point,
)

SYNC = {"HTTP_X_FIELD_SYNC": "1"}


def _json(response):
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)


def test_a_meeting_from_the_outbox_is_saved_once_however_often_it_is_sent(client, world, users):
    client.force_login(users["cla"])
    token = str(uuid.uuid4())
    post = _meeting_post(world.sange, client_token=token, field_user=str(users["cla"].pk), action="submit")
    answers = [client.post(reverse("cla:meeting-create"), post, **SYNC) for _ in range(3)]
    meeting = UrafikiMeeting.objects.get()
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert [_json(a) for a in answers] == [
        {
            "status": "saved",
            "url": f"/cla/meetings/{meeting.uid}/",
            "message": "The meeting was sent to the gender office for review.",
        }
    ] * 3
    assert (str(meeting.client_token), meeting.review_status, meeting.concerns.count()) == (token, "submitted", 2)
    # The outbox shows the answer itself: nothing waits for the next page.
    assert "data-field-saved" not in client.get(reverse("cla:home")).content.decode()
    assert list(client.get(reverse("cla:home")).context["messages"]) == []


def test_a_refused_form_from_the_outbox_gets_every_error_by_field_name(client, world, users):
    client.force_login(users["cla"])
    post = _meeting_post(world.sange, women="-2", **{"concerns-1-description": "", "followups-0-responsible": ""})
    response = client.post(reverse("cla:meeting-create"), post, **SYNC)
    assert response.status_code == 400
    assert _json(response) == {
        "status": "refused",
        "errors": {
            "women": ["A count cannot be negative."],
            "concerns-1-description": ["This field is required."],
            "followups-0-responsible": ["This field is required."],
        },
    }
    assert UrafikiMeeting.objects.count() == 0


def test_the_outbox_answer_is_translated(client, world, users):
    users["cla"].preferred_language = "fr"
    users["cla"].save(update_fields=["preferred_language"])
    client.force_login(users["cla"])
    response = client.post(reverse("cla:meeting-create"), _meeting_post(world.sange, women="-2"), **SYNC)
    assert _json(response)["errors"] == {"women": ["Un effectif ne peut pas être négatif."]}


def test_a_stale_plan_from_the_outbox_is_a_conflict_and_nothing_is_written(client, users, plan):
    client.force_login(users["cla"])
    stale = _edit_post(plan, summary="Version du téléphone")
    assert client.post(reverse("cla:plan-edit", kwargs={"uid": plan.uid}), _edit_post(plan, summary="Au bureau"))
    plan.refresh_from_db()
    assert (plan.version, plan.summary) == (2, "Au bureau")

    response = client.post(reverse("cla:plan-edit", kwargs={"uid": plan.uid}), stale, **SYNC)
    assert response.status_code == 409
    body = _json(response)
    assert (body["status"], body["url"]) == ("conflict", f"/cla/plans/{plan.uid}/edit/")
    assert body["message"].startswith("Someone else saved")
    plan.refresh_from_db()
    assert (plan.version, plan.summary) == (2, "Au bureau")


def test_an_edit_sent_again_after_it_was_applied_is_saved_not_a_conflict(client, users, plan):
    client.force_login(users["cla"])
    post = _edit_post(plan, summary="Version du téléphone")
    first = client.post(reverse("cla:plan-edit", kwargs={"uid": plan.uid}), post, **SYNC)
    again = client.post(reverse("cla:plan-edit", kwargs={"uid": plan.uid}), post, **SYNC)
    assert [_json(first)["status"], _json(again)["status"]] == ["saved", "saved"]
    assert _json(again)["url"] == f"/cla/plans/{plan.uid}/"
    plan.refresh_from_db()
    assert (plan.version, plan.summary, plan.revisions.count()) == (2, "Version du téléphone", 1)


def test_a_plan_under_review_refuses_the_outbox_edit_with_a_conflict(client, users, plan):
    plan.review_status, plan.review_round, plan.submitted_at = "submitted", 1, plan.created_at
    plan.save(update_fields=["review_status", "review_round", "submitted_at"])
    client.force_login(users["cla"])
    response = client.post(reverse("cla:plan-edit", kwargs={"uid": plan.uid}), _edit_post(plan, summary="X"), **SYNC)
    assert response.status_code == 409
    assert _json(response)["url"] == f"/cla/plans/{plan.uid}/"
    plan.refresh_from_db()
    assert (plan.version, plan.summary) == (1, "")


@pytest.mark.parametrize("sync", [True, False])
def test_an_item_typed_by_another_account_is_never_saved_under_this_one(client, world, users, sync):
    client.force_login(users["cla"])
    post = _meeting_post(world.sange, field_user=str(users["cla"].pk + 1000))
    response = client.post(reverse("cla:meeting-create"), post, **(SYNC if sync else {}))
    assert response.status_code == 403
    if sync:
        assert _json(response) == {
            "status": "refused",
            "errors": {
                "__all__": ["This was typed on this phone by another account. Sign in as that account to send it."]
            },
        }
    assert UrafikiMeeting.objects.count() == 0


def test_an_alert_from_the_outbox_is_one_alert(client, world, users):
    client.force_login(users["cla"])
    post = {
        "client_uuid": str(uuid.uuid4()),
        "channel": "phone_call",
        "base": world.base.pk,
        "locality": world.sange.pk,
        "threat_category": "armed_attack",
        "description": "Coups de feu",
        "sender": "",
        "women": "0",
        "men": "0",
        "girls": "0",
        "boys": "0",
    }
    answers = [_json(client.post(reverse("can:alert-create"), post, **SYNC)) for _ in range(2)]
    alert = Alert.objects.get()
    assert (
        answers
        == [
            {
                "status": "saved",
                "url": f"/can/alerts/{alert.uid}/",
                "message": "Alert recorded. The duty officer has been notified.",
            }
        ]
        * 2
    )
    refused = client.post(
        reverse("can:alert-create"), {**post, "client_uuid": str(uuid.uuid4()), "description": ""}, **SYNC
    )
    assert (refused.status_code, _json(refused)["errors"]) == (400, {"description": ["This field is required."]})
    assert Alert.objects.count() == 1


def test_only_the_field_forms_and_homes_may_be_kept_on_the_phone(client, world, users, plan):
    client.force_login(users["cla"])
    meeting = MeetingFactory(base=world.base, created_by=users["cla"], locality=world.sange)
    focal_point = make_focal_point(world.base, world.sange)
    alert = make_alert(base=world.base)
    kept = {
        reverse(name, kwargs=kwargs)
        for name, kwargs in [
            ("cla:home", {}),
            ("field-offline", {}),
            ("cla:meeting-create", {}),
            ("cla:plan-create", {}),
            ("can:alert-create", {}),
            ("cla:plan-edit", {"uid": plan.uid}),
            ("cla:meeting-edit", {"uid": meeting.uid}),
        ]
    }
    never = {
        reverse(name, kwargs=kwargs)
        for name, kwargs in [
            ("can:focalpoint-list", {}),
            ("can:focalpoint-detail", {"uid": focal_point.uid}),
            ("can:alert-detail", {"uid": alert.uid}),
            ("can:inbox", {}),
            ("cla:meeting-detail", {"uid": meeting.uid}),
            ("cla:meeting-list", {}),
            ("cla:plan-detail", {"uid": plan.uid}),
        ]
    }
    answers = {url: client.get(url) for url in kept | never}
    assert {url for url, r in answers.items() if r.status_code != 200} == set()
    assert {url for url, r in answers.items() if r.get("X-Field-Offline") == "1"} == kept


def test_a_meeting_with_sexual_violence_detail_is_never_kept_on_the_phone(client, world, users):
    client.force_login(users["cla"])
    meeting = MeetingFactory(base=world.base, created_by=users["cla"], locality=world.sange)
    ConcernFactory(meeting=meeting, category="sexual_violence", description="Agressions aux champs")
    response = client.get(reverse("cla:meeting-edit", kwargs={"uid": meeting.uid}))
    assert response.status_code == 200
    assert ("X-Field-Offline" in response, response["Cache-Control"]) == (False, "no-store")


def test_the_home_lists_the_pages_to_keep(client, world, users, plan):
    returned = MeetingFactory(base=world.base, created_by=users["cla"], locality=world.sange)
    returned.review_status, returned.review_round, returned.submitted_at = "returned", 1, returned.created_at
    returned.save(update_fields=["review_status", "review_round", "submitted_at"])
    client.force_login(users["cla"])
    keep = client.get(reverse("cla:home")).context["field_keep"].split()
    assert keep == [
        "/cla/",
        "/field/offline/",
        "/cla/meetings/new/",
        "/cla/plans/new/",
        "/can/alerts/new/",
        f"/cla/plans/{plan.uid}/edit/",
        f"/cla/meetings/{returned.uid}/edit/",
    ]


@pytest.mark.django_db
def test_the_service_worker_is_served_from_the_root_to_anyone(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert (response["Content-Type"], response["Service-Worker-Allowed"], response["Cache-Control"]) == (
        "text/javascript; charset=utf-8",
        "/",
        "no-cache",
    )
    text = response.content.decode()
    assert text.startswith("/* MONUSCO field mode")
    assert 'importScripts("/static/vendor/idb-keyval-6.3.0/umd.js", "/static/field/outbox.js");' in text
    assert '"/static/field/field.js"' in text


def test_the_session_check_says_who_is_signed_in(client, users):
    assert client.get(reverse("field-session")).status_code == 401
    client.force_login(users["cla"])
    response = client.get(reverse("field-session"))
    body = _json(response)
    assert (body["user"], len(body["csrf"])) == (str(users["cla"].pk), 64)
    assert "no-cache" in response["Cache-Control"]


def test_logging_out_tells_the_browser_to_clear_what_it_keeps(client, users):
    client.force_login(users["cla"])
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "storage"'
    assert client.get(reverse("field-session")).status_code == 401


def test_after_an_ordinary_save_the_next_page_alone_names_the_saved_form(client, world, users):
    client.force_login(users["cla"])
    response = client.post(reverse("cla:meeting-create"), _meeting_post(world.sange), follow=True)
    assert 'data-field-saved="/cla/meetings/new/"' in response.content.decode()
    assert "data-field-saved" not in client.get(reverse("cla:home")).content.decode()


def test_a_stale_plan_posted_by_a_person_still_gets_the_conflict_page(client, users, plan):
    client.force_login(users["cla"])
    stale = _edit_post(plan, summary="Version du téléphone")
    client.post(reverse("cla:plan-edit", kwargs={"uid": plan.uid}), _edit_post(plan, summary="Au bureau"))
    response = client.post(reverse("cla:plan-edit", kwargs={"uid": plan.uid}), stale)
    assert response.status_code == 409
    assert response["Content-Type"].startswith("text/html")
    assert CommunityProtectionPlan.objects.get().summary == "Au bureau"
