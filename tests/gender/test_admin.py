"""Gender admin: pages answer, and editing a used checklist's items makes a new version."""

import datetime

import pytest
from django.urls import reverse

from gender.models import ChecklistItem, Review, ReviewAnswer, ReviewChecklist
from tests.factories import make_meeting, make_review

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", [ReviewChecklist, ChecklistItem, Review, ReviewAnswer])
def test_changelists_answer_200(users, client, model):
    client.force_login(users["admin"])
    opts = model._meta
    assert client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")).status_code == 200
    assert (
        client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"), {"q": "women"}).status_code == 200
    )


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
        data.update(
            {
                f"items-{i}-id": str(item.pk),
                f"items-{i}-checklist": str(checklist.pk),
                f"items-{i}-position": str(item.position),
                f"items-{i}-measure": item.measure,
                f"items-{i}-text_fr": item.text_fr,
                f"items-{i}-text_sw": item.text_sw,
                f"items-{i}-text_en": item.text_en,
            }
        )
    if edit_first_to:
        data["items-0-text_en"] = edit_first_to
    return data


def test_editing_a_used_checklist_in_the_admin_creates_a_new_version(world, users, client):
    v1 = ReviewChecklist.objects.get(report_type="meeting", is_active=True)
    first_text = v1.items.get(position=1).text_en
    past = make_review(make_meeting(world=world, author=users["cla"]), users["gender"], "approved", v1)
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
    response = client.post(
        reverse("admin:gender_reviewchecklist_change", args=[v2.pk]), _form_data(v2, edit_first_to="Figures?")
    )
    assert response.status_code == 302
    assert ReviewChecklist.objects.filter(report_type="meeting").count() == 2
    assert ReviewChecklist.objects.get(pk=v2.pk).items.get(position=1).text_en == "Figures?"


def test_admin_add_refuses_a_second_checklist_for_a_type(users, client):
    client.force_login(users["admin"])
    before = ReviewChecklist.objects.count()
    data = {
        "report_type": "meeting",
        "note": "again",
        "items-TOTAL_FORMS": "0",
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
    }
    response = client.post(reverse("admin:gender_reviewchecklist_add"), data)
    assert response.status_code == 200
    assert "already has a checklist" in response.content.decode()
    assert client.get(reverse("admin:gender_reviewchecklist_add")).status_code == 200
    assert ReviewChecklist.objects.count() == before


# --- scope and need to know ---------------------------------------------------------------------

SV_ACCOUNT = "Deux femmes agressées près du marché de Sange"


def _sv_review(world, users, *, base=None, locality=None, comment="Ajouter le nombre de filles."):
    """A reviewed sexual-violence alert (its account is in the review's snapshot), and its review."""
    from can.models import Alert
    from gender import services
    from gender.models import ReviewStatus
    from tests.factories import make_alert

    alert = make_alert(
        base or world.base,
        locality=(base or world.base).locality,
        threat_category="sexual_violence",
        received_on=datetime.date(2026, 1, 12),
        women=2,
    )
    Alert.objects.filter(pk=alert.pk).update(locality=locality or world.sange, description=SV_ACCOUNT)
    alert.refresh_from_db()
    services.report_submit(report=alert, user=users["cla"])
    checklist = ReviewChecklist.objects.get(report_type="alert", is_active=True)
    item = make_review(alert, users["gender"], "returned", checklist, comment=comment)
    assert alert.review_status == ReviewStatus.RETURNED
    return alert, item


def _protected_reads(user):
    from monusco.models import AuditLog

    return list(
        AuditLog.objects.filter(action="view_protected", actor=user).values_list("model", "object_pk", "detail")
    )


@pytest.mark.parametrize(
    ("who", "answer", "shown", "with_answers"),
    [
        ("cla", 200, True, False),  # the alert's own base, who must respond (answers are the gender office's)
        ("duty", 200, True, False),
        ("gender", 200, True, True),  # need to know
        ("admin", 200, True, True),
        ("jpt", 200, False, False),  # in scope, no need to know
        ("manager", 200, False, False),
        ("cla2", 302, False, False),  # Minembwe: out of scope, answered as a record that does not exist
        ("far_manager", 302, False, False),
    ],
)
def test_review_of_a_sexual_violence_alert_in_the_admin(world, users, client, who, answer, shown, with_answers):
    alert, item = _sv_review(world, users)
    user = users[who]
    client.force_login(user)
    response = client.get(reverse("admin:gender_review_change", args=[item.pk]))
    missing = client.get(reverse("admin:gender_review_change", args=[987654]))
    assert response.status_code == answer
    html = response.content.decode()
    assert (SV_ACCOUNT in html) is shown
    assert ("Ajouter le nombre de filles." in html) is shown
    if answer == 200:
        assert ("Details withheld: protected information" in html) is not shown
        answers = [f.formset.queryset.count() for f in response.context["inline_admin_formsets"]]
        assert answers == ([len(item.answer_codes)] if shown and with_answers else [])
    else:
        assert (response.status_code, response["Location"]) == (missing.status_code, missing["Location"])
    fields = ["review.report_snapshot", "review.comment", *(["review.answers"] if with_answers else [])]
    assert _protected_reads(user) == ([("can.alert", str(alert.pk), {"fields": fields})] if shown else [])


def test_review_list_is_cut_to_the_report_scope(world, users, client):
    from tests.factories import make_meeting

    checklist = ReviewChecklist.objects.get(report_type="meeting", is_active=True)
    reviews = {
        name: make_review(
            make_meeting(world=world, author=users["cla"], base=base), users["admin"], "approved", checklist
        )
        for name, base in (("uvira", world.base), ("minembwe", world.other_base), ("beni", world.far_base))
    }
    _alert, sv = _sv_review(world, users)
    seen = {}
    for who in ("cla", "cla2", "duty", "jpt", "gender", "manager", "far_manager", "admin"):
        client.force_login(users[who])
        response = client.get(reverse("admin:gender_review_changelist"))
        assert response.status_code == 200
        listed = {r.pk for r in response.context["cl"].result_list}
        seen[who] = sorted(name for name, r in {**reviews, "sv": sv}.items() if r.pk in listed)
        assert len(listed) == len(seen[who])
    assert seen == {
        "cla": ["sv", "uvira"],
        "cla2": ["minembwe"],
        "duty": ["sv", "uvira"],
        "jpt": ["minembwe", "sv", "uvira"],
        "gender": ["minembwe", "sv", "uvira"],
        "manager": ["minembwe", "sv", "uvira"],
        "far_manager": ["beni"],
        "admin": ["beni", "minembwe", "sv", "uvira"],
    }
    from monusco.models import AuditLog

    assert AuditLog.objects.filter(action="view_protected").count() == 0  # a list shows no protected field


def test_review_list_query_count_does_not_grow_with_the_reviews(world, users, client, django_assert_num_queries):
    from tests.factories import make_meeting

    checklist = ReviewChecklist.objects.get(report_type="meeting", is_active=True)
    client.force_login(users["manager"])
    url = reverse("admin:gender_review_changelist")
    client.get(url)  # content types and sessions cached
    counts = []
    for n in (1, 4):
        while Review.objects.count() < n:
            make_review(make_meeting(world=world, author=users["cla"]), users["admin"], "approved", checklist)
        with django_assert_num_queries(12) as captured:
            assert len(client.get(url).context["cl"].result_list) == n
        counts.append(len(captured))
    assert counts == [12, 12]


def test_searching_review_comments_needs_need_to_know(world, users, client):
    _sv_review(world, users, comment="Préciser le lieu exact")
    url = reverse("admin:gender_review_changelist")
    found = {}
    for who in ("manager", "jpt", "gender"):
        client.force_login(users[who])
        found[who] = client.get(url, {"q": "lieu exact"}).context["cl"].result_count
    assert found == {"manager": 0, "jpt": 0, "gender": 1}


def test_review_answers_of_a_sexual_violence_report_need_to_know(world, users, client):
    from django.contrib.auth.models import Permission

    _alert, item = _sv_review(world, users)
    # A manager given the answers list, but not the need to know, does not see these answers.
    manager = users["manager"]
    manager.user_permissions.add(Permission.objects.get(codename="view_reviewanswer"))
    client.force_login(manager)
    response = client.get(reverse("admin:gender_reviewanswer_changelist"))
    assert (response.status_code, response.context["cl"].result_count) == (200, 0)
    first = item.answers.order_by("pk").first()
    assert client.get(reverse("admin:gender_reviewanswer_change", args=[first.pk])).status_code == 302
    client.force_login(users["gender"])
    response = client.get(reverse("admin:gender_reviewanswer_changelist"))
    assert response.context["cl"].result_count == len(item.answer_codes)
    assert client.get(reverse("admin:gender_reviewanswer_change", args=[first.pk])).status_code == 200
    assert _protected_reads(users["gender"]) == [("can.alert", str(_alert.pk), {"fields": ["review.answers"]})]
    assert _protected_reads(manager) == []
