"""A meeting or new-plan form posted twice at the same moment (a retry on a weak link) makes one
meeting, one plan."""

import datetime
import threading
import uuid

import pytest
from django.core.exceptions import ValidationError

from cla import services
from cla.models import UrafikiMeeting


@pytest.fixture(autouse=True)
def _english():
    """The services' messages are read in English (French is the site default)."""
    from django.utils import translation

    with translation.override("en"):
        yield


def _create(user, world, token):
    return services.meeting_create(
        user=user,
        base=world.base,
        locality=world.uvira,
        held_on=datetime.date(2026, 10, 1),
        meeting_type="urafiki",
        counts={"women": 4, "men": 3, "girls": 0, "boys": 0},
        client_token=token,
    )


@pytest.mark.django_db
def test_a_token_saved_by_a_racing_request_returns_that_meeting(world, users, monkeypatch):
    token = uuid.uuid4()
    first = _create(users["cla"], world, token)
    # The racing request checked for the token before the first one committed: it finds nothing,
    # then its insert hits the unique token and it answers with the meeting already saved.
    real_filter = UrafikiMeeting.objects.filter
    calls = []

    def blind_first_lookup(*args, **kwargs):
        qs = real_filter(*args, **kwargs)
        if "client_token" in kwargs and not calls:
            calls.append(1)
            return qs.none()
        return qs

    monkeypatch.setattr(UrafikiMeeting.objects, "filter", blind_first_lookup)
    second = _create(users["cla"], world, token)
    assert second.pk == first.pk
    assert UrafikiMeeting.objects.count() == 1


@pytest.mark.django_db
def test_another_users_token_is_refused_with_a_message(world, users):
    from tests.factories import make_user

    colleague = make_user("cla", base=world.base, username="colleague")
    token = uuid.uuid4()
    _create(users["cla"], world, token)
    with pytest.raises(ValidationError) as error:
        _create(colleague, world, token)
    assert error.value.messages == ["This form was already used. Open a new meeting form."]
    assert UrafikiMeeting.objects.count() == 1


# --- a new plan posted several times at once -------------------------------------------------------

PLAN_POST = {
    "period_start": "2024-07-01",
    "period_end": "2024-12-31",
    "review_on": "",
    "summary": "Plan de Sange",
    "women": "6",
    "men": "7",
    "girls": "1",
    "boys": "2",
    "threats-TOTAL_FORMS": "1",
    "threats-INITIAL_FORMS": "0",
    "threats-0-category": "extortion",
    "threats-0-perpetrator_type": "bandits",
    "threats-0-description": "Barrières illégales",
    "threats-0-actions-TOTAL_FORMS": "1",
    "threats-0-actions-INITIAL_FORMS": "0",
    "threats-0-actions-0-description": "Plaidoyer",
    "threats-0-actions-0-responsible": "local_authority",
    "threats-0-actions-0-deadline": "",
    "threats-0-actions-0-status": "planned",
    "threats-0-actions-0-review_on": "",
    "action": "save",
}


@pytest.mark.django_db(transaction=True)
def test_six_identical_new_plan_posts_at_once_answer_with_the_one_saved_plan(world, users):
    """On PostgreSQL: six threads post the same new-plan form (one token) at the same moment, as a
    phone retrying on a weak link does. One insert wins; the others wait on the unique keys, fail
    there, and answer with the plan it saved. On SQLite (one writer at a time) they run in turn."""
    from django.db import connection
    from django.test import Client

    from cla.models import CommunityProtectionPlan, PlanAction, PlanThreat

    post = {**PLAN_POST, "locality": str(world.sange.pk), "client_token": str(uuid.uuid4())}
    barrier = threading.Barrier(6)
    answers = []
    concurrent = connection.vendor == "postgresql"

    def submit():
        client = Client(raise_request_exception=False)  # a server error is an answer like any other
        client.force_login(users["cla"])
        try:
            if concurrent:
                barrier.wait(timeout=20)
            response = client.post("/cla/plans/new/", post)
            answers.append((response.status_code, response.get("Location")))
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(6)]
    for thread in threads:
        thread.start()
        if not concurrent:
            thread.join(timeout=60)
    for thread in threads:
        thread.join(timeout=60)
    plan = CommunityProtectionPlan.objects.get()
    detail = f"/cla/plans/{plan.uid}/"
    assert answers == [(302, detail)] * 6
    assert (PlanThreat.objects.count(), PlanAction.objects.count(), plan.version) == (1, 1, 1)


def _create_plan(user, world, token, period_start=datetime.date(2024, 7, 1)):
    return services.plan_create(
        user=user,
        base=world.base,
        locality=world.sange,
        period_start=period_start,
        period_end=datetime.date(2024, 12, 31),
        counts={"women": 6},
        client_token=token,
    )


@pytest.mark.django_db
def test_a_plan_token_saved_by_a_racing_request_returns_that_plan(world, users, monkeypatch):
    from cla.models import CommunityProtectionPlan

    token = uuid.uuid4()
    first = _create_plan(users["cla"], world, token)
    # The racing request looked for the token and the period before the first one committed: it
    # finds neither, then its insert hits the unique keys and it answers with the plan saved.
    real_filter = CommunityProtectionPlan.objects.filter
    blinded = []

    def blind_first_lookups(*args, **kwargs):
        qs = real_filter(*args, **kwargs)
        if len(blinded) < 2:
            blinded.append(kwargs)
            return qs.none()
        return qs

    monkeypatch.setattr(CommunityProtectionPlan.objects, "filter", blind_first_lookups)
    second = _create_plan(users["cla"], world, token)
    assert [sorted(k) for k in blinded] == [["client_token", "created_by"], ["locality", "period_start"]]
    assert second.pk == first.pk
    assert CommunityProtectionPlan.objects.count() == 1


@pytest.mark.django_db
def test_a_plan_saved_by_a_repeat_between_the_token_and_the_period_lookups_is_returned(world, users, monkeypatch):
    from cla.models import CommunityProtectionPlan

    token = uuid.uuid4()
    first = _create_plan(users["cla"], world, token)
    # The repeat looked for its token just before the first one committed, and for the period just
    # after: the period is taken, by this very form.
    real_filter = CommunityProtectionPlan.objects.filter
    blinded = []

    def blind_token_lookup(*args, **kwargs):
        qs = real_filter(*args, **kwargs)
        if "client_token" in kwargs and not blinded:
            blinded.append(kwargs)
            return qs.none()
        return qs

    monkeypatch.setattr(CommunityProtectionPlan.objects, "filter", blind_token_lookup)
    assert _create_plan(users["cla"], world, token).pk == first.pk
    assert len(blinded) == 1
    assert CommunityProtectionPlan.objects.count() == 1


@pytest.mark.django_db
def test_another_cla_racing_for_the_same_locality_and_period_gets_a_form_error(world, users, monkeypatch):
    from cla.models import CommunityProtectionPlan
    from tests.factories import make_user

    _create_plan(users["cla"], world, uuid.uuid4())
    colleague = make_user("cla", base=world.base, username="colleague")
    real_filter = CommunityProtectionPlan.objects.filter
    blinded = []

    def blind_first_period_lookup(*args, **kwargs):
        qs = real_filter(*args, **kwargs)
        if "period_start" in kwargs and not blinded:
            blinded.append(kwargs)
            return qs.none()
        return qs

    monkeypatch.setattr(CommunityProtectionPlan.objects, "filter", blind_first_period_lookup)
    with pytest.raises(ValidationError) as error:
        _create_plan(colleague, world, uuid.uuid4())
    assert blinded == [{"locality": world.sange, "period_start": datetime.date(2024, 7, 1)}]
    assert error.value.message_dict == {"period_start": ["This locality already has a plan starting on that date."]}
    with pytest.raises(ValidationError) as error:  # the first CLA's form token, another period
        _create_plan(colleague, world, CommunityProtectionPlan.objects.get().client_token, datetime.date(2024, 8, 1))
    assert error.value.messages == ["This form was already used. Open a new plan form."]
    assert CommunityProtectionPlan.objects.count() == 1
