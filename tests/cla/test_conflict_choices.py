"""On the conflict view the CLA chooses, field by field, their value or the saved one; rows are
saved as in their form. Without JavaScript: radio buttons that belong to the form."""

import datetime

from django.urls import reverse

from tests.cla.test_plans import _edit_post
from tests.cla.test_views import _meeting_post
from tests.factories import MeetingFactory


def test_the_cla_takes_the_saved_summary_and_keeps_their_own_counts(client, users, plan):
    client.force_login(users["cla"])
    url = reverse("cla:plan-edit", kwargs={"uid": plan.uid})
    stale = _edit_post(plan, summary="Version du terrain", women="9")
    client.post(url, _edit_post(plan, summary="Version du bureau", women="1"))
    conflict = client.post(url, stale)
    assert conflict.status_code == 409
    html = conflict.content.decode()
    for name in ("summary", "women"):
        assert f'name="keep-{name}" value="saved" form="record-form"' in html
    assert 'id="record-form"' in html

    again = client.post(url, {**stale, "version": "2", "keep-summary": "saved", "keep-women": "mine"})
    assert again.status_code == 302
    plan.refresh_from_db()
    assert (plan.version, plan.summary, plan.women) == (3, "Version du bureau", 9)


def test_a_choice_made_on_a_version_that_changed_again_is_refused(client, users, plan):
    client.force_login(users["cla"])
    url = reverse("cla:plan-edit", kwargs={"uid": plan.uid})
    stale = _edit_post(plan, summary="Version du terrain")
    client.post(url, _edit_post(plan, summary="Bureau 1"))
    client.post(url, _edit_post(plan, summary="Bureau 2", version="2"))
    response = client.post(url, {**stale, "version": "2", "keep-summary": "saved"})
    assert response.status_code == 409
    plan.refresh_from_db()
    assert (plan.version, plan.summary) == (3, "Bureau 2")


def test_a_meeting_field_taken_from_the_saved_version(client, world, users):
    client.force_login(users["cla"])
    meeting = MeetingFactory(base=world.base, created_by=users["cla"], locality=world.sange, topics="Début")
    url = reverse("cla:meeting-edit", kwargs={"uid": meeting.uid})
    post = {**_meeting_post(world.sange), "version": "1", "concerns-TOTAL_FORMS": "0", "followups-TOTAL_FORMS": "0"}
    client.post(url, {**post, "topics": "Au bureau", "held_on": "2024-05-03"})
    response = client.post(url, {**post, "topics": "Sur le terrain", "held_on": "2024-05-04"})
    assert response.status_code == 409
    client.post(
        url, {**post, "topics": "Sur le terrain", "held_on": "2024-05-04", "version": "2", "keep-held_on": "saved"}
    )
    meeting.refresh_from_db()
    assert (meeting.version, meeting.topics, meeting.held_on) == (3, "Sur le terrain", datetime.date(2024, 5, 3))
