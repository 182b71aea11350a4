import datetime

import pytest
from django.urls import reverse

from jpt.models import (
    Finding,
    ItineraryStop,
    JPTMission,
    MeetingHeld,
    MissionMember,
    Recommendation,
    RecommendationUpdate,
)
from tests.factories import FindingFactory, MemberFactory, MissionFactory, RecommendationFactory, make_user

CHANGELIST = "admin:jpt_jptmission_changelist"
ADD = "admin:jpt_jptmission_add"

NO_WOMAN = "The team has no woman. Without women on the team, women and girls are hard to meet and to hear."
NO_HR_GENDER = "Sexual violence is on record in this area, but the team has no one from Human Rights or Gender."
NO_CLA = "No CLA from a base covering the area is on the team."

INLINES = ["members", "stops", "meetings", "findings", "recommendations"]
SADD = {"women": "0", "men": "0", "girls": "0", "boys": "0"}


def _management(prefix, total, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def mission_post(world, *, members, title="Kiliba assessment", localities=None, **extra):
    """A full add form: the mission, and one row in every inline except the team (given)."""
    data = {
        "title": title,
        "start_date": "2026-10-05",
        "end_date": "2026-10-09",
        "localities": [str(pk) for pk in (localities or [world.sange.pk])],
        "bases": [str(world.base.pk)],
        "objectives": "Assess threats along the plain.",
        "terms_of_reference": "",
        "summary": "",
        "women": "12",
        "men": "20",
        "girls": "3",
        "boys": "4",
        "age_0_5": "",
        "age_6_12": "",
        "age_13_17": "",
        "age_18_49": "",
        "age_50_59": "",
        "age_60_plus": "",
    }
    data.update(_management("members", len(members)))
    for i, member in enumerate(members):
        data.update({f"members-{i}-{key}": value for key, value in member.items()})
    data.update(_management("stops", 1))
    data.update(
        {
            "stops-0-locality": str(world.sange.pk),
            "stops-0-arrive_on": "2026-10-05",
            "stops-0-leave_on": "2026-10-07",
            "stops-0-note": "By road from Uvira",
        }
    )
    data.update(_management("meetings", 1))
    data.update(
        {
            "meetings-0-held_on": "2026-10-06",
            "meetings-0-locality": str(world.sange.pk),
            "meetings-0-kind": "women",
            "meetings-0-with_whom": "Association des mamans",
            "meetings-0-women": "12",
            "meetings-0-men": "0",
            "meetings-0-girls": "3",
            "meetings-0-boys": "0",
            "meetings-0-notes": "",
        }
    )
    data.update(_management("findings", 1))
    data.update(
        {
            "findings-0-category": "extortion",
            "findings-0-locality": str(world.sange.pk),
            "findings-0-description": "Illegal barrier on market days.",
        }
    )
    data.update(_management("recommendations", 1))
    data.update(
        {
            "recommendations-0-text": "Remove the barrier.",
            "recommendations-0-responsible": "local_authority",
            "recommendations-0-responsible_detail": "Chef de groupement",
            "recommendations-0-deadline": "2026-11-15",
            "recommendations-0-follow_up_status": "open",
            "recommendations-0-update_note": "",
        }
    )
    data.update(extra)
    return data


def _messages(response):
    """The messages shown on the page a followed redirect ended on."""
    return [(m.level_tag, str(m)) for m in response.context["messages"]]


def _member(**kwargs):
    row = {"user": "", "external_name": "", "section": "civil_affairs", "sex": "m", "role": ""}
    row.update(kwargs)
    return row


@pytest.mark.django_db
def test_add_page_for_a_jpt_lead_has_every_inline(client, users):
    client.force_login(users["jpt"])
    response = client.get(reverse(ADD))
    assert response.status_code == 200
    formsets = {formset.formset.prefix for formset in response.context["inline_admin_formsets"]}
    assert formsets == set(INLINES)
    assert 'name="title"' in response.content.decode()


@pytest.mark.django_db
def test_jpt_lead_adds_a_full_mission_with_inlines(client, world, users):
    client.force_login(users["jpt"])
    members = [
        _member(user=str(users["jpt"].pk), section="civil_affairs", sex="f", role="Team leader"),
        _member(user=str(users["cla"].pk), section="cla", sex="m", role="Interpreter"),
        _member(external_name="Aline Mwamini", section="human_rights", sex="f"),
    ]
    response = client.post(reverse(ADD), mission_post(world, members=members), follow=True)
    assert response.redirect_chain[0][1] == 302
    mission = JPTMission.objects.get()
    assert (mission.title, mission.lead, mission.status, mission.review_status) == (
        "Kiliba assessment",
        users["jpt"],
        "planned",
        "draft",
    )
    assert list(mission.localities.all()) == [world.sange]
    assert list(mission.bases.all()) == [world.base]
    assert (mission.women, mission.men, mission.girls, mission.boys) == (12, 20, 3, 4)
    assert sorted(mission.members.values_list("section", "sex")) == [
        ("civil_affairs", "f"),
        ("cla", "m"),
        ("human_rights", "f"),
    ]
    assert list(ItineraryStop.objects.values_list("locality__name", "arrive_on", "leave_on")) == [
        ("Sange", datetime.date(2026, 10, 5), datetime.date(2026, 10, 7))
    ]
    assert list(MeetingHeld.objects.values_list("with_whom", "women", "girls")) == [("Association des mamans", 12, 3)]
    assert list(Finding.objects.values_list("category", flat=True)) == ["extortion"]
    assert list(Recommendation.objects.values_list("text", "follow_up_status")) == [("Remove the barrier.", "open")]
    assert RecommendationUpdate.objects.count() == 0
    assert [m for m in _messages(response) if m[0] == "warning"] == []


@pytest.mark.django_db
def test_lead_cannot_make_someone_else_lead(client, world, users):
    client.force_login(users["jpt"])
    data = mission_post(world, members=[_member(external_name="A", sex="f")], lead=str(users["manager"].pk))
    assert client.post(reverse(ADD), data).status_code == 302
    assert JPTMission.objects.get().lead == users["jpt"]


@pytest.mark.django_db
def test_add_refuses_area_outside_scope_and_bad_dates(client, world, users):
    client.force_login(users["jpt"])
    data = mission_post(
        world, members=[_member(external_name="A", sex="f")], localities=[world.beni.pk], end_date="2026-10-01"
    )
    response = client.post(reverse(ADD), data)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["localities"] == ["You can only plan missions in the area you cover."]
    assert form.errors["__all__"] == ["The mission cannot end before it starts."]
    assert JPTMission.objects.count() == 0


@pytest.mark.django_db
def test_composition_warnings_on_save(client, world, users):
    from cla.models import SecurityConcern, UrafikiMeeting

    meeting = UrafikiMeeting.objects.create(
        base=world.base, locality=world.sange, held_on=datetime.date(2026, 9, 1), created_by=users["cla"]
    )
    SecurityConcern.objects.create(meeting=meeting, category="sexual_violence", description="Reported assaults.")
    client.force_login(users["jpt"])
    members = [
        _member(external_name="Serge Ngoy", section="civil_affairs", sex="m"),
        _member(external_name="Capt. Siddiqui", section="military", sex="m"),
    ]
    response = client.post(reverse(ADD), mission_post(world, members=members), follow=True)
    assert response.redirect_chain[0][1] == 302
    assert [m for m in _messages(response) if m[0] == "warning"] == [
        ("warning", NO_WOMAN),
        ("warning", NO_HR_GENDER),
        ("warning", NO_CLA),
    ]
    assert JPTMission.objects.count() == 1  # warnings, not blocks


@pytest.mark.django_db
def test_no_warning_about_sexual_violence_without_record(client, world, users):
    client.force_login(users["jpt"])
    members = [_member(external_name="Serge Ngoy", sex="m"), _member(user=str(users["cla"].pk), section="cla")]
    response = client.post(reverse(ADD), mission_post(world, members=members), follow=True)
    assert [m for m in _messages(response) if m[0] == "warning"] == [("warning", NO_WOMAN)]


@pytest.mark.django_db
def test_cla_from_another_base_does_not_count(client, world, users):
    client.force_login(users["jpt"])
    members = [_member(external_name="Aline", sex="f"), _member(user=str(users["cla2"].pk), section="cla")]
    response = client.post(reverse(ADD), mission_post(world, members=members), follow=True)
    assert [m for m in _messages(response) if m[0] == "warning"] == [("warning", NO_CLA)]


@pytest.mark.django_db
def test_change_page_edits_inlines_and_records_follow_up(client, world, users, mission):
    member = MemberFactory(mission=mission, external_name="Aline", section="human_rights", sex="f")
    rec = RecommendationFactory(mission=mission, text="Patrol the road.")
    client.force_login(users["jpt"])
    url = reverse("admin:jpt_jptmission_change", args=[mission.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert 'name="title"' in response.content.decode()
    data = mission_post(world, members=[], title="Sange–Kiliba (revised)")
    data.update(_management("members", 1, initial=1))
    data.update(
        {
            "members-0-id": str(member.pk),
            "members-0-mission": str(mission.pk),
            "members-0-user": "",
            "members-0-external_name": "Aline Mwamini",
            "members-0-section": "human_rights",
            "members-0-sex": "f",
            "members-0-role": "HR officer",
        }
    )
    data.update(_management("recommendations", 1, initial=1))
    data.update(
        {
            "recommendations-0-id": str(rec.pk),
            "recommendations-0-mission": str(mission.pk),
            "recommendations-0-text": "Patrol the road.",
            "recommendations-0-responsible": "fardc",
            "recommendations-0-responsible_detail": "",
            "recommendations-0-deadline": "2026-11-01",
            "recommendations-0-follow_up_status": "in_progress",
            "recommendations-0-update_note": "Patrols twice a week.",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302
    mission.refresh_from_db()
    assert mission.title == "Sange–Kiliba (revised)"
    assert list(mission.members.values_list("external_name", "role")) == [("Aline Mwamini", "HR officer")]
    rec.refresh_from_db()
    assert (rec.follow_up_status, rec.last_update_note) == ("in_progress", "Patrols twice a week.")
    assert list(RecommendationUpdate.objects.values_list("status", "note", "author__username")) == [
        ("in_progress", "Patrols twice a week.", "t-jpt")
    ]


@pytest.mark.django_db
def test_changelist_for_a_jpt_lead(client, world, users, mission):
    other_lead = make_user("jpt_lead", province=world.south, username="t-jpt-other")
    MissionFactory(title="Minembwe dialogue", lead=other_lead, localities=[world.minembwe])
    MissionFactory(title="Beni mission", lead=other_lead, localities=[world.beni])
    MemberFactory(mission=mission, sex="f")
    MemberFactory(mission=mission, sex="m")
    client.force_login(users["jpt"])
    response = client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    rows = {m.title: (m.team_size, m.women_on_team, m.overdue_count) for m in response.context["cl"].result_list}
    assert rows == {"Sange–Kiliba": (2, 1, 0), "Minembwe dialogue": (0, 0, 0)}


@pytest.mark.django_db
def test_changelist_filters_and_search(client, world, users, mission):
    other = MissionFactory(title="Minembwe dialogue", lead=users["jpt"], localities=[world.minembwe])
    RecommendationFactory(mission=other, deadline=datetime.date(2020, 1, 1))
    RecommendationFactory(mission=mission, deadline=datetime.date(2020, 1, 1), follow_up_status="done")
    client.force_login(users["jpt"])

    def titles(**params):
        response = client.get(reverse(CHANGELIST), params)
        assert response.status_code == 200
        return sorted(m.title for m in response.context["cl"].result_list)

    assert titles(territory=world.fizi_t.pk) == ["Minembwe dialogue"]
    assert titles(overdue="yes") == ["Minembwe dialogue"]
    assert titles(overdue="no") == ["Sange–Kiliba"]
    assert titles(status__exact="planned") == ["Minembwe dialogue", "Sange–Kiliba"]
    assert titles(q="Sange") == ["Sange–Kiliba"]
    assert titles(start_date__year="2026", start_date__month="10") == ["Minembwe dialogue", "Sange–Kiliba"]


def _changelist_queries(django_assert_num_queries, client, expected):
    with django_assert_num_queries(expected):
        response = client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    return response


@pytest.mark.django_db
@pytest.mark.parametrize("count", [10, 50])
def test_changelist_query_count_is_constant(client, world, users, django_assert_num_queries, count):
    for i in range(count):
        m = MissionFactory(
            lead=users["jpt"],
            localities=[world.sange, world.minembwe],
            start_date=datetime.date(2026, 1 + i % 12, 1),
            end_date=datetime.date(2026, 1 + i % 12, 5),
        )
        MemberFactory(mission=m, sex="f")
        MemberFactory(mission=m, sex="m")
        RecommendationFactory(mission=m, deadline=datetime.date(2020, 1, 1))
        FindingFactory(mission=m)
    client.force_login(users["jpt"])
    client.get(reverse(CHANGELIST))  # warm the session
    response = _changelist_queries(django_assert_num_queries, client, 15)
    assert response.context["cl"].result_count == count
    first = response.context["cl"].result_list[0]
    assert (first.team_size, first.women_on_team, first.overdue_count) == (2, 1, 1)


# --- permissions -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client, mission):
    for url in [reverse(CHANGELIST), reverse(ADD), reverse("admin:jpt_jptmission_change", args=[mission.pk])]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "changelist", "add", "change_page", "editable"),
    [
        ("jpt", 200, 200, 200, True),
        ("cla", 200, 403, 200, False),
        ("cla2", 200, 403, 302, False),  # Minembwe's CLA: Sange is out of scope
        ("gender", 200, 403, 200, False),
        ("manager", 200, 403, 200, False),
        ("admin", 200, 200, 200, True),
        ("duty", 403, 403, 403, False),
        ("api", 403, 403, 403, False),
        ("far_manager", 200, 403, 302, False),  # out of scope: "does not exist" redirect
        ("norole", 302, 302, 302, False),
    ],
)
def test_permission_matrix(client, users, mission, who, changelist, add, change_page, editable):
    client.force_login(users[who])
    assert client.get(reverse(CHANGELIST)).status_code == changelist
    assert client.get(reverse(ADD)).status_code == add
    response = client.get(reverse("admin:jpt_jptmission_change", args=[mission.pk]))
    assert response.status_code == change_page
    if change_page == 200:
        assert ('name="title"' in response.content.decode()) is editable


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["other_lead", "cla", "gender", "manager", "duty", "far_manager", "norole"])
def test_edits_refused_and_nothing_changed(client, world, users, mission, who):
    MemberFactory(mission=mission, external_name="Aline", sex="f")
    actor = make_user("jpt_lead", province=world.south, username="t-jpt-other") if who == "other_lead" else users[who]
    before = JPTMission.objects.filter(pk=mission.pk).values().get()
    client.force_login(actor)
    data = mission_post(world, members=[_member(external_name="Intruder")], title="Hijacked")
    response = client.post(reverse("admin:jpt_jptmission_change", args=[mission.pk]), data)
    assert response.status_code in {302, 403}
    if response.status_code == 302:
        assert not response.url.endswith(reverse(CHANGELIST))
    assert JPTMission.objects.filter(pk=mission.pk).values().get() == before
    assert list(MissionMember.objects.values_list("external_name", flat=True)) == ["Aline"]
    assert Finding.objects.count() == 0


@pytest.mark.django_db
def test_another_leads_mission_is_read_only(client, world, users):
    other_lead = make_user("jpt_lead", province=world.south, username="t-jpt-other")
    theirs = MissionFactory(title="Theirs", lead=other_lead, localities=[world.sange])
    client.force_login(users["jpt"])
    response = client.get(reverse("admin:jpt_jptmission_change", args=[theirs.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="title"' not in html
    assert all(not f.formset.can_delete and f.formset.extra == 0 for f in response.context["inline_admin_formsets"])


# --- lifecycle buttons and actions -------------------------------------------------------------


def _step(client, mission, name):
    return client.post(reverse("admin:jpt_jptmission_transition", args=[mission.pk, name]), follow=True)


@pytest.mark.django_db
def test_buttons_walk_the_lifecycle(client, users, mission):
    client.force_login(users["manager"])
    page = client.get(reverse("admin:jpt_jptmission_change", args=[mission.pk]))
    assert [t.name for t in page.context["transitions"]] == ["approve"]
    response = _step(client, mission, "approve")
    assert response.redirect_chain == [(reverse("admin:jpt_jptmission_change", args=[mission.pk]), 302)]
    assert _messages(response) == [("success", "Mission is now approved.")]
    client.force_login(users["jpt"])
    for name, status in [("start", "ongoing"), ("complete", "completed")]:
        _step(client, mission, name)
        assert JPTMission.objects.get(pk=mission.pk).status == status
    FindingFactory(mission=mission)
    JPTMission.objects.filter(pk=mission.pk).update(summary="Threats along the plain.")
    response = _step(client, mission, "submit_report")
    assert _messages(response) == [("success", "Mission is now report submitted.")]
    stored = JPTMission.objects.get(pk=mission.pk)
    assert (stored.status, stored.review_status, stored.review_round) == ("report_submitted", "submitted", 1)


@pytest.mark.django_db
def test_illegal_button_shows_message_and_changes_nothing(client, users, mission):
    before = JPTMission.objects.filter(pk=mission.pk).values().get()
    client.force_login(users["jpt"])
    response = _step(client, mission, "complete")
    assert response.status_code == 200
    assert _messages(response) == [("error", "Only an ongoing mission can be completed; this one is planned.")]
    response = _step(client, mission, "approve")
    assert _messages(response) == [("error", "Only a head of office or a mission manager can approve a mission.")]
    assert client.get(reverse("admin:jpt_jptmission_transition", args=[mission.pk, "start"])).status_code == 405
    assert JPTMission.objects.filter(pk=mission.pk).values().get() == before


@pytest.mark.django_db
def test_button_on_out_of_scope_mission(client, world, users):
    far = MissionFactory(lead=users["jpt"], localities=[world.beni])
    client.force_login(users["manager"])
    response = _step(client, far, "approve")
    assert response.redirect_chain == [(reverse("admin:index"), 302)]
    assert JPTMission.objects.get(pk=far.pk).status == "planned"


@pytest.mark.django_db
def test_actions(client, world, users, mission):
    second = MissionFactory(title="Second", lead=users["jpt"], localities=[world.sange])
    client.force_login(users["manager"])
    response = client.post(
        reverse(CHANGELIST), {"action": "action_approve", "_selected_action": [mission.pk, second.pk]}, follow=True
    )
    assert _messages(response) == [("success", "Approve: done for 2 mission(s).")]
    assert set(JPTMission.objects.values_list("status", flat=True)) == {"approved"}
    client.force_login(users["jpt"])
    response = client.post(
        reverse(CHANGELIST), {"action": "action_complete", "_selected_action": [mission.pk]}, follow=True
    )
    assert _messages(response) == [
        ("error", "Sange–Kiliba: Only an ongoing mission can be completed; this one is approved.")
    ]
    assert JPTMission.objects.get(pk=mission.pk).status == "approved"


@pytest.mark.django_db
def test_actions_offered_per_role(client, users, mission):
    def offered(who):
        client.force_login(users[who])
        form = client.get(reverse(CHANGELIST)).context["action_form"]
        return sorted(name for name, _label in form.fields["action"].choices if name) if form else []

    assert offered("manager") == ["action_approve"]
    assert offered("jpt") == ["action_complete", "action_start", "action_submit_report"]
    assert offered("cla") == []


# --- overdue recommendations -------------------------------------------------------------------


@pytest.mark.django_db
def test_overdue_recommendations_with_history(client, world, users, mission):
    from tests.factories import RecommendationUpdateFactory

    late = RecommendationFactory(mission=mission, text="Remove the barrier.", deadline=datetime.date(2020, 3, 1))
    RecommendationUpdateFactory(recommendation=late, author=users["jpt"], note="Raised with the chief.")
    RecommendationFactory(
        mission=mission, text="Already done.", deadline=datetime.date(2020, 3, 1), follow_up_status="done"
    )
    RecommendationFactory(mission=mission, text="Not yet due.", deadline=datetime.date(2999, 1, 1))
    far = MissionFactory(lead=users["jpt"], localities=[world.beni])
    RecommendationFactory(mission=far, text="Far away.", deadline=datetime.date(2020, 3, 1))
    client.force_login(users["jpt"])
    response = client.get(reverse("admin:jpt_overdue_recommendations"))
    assert response.status_code == 200
    assert [r.text for r in response.context["recommendations"]] == ["Remove the barrier."]
    assert "Raised with the chief." in response.content.decode()
    client.force_login(users["duty"])
    assert client.get(reverse("admin:jpt_overdue_recommendations")).status_code == 403


# --- every jpt model in the admin --------------------------------------------------------------

MODELS = [
    "jptmission",
    "missionmember",
    "itinerarystop",
    "meetingheld",
    "finding",
    "recommendation",
    "recommendationupdate",
]


@pytest.mark.django_db
@pytest.mark.parametrize("model", MODELS)
def test_administrator_pages(client, users, mission, model):
    RecommendationFactory(mission=mission)
    client.force_login(users["admin"])
    assert client.get(reverse(f"admin:jpt_{model}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:jpt_{model}_add")).status_code == 200


@pytest.mark.django_db
def test_recommendation_admin_records_follow_up(client, users, mission):
    rec = RecommendationFactory(mission=mission, text="Patrol the road.")
    client.force_login(users["jpt"])
    url = reverse("admin:jpt_recommendation_change", args=[rec.pk])
    data = {
        "text": "Patrol the road.",
        "responsible": "fardc",
        "responsible_detail": "",
        "deadline": "2026-11-01",
        "follow_up_status": "done",
        "update_note": "Done since October.",
        **_management("updates", 0),
    }
    assert client.post(url, data).status_code == 302
    rec.refresh_from_db()
    assert (rec.follow_up_status, rec.last_update_note) == ("done", "Done since October.")
    assert list(rec.updates.values_list("status", "author__username")) == [("done", "t-jpt")]
    client.force_login(users["cla"])
    data["follow_up_status"] = "dropped"
    assert client.post(url, data).status_code == 403
    rec.refresh_from_db()
    assert rec.follow_up_status == "done"
    assert rec.updates.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "shown"), [("jpt", True), ("gender", True), ("manager", False), ("cla", False), ("other_lead", False)]
)
def test_sexual_violence_findings_are_need_to_know(client, world, users, mission, who, shown):
    from monusco.models import AuditLog

    detail = "Two women assaulted near the river."
    finding = FindingFactory(mission=mission, category="sexual_violence", description=detail)
    FindingFactory(mission=mission, category="looting", description="Shops looted at night.")
    actor = make_user("jpt_lead", province=world.south, username="t-jpt-other") if who == "other_lead" else users[who]
    client.force_login(actor)
    html = client.get(reverse("admin:jpt_jptmission_change", args=[mission.pk])).content.decode()
    assert "Shops looted at night." in html
    assert (detail in html) is shown
    assert ("Details withheld" in html) is not shown
    logged = AuditLog.objects.filter(action=AuditLog.Action.VIEW_PROTECTED, object_pk=str(finding.pk), actor=actor)
    assert logged.count() == (1 if who == "gender" else 0)


@pytest.mark.django_db
@pytest.mark.parametrize("model", ["missionmember", "itinerarystop", "meetingheld", "finding", "recommendationupdate"])
def test_child_tables_are_read_on_the_mission_form_only(client, users, model):
    client.force_login(users["jpt"])
    assert client.get(reverse(f"admin:jpt_{model}_changelist")).status_code == 403


@pytest.mark.django_db
def test_age_bands_that_do_not_add_up_get_a_clear_message(client, world, users):
    client.force_login(users["jpt"])
    data = mission_post(
        world,
        members=[_member(external_name="Aline", sex="f")],
        age_0_5="1",
        age_6_12="1",
        age_13_17="1",
        age_18_49="10",
        age_50_59="10",
        age_60_plus="0",
    )
    data.update({"meetings-0-age_0_5": "2"})
    response = client.post(reverse(ADD), data)
    assert response.status_code == 200
    bands = "Fill in every band or none. Under 18 must add up to girls + boys; 18 and over to women + men."
    assert response.context["adminform"].form.errors["__all__"] == [bands]
    meeting_form = next(f for f in response.context["inline_admin_formsets"] if f.formset.prefix == "meetings")
    assert meeting_form.formset.forms[0].errors["__all__"] == [bands]
    assert JPTMission.objects.count() == 0


@pytest.mark.django_db
def test_overdue_list_query_count_is_constant(client, users, mission, django_assert_num_queries):
    from tests.factories import RecommendationUpdateFactory

    client.force_login(users["jpt"])
    url = reverse("admin:jpt_overdue_recommendations")

    def add(n):
        for i in range(n):
            rec = RecommendationFactory(mission=mission, text=f"Late {i}", deadline=datetime.date(2020, 1, 1 + i))
            RecommendationUpdateFactory(recommendation=rec, author=users["jpt"])

    add(2)
    client.get(url)
    with django_assert_num_queries(10):
        assert len(client.get(url).context["recommendations"]) == 2
    add(6)
    with django_assert_num_queries(10):
        assert len(client.get(url).context["recommendations"]) == 8
