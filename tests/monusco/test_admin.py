"""Hostile query strings and forms in the admin and the pages (a NUL answers 400, any other bad value
never 500), history pages that follow the change page's permission, and the audit log kept for
administrators."""

import urllib.parse

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.urls import reverse

from can.models import Alert
from monusco.models import AuditLog
from tests.factories import TOKEN, make_alert, make_channel

pytestmark = pytest.mark.django_db

NUL_MESSAGE = {
    "en": "The request holds a NUL character, which no field accepts. Remove it and try again.",
    "fr": "La requête contient un caractère NUL, qu’aucun champ n’accepte. Retirez-le et réessayez.",
    "sw": "Ombi lina herufi NUL, ambayo hakuna sehemu inayoikubali. Iondoe kisha ujaribu tena.",
}
BAD_VALUES = ["zz-not-a-value", "9999", "99999999999999999999999"]


def _filter_parameters(client, model) -> list[str]:
    """Every query parameter a model's changelist offers: its filters, search and ordering."""
    opts = model._meta
    response = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    assert response.status_code == 200, opts.label
    changelist = response.context["cl"]
    names = [name for spec in changelist.filter_specs for name in spec.expected_parameters()]
    if changelist.search_fields:
        names.append("q")
    if changelist.date_hierarchy:
        names += [f"{changelist.date_hierarchy}__{part}" for part in ("year", "month", "day")]
    return [*names, "o", "p"]


def _last_day(model) -> dict:
    """The last day of the calendar in a changelist's date drill-down (one day further overflows)."""
    field = admin.site._registry[model].date_hierarchy
    return {f"{field}__year": "9999", f"{field}__month": "12", f"{field}__day": "31"} if field else {}


def test_every_admin_list_filter_answers_400_to_a_nul_and_never_500_to_a_bad_value(client, world, users):
    make_alert(world.base, locality=world.uvira)
    client.force_login(users["admin"])
    client.cookies["django_language"] = "en"
    tried, problems = set(), []
    for model in admin.site._registry:
        opts = model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        for name in _filter_parameters(client, model):
            response = client.get(f"{url}?{name}=%00")
            tried.add(opts.label_lower)
            if response.status_code != 400 or response.content.decode() != NUL_MESSAGE["en"]:
                problems.append(f"{opts.label} ?{name}=NUL: {response.status_code}")
            for value in BAD_VALUES:
                status = client.get(url, {name: value}).status_code
                if status >= 500:
                    problems.append(f"{opts.label} ?{name}={value}: {status}")
        if _last_day(model) and client.get(url, _last_day(model)).status_code >= 500:
            problems.append(f"{opts.label} last day of the calendar")
    assert problems == []
    assert tried == {model._meta.label_lower for model in admin.site._registry}


@pytest.mark.parametrize("language", ["en", "fr", "sw"])
def test_a_nul_in_a_page_or_api_query_string_answers_400_in_the_users_language(client, users, language):
    client.force_login(users["duty"])
    client.cookies["django_language"] = language
    response = client.get("/can/inbox/?state=%00")
    assert (response.status_code, response.content.decode()) == (400, NUL_MESSAGE[language])
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    response = client.get("/api/v1/alerts/", {"status": "\x00"})
    assert (response.status_code, response.json()) == (400, {"detail": NUL_MESSAGE[language]})
    assert client.get(reverse("admin:index") + "%00/").status_code == 400


def test_a_nul_in_a_browser_form_answers_400_and_saves_nothing(client, world, users):
    alert = make_alert(world.base, locality=world.uvira)
    client.force_login(users["admin"])
    before = Alert.objects.filter(pk=alert.pk).values().get()
    changelist = reverse("admin:can_alert_changelist")
    # An admin action on a NUL "selected" row, as a multipart and as a url-encoded form.
    data = {"action": "delete_selected", "_selected_action": ["\x00"], "index": "0"}
    assert client.post(changelist, data).status_code == 400
    body = urllib.parse.urlencode(data, doseq=True)
    assert client.post(changelist, body, content_type="application/x-www-form-urlencoded").status_code == 400
    url = reverse("admin:can_alert_change", args=[alert.pk])
    assert client.post(url, {"description": "Tirs\x00"}).status_code == 400
    assert Alert.objects.filter(pk=alert.pk).values().get() == before


def test_an_sms_holding_a_nul_is_still_kept(client, world):
    channel = make_channel(world.base)
    response = client.post(
        reverse("can:inbound-receive", args=[channel.uid]),
        {"from": "+243812345678", "text": "Attaque\x00 à Sange", "id": "gw-nul-1"},
        HTTP_X_GATEWAY_TOKEN=TOKEN,
    )
    assert response.status_code == 200
    assert list(Alert.objects.values_list("raw_text", flat=True)) == ["Attaque\ufffd à Sange"]


# --- history and the audit log ------------------------------------------------------------------


def test_a_jpt_lead_reads_no_user_history(client, users):
    client.force_login(users["jpt"])
    for user in (users["cla"], users["admin"], users["far_manager"]):
        assert client.get(reverse("admin:monusco_user_history", args=[user.pk])).status_code == 403
    assert client.get(reverse("admin:monusco_user_history", args=[987654])).status_code == 403
    client.force_login(users["admin"])
    assert client.get(reverse("admin:monusco_user_history", args=[users["cla"].pk])).status_code == 200


@pytest.mark.parametrize("page", ["changelist", "change", "history"])
def test_the_audit_log_is_for_administrators_only(client, users, page):
    entry = AuditLog.objects.create(action="view_protected", model="can.focalpoint", object_pk="7", actor=users["cla"])
    url = reverse(f"admin:monusco_auditlog_{page}", args=[] if page == "changelist" else [entry.pk])
    manager = users["manager"]
    manager.user_permissions.add(Permission.objects.get(codename="view_auditlog"))
    client.force_login(manager)
    assert client.get(url).status_code == 403
    assert reverse("admin:monusco_auditlog_changelist") not in client.get(reverse("admin:index")).content.decode()
    client.force_login(users["admin"])
    assert client.get(url).status_code == 200
