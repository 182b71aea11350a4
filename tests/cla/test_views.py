"""CLA pages: permission matrix, denied writes change nothing, validation, review loop, plans."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from cla.models import CommunityProtectionPlan, PlanAction, PlanRevision, SecurityConcern, UrafikiMeeting
from gender.models import ChecklistItem, ReviewChecklist, ReviewStatus
from monusco.models import AuditLog
from tests.factories import (
    ActionFactory,
    ConcernFactory,
    LocalityFactory,
    MeetingFactory,
    OperatingBaseFactory,
    PlanFactory,
    ThreatFactory,
)

ROLES = ["cla", "cla2", "duty", "jpt", "gender", "manager", "far_manager", "admin", "api", "norole"]


@pytest.fixture
def data(world, users):
    meeting = MeetingFactory(base=world.base, created_by=users["cla"])
    ConcernFactory(meeting=meeting, category="sexual_violence", description="Agressions près du point d'eau")
    plan = PlanFactory(base=world.base, created_by=users["cla"])
    action = ActionFactory(threat=ThreatFactory(plan=plan), deadline=timezone.localdate() - datetime.timedelta(days=3))
    PlanRevision.objects.create(
        plan=plan, version=1, snapshot={"threats": [], "period_start": "2024-01-01"}, saved_by=users["cla"]
    )
    return {"meeting": meeting, "plan": plan, "action": action}


# Expected GET status per role for each page ("login" = redirect to the login page).
READ_ANY = {
    "cla": 200,
    "cla2": 200,
    "duty": 200,
    "jpt": 200,
    "gender": 200,
    "manager": 200,
    "far_manager": 200,
    "admin": 200,
    "api": 403,
    "norole": 403,
}
READ_RECORD = {
    "cla": 200,
    "cla2": 404,
    "duty": 200,
    "jpt": 200,
    "gender": 200,
    "manager": 200,
    "far_manager": 404,
    "admin": 200,
    "api": 404,
    "norole": 404,
}
CREATE = {
    "cla": 200,
    "cla2": 200,
    "duty": 403,
    "jpt": 403,
    "gender": 403,
    "manager": 403,
    "far_manager": 403,
    "admin": 403,
    "api": 403,
    "norole": 403,
}
EDIT_RECORD = {
    "cla": 200,
    "cla2": 404,
    "duty": 403,
    "jpt": 403,
    "gender": 403,
    "manager": 403,
    "far_manager": 404,
    "admin": 403,
    "api": 404,
    "norole": 404,
}


def _pages(data):
    m, p = data["meeting"].uid, data["plan"].uid
    return [
        (reverse("cla:home"), READ_ANY),
        (reverse("cla:meeting-list"), READ_ANY),
        (reverse("cla:plan-list"), READ_ANY),
        (reverse("cla:meeting-create"), CREATE),
        (reverse("cla:plan-create"), CREATE),
        (reverse("cla:meeting-detail", kwargs={"uid": m}), READ_RECORD),
        (reverse("cla:plan-detail", kwargs={"uid": p}), READ_RECORD),
        (reverse("cla:plan-revision", kwargs={"uid": p, "version": 1}), READ_RECORD),
        (reverse("cla:meeting-edit", kwargs={"uid": m}), EDIT_RECORD),
        (reverse("cla:plan-edit", kwargs={"uid": p}), EDIT_RECORD),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_get_permission_matrix(client, users, data, role):
    client.force_login(users[role])
    got = {url: client.get(url).status_code for url, _ in _pages(data)}
    assert got == {url: expected[role] for url, expected in _pages(data)}


def test_anonymous_is_sent_to_login_everywhere(client, data):
    for url, _ in _pages(data):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login") + "?next=")


def _state():
    return (
        list(UrafikiMeeting.objects.order_by("id").values()),
        list(SecurityConcern.objects.order_by("id").values()),
        list(CommunityProtectionPlan.objects.order_by("id").values()),
        list(PlanAction.objects.order_by("id").values()),
        PlanRevision.objects.count(),
    )


def _meeting_post(locality, **overrides):
    post = {
        "locality": locality.pk,
        "held_on": "2024-05-02",
        "meeting_type": "urafiki",
        "topics": "Route des champs",
        "women": "12",
        "men": "9",
        "girls": "4",
        "boys": "1",
        "age_0_5": "",
        "age_6_12": "",
        "age_13_17": "",
        "age_18_49": "",
        "age_50_59": "",
        "age_60_plus": "",
        "concerns-TOTAL_FORMS": "2",
        "concerns-INITIAL_FORMS": "0",
        "concerns-0-category": "extortion",
        "concerns-0-description": "Barrière illégale à Kiliba",
        "concerns-0-at_risk_groups": ["women", "men"],
        "concerns-1-category": "armed_attack",
        "concerns-1-description": "Tirs la nuit",
        "followups-TOTAL_FORMS": "1",
        "followups-INITIAL_FORMS": "0",
        "followups-0-action": "Patrouille de nuit",
        "followups-0-responsible": "monusco",
        "followups-0-due_on": "2024-05-20",
        "followups-0-status": "planned",
        "action": "save",
    }
    post.update(overrides)
    return post


@pytest.mark.parametrize(
    "role", ["anonymous", "cla2", "duty", "jpt", "gender", "manager", "far_manager", "admin", "api", "norole"]
)
def test_denied_writes_change_nothing(client, world, users, data, role):
    if role != "anonymous":
        client.force_login(users[role])
    m, p, a = data["meeting"].uid, data["plan"].uid, data["action"].uid
    before = _state()
    posts = [
        (reverse("cla:meeting-create"), _meeting_post(world.uvira)),
        (reverse("cla:meeting-edit", kwargs={"uid": m}), _meeting_post(world.uvira, topics="changed")),
        (reverse("cla:meeting-submit", kwargs={"uid": m}), {}),
        (reverse("cla:plan-submit", kwargs={"uid": p}), {}),
        (
            reverse("cla:plan-edit", kwargs={"uid": p}),
            {
                "period_start": "2024-01-01",
                "period_end": "2024-06-30",
                "women": "1",
                "men": "1",
                "girls": "0",
                "boys": "0",
                "threats-TOTAL_FORMS": "0",
                "threats-INITIAL_FORMS": "0",
            },
        ),
        (reverse("cla:action-update", kwargs={"uid": a}), {"status": "done", "review_on": ""}),
    ]
    statuses = [client.post(url, post).status_code for url, post in posts]
    if role == "anonymous":
        assert statuses == [302] * 6
    elif role in {"cla2"}:
        # cla2 may only create at Minembwe: an Uvira locality is refused as an invalid choice.
        assert statuses == [200, 404, 404, 404, 404, 404]
    elif role in {"far_manager", "api", "norole"}:
        assert statuses == [403, 404, 404, 404, 404, 404]
    else:
        assert statuses == [403] * 6
    assert _state() == before


def test_cla2_posting_a_foreign_locality_gets_an_error_and_nothing_is_saved(client, world, users):
    client.force_login(users["cla2"])
    response = client.post(reverse("cla:meeting-create"), _meeting_post(world.uvira))
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "locality": ["Select a valid choice. That choice is not one of the available choices."]
    }
    assert UrafikiMeeting.objects.count() == 0


def test_cla_creates_a_meeting_with_concerns_and_follow_up(client, world, users):
    client.force_login(users["cla"])
    response = client.post(
        reverse("cla:meeting-create"),
        _meeting_post(world.sange, facilitators=[users["cla"].cla_profile.pk], stakeholder_groups=["chief", "youth"]),
    )
    meeting = UrafikiMeeting.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cla:meeting-detail", kwargs={"uid": meeting.uid})
    assert (meeting.base, meeting.locality, meeting.held_on, meeting.created_by) == (
        world.base,
        world.sange,
        datetime.date(2024, 5, 2),
        users["cla"],
    )
    assert (meeting.women, meeting.men, meeting.girls, meeting.boys, meeting.age_0_5) == (12, 9, 4, 1, None)
    assert meeting.review_status == ReviewStatus.DRAFT
    assert meeting.stakeholder_groups == ["chief", "youth"]
    assert list(meeting.facilitators.all()) == [users["cla"].cla_profile]
    assert list(meeting.concerns.values_list("category", "description", "at_risk_groups")) == [
        ("extortion", "Barrière illégale à Kiliba", ["women", "men"]),
        ("armed_attack", "Tirs la nuit", []),
    ]
    assert list(meeting.follow_ups.values_list("action", "responsible", "due_on", "status")) == [
        ("Patrouille de nuit", "monusco", datetime.date(2024, 5, 20), "planned")
    ]


def test_save_and_submit_sends_the_meeting_for_review(client, world, users):
    client.force_login(users["cla"])
    client.post(reverse("cla:meeting-create"), _meeting_post(world.uvira, action="submit"))
    meeting = UrafikiMeeting.objects.get()
    assert (meeting.review_status, meeting.review_round) == (ReviewStatus.SUBMITTED, 1)


BANDS = "Fill in every band or none. Under 18 must add up to girls + boys; 18 and over to women + men."


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        ({"women": "-3"}, {"women": ["A count cannot be negative."]}),
        ({"held_on": "2999-01-01"}, {"held_on": ["The date cannot be in the future."]}),
        (
            {
                "age_0_5": "1",
                "age_6_12": "1",
                "age_13_17": "1",
                "age_18_49": "10",
                "age_50_59": "5",
                "age_60_plus": "6",
            },
            {"age_0_5": [BANDS]},
        ),
        (
            {
                "age_0_5": "1",
                "age_6_12": "2",
                "age_13_17": "2",
                "age_18_49": "10",
                "age_50_59": "5",
                "age_60_plus": "5",
            },
            {"age_18_49": [BANDS]},
        ),
        (
            {"age_0_5": "5"},
            {name: [BANDS] for name in ("age_6_12", "age_13_17", "age_18_49", "age_50_59", "age_60_plus")},
        ),
        ({"concerns-1-description": ""}, {}),
    ],
)
def test_bad_input_shows_the_error_by_the_field_and_keeps_the_rest(client, world, users, overrides, errors):
    client.force_login(users["cla"])
    response = client.post(reverse("cla:meeting-create"), _meeting_post(world.uvira, **overrides))
    assert response.status_code == 200
    assert response.context["form"].errors == errors
    if not errors:
        assert response.context["concerns"].errors == [{}, {"description": ["This field is required."]}]
    assert UrafikiMeeting.objects.count() == 0
    html = response.content.decode()
    assert "Barrière illégale à Kiliba" in html and 'value="9"' in html and "Route des champs" in html
    for messages in errors.values():
        assert messages[0] in html


def test_bands_that_add_up_are_saved(client, world, users):
    client.force_login(users["cla"])
    bands = {"age_0_5": "1", "age_6_12": "2", "age_13_17": "2", "age_18_49": "10", "age_50_59": "6", "age_60_plus": "5"}
    assert client.post(reverse("cla:meeting-create"), _meeting_post(world.uvira, **bands)).status_code == 302
    meeting = UrafikiMeeting.objects.get()
    assert (meeting.age_0_5, meeting.age_13_17, meeting.age_60_plus) == (1, 2, 5)


def test_the_errors_are_translated_into_french(client, world, users):
    users["cla"].preferred_language = "fr"
    users["cla"].save()
    client.force_login(users["cla"])
    response = client.post(reverse("cla:meeting-create"), _meeting_post(world.uvira, women="-1"))
    assert response.context["form"].errors == {"women": ["Un effectif ne peut pas être négatif."]}
    assert "Un effectif ne peut pas être négatif." in response.content.decode()


def test_add_a_row_renders_one_more_empty_concern_and_saves_nothing(client, world, users):
    client.force_login(users["cla"])
    response = client.post(reverse("cla:meeting-create"), _meeting_post(world.uvira, action="add_concern", women="-1"))
    assert response.status_code == 200
    assert response.context["concerns"].total_form_count() == 3
    assert 'class="errorlist"' not in response.content.decode()
    assert UrafikiMeeting.objects.count() == 0


def test_locality_outside_the_base_is_refused_by_the_rule_when_the_cla_has_two_bases(client, world, users):
    from cla.models import BaseAssignment

    BaseAssignment.objects.create(user=users["cla"], base=world.other_base, function="cla", starts_on="2020-01-01")
    client.force_login(users["cla"])
    response = client.post(reverse("cla:meeting-create"), _meeting_post(world.minembwe, base=world.base.pk))
    assert response.context["form"].errors == {"locality": ["Minembwe is not covered by the base Uvira."]}
    assert UrafikiMeeting.objects.count() == 0


def test_the_cla_edits_a_draft_and_the_rows_follow(client, world, users, data):
    meeting = data["meeting"]
    concern = meeting.concerns.get()
    client.force_login(users["cla"])
    post = _meeting_post(
        world.uvira,
        **{
            "version": str(meeting.version),
            "concerns-TOTAL_FORMS": "2",
            "concerns-INITIAL_FORMS": "1",
            "concerns-0-uid": str(concern.uid),
            "concerns-0-category": "sexual_violence",
            "concerns-0-description": "Corrigé",
            "concerns-0-DELETE": "",
            "concerns-1-category": "",
            "concerns-1-description": "",
            "followups-TOTAL_FORMS": "1",
            "followups-0-action": "",
            "followups-0-responsible": "",
            "followups-0-due_on": "",
        },
    )
    post.pop("concerns-0-at_risk_groups")
    response = client.post(reverse("cla:meeting-edit", kwargs={"uid": meeting.uid}), post)
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.topics == "Route des champs"
    assert list(meeting.concerns.values_list("uid", "description")) == [(concern.uid, "Corrigé")]
    assert meeting.follow_ups.count() == 0


def test_a_submitted_meeting_cannot_be_edited(client, world, users, data):
    meeting = data["meeting"]
    client.force_login(users["cla"])
    assert client.post(reverse("cla:meeting-submit", kwargs={"uid": meeting.uid})).status_code == 302
    before = _state()
    response = client.post(reverse("cla:meeting-edit", kwargs={"uid": meeting.uid}), _meeting_post(world.uvira))
    assert response["Location"] == reverse("cla:meeting-detail", kwargs={"uid": meeting.uid})
    assert _state() == before
    response = client.post(reverse("cla:meeting-submit", kwargs={"uid": meeting.uid}), follow=True)
    assert [str(m) for m in response.context["messages"]][-1] == (
        "This report is already submitted and cannot be submitted again."
    )


def test_returned_meeting_shows_the_reviewer_comments_and_can_be_resubmitted(client, users, data):
    from gender.models import Review, ReviewAnswer

    meeting = data["meeting"]
    client.force_login(users["cla"])
    client.post(reverse("cla:meeting-submit", kwargs={"uid": meeting.uid}))
    checklist = ReviewChecklist.objects.create(report_type="cla-test-meeting", version=1)
    item = ChecklistItem.objects.create(
        checklist=checklist,
        position=1,
        measure="sadd",
        text_fr="Les filles comptées ?",
        text_sw="Wasichana wamehesabiwa?",
        text_en="Are girls counted?",
    )
    review = Review.objects.create(
        content_type=ContentType.objects.get_for_model(meeting),
        object_id=meeting.pk,
        round=1,
        checklist=checklist,
        reviewer=users["gender"],
        decision="returned",
        comment="Ajoutez les groupes à risque.",
    )
    ReviewAnswer.objects.create(review=review, item=item, answer="no", comment="Pas de filles comptées")
    UrafikiMeeting.objects.filter(pk=meeting.pk).update(review_status=ReviewStatus.RETURNED)
    page = client.get(reverse("cla:meeting-detail", kwargs={"uid": meeting.uid})).content.decode()
    assert "Ajoutez les groupes à risque." in page and "Pas de filles comptées" in page and item.text_en in page
    home = client.get(reverse("cla:home"))
    assert home.context["returned"] == [UrafikiMeeting.objects.get(pk=meeting.pk)]
    client.post(reverse("cla:meeting-submit", kwargs={"uid": meeting.uid}))
    meeting.refresh_from_db()
    assert (meeting.review_status, meeting.review_round) == (ReviewStatus.SUBMITTED, 2)


def test_sexual_violence_detail_is_shown_to_the_base_cla_and_logged_but_hidden_from_the_duty_officer(
    client, users, data
):
    url = reverse("cla:meeting-detail", kwargs={"uid": data["meeting"].uid})
    client.force_login(users["duty"])
    assert "Agressions près du point d'eau" not in client.get(url).content.decode()
    assert AuditLog.objects.filter(action="view_protected").count() == 0
    client.force_login(users["cla"])
    assert "Agressions près du point d&#x27;eau" in client.get(url).content.decode()
    assert list(AuditLog.objects.filter(action="view_protected").values_list("actor__username", "model")) == [
        ("t-cla", "cla.urafikimeeting")
    ]


@pytest.mark.parametrize("rows", [10, 50])
def test_meeting_list_query_count_is_the_same_at_10_and_50_rows(client, world, users, rows, django_assert_num_queries):
    for n in range(rows):
        ConcernFactory(
            meeting=MeetingFactory(
                base=world.base, created_by=users["cla"], held_on=datetime.date(2024, 1, 1) + datetime.timedelta(days=n)
            )
        )
    client.force_login(users["cla"])
    with django_assert_num_queries(11):
        response = client.get(reverse("cla:meeting-list"), {"category": "looting"})
    assert len(response.context["page"].object_list) == min(rows, 25)


@pytest.mark.parametrize("rows", [10, 50])
def test_plan_list_query_count_is_the_same_at_10_and_50_rows(client, world, users, rows, django_assert_num_queries):
    for n in range(rows):
        locality = LocalityFactory(territory=world.uvira_t, name=f"Village {n}")
        base = OperatingBaseFactory(code=f"tob-{n}", kind="cob", locality=locality)
        ActionFactory(threat=ThreatFactory(plan=PlanFactory(base=base, created_by=users["cla"])))
    client.force_login(users["manager"])
    with django_assert_num_queries(11):
        response = client.get(reverse("cla:plan-list"))
    assert len(response.context["page"].object_list) == min(rows, 25)
    assert response.context["page"].object_list[0].overdue_count == 1


def test_home_shows_the_base_recent_meetings_actions_due_and_other_apps_panels(
    client, users, data, monkeypatch, settings, tmp_path
):
    from monusco import home

    (tmp_path / "cla_test_panel.html").write_text("<p id='panel'>{{ count }} open alerts of {{ base }}</p>")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path]}]
    monkeypatch.setitem(
        home._panels,
        "cla",
        [
            lambda request: {"title": "Open alerts", "template": "cla_test_panel.html", "count": 3, "base": "Uvira"},
            lambda request: None,
        ],
    )
    client.force_login(users["cla"])
    response = client.get(reverse("cla:home"))
    html = response.content.decode()
    assert [b.name for b in response.context["bases"]] == ["Uvira"]
    assert list(response.context["recent"]) == [data["meeting"]]
    assert list(response.context["actions_due"]) == [data["action"]]
    assert "<p id='panel'>3 open alerts of Uvira</p>" in html
    assert "<h2>Open alerts</h2>" in html
    assert "Overdue" in html


def test_the_form_speaks_swahili_to_a_swahili_user(client, users):
    users["cla"].preferred_language = "sw"
    users["cla"].save()
    client.force_login(users["cla"])
    response = client.get(reverse("cla:meeting-create"))
    html = response.content.decode()
    assert "<h1>Andika mkutano</h1>" in html
    assert "Hifadhi na tuma kwa ukaguzi" in html


def test_meeting_list_filters(client, world, users):
    def meeting(day, locality, category, status="draft"):
        m = MeetingFactory(
            base=world.base,
            locality=locality,
            created_by=users["cla"],
            held_on=datetime.date(2024, 3, day),
            review_status=status,
            submitted_at=None if status == "draft" else timezone.now(),
            review_round=0 if status == "draft" else 1,
        )
        ConcernFactory(meeting=m, category=category)
        return m

    a = meeting(1, world.uvira, "looting")
    b = meeting(10, world.sange, "sexual_violence", "submitted")
    c = meeting(20, world.uvira, "extortion", "returned")
    client.force_login(users["manager"])

    def listed(**params):
        return list(client.get(reverse("cla:meeting-list"), params).context["page"].object_list)

    assert listed() == [c, b, a]
    assert listed(date_from="2024-03-05", date_to="2024-03-15") == [b]
    assert listed(locality=world.uvira.pk) == [c, a]
    assert listed(status="returned") == [c]
    assert listed(category="sexual_violence") == [b]
    response = client.get(reverse("cla:meeting-list"), {"date_from": "not-a-date"})
    assert response.status_code == 200
    assert response.context["filters"].errors == {"date_from": ["Enter a valid date."]}
    assert list(response.context["page"].object_list) == [c, b, a]


def test_a_form_posted_twice_on_a_weak_link_makes_one_meeting(client, world, users):
    client.force_login(users["cla"])
    token = client.get(reverse("cla:meeting-create")).context["form"].initial["client_token"]
    post = _meeting_post(world.uvira, client_token=str(token))
    first = client.post(reverse("cla:meeting-create"), post)
    second = client.post(reverse("cla:meeting-create"), post)
    meeting = UrafikiMeeting.objects.get()
    assert meeting.client_token == token
    assert first["Location"] == second["Location"] == reverse("cla:meeting-detail", kwargs={"uid": meeting.uid})
    assert SecurityConcern.objects.count() == 2
