"""What the production settings make of their environment: JSON log lines, and a database
connection fit for PgBouncer's transaction mode when prepared statements are off."""

from __future__ import annotations

import importlib

import pytest

BASE_ENV = {
    "SECRET_KEY": "x" * 60,
    "ALLOWED_HOSTS": "example.org",
    "FIELD_ENCRYPTION_KEY": "Y2ktZHVtbXkta2V5LW5vdC1hLXNlY3JldC0wMDAwMDA=",
    "FIELD_HASH_KEY": "k",
    "DATABASE_URL": "postgres://u@127.0.0.1:6432/d",
}


@pytest.fixture
def production(monkeypatch):
    """The production settings module, loaded afresh under the environment given."""

    def load(**env):
        for key in ("LOG_FORMAT", "DB_PREPARED_STATEMENTS"):
            monkeypatch.delenv(key, raising=False)
        for key, value in {**BASE_ENV, **env}.items():
            monkeypatch.setenv(key, value)
        import monusco.settings.base as base

        importlib.reload(base)
        return importlib.reload(importlib.import_module("monusco.settings.production"))

    yield load
    monkeypatch.undo()
    import monusco.settings.base as base

    importlib.reload(base)


def test_log_lines_are_json_unless_asked_otherwise(production):
    assert production().LOGGING["handlers"]["console"]["formatter"] == "json"
    assert production(LOG_FORMAT="plain").LOGGING["handlers"]["console"]["formatter"] == "plain"


def test_behind_pgbouncer_prepared_statements_and_server_side_cursors_are_off(production):
    pooled = production(DB_PREPARED_STATEMENTS="false")
    assert pooled.DB_PREPARED_STATEMENTS is False
    assert pooled.DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] is True
    direct = production()
    assert direct.DB_PREPARED_STATEMENTS is True
    assert "DISABLE_SERVER_SIDE_CURSORS" not in direct.DATABASES["default"]
