"""What the review page shows of the report: its child rows, labels rather than codes, the
unanswered items all marked at once."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from cla.models import MeetingFollowUp, SecurityConcern
from gender.models import Review, ReviewChecklist, ReviewStatus
from monusco.models import AuditLog
from tests.factories import make_meeting, make_user

pytestmark = pytest.mark.django_db


def _url(meeting):
    return reverse("gender:review", kwargs={"report_type": "meeting", "uid": meeting.uid})


def _meeting(world, users):
    meeting = make_meeting(world=world, author=users["cla"], women=3, men=4)
    meeting.stakeholder_groups = ["chief", "women_associations"]
    meeting.save()
    SecurityConcern.objects.create(
        meeting=meeting, category="armed_attack", description="Attaque sur la route", at_risk_groups=["women", "girls"]
    )
    MeetingFollowUp.objects.create(meeting=meeting, action="Patrouille au marché", responsible="monusco")
    return meeting


def _get(client, meeting, language="fr"):
    """The page in ``language``, as the switcher sets it."""
    client.cookies["django_language"] = language
    return client.get(_url(meeting))


def test_the_page_shows_concerns_and_follow_ups_with_labels_in_french(world, users, client):
    meeting = _meeting(world, users)
    client.force_login(users["gender"])
    response = _get(client, meeting)
    assert response.status_code == 200
    summary = {str(label): value for label, value in response.context["summary"]}
    assert summary["groupes d'acteurs présents"] == "Chef (de localité ou de groupement), Associations de femmes"
    assert summary["localité"] == "Uvira"
    assert summary["rédigé par"] == str(users["cla"])
    assert "created by" not in summary and "locality" not in summary
    children = response.context["children"]
    assert [section["name"] for section in children] == ["concerns", "follow_ups"]
    assert children[0]["rows"] == [
        {
            "fields": [
                ("catégorie de menace", "Attaque armée"),
                ("description", "Attaque sur la route"),
                ("qui est à risque", "Femmes, Filles"),
            ],
            "withheld": False,
        }
    ]
    assert children[1]["rows"][0]["fields"][:2] == [
        ("action de suivi", "Patrouille au marché"),
        ("responsable", "MONUSCO"),
    ]
    html = response.content.decode()
    assert "women_associations" not in html and "Attaque sur la route" in html and 'id="children-follow_ups"' in html


def test_the_idempotency_key_is_not_shown(world, users, client):
    from tests.factories.can import make_alert

    alert = make_alert(
        world.base,
        idempotency_key="gw:123456",
        review_status=ReviewStatus.SUBMITTED,
        review_round=1,
        submitted_at=timezone.now(),
    )
    client.force_login(users["gender"])
    response = client.get(reverse("gender:review", kwargs={"report_type": "alert", "uid": alert.uid}))
    assert response.status_code == 200
    assert "gw:123456" not in response.content.decode()


def test_a_sexual_violence_concern_is_withheld_without_need_to_know_and_logged_with_it(world, users, client):
    meeting = make_meeting(world=world, author=users["cla"], concerns=["sexual_violence"])
    # A reviewer of the province without the need-to-know permission.
    reviewer = make_user("manager", province=world.south, username="t-reviewer")
    reviewer.user_permissions.add(Permission.objects.get(codename="review_report"))
    client.force_login(reviewer)
    before = AuditLog.objects.count()
    rows = _get(client, meeting)
    rows = rows.context["children"][0]["rows"]
    assert rows == [{"fields": [], "withheld": True}]
    assert AuditLog.objects.count() == before

    client.force_login(users["gender"])
    before = AuditLog.objects.count()
    rows = _get(client, meeting).context["children"][0]["rows"]
    assert rows == [
        {
            "fields": [("catégorie de menace", "Violences sexuelles"), ("description", "Reported at the meeting")],
            "withheld": False,
        }
    ]
    concern = meeting.concerns.get()
    logged = AuditLog.objects.order_by("-pk").first()
    assert AuditLog.objects.count() == before + 1
    assert (logged.model, logged.object_pk, logged.actor_id, logged.action, logged.detail) == (
        "cla.securityconcern",
        str(concern.pk),
        users["gender"].pk,
        AuditLog.Action.VIEW_PROTECTED,
        {"fields": ["category", "description"]},
    )
    assert Review.objects.count() == 0


def test_every_unanswered_item_is_listed_at_once_and_nothing_is_saved(world, users, client):
    meeting = make_meeting(world=world, author=users["cla"])
    checklist = ReviewChecklist.objects.get(report_type="meeting", is_active=True)
    items = list(checklist.items.order_by("position"))
    client.force_login(users["gender"])
    client.cookies["django_language"] = "fr"
    data = {"decision": "approved", f"answer_{items[0].pk}": "yes", f"answer_{items[2].pk}": "no"}
    response = client.post(_url(meeting), data)
    assert response.status_code == 400
    missing = response.context["form"].missing()
    expected = [n for n in range(1, len(items) + 1) if n not in (1, 3)]
    assert [number for number, _item, _message in missing] == expected
    assert {message for _n, _item, message in missing} == {"Choisissez une réponse pour cet élément."}
    html = response.content.decode()
    assert 'id="error-summary" role="alert" tabindex="-1"' in html
    for number in expected:
        item = items[number - 1]
        assert f'<a href="#item-{item.pk}">{number}. {escape(item.text_fr)}</a>' in html
        assert f'id="item-{item.pk}" aria-describedby="item-{item.pk}-error"' in html
    assert f'id="item-{items[0].pk}" aria-describedby' not in html
    assert " required" not in html.split('id="review-form"')[1]  # no browser pop-up
    # what was chosen is kept
    assert html.count(" checked") == 2
    meeting.refresh_from_db()
    assert (meeting.review_status, Review.objects.count()) == (ReviewStatus.SUBMITTED, 0)


def test_a_returned_meeting_shows_its_author_the_items_to_correct_first(world, users, client):
    from tests.factories import make_review

    meeting = make_meeting(world=world, author=users["cla"])
    checklist = ReviewChecklist.objects.get(report_type="meeting", is_active=True)
    items = list(checklist.items.order_by("position"))
    make_review(meeting, users["gender"], "returned", checklist, answers={3: "no", 5: "partly"}, comment="Voir 3 et 5.")
    client.force_login(users["cla"])
    client.cookies["django_language"] = "fr"
    response = client.get(reverse("cla:meeting-detail", kwargs={"uid": meeting.uid}))
    assert response.status_code == 200
    review = response.context["reviews"][0]
    assert [text for text, _answer, _comment in review.to_fix] == [items[2].text_fr, items[4].text_fr]
    assert [answer for _text, answer, _comment in review.to_fix] == ["Non", "En partie"]
    assert len(review.met) == len(items) - 2
    assert review.items == review.to_fix + review.met
    html = response.content.decode()
    fix_at, met_at = html.index("2 éléments à corriger"), html.index(f"{len(items) - 2} éléments satisfaits")
    assert fix_at < met_at
    assert html.index(escape(items[2].text_fr)) < met_at < html.index(escape(items[0].text_fr))
