"""Protection plans: inline threats and actions without JavaScript, versions, action status."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from cla import services
from cla.models import CommunityProtectionPlan, PlanAction, PlanRevision, PlanThreat
from tests.factories import ActionFactory, PlanFactory, ThreatFactory


def _plan_post(**overrides):
    post = {
        "locality": "",
        "period_start": "2024-07-01",
        "period_end": "2024-12-31",
        "review_on": "2024-10-01",
        "summary": "Plan de Sange",
        "women": "6",
        "men": "7",
        "girls": "1",
        "boys": "2",
        "threats-TOTAL_FORMS": "1",
        "threats-INITIAL_FORMS": "0",
        "threats-0-category": "sexual_violence",
        "threats-0-perpetrator_type": "armed_group",
        "threats-0-description": "Agressions sur le chemin des champs",
        "threats-0-at_risk_groups": ["women", "girls"],
        "threats-0-at_risk_detail": "Le matin",
        "threats-0-vulnerabilities": "Champs éloignés",
        "threats-0-capacities": "Groupes de femmes",
        "threats-0-actions-TOTAL_FORMS": "2",
        "threats-0-actions-INITIAL_FORMS": "0",
        "threats-0-actions-0-description": "Aller aux champs en groupe",
        "threats-0-actions-0-responsible": "community",
        "threats-0-actions-0-deadline": "2024-08-01",
        "threats-0-actions-0-status": "planned",
        "threats-0-actions-0-review_on": "",
        "threats-0-actions-1-description": "",
        "threats-0-actions-1-responsible": "",
        "threats-0-actions-1-deadline": "",
        "threats-0-actions-1-status": "planned",
        "threats-0-actions-1-review_on": "",
        "action": "save",
    }
    post.update(overrides)
    return post


def test_cla_creates_a_plan_with_a_threat_and_its_action(client, world, users):
    client.force_login(users["cla"])
    response = client.post(reverse("cla:plan-create"), _plan_post(locality=world.sange.pk))
    plan = CommunityProtectionPlan.objects.get()
    assert response["Location"] == reverse("cla:plan-detail", kwargs={"uid": plan.uid})
    assert (plan.base, plan.locality, plan.version, plan.review_on, plan.women) == (
        world.base,
        world.sange,
        1,
        datetime.date(2024, 10, 1),
        6,
    )
    threat = plan.threats.get()
    assert (threat.category, threat.perpetrator_type, threat.at_risk_groups, threat.capacities) == (
        "sexual_violence",
        "armed_group",
        ["women", "girls"],
        "Groupes de femmes",
    )
    assert list(threat.actions.values_list("description", "responsible", "deadline", "status")) == [
        ("Aller aux champs en groupe", "community", datetime.date(2024, 8, 1), "planned")
    ]


def test_add_buttons_render_one_more_row_and_save_nothing(client, world, users):
    client.force_login(users["cla"])
    response = client.post(reverse("cla:plan-create"), _plan_post(locality=world.sange.pk, action="add_threat"))
    editor = response.context["editor"]
    assert (editor.threats.total_form_count(), [a.total_form_count() for a in editor.actions]) == (2, [2, 1])
    response = client.post(reverse("cla:plan-create"), _plan_post(locality=world.sange.pk, action="add_action:0"))
    assert [a.total_form_count() for a in response.context["editor"].actions] == [3]
    assert "Aller aux champs en groupe" in response.content.decode()
    assert CommunityProtectionPlan.objects.count() == 0


def test_plan_errors_sit_by_their_field(client, world, users):
    client.force_login(users["cla"])
    response = client.post(
        reverse("cla:plan-create"),
        _plan_post(
            locality=world.sange.pk, period_end="2024-01-01", girls="-1", **{"threats-0-actions-0-responsible": ""}
        ),
    )
    editor = response.context["editor"]
    assert editor.form.errors == {
        "period_end": ["The period must end after it starts."],
        "girls": ["A count cannot be negative."],
    }
    assert editor.actions[0].errors == [{"responsible": ["This field is required."]}, {}]
    assert CommunityProtectionPlan.objects.count() == 0


def _edit_post(plan, **overrides):
    threat = plan.threats.get()
    action = threat.actions.get()
    post = _plan_post(
        **{
            "version": str(plan.version),
            "threats-INITIAL_FORMS": "1",
            "threats-0-uid": str(threat.uid),
            "threats-0-category": "extortion",
            "threats-0-perpetrator_type": "bandits",
            "threats-0-description": "Barrières illégales sur la route",
            "threats-0-actions-INITIAL_FORMS": "1",
            "threats-0-actions-0-uid": str(action.uid),
            "threats-0-actions-0-description": "Plaidoyer auprès de l'administrateur",
            "threats-0-actions-0-responsible": "local_authority",
            "threats-0-actions-0-status": "in_progress",
        }
    )
    post.update(overrides)
    return post


def test_updating_a_plan_keeps_the_previous_version(client, users, plan):
    client.force_login(users["cla"])
    threat_uid = plan.threats.get().uid
    response = client.post(reverse("cla:plan-edit", kwargs={"uid": plan.uid}), _edit_post(plan))
    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.version, plan.summary) == (2, "Plan de Sange")
    threat = plan.threats.get()
    assert (threat.uid, threat.description) == (threat_uid, "Barrières illégales sur la route")
    assert list(threat.actions.values_list("description", "status")) == [
        ("Plaidoyer auprès de l'administrateur", "in_progress")
    ]
    revision = PlanRevision.objects.get(plan=plan)
    assert revision.version == 1
    assert revision.snapshot["threats"][0]["description"] == "Barrières illégales"
    assert revision.snapshot["threats"][0]["actions"][0]["description"] == "Plaidoyer"
    page = client.get(reverse("cla:plan-revision", kwargs={"uid": plan.uid, "version": 1}))
    assert page.status_code == 200
    assert "Barrières illégales" in page.content.decode() and "Illegal taxation or extortion" in page.content.decode()
    assert client.get(reverse("cla:plan-revision", kwargs={"uid": plan.uid, "version": 2})).status_code == 404


def test_deleting_a_threat_removes_it_and_its_actions(client, users, plan):
    client.force_login(users["cla"])
    client.post(reverse("cla:plan-edit", kwargs={"uid": plan.uid}), _edit_post(plan, **{"threats-0-DELETE": "on"}))
    assert (PlanThreat.objects.count(), PlanAction.objects.count(), PlanRevision.objects.count()) == (0, 0, 1)


def test_action_status_and_review_date_update(client, users, plan):
    action = PlanAction.objects.get()
    client.force_login(users["cla"])
    response = client.post(
        reverse("cla:action-update", kwargs={"uid": action.uid}), {"status": "done", "review_on": "2024-11-15"}
    )
    assert response["Location"] == reverse("cla:plan-detail", kwargs={"uid": plan.uid})
    action.refresh_from_db()
    assert (action.status, action.review_on) == ("done", datetime.date(2024, 11, 15))
    response = client.post(
        reverse("cla:action-update", kwargs={"uid": action.uid}), {"status": "finished", "review_on": ""}, follow=True
    )
    assert [str(m) for m in response.context["messages"]][-1] == "Choose a valid status."
    response = client.post(
        reverse("cla:action-update", kwargs={"uid": action.uid}),
        {"status": "blocked", "review_on": "31/31/2024"},
        follow=True,
    )
    assert [str(m) for m in response.context["messages"]][-1] == "Enter a valid date."
    action.refresh_from_db()
    assert (action.status, action.review_on) == ("done", datetime.date(2024, 11, 15))


def test_plan_submission_and_locked_while_under_review(client, users, plan):
    client.force_login(users["cla"])
    client.post(reverse("cla:plan-submit", kwargs={"uid": plan.uid}))
    plan.refresh_from_db()
    assert (plan.review_status, plan.review_round) == ("submitted", 1)
    response = client.post(reverse("cla:plan-edit", kwargs={"uid": plan.uid}), _edit_post(plan))
    assert response["Location"] == reverse("cla:plan-detail", kwargs={"uid": plan.uid})
    assert PlanRevision.objects.count() == 0
    with pytest.raises(ValidationError) as error:
        services.plan_update(
            user=users["cla"],
            plan=plan,
            expected_version=plan.version,
            period_start=plan.period_start,
            period_end=plan.period_end,
            counts={},
        )
    assert error.value.messages == ["This plan is under review and cannot change until the gender office answers."]


def test_services_apply_the_same_rules_as_the_forms(world, users):
    with pytest.raises(ValidationError) as error:
        services.meeting_create(
            user=users["cla"],
            base=world.base,
            locality=world.minembwe,
            held_on=datetime.date(2999, 1, 1),
            meeting_type="urafiki",
            counts={"women": -1, "men": 2, "girls": 0, "boys": 0},
        )
    assert error.value.message_dict == {
        "locality": ["Minembwe is not covered by the base Uvira."],
        "held_on": ["The date cannot be in the future."],
        "women": ["A count cannot be negative."],
    }
    with pytest.raises(PermissionDenied):
        services.meeting_create(
            user=users["cla2"],
            base=world.base,
            locality=world.uvira,
            held_on=datetime.date(2024, 1, 1),
            meeting_type="urafiki",
            counts={},
        )
    with pytest.raises(PermissionDenied):
        services.plan_create(
            user=users["duty"],
            base=world.base,
            locality=world.uvira,
            period_start=datetime.date(2024, 1, 1),
            period_end=datetime.date(2024, 6, 30),
            counts={},
        )


def test_a_locality_has_one_plan_per_period_start(world, users, plan):
    with pytest.raises(ValidationError) as error:
        services.plan_create(
            user=users["cla"],
            base=world.base,
            locality=world.sange,
            period_start=datetime.date(2024, 7, 1),
            period_end=datetime.date(2024, 12, 31),
            counts={},
        )
    assert error.value.message_dict == {"period_start": ["This locality already has a plan starting on that date."]}


@pytest.mark.parametrize("threats", [1, 6])
def test_plan_detail_query_count_does_not_grow_with_threats_and_actions(
    client, world, users, threats, django_assert_num_queries
):
    plan = PlanFactory(base=world.base, created_by=users["cla"])
    for _ in range(threats):
        threat = ThreatFactory(plan=plan)
        ActionFactory(threat=threat)
        ActionFactory(threat=threat)
    PlanRevision.objects.create(plan=plan, version=1, snapshot={}, saved_by=users["cla"])
    client.force_login(users["cla"])
    with django_assert_num_queries(15):
        response = client.get(reverse("cla:plan-detail", kwargs={"uid": plan.uid}))
    assert response.content.decode().count('name="status"') == 2 * threats
