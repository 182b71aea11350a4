"""Rows added and removed on the device leave gaps in the formsets' indices: the forms skip a row
the page does not send, a threat without an actions management form has no actions, and the row
templates the page ships carry the placeholders ``static/field/rows.js`` fills in."""

import re

import pytest
from django.http import QueryDict
from django.urls import reverse
from django.utils import translation

from cla.forms import FollowUpFormSet, PlanEditor, formset_rows
from cla.models import CommunityProtectionPlan, OperatingBase, UrafikiMeeting
from tests.cla.test_views import _meeting_post


@pytest.fixture(autouse=True)
def _english():
    """Messages are read in English (French is the site default), unless a page speaks the user's."""
    with translation.override("en"):
        yield


def _data(**values) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, value in values.items():
        data.setlist(key.replace("__", "-"), value if isinstance(value, list) else [value])
    return data


def test_a_follow_up_row_the_page_does_not_send_is_skipped_not_refused():
    # Row 1 was added then removed on the device: only rows 0 and 2 are sent.
    formset = FollowUpFormSet(
        _data(
            **{"followups-TOTAL_FORMS": "3", "followups-INITIAL_FORMS": "0"},
            **{
                "followups-0-action": "Patrouille",
                "followups-0-responsible": "monusco",
                "followups-0-status": "planned",
            },
            **{"followups-2-action": "Escorte", "followups-2-responsible": "fardc", "followups-2-status": "done"},
        ),
        prefix="followups",
    )
    assert formset.is_valid(), formset.errors
    assert [form.is_absent() for form in formset.forms] == [False, True, False]
    assert [(row["action"], row["status"]) for row in formset_rows(formset)] == [
        ("Patrouille", "planned"),
        ("Escorte", "done"),
    ]


def test_a_prefix_that_only_starts_like_the_row_does_not_count_as_the_row():
    formset = FollowUpFormSet(
        _data(**{"followups-TOTAL_FORMS": "2", "followups-INITIAL_FORMS": "0", "followups-10-action": "x"}),
        prefix="followups",
    )
    assert [form.is_absent() for form in formset.forms] == [True, True]
    assert formset.is_valid()
    assert formset_rows(formset) == []


def test_a_saved_row_missing_from_the_post_is_refused_not_deleted():
    formset = FollowUpFormSet(
        _data(**{"followups-TOTAL_FORMS": "1", "followups-INITIAL_FORMS": "1"}), prefix="followups"
    )
    assert not formset.is_valid()
    assert formset.errors == [
        {
            "action": ["This field is required."],
            "responsible": ["This field is required."],
            "status": ["This field is required."],
        }
    ]


def test_a_threat_removed_on_the_device_and_its_missing_actions_are_skipped(world, users):
    data = _data(
        **{"threats-TOTAL_FORMS": "3", "threats-INITIAL_FORMS": "0"},
        **{"threats-0-category": "extortion", "threats-0-perpetrator_type": "bandits", "threats-0-description": "A"},
        **{"threats-0-actions-TOTAL_FORMS": "1", "threats-0-actions-INITIAL_FORMS": "0"},
        **{"threats-0-actions-0-description": "B", "threats-0-actions-0-responsible": "community"},
        **{"threats-0-actions-0-status": "planned"},
        **{"threats-2-category": "looting", "threats-2-perpetrator_type": "unknown", "threats-2-description": "C"},
    )
    editor = PlanEditor(data, bases=OperatingBase.objects.filter(pk=world.base.pk))
    assert [actions.total_form_count() for _, actions in editor.rows()] == [1, 0, 0]
    assert [actions.is_valid() for _, actions in editor.rows()] == [True, True, True]
    assert editor.threats.is_valid()
    rows = editor.threat_rows()
    assert [(row["description"], [a["description"] for a in row["actions"]]) for row in rows] == [
        ("A", ["B"]),
        ("C", []),
    ]


def test_the_row_templates_carry_the_placeholders_and_the_remove_labels(client, world, users):
    client.force_login(users["cla"])
    html = client.get(reverse("cla:plan-create")).content.decode()
    template = re.search(r'<template data-template="threats">(.*?)</template>', html, re.S).group(1)
    assert 'id="threats-__prefix__"' in template
    assert 'name="threats-__prefix__-actions-TOTAL_FORMS" value="1"' in template
    assert 'name="threats-__prefix__-actions-0-description"' in template
    assert 'data-add="threats-__prefix__-actions"' in template
    assert 'value="add_action:__prefix__"' in template
    assert "Threat __number__" in template
    action = re.search(r'<template data-template="threats-__parent__-actions">(.*?)</template>', html, re.S).group(1)
    assert 'id="threats-__parent__-actions-__prefix__"' in action
    assert 'name="threats-__parent__-actions-__prefix__-description"' in action
    assert 'data-remove-label="Remove this threat"' in html
    assert 'formaction="#threats-1"' in html and 'formaction="#threats-0-actions-1"' in html

    html = client.get(reverse("cla:meeting-create")).content.decode()
    assert re.search(r'<template data-template="concerns"><div class="row" id="concerns-__prefix__">', html)
    assert 'name="followups-__prefix__-action"' in html
    assert 'formaction="#concerns-1"' in html and 'formaction="#followups-1"' in html
    assert 'data-remove-label="Remove this concern"' in html
    assert CommunityProtectionPlan.objects.count() == UrafikiMeeting.objects.count() == 0


def test_a_post_back_to_add_a_row_marks_no_field_invalid_and_a_save_points_to_the_shown_error(client, world, users):
    client.force_login(users["cla"])
    url = reverse("cla:meeting-create")
    html = client.post(url, _meeting_post(world.uvira, action="add_concern", women="-1")).content.decode()
    assert "aria-invalid" not in html
    assert re.findall(r'aria-describedby="([^"]+)"', html) == ["position-help"]  # only the position button's help
    html = client.post(url, _meeting_post(world.uvira, women="-1")).content.decode()
    assert re.search(r'<input [^>]*aria-invalid="true"[^>]*aria-describedby="id_women_error"[^>]*id="id_women"', html)
    assert '<ul class="errorlist" id="id_women_error">' in html
    assert UrafikiMeeting.objects.count() == 0
