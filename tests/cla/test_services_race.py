"""A meeting form posted twice at the same moment (a retry on a weak link) makes one meeting."""

import datetime
import uuid

import pytest
from django.core.exceptions import ValidationError

from cla import services
from cla.models import UrafikiMeeting


def _create(user, world, token):
    return services.meeting_create(
        user=user, base=world.base, locality=world.uvira, held_on=datetime.date(2026, 10, 1), meeting_type="urafiki",
        counts={"women": 4, "men": 3, "girls": 0, "boys": 0}, client_token=token,
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
