"""Two CLAs edit the same meeting or plan: the second save is refused as stale, nothing is lost, and
the page shows what they typed beside what is saved now, field by field and row by row."""

import datetime

import pytest
from django.urls import reverse
from django.utils import translation

from cla import services
from cla.models import CommunityProtectionPlan, PlanAction, PlanRevision, PlanThreat, SecurityConcern, UrafikiMeeting
from monusco.models import AuditLog
from tests.factories import (
    ActionFactory,
    ConcernFactory,
    FollowUpFactory,
    MeetingFactory,
    PlanFactory,
    ThreatFactory,
    make_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """The services' messages are read in English (French is the site default)."""
    with translation.override("en"):
        yield


@pytest.fixture
def colleague(world):
    return make_user("cla", base=world.base, username="t-colleague")


@pytest.fixture
def meeting(world, users):
    meeting = MeetingFactory(
        base=world.base,
        created_by=users["cla"],
        locality=world.uvira,
        held_on=datetime.date(2024, 5, 2),
        topics="Route des champs",
        women=12,
        men=9,
        girls=4,
        boys=1,
    )
    ConcernFactory(
        meeting=meeting, category="extortion", description="Barrière illégale à Kiliba", at_risk_groups=["women", "men"]
    )
    ConcernFactory(meeting=meeting, category="armed_attack", description="Tirs la nuit", at_risk_groups=[])
    FollowUpFactory(
        meeting=meeting, action="Patrouille de nuit", responsible="monusco", due_on=datetime.date(2024, 5, 20)
    )
    return meeting


@pytest.fixture
def plan(world, users):
    plan = PlanFactory(
        base=world.base,
        locality=world.sange,
        created_by=users["cla"],
        summary="Plan de Sange",
        period_start=datetime.date(2024, 7, 1),
        period_end=datetime.date(2024, 12, 31),
        women=6,
        men=7,
        girls=1,
        boys=2,
    )
    threat = ThreatFactory(
        plan=plan, category="extortion", perpetrator_type="bandits", description="Barrières illégales"
    )
    ActionFactory(
        threat=threat,
        description="Plaidoyer",
        responsible="local_authority",
        deadline=datetime.date(2024, 8, 1),
        status="planned",
    )
    return plan


def _opened(client, url) -> dict:
    """What the edit form holds when it is first shown, as the browser would post it back."""
    response = client.get(url)
    assert response.status_code == 200
    context = response.context
    post = {}
    if "editor" in context:
        editor = context["editor"]
        forms = [editor.form, editor.threats.management_form]
        for threat, actions in editor.rows():
            forms += [threat, actions.management_form, *actions.forms]
    else:
        forms = [
            context["form"],
            context["concerns"].management_form,
            *context["concerns"].forms,
            context["follow_ups"].management_form,
            *context["follow_ups"].forms,
        ]
    for form in forms:
        for bound in form:
            value = bound.value()
            if value in (None, False):
                continue
            if isinstance(value, list):
                post[bound.html_name] = [str(getattr(v, "pk", v)) for v in value]
            else:
                post[bound.html_name] = str(getattr(value, "pk", value))
    post["action"] = "save"
    return post


def _meeting_state(meeting):
    return (
        UrafikiMeeting.objects.filter(pk=meeting.pk).values("version", "topics", "women", "held_on").get(),
        sorted(SecurityConcern.objects.filter(meeting=meeting).values_list("description", "category")),
        sorted(meeting.follow_ups.values_list("action", "status")),
    )


def _plan_state(plan):
    return (
        CommunityProtectionPlan.objects.filter(pk=plan.pk).values("version", "summary", "women").get(),
        sorted(PlanThreat.objects.filter(plan=plan).values_list("description", "category")),
        sorted(PlanAction.objects.filter(threat__plan=plan).values_list("description", "status")),
        PlanRevision.objects.filter(plan=plan).count(),
    )


# --- the service rule ------------------------------------------------------------------------------


def _meeting_args(meeting, **overrides):
    args = {
        "locality": meeting.locality,
        "held_on": meeting.held_on,
        "meeting_type": meeting.meeting_type,
        "counts": {"women": 1, "men": 1, "girls": 0, "boys": 0},
        "topics": "Nouveau",
        "concerns": [],
        "follow_ups": [],
    }
    args.update(overrides)
    return args


def test_every_meeting_save_increments_the_version_and_a_stale_one_is_refused_with_the_current_record(
    world, users, meeting
):
    saved = services.meeting_update(user=users["cla"], meeting=meeting, expected_version=1, **_meeting_args(meeting))
    assert saved.version == 2
    before = _meeting_state(meeting)
    with pytest.raises(services.VersionConflict) as error:
        services.meeting_update(
            user=users["cla"], meeting=meeting, expected_version=1, **_meeting_args(meeting, topics="Écrasé")
        )
    assert _meeting_state(meeting) == before
    assert error.value.code == "stale_version"
    assert error.value.expected_version == 1
    current = error.value.current
    assert (current.pk, current.version, current.topics, list(current.concerns.all())) == (meeting.pk, 2, "Nouveau", [])
    assert error.value.messages == [
        "Someone else saved this record (version 2) after you opened it (version 1). Nothing of yours was saved yet: "
        "compare the two versions, then save again."
    ]


def test_every_plan_save_increments_the_version_and_a_stale_one_is_refused_with_the_current_record(users, plan):
    args = {"period_start": plan.period_start, "period_end": plan.period_end, "counts": {"women": 3}, "summary": "v2"}
    assert services.plan_update(user=users["cla"], plan=plan, expected_version=1, **args).version == 2
    before = _plan_state(plan)
    with pytest.raises(services.VersionConflict) as error:
        services.plan_update(user=users["cla"], plan=plan, expected_version=1, **{**args, "summary": "stale"})
    assert _plan_state(plan) == before
    current = error.value.current
    assert (current.version, current.summary, list(current.threats.all())) == (2, "v2", [])


def test_an_action_status_update_makes_a_new_plan_version(users, plan):
    action = PlanAction.objects.get()
    services.plan_action_update(user=users["cla"], action=action, status="done", review_on=None)
    plan.refresh_from_db()
    assert plan.version == 2
    assert PlanRevision.objects.get(plan=plan).snapshot["threats"][0]["actions"][0]["status"] == "planned"
    # Recording the same status again changes nothing, so it makes no version.
    services.plan_action_update(user=users["cla"], action=action, status="done", review_on=None)
    plan.refresh_from_db()
    assert (plan.version, PlanRevision.objects.count()) == (2, 1)


# --- the meeting page ------------------------------------------------------------------------------


def test_second_meeting_save_is_refused_and_shows_both_versions_then_saves_after_review(
    client, world, users, colleague, meeting
):
    url = reverse("cla:meeting-edit", kwargs={"uid": meeting.uid})
    client.force_login(users["cla"])
    first = _opened(client, url)
    client.force_login(colleague)
    second = _opened(client, url)
    assert first["version"] == second["version"] == "1"

    # The first CLA corrects a concern and saves.
    first["concerns-0-description"] = "Barrière illégale à Kiliba, deux fois par semaine"
    client.force_login(users["cla"])
    assert client.post(url, first).status_code == 302
    # The second, from the form opened before, deletes the other concern and changes the topics.
    second["concerns-1-DELETE"] = "on"
    second["topics"] = "Route des champs et marché"
    client.force_login(colleague)
    saved_before = _meeting_state(meeting)
    response = client.post(url, second)

    assert response.status_code == 409
    assert _meeting_state(meeting) == saved_before  # nothing reverted, nothing deleted
    conflict = response.context["conflict"]
    assert (conflict.expected_version, conflict.current_version) == (1, 2)
    assert [(f.label, f.yours, f.saved) for f in conflict.fields] == [
        ("Topics discussed", "Route des champs et marché", "Route des champs")
    ]
    concerns = conflict.sections[0]
    assert concerns.title == "Security concerns"
    assert [(r.title, r.state, [(f.label, f.yours, f.saved) for f in r.fields]) for r in concerns.rows] == [
        (
            "Illegal taxation or extortion – Barrière illégale à Kiliba",
            "changed",
            [("What was reported", "Barrière illégale à Kiliba", "Barrière illégale à Kiliba, deux fois par semaine")],
        ),
        (
            "Armed attack – Tirs la nuit",
            "only_saved",
            [("Threat category", "—", "Armed attack"), ("What was reported", "—", "Tirs la nuit")],
        ),
    ]
    html = response.content.decode()
    assert "Someone else saved this in the meantime" in html
    assert "Barrière illégale à Kiliba, deux fois par semaine" in html
    # What the second CLA typed is still in the form, now carrying the version saved since.
    form = response.context["form"]
    assert (form["topics"].value(), form["version"].value()) == ("Route des champs et marché", "2")
    assert 'name="version" value="2"' in html

    # After reading both, they save again on top of version 2.
    again = {**second, "version": "2"}
    assert client.post(url, again).status_code == 302
    meeting.refresh_from_db()
    assert (meeting.version, meeting.topics) == (3, "Route des champs et marché")
    assert list(meeting.concerns.values_list("description", flat=True)) == ["Barrière illégale à Kiliba"]


def test_a_meeting_form_without_a_version_is_never_saved_over_the_record(client, users, meeting):
    url = reverse("cla:meeting-edit", kwargs={"uid": meeting.uid})
    client.force_login(users["cla"])
    post = _opened(client, url)
    post.pop("version")
    post["topics"] = "Sans version"
    before = _meeting_state(meeting)
    response = client.post(url, post)
    assert response.status_code == 409
    assert _meeting_state(meeting) == before
    assert [(f.label, f.yours, f.saved) for f in response.context["conflict"].fields] == [
        ("Topics discussed", "Sans version", "Route des champs")
    ]


def test_the_meeting_conflict_view_logs_the_read_of_a_sexual_violence_concern(client, users, meeting):
    ConcernFactory(meeting=meeting, category="sexual_violence", description="Agressions près du point d'eau")
    url = reverse("cla:meeting-edit", kwargs={"uid": meeting.uid})
    client.force_login(users["cla"])
    post = _opened(client, url)
    UrafikiMeeting.objects.filter(pk=meeting.pk).update(version=2)
    reads = AuditLog.objects.filter(action=AuditLog.Action.VIEW_PROTECTED).count()
    response = client.post(url, post)
    assert response.status_code == 409
    assert AuditLog.objects.filter(action=AuditLog.Action.VIEW_PROTECTED).count() == reads + 1
    assert response.context["conflict"].differs is False
    assert "The saved version holds the same content as yours." in response.content.decode()


def test_the_conflict_message_is_translated(client, users, meeting):
    users["cla"].preferred_language = "sw"
    users["cla"].save(update_fields=["preferred_language"])
    url = reverse("cla:meeting-edit", kwargs={"uid": meeting.uid})
    client.force_login(users["cla"])
    post = _opened(client, url)
    UrafikiMeeting.objects.filter(pk=meeting.pk).update(version=5)
    response = client.post(url, post)
    with translation.override("sw"):
        expected = str(
            services.VersionConflict(current=UrafikiMeeting.objects.get(pk=meeting.pk), expected_version=1).messages[0]
        )
    assert expected.startswith("Mtu mwingine")
    assert expected in response.content.decode()


# --- the plan page ---------------------------------------------------------------------------------


def test_second_plan_save_is_refused_and_shows_threats_and_actions_of_both_versions(
    client, world, users, colleague, plan
):
    url = reverse("cla:plan-edit", kwargs={"uid": plan.uid})
    client.force_login(users["cla"])
    first = _opened(client, url)
    client.force_login(colleague)
    second = _opened(client, url)

    first["threats-0-description"] = "Barrières illégales sur la route de Luvungi"
    first["threats-0-actions-0-status"] = "in_progress"
    client.force_login(users["cla"])
    assert client.post(url, first).status_code == 302

    second["summary"] = "Plan revu avec les femmes"
    second["women"] = "9"
    client.force_login(colleague)
    before = _plan_state(plan)
    response = client.post(url, second)

    assert response.status_code == 409
    assert _plan_state(plan) == before
    conflict = response.context["conflict"]
    assert (conflict.expected_version, conflict.current_version) == (1, 2)
    assert [(f.label, f.yours, f.saved) for f in conflict.fields] == [
        ("Summary", "Plan revu avec les femmes", "Plan de Sange"),
        ("Women", "9", "6"),
    ]
    [threats] = conflict.sections
    [threat] = threats.rows
    assert (threat.title, threat.state) == ("Illegal taxation or extortion – Barrières illégales", "changed")
    assert [(f.label, f.yours, f.saved) for f in threat.fields] == [
        ("Threat", "Barrières illégales", "Barrières illégales sur la route de Luvungi")
    ]
    [actions] = threat.sections
    assert [(a.title, a.state, [(f.label, f.yours, f.saved) for f in a.fields]) for a in actions.rows] == [
        ("Plaidoyer", "changed", [("Status", "Planned", "In progress")])
    ]
    assert response.context["editor"].form["summary"].value() == "Plan revu avec les femmes"

    assert client.post(url, {**second, "version": "2"}).status_code == 302
    plan.refresh_from_db()
    assert (plan.version, plan.summary, PlanRevision.objects.filter(plan=plan).count()) == (
        3,
        "Plan revu avec les femmes",
        2,
    )


def test_a_status_recorded_after_the_plan_form_was_opened_is_not_undone_silently(client, users, plan):
    url = reverse("cla:plan-edit", kwargs={"uid": plan.uid})
    client.force_login(users["cla"])
    post = _opened(client, url)
    action = PlanAction.objects.get()
    client.post(reverse("cla:action-update", kwargs={"uid": action.uid}), {"status": "done", "review_on": ""})
    post["summary"] = "Résumé"
    response = client.post(url, post)
    assert response.status_code == 409
    action.refresh_from_db()
    assert action.status == "done"
    [threats] = response.context["conflict"].sections
    assert [(f.label, f.yours, f.saved) for f in threats.rows[0].sections[0].rows[0].fields] == [
        ("Status", "Planned", "Done")
    ]


def test_rows_added_on_one_side_are_shown_with_everything_they_hold(client, users, plan):
    url = reverse("cla:plan-edit", kwargs={"uid": plan.uid})
    client.force_login(users["cla"])
    post = _opened(client, url)
    threat = ThreatFactory(
        plan=plan,
        category="armed_attack",
        perpetrator_type="armed_group",
        description="Incursions la nuit",
        at_risk_groups=["boys"],
    )
    ActionFactory(threat=threat, description="Alerte précoce", responsible="community", deadline=None)
    CommunityProtectionPlan.objects.filter(pk=plan.pk).update(version=2)
    response = client.post(url, post)
    assert response.status_code == 409
    [threats] = response.context["conflict"].sections
    [added] = threats.rows
    assert (added.title, added.state) == ("Armed attack – Incursions la nuit", "only_saved")
    assert [(f.label, f.yours, f.saved) for f in added.fields] == [
        ("Threat category", "—", "Armed attack"),
        ("Perpetrator type", "—", "Armed group"),
        ("Threat", "—", "Incursions la nuit"),
        ("Groups at risk", "—", "Boys"),
    ]
    assert [(a.title, a.state, [(f.label, f.saved) for f in a.fields]) for a in added.sections[0].rows] == [
        (
            "Alerte précoce",
            "only_saved",
            [("Action", "Alerte précoce"), ("Responsible actor", "Community"), ("Status", "Planned")],
        )
    ]


def _admin_post(response) -> dict:
    """What the admin change form holds, as the browser would post it back."""
    post = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    for form in forms:
        for bound in form:
            value = bound.value()
            if value in (None, False) or bound.field.disabled:
                continue
            if isinstance(value, list):
                post[bound.html_name] = [str(getattr(v, "pk", v)) for v in value]
            else:
                post[bound.html_name] = str(getattr(value, "pk", value))
    return post


def test_an_administrators_edit_in_the_admin_makes_a_new_version_so_an_older_cla_form_is_refused(
    client, users, meeting
):
    edit = reverse("cla:meeting-edit", kwargs={"uid": meeting.uid})
    client.force_login(users["cla"])
    opened = _opened(client, edit)
    admin_client = type(client)()
    admin_client.force_login(users["admin"])
    change = reverse("admin:cla_urafikimeeting_change", args=[meeting.pk])
    post = _admin_post(admin_client.get(change))
    assert "version" not in post  # shown, never typed
    post["topics"] = "Corrigé par l'administrateur"
    assert admin_client.post(change, post).status_code == 302
    assert UrafikiMeeting.objects.filter(pk=meeting.pk).values_list("version", "topics").get() == (
        meeting.version + 1,
        "Corrigé par l'administrateur",
    )
    opened["topics"] = "Version de la CLA"
    response = client.post(edit, opened)
    assert response.status_code == 409
    assert UrafikiMeeting.objects.get(pk=meeting.pk).topics == "Corrigé par l'administrateur"
