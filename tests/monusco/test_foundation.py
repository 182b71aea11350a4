import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from gender.models import Report
from gender.registry import reports
from monusco.roles import ROLE_PERMISSIONS, Role, sync_roles

PROJECT_APPS = ("monusco", "cla", "can", "jpt", "gender")


def test_every_report_model_is_registered_with_gender():
    report_models = {m for m in apps.get_models() if issubclass(m, Report)}
    registered = {rt.model for rt in reports.all()}
    assert report_models == registered
    # the ones the design names are among them
    labels = {m._meta.label for m in registered}
    assert {"cla.UrafikiMeeting", "cla.CommunityProtectionPlan"} <= labels


def test_registry_rejects_models_that_are_not_reports():
    from monusco.models import Locality

    with pytest.raises(TypeError):
        reports.register(
            Locality,
            slug="x",
            label="x",
            date_field="x",
            base_path=None,
            territory_path=None,
            province_path=None,
            author_field="x",
        )


@pytest.mark.django_db
def test_roles_are_groups_and_sync_is_idempotent():
    first = sync_roles()
    second = sync_roles()
    assert first == second
    assert set(Group.objects.values_list("name", flat=True)) >= {r.value for r in Role}
    # every permission named in the role table exists (no typo silently dropped)
    from django.contrib.auth.models import Permission

    existing = {f"{a}.{c}" for a, c in Permission.objects.values_list("content_type__app_label", "codename")}
    wanted = {p for perms in ROLE_PERMISSIONS.values() for p in perms}
    assert sorted(wanted - existing) == []


LOCAL_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.mark.django_db
@override_settings(CELERY_BROKER_URL="memory://", CACHES=LOCAL_CACHE)
def test_healthz_reports_database_and_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "eager", "cache": "local", "degraded": []}


@pytest.mark.django_db
@override_settings(CELERY_BROKER_URL="redis://127.0.0.1:1/0", CACHES=LOCAL_CACHE)
def test_healthz_answers_200_degraded_when_the_broker_is_unreachable(client):
    from monusco.breaker import reset_all

    response = client.get("/healthz")
    reset_all()
    assert response.status_code == 200  # alerts are still stored; the sweep queues them later
    assert response.json() == {
        "status": "degraded",
        "database": "ok",
        "broker": "down",
        "cache": "local",
        "degraded": ["broker"],
    }


@pytest.mark.django_db
@override_settings(CELERY_BROKER_URL="memory://", CACHES=LOCAL_CACHE)
def test_healthz_answers_503_when_the_database_is_unreachable(client, monkeypatch, tmp_path):
    from django.db import OperationalError, connection

    def refuse():
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get("/healthz")
    live = client.get("/healthz?probe=live")  # the liveness probe: an outage never restarts the process
    spool = tmp_path / "spool"
    spool.mkdir()
    with override_settings(CAN_SPOOL_DIR=str(spool)):
        ready = client.get("/healthz?probe=ready")  # the spool still takes SMS: stay in rotation
    with override_settings(CAN_SPOOL_DIR=str(tmp_path / "missing")):
        not_ready = client.get("/healthz?probe=ready")
    monkeypatch.undo()
    assert (live.status_code, live.json()) == (200, {"status": "alive"})
    assert (ready.status_code, ready.json()["status"], ready.json()["database"]) == (200, "spooling", "down")
    assert (not_ready.status_code, not_ready.json()["status"]) == (503, "unhealthy")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unhealthy",
        "database": "down",
        "broker": "eager",
        "cache": "local",
        "degraded": ["database"],
    }


@pytest.mark.django_db
def test_login_page_is_french_by_default(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert "Se connecter" in response.content.decode()


@pytest.mark.django_db
def test_language_switch_is_saved_on_the_user(client, users):
    user = users["norole"]
    client.force_login(user)
    response = client.post("/i18n/setlang/", {"language": "sw", "next": "/"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.preferred_language == "sw"
    assert "Karibu" in client.get("/").content.decode()


@pytest.mark.django_db
def test_language_switch_ignores_unknown_languages(client, users):
    user = users["norole"]
    client.force_login(user)
    client.post("/i18n/setlang/", {"language": "xx", "next": "/"})
    user.refresh_from_db()
    assert user.preferred_language == "en"


@pytest.mark.django_db
def test_home_requires_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


@pytest.mark.django_db
def test_administrator_lands_on_the_admin(client, users):
    client.force_login(users["admin"])
    assert client.get("/")["Location"] == reverse("admin:index")


def _admin_urls():
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in PROJECT_APPS:
            continue
        info = model._meta.app_label, model._meta.model_name
        yield f"admin:{info[0]}_{info[1]}_changelist"
        if model_admin.has_add_permission.__func__ is admin.ModelAdmin.has_add_permission:
            yield f"admin:{info[0]}_{info[1]}_add"


@pytest.mark.django_db
def test_every_admin_changelist_and_add_page_answers_200_for_an_administrator(client, users):
    call_command("seed_demo", verbosity=0)
    client.force_login(users["admin"])
    checked = 0
    for name in _admin_urls():
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        checked += 1
    assert checked >= 20


@pytest.mark.django_db
def test_migrations_are_complete_and_all_applied_on_this_database():
    """On CI this runs against PostgreSQL: every migration applied there, none missing."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.django_db
def test_jpt_lead_picks_users_by_autocomplete_but_cannot_browse_user_records(client, users):
    client.force_login(users["jpt"])
    cla = users["cla"]
    assert client.get(reverse("admin:monusco_user_changelist")).status_code == 403
    assert client.get(reverse("admin:monusco_user_change", args=[cla.pk])).status_code == 403
    index = client.get(reverse("admin:index")).content.decode()
    assert reverse("admin:monusco_user_changelist") not in index
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "jpt", "model_name": "missionmember", "field_name": "user", "term": "t-cla"},
    )
    assert response.status_code == 200
    assert sorted(r["text"] for r in response.json()["results"]) == sorted([str(users["cla"]), str(users["cla2"])])
    assert "email" not in response.content.decode()


@pytest.mark.django_db
def test_healthz_checks_a_real_redis_broker(client):
    from tests.can.test_worker import free_port, start_redis, stop

    port = free_port()
    redis = start_redis(port)
    try:
        with override_settings(CELERY_BROKER_URL=f"redis://127.0.0.1:{port}/0"):
            assert client.get("/healthz").json()["broker"] == "ok"
    finally:
        stop(redis)
    with override_settings(CELERY_BROKER_URL=f"redis://127.0.0.1:{port}/0"):
        response = client.get("/healthz")
    from monusco.breaker import reset_all

    reset_all()
    assert (response.status_code, response.json()["status"], response.json()["broker"]) == (200, "degraded", "down")
