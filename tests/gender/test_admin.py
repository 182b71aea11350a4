"""Gender admin: pages answer, and editing a used checklist's items makes a new version."""

import pytest
from django.urls import reverse

from gender.models import ChecklistItem, Review, ReviewAnswer, ReviewChecklist
from tests.gender.factories import make_meeting, review

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", [ReviewChecklist, ChecklistItem, Review, ReviewAnswer])
def test_changelists_answer_200(users, client, model):
    client.force_login(users["admin"])
    opts = model._meta
    assert client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"), {"q": "women"}).status_code == 200


def _form_data(checklist, edit_first_to=None):
    items = list(checklist.items.all())
    data = {
        "note": checklist.note,
        "items-TOTAL_FORMS": str(len(items)),
        "items-INITIAL_FORMS": str(len(items)),
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
    }
    for i, item in enumerate(items):
        data.update({
            f"items-{i}-id": str(item.pk), f"items-{i}-checklist": str(checklist.pk),
            f"items-{i}-position": str(item.position), f"items-{i}-measure": item.measure,
            f"items-{i}-text_fr": item.text_fr, f"items-{i}-text_sw": item.text_sw, f"items-{i}-text_en": item.text_en,
        })
    if edit_first_to:
        data["items-0-text_en"] = edit_first_to
    return data


def test_editing_a_used_checklist_in_the_admin_creates_a_new_version(world, users, client):
    v1 = ReviewChecklist.objects.get(report_type="meeting", is_active=True)
    first_text = v1.items.get(position=1).text_en
    past = review(make_meeting(world=world, author=users["cla"]), users["gender"], "approved", v1)
    client.force_login(users["admin"])
    url = reverse("admin:gender_reviewchecklist_change", args=[v1.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, _form_data(v1, edit_first_to="Are the figures by sex and age complete?"))
    assert response.status_code == 302
    v1.refresh_from_db()
    v2 = ReviewChecklist.objects.get(report_type="meeting", is_active=True)
    assert (v1.is_active, v2.version) == (False, 2)
    assert v1.items.get(position=1).text_en == first_text
    assert v2.items.get(position=1).text_en == "Are the figures by sex and age complete?"
    assert v2.items.count() == v1.items.count()
    past.refresh_from_db()
    assert past.checklist_id == v1.pk

    # The same edit on the unused new version changes it in place.
    response = client.post(reverse("admin:gender_reviewchecklist_change", args=[v2.pk]), _form_data(v2, edit_first_to="Figures?"))
    assert response.status_code == 302
    assert ReviewChecklist.objects.filter(report_type="meeting").count() == 2
    assert ReviewChecklist.objects.get(pk=v2.pk).items.get(position=1).text_en == "Figures?"


def test_admin_add_refuses_a_second_checklist_for_a_type(users, client):
    client.force_login(users["admin"])
    before = ReviewChecklist.objects.count()
    data = {"report_type": "meeting", "note": "again", "items-TOTAL_FORMS": "0", "items-INITIAL_FORMS": "0",
            "items-MIN_NUM_FORMS": "0", "items-MAX_NUM_FORMS": "1000"}
    response = client.post(reverse("admin:gender_reviewchecklist_add"), data)
    assert response.status_code == 200
    assert "already has a checklist" in response.content.decode()
    assert client.get(reverse("admin:gender_reviewchecklist_add")).status_code == 200
    assert ReviewChecklist.objects.count() == before
