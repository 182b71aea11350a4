"""All of a CLA form's errors in one pass, in a summary linking to each field; a meeting needs a
participant or an explicit "no participants recorded"; the fields' descriptions point to ids that
exist."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from cla import services, validators
from cla.models import UrafikiMeeting
from gender.sadd import BANDS_MESSAGE
from tests.cla.test_plans import _plan_post
from tests.cla.test_views import _meeting_post

NOBODY = "Enter at least one participant, or tick “No participants recorded”."
BOTH = "You entered participants: untick “No participants recorded”."
ZERO = {"women": "0", "men": "0", "girls": "0", "boys": "0"}


@pytest.fixture(autouse=True)
def _english():
    """Messages are read in English (French is the site default), unless a page speaks the user's."""
    with translation.override("en"):
        yield


def _summary(html: str) -> list[tuple[str, str]]:
    block = re.search(r'<div class="error-summary" id="error-summary"(.*?)</div>', html, re.S)
    return re.findall(r'<li><a href="([^"]+)">(.*?)</a></li>', block.group(1)) if block else []


def _dangling(html: str) -> list[str]:
    ids = set(re.findall(r'\bid="([^"]+)"', html))
    described = [i for value in re.findall(r'aria-describedby="([^"]+)"', html) for i in value.split()]
    return [i for i in described if i not in ids]


def test_a_negative_count_no_longer_hides_the_age_band_rule():
    counts = {"women": -2, "men": 0, "girls": 1, "boys": 0, "age_0_5": 1}
    assert validators.sadd_errors(counts) == {
        "women": ["A count cannot be negative."],
        **{name: [str(BANDS_MESSAGE)] for name in ("age_6_12", "age_13_17", "age_18_49", "age_50_59", "age_60_plus")},
    }
    bands = {"age_0_5": -1, "age_6_12": 0, "age_13_17": 0, "age_18_49": 5, "age_50_59": 0, "age_60_plus": 0}
    assert validators.sadd_errors({"women": 5, "men": 0, "girls": 1, "boys": 0, **bands}) == {
        "age_0_5": ["A count cannot be negative.", str(BANDS_MESSAGE)]
    }


@pytest.mark.parametrize(
    ("counts", "none_recorded", "errors"),
    [
        ({"women": 0, "men": 0, "girls": 0, "boys": 0}, False, {"no_participants": [NOBODY]}),
        ({}, False, {"no_participants": [NOBODY]}),
        ({"women": -3, "men": 0, "girls": 0, "boys": 0}, False, {"no_participants": [NOBODY]}),
        ({"women": 0, "men": 0, "girls": 0, "boys": 0}, True, {}),
        ({"women": 0, "men": 0, "girls": 0, "boys": 1}, False, {}),
        ({"women": 0, "men": 2, "girls": 0, "boys": 0}, True, {"no_participants": [BOTH]}),
    ],
)
def test_the_participants_rule(counts, none_recorded, errors):
    assert validators.participants_errors(counts, none_recorded=none_recorded) == errors


def test_a_meeting_with_nobody_counted_is_refused_unless_confirmed(client, world, users):
    client.force_login(users["cla"])
    url = reverse("cla:meeting-create")
    response = client.post(url, _meeting_post(world.uvira, **ZERO))
    assert response.status_code == 200
    assert response.context["form"].errors == {"no_participants": [NOBODY]}
    assert _summary(response.content.decode()) == [("#id_no_participants", f"No participants recorded: {NOBODY}")]
    assert UrafikiMeeting.objects.count() == 0

    response = client.post(url, _meeting_post(world.uvira, no_participants="on"))
    assert response.context["form"].errors == {"no_participants": [BOTH]}
    assert UrafikiMeeting.objects.count() == 0

    response = client.post(url, _meeting_post(world.uvira, no_participants="on", **ZERO))
    assert response.status_code == 302
    meeting = UrafikiMeeting.objects.get()
    assert (meeting.total_people, meeting.concerns.count()) == (0, 2)
    edit = client.get(reverse("cla:meeting-edit", kwargs={"uid": meeting.uid})).content.decode()
    assert re.search(r'<input type="checkbox" name="no_participants" id="id_no_participants" checked>', edit)


def test_the_services_apply_the_participants_rule_to_every_caller(world, users):
    args = {
        "user": users["cla"],
        "base": world.base,
        "locality": world.uvira,
        "held_on": world.base.opened_on,
        "meeting_type": "urafiki",
        "counts": {"women": 0, "men": 0, "girls": 0, "boys": 0},
    }
    with pytest.raises(ValidationError) as error:
        services.meeting_create(**args)
    assert error.value.message_dict == {"no_participants": [NOBODY]}
    meeting = services.meeting_create(**args, no_participants=True)
    assert meeting.total_people == 0
    with pytest.raises(ValidationError) as error:
        services.meeting_update(
            user=users["cla"],
            meeting=meeting,
            expected_version=meeting.version,
            **{k: v for k, v in args.items() if k not in ("user", "base")},
        )
    assert error.value.message_dict == {"no_participants": [NOBODY]}
    meeting.refresh_from_db()
    assert meeting.version == 1


def test_every_meeting_error_is_in_the_summary_in_the_pages_order(client, world, users):
    users["cla"].preferred_language = "fr"
    users["cla"].save()
    client.force_login(users["cla"])
    post = _meeting_post(
        world.uvira,
        held_on="2999-01-01",
        women="-2",
        men="0",
        girls="0",
        boys="0",
        age_18_49="4",
        **{"concerns-1-description": "", "followups-0-due_on": "1970-01-01", "concerns-0-uid": "pas-un-uuid"},
    )
    html = client.post(reverse("cla:meeting-create"), post).content.decode()
    bands = "Remplissez toutes les tranches ou aucune. Les moins de 18 ans doivent égaler filles + garçons ; les 18 ans et plus, femmes + hommes."
    assert _summary(html) == [
        ("#id_held_on", "Date : La date ne peut pas être dans le futur."),
        ("#id_women", "Femmes : Un effectif ne peut pas être négatif."),
        (
            "#id_no_participants",
            "Aucun participant enregistré : Saisissez au moins un participant, ou cochez « Aucun participant enregistré ».",
        ),
        ("#id_age_0_5", f"0–5 ans : {bands}"),
        ("#id_age_6_12", f"6–12 ans : {bands}"),
        ("#id_age_13_17", f"13–17 ans : {bands}"),
        ("#id_age_50_59", f"50–59 ans : {bands}"),
        ("#id_age_60_plus", f"60 ans et plus : {bands}"),
        ("#concerns-0", "Préoccupation 1 : Saisissez un UUID valide."),
        ("#id_concerns-1-description", "Préoccupation 2 · Ce qui a été signalé : Ce champ est obligatoire."),
        ("#id_followups-0-due_on", "Action de suivi 1 · Échéance : Saisissez une date à partir de l’an 2000."),
    ]
    assert "Il y a 11 erreurs à corriger." in html
    assert 'tabindex="-1"' in html and 'role="alert"' in html
    for href, _text in _summary(html):
        assert f'id="{href[1:]}"' in html
    assert _dangling(html) == []
    assert UrafikiMeeting.objects.count() == 0


def test_no_summary_before_a_save_nor_when_a_row_is_added(client, world, users):
    client.force_login(users["cla"])
    url = reverse("cla:meeting-create")
    assert "error-summary" not in client.get(url).content.decode()
    html = client.post(url, _meeting_post(world.uvira, action="add_concern", women="-1")).content.decode()
    assert "error-summary" not in html
    assert _dangling(html) == []


def test_a_tampered_management_form_is_named_in_the_summary(client, world, users):
    client.force_login(users["cla"])
    post = _meeting_post(world.uvira)
    del post["followups-TOTAL_FORMS"]
    response = client.post(reverse("cla:meeting-create"), post)
    assert response.status_code == 200
    assert _summary(response.content.decode()) == [
        (
            "#followups",
            "ManagementForm data is missing or has been tampered with. Missing fields: "
            "followups-TOTAL_FORMS. You may need to file a bug report if the issue persists.",
        ),
    ]
    assert UrafikiMeeting.objects.count() == 0


def test_every_plan_error_is_in_the_summary_with_its_threat_and_action(client, world, users):
    client.force_login(users["cla"])
    post = _plan_post(
        locality=world.sange.pk,
        period_end="2024-01-01",
        girls="-1",
        **{"threats-0-actions-0-responsible": "", "threats-0-description": ""},
    )
    html = client.post(reverse("cla:plan-create"), post).content.decode()
    assert _summary(html) == [
        ("#id_period_end", "Period end: The period must end after it starts."),
        ("#id_girls", "Girls (under 18): A count cannot be negative."),
        ("#id_threats-0-description", "Threat 1 · Threat: This field is required."),
        ("#id_threats-0-actions-0-responsible", "Threat 1, action 1 · Responsible actor: This field is required."),
    ]
    assert _dangling(html) == []


def test_required_fields_are_marked_and_required(client, world, users):
    client.force_login(users["cla"])
    html = client.get(reverse("cla:meeting-create")).content.decode()
    assert '<label for="id_locality">Locality <span class="req" aria-hidden="true">*</span></label>' in html
    assert re.search(r'<select name="locality" required id="id_locality">', html)
    assert '<label for="id_topics">Topics discussed</label>' in html
    assert "novalidate" in html
