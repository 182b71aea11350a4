"""The shared rules: counts bounded as the API bounds them, and dates from 2000 (to today for what
has happened, to ten years ahead for what is planned), in the forms, the admin and the services."""

import datetime

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone, translation

from cla import services, validators
from cla.models import CommunityProtectionPlan, PlanAction, UrafikiMeeting
from tests.factories import ActionFactory, PlanFactory, ThreatFactory

from .test_plans import _plan_post
from .test_views import _meeting_post

pytestmark = pytest.mark.django_db
HUGE = str(2**31)
TODAY = timezone.localdate()
IN_ELEVEN_YEARS = TODAY.replace(year=TODAY.year + 11)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


# --- the rules themselves --------------------------------------------------------------------------


def test_the_count_bound_is_the_apis():
    from can.api.serializers import AlertCreateSerializer

    assert AlertCreateSerializer().fields["women"].max_value == validators.MAX_COUNT == 100_000
    assert validators.sadd_errors({"women": 100_000, "men": 100_001, "girls": 2**31, "boys": -1}) == {
        "men": ["A count cannot be more than 100000."],
        "girls": ["A count cannot be more than 100000."],
        "boys": ["A count cannot be negative."],
    }


@pytest.mark.parametrize(
    ("value", "past", "planning"),
    [
        (
            datetime.date(1999, 12, 31),
            ["Enter a date in the year 2000 or later."],
            ["Enter a date in the year 2000 or later."],
        ),
        (
            datetime.date(1, 1, 1),
            ["Enter a date in the year 2000 or later."],
            ["Enter a date in the year 2000 or later."],
        ),
        (datetime.date(2000, 1, 1), [], []),
        (TODAY, [], []),
        (TODAY + datetime.timedelta(days=1), ["The date cannot be in the future."], []),
        (IN_ELEVEN_YEARS, ["The date cannot be in the future."], ["The date cannot be more than 10 years ahead."]),
        (
            datetime.date(9999, 12, 31),
            ["The date cannot be in the future."],
            ["The date cannot be more than 10 years ahead."],
        ),
        (None, [], []),
    ],
)
def test_the_date_window(value, past, planning):
    assert validators.date_errors("d", value) == ({"d": past} if past else {})
    assert validators.planning_date_errors("d", value) == ({"d": planning} if planning else {})
    for validator, messages in ((validators.validate_past_date, past), (validators.validate_planning_date, planning)):
        if value is None:
            continue
        if messages:
            with pytest.raises(ValidationError) as error:
                validator(value)
            assert error.value.messages == messages
        else:
            validator(value)


def test_the_messages_are_translated():
    with translation.override("fr"):
        assert validators.date_errors("d", datetime.date(1999, 1, 1)) == {
            "d": ["Saisissez une date à partir de l’an 2000."]
        }
        assert validators.sadd_errors({"women": 10**6}) == {"women": ["Un effectif ne peut pas dépasser 100000."]}
    with translation.override("sw"):
        assert validators.planning_date_errors("d", IN_ELEVEN_YEARS) == {
            "d": ["Tarehe haiwezi kuwa zaidi ya miaka 10 ijayo."]
        }


# --- the meeting form ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        ({"women": HUGE}, {"women": ["A count cannot be more than 100000."]}),
        (
            {"boys": "99999999999999999999", "women": "100001"},
            {"women": ["A count cannot be more than 100000."], "boys": ["A count cannot be more than 100000."]},
        ),
        ({"held_on": "1999-12-31"}, {"held_on": ["Enter a date in the year 2000 or later."]}),
        ({"held_on": "0001-01-01"}, {"held_on": ["Enter a date in the year 2000 or later."]}),
    ],
)
def test_meeting_form_refuses_huge_counts_and_old_dates(client, world, users, overrides, errors):
    client.force_login(users["cla"])
    response = client.post(reverse("cla:meeting-create"), _meeting_post(world.uvira, **overrides))
    assert response.status_code == 200
    assert response.context["form"].errors == errors
    assert UrafikiMeeting.objects.count() == 0


def test_meeting_follow_up_due_dates_are_bounded(client, world, users):
    client.force_login(users["cla"])
    response = client.post(
        reverse("cla:meeting-create"), _meeting_post(world.uvira, **{"followups-0-due_on": "1970-01-01"})
    )
    assert response.context["follow_ups"].errors == [{"due_on": ["Enter a date in the year 2000 or later."]}]
    far = IN_ELEVEN_YEARS.isoformat()
    response = client.post(reverse("cla:meeting-create"), _meeting_post(world.uvira, **{"followups-0-due_on": far}))
    assert response.context["follow_ups"].errors == [{"due_on": ["The date cannot be more than 10 years ahead."]}]
    assert UrafikiMeeting.objects.count() == 0


# --- the plan form ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        ({"men": HUGE}, {"men": ["A count cannot be more than 100000."]}),
        ({"period_start": "1999-01-01"}, {"period_start": ["Enter a date in the year 2000 or later."]}),
        ({"period_end": IN_ELEVEN_YEARS.isoformat()}, {"period_end": ["The date cannot be more than 10 years ahead."]}),
        ({"review_on": "1900-01-01"}, {"review_on": ["Enter a date in the year 2000 or later."]}),
    ],
)
def test_plan_form_refuses_huge_counts_and_dates_out_of_the_window(client, world, users, overrides, errors):
    client.force_login(users["cla"])
    response = client.post(reverse("cla:plan-create"), _plan_post(locality=world.sange.pk, **overrides))
    assert response.status_code == 200
    assert response.context["editor"].form.errors == errors
    assert CommunityProtectionPlan.objects.count() == 0


def test_plan_action_dates_are_bounded(client, world, users):
    client.force_login(users["cla"])
    response = client.post(
        reverse("cla:plan-create"),
        _plan_post(
            locality=world.sange.pk,
            **{
                "threats-0-actions-0-deadline": "1999-06-01",
                "threats-0-actions-0-review_on": IN_ELEVEN_YEARS.isoformat(),
            },
        ),
    )
    assert response.context["editor"].actions[0].errors == [
        {
            "deadline": ["Enter a date in the year 2000 or later."],
            "review_on": ["The date cannot be more than 10 years ahead."],
        },
        {},
    ]
    assert CommunityProtectionPlan.objects.count() == 0


def test_the_action_status_page_refuses_an_old_review_date(client, world, users):
    plan = PlanFactory(base=world.base, created_by=users["cla"])
    action = ActionFactory(threat=ThreatFactory(plan=plan))
    client.force_login(users["cla"])
    response = client.post(
        reverse("cla:action-update", kwargs={"uid": action.uid}),
        {"status": "done", "review_on": "1999-01-01"},
        follow=True,
    )
    assert [str(m) for m in response.context["messages"]] == ["Enter a date in the year 2000 or later."]
    action.refresh_from_db()
    assert (action.status, action.review_on) == ("planned", None)


# --- the services and the admin --------------------------------------------------------------------


def test_the_services_apply_the_rules_to_every_caller(world, users):
    with pytest.raises(ValidationError) as error:
        services.meeting_create(
            user=users["cla"],
            base=world.base,
            locality=world.uvira,
            held_on=datetime.date(1999, 1, 1),
            meeting_type="urafiki",
            counts={"women": 2**31, "men": 0, "girls": 0, "boys": 0},
            follow_ups=[{"action": "x", "responsible": "monusco", "due_on": datetime.date(1990, 1, 1)}],
        )
    assert error.value.message_dict == {
        "held_on": ["Enter a date in the year 2000 or later."],
        "women": ["A count cannot be more than 100000."],
        "follow_ups": ["Enter a date in the year 2000 or later."],
    }
    with pytest.raises(ValidationError) as error:
        services.plan_create(
            user=users["cla"],
            base=world.base,
            locality=world.uvira,
            period_start=datetime.date(1999, 1, 1),
            period_end=IN_ELEVEN_YEARS,
            counts={"boys": 10**9},
            threats=[
                {
                    "category": "extortion",
                    "perpetrator_type": "bandits",
                    "description": "x",
                    "actions": [
                        {"description": "y", "responsible": "community", "deadline": datetime.date(1999, 1, 1)}
                    ],
                }
            ],
        )
    assert error.value.message_dict == {
        "period_start": ["Enter a date in the year 2000 or later."],
        "period_end": ["The date cannot be more than 10 years ahead."],
        "boys": ["A count cannot be more than 100000."],
        "threats": ["Enter a date in the year 2000 or later."],
    }
    assert (UrafikiMeeting.objects.count(), CommunityProtectionPlan.objects.count(), PlanAction.objects.count()) == (
        0,
        0,
        0,
    )


@pytest.mark.parametrize(
    ("model", "field", "value", "message"),
    [
        (UrafikiMeeting, "held_on", "1999-12-31", "Enter a date in the year 2000 or later."),
        (CommunityProtectionPlan, "period_start", "0001-01-01", "Enter a date in the year 2000 or later."),
        (
            CommunityProtectionPlan,
            "review_on",
            IN_ELEVEN_YEARS.isoformat(),
            "The date cannot be more than 10 years ahead.",
        ),
    ],
)
def test_the_admin_form_runs_the_same_date_rule(users, model, field, value, message):
    request = RequestFactory().get("/admin/")
    request.user = users["admin"]
    form_class = admin.site._registry[model].get_form(request)
    form = form_class(data={field: value})
    form.is_valid()
    assert form.errors[field] == [message]


# --- the JPT admin ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "errors_of"),
    [
        ("women", lambda response: response.context["adminform"].form.errors),
        ("meetings-0-women", lambda response: response.context["inline_admin_formsets"][2].formset.errors[0]),
    ],
)
def test_jpt_admin_mission_and_meeting_inline_refuse_huge_counts(client, world, users, field, errors_of):
    from jpt.models import JPTMission
    from tests.jpt.test_admin import ADD, _member, mission_post

    client.force_login(users["jpt"])
    data = mission_post(
        world, members=[_member(external_name="Aline Mwamini", section="human_rights", sex="f")], **{field: HUGE}
    )
    response = client.post(reverse(ADD), data)
    assert response.status_code == 200
    assert errors_of(response) == {"women": ["A count cannot be more than 100000."]}
    assert JPTMission.objects.count() == 0
