"""The lead's lifecycle steps save what was typed; the wait for approval names who approves; the
team picker offers staff only; the admin carries the site's own title."""

import pytest
from django.urls import reverse

from jpt import services
from jpt.models import JPTMission, MissionMember
from tests.factories import make_user
from tests.jpt.test_admin import _management, _member, _messages, mission_post

pytestmark = pytest.mark.django_db


def _completed(mission, users):
    services.mission_transition(mission=mission, user=users["manager"], name="approve")
    services.mission_transition(mission=mission, user=users["jpt"], name="start")
    services.mission_transition(mission=mission, user=users["jpt"], name="complete")


def _change(mission):
    return reverse("admin:jpt_jptmission_change", args=[mission.pk])


def test_submitting_the_report_saves_the_summary_typed_with_it(client, world, users, mission):
    _completed(mission, users)
    client.force_login(users["jpt"])
    page = client.get(_change(mission)).content.decode()
    assert '<button type="submit" class="step" name="_transition" value="submit_report">' in page
    assert 'action="/admin/jpt/jptmission/' not in page.split('id="jptmission_form"')[0].split("object-tools")[-1]
    data = mission_post(world, members=[], title=mission.title, summary="Barriers on market days.")
    response = client.post(_change(mission), {**data, "_transition": "submit_report"}, follow=True)
    assert response.redirect_chain == [(_change(mission), 302)]
    assert _messages(response)[-2:] == [
        ("success", "Your changes were saved."),
        ("success", "Mission is now report submitted."),
    ]
    stored = JPTMission.objects.get(pk=mission.pk)
    assert (stored.summary, stored.status, stored.review_status) == (
        "Barriers on market days.",
        "report_submitted",
        "submitted",
    )


def test_a_refused_step_keeps_what_was_typed(client, world, users, mission):
    _completed(mission, users)
    client.force_login(users["jpt"])
    data = mission_post(world, members=[], title=mission.title, summary="Draft summary kept.")
    data.update(_management("findings", 0))
    response = client.post(_change(mission), {**data, "_transition": "submit_report"}, follow=True)
    assert _messages(response)[-2:] == [
        ("success", "Your changes were saved."),
        ("error", "Record at least one finding before submitting the report."),
    ]
    stored = JPTMission.objects.get(pk=mission.pk)
    assert (stored.summary, stored.status) == ("Draft summary kept.", "completed")


def test_an_invalid_form_with_a_step_keeps_the_input_and_takes_no_step(client, world, users, mission):
    _completed(mission, users)
    client.force_login(users["jpt"])
    data = mission_post(world, members=[], title="", summary="Typed, not yet saved.")
    response = client.post(_change(mission), {**data, "_transition": "submit_report"})
    assert response.status_code == 200
    assert "Typed, not yet saved." in response.content.decode()
    stored = JPTMission.objects.get(pk=mission.pk)
    assert (stored.summary, stored.status) == ("", "completed")


def test_a_planned_mission_says_who_must_approve_it(client, users, mission):
    users["manager"].first_name, users["manager"].last_name = "Grace", "Mapendo"
    users["manager"].save()
    client.force_login(users["jpt"])
    html = client.get(_change(mission)).content.decode()
    assert (
        '<p class="waiting-approval" id="waiting-approval">\n  '
        "Waiting for approval by a mission manager or head of office: Grace Mapendo."
    ) in html
    services.mission_transition(mission=mission, user=users["manager"], name="approve")
    assert 'id="waiting-approval"' not in client.get(_change(mission)).content.decode()


def test_the_team_picker_offers_staff_users_only(client, world, users, mission):
    from monusco.api.services import api_client_create
    from monusco.models import Province
    from tests.agreements import agreement_in_force

    tool, _key = api_client_create(
        agreement=agreement_in_force(), name="Situational tool", provinces=[Province.objects.get(name="South Kivu")]
    )
    staff_api = users["api"]  # the API client role, even when marked staff
    inactive = make_user("cla", base=world.base, username="t-gone", is_active=False)
    client.force_login(users["jpt"])
    url = reverse("admin:autocomplete")
    params = {"app_label": "jpt", "model_name": "missionmember", "field_name": "user"}
    found = {row["id"] for row in client.get(url, params).json()["results"]}
    assert str(tool.user.pk) not in found and str(staff_api.pk) not in found and str(inactive.pk) not in found
    assert {str(users["cla"].pk), str(users["jpt"].pk), str(users["manager"].pk)} <= found

    before = list(MissionMember.objects.values_list("pk", flat=True))
    data = mission_post(world, members=[_member(user=str(tool.user.pk))], title=mission.title)
    response = client.post(_change(mission), data)
    assert response.status_code == 200
    errors = response.context["inline_admin_formsets"][0].formset.errors
    assert errors[0]["user"] == ["Select a valid choice. That choice is not one of the available choices."]
    assert list(MissionMember.objects.values_list("pk", flat=True)) == before


def test_the_admin_is_titled_for_the_site(client, users):
    client.force_login(users["jpt"])
    client.cookies["django_language"] = "fr"
    html = client.get(reverse("admin:index")).content.decode()
    assert "Administration de Django" not in html
    assert "Coordination terrain MONUSCO" in html
