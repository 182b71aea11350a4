"""The production stack description and settings. No Docker engine runs here, so the compose file
is validated against the Compose Specification's JSON schema (check-jsonschema's bundled copy)."""

import os
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def test_docker_compose_file_is_valid_against_the_compose_spec():
    result = subprocess.run(
        [BIN / "check-jsonschema", "--builtin-schema", "vendor.compose-spec", ROOT / "docker-compose.yml"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_docker_compose_runs_the_production_stack():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"migrate", "web", "worker-alerts", "worker-sms", "worker-default", "beat", "db", "redis"}
    for name in ("worker-alerts", "worker-sms", "worker-default"):
        assert services[name]["command"][:4] == ["celery", "-A", "monusco", "worker"]
    # exactly one beat: every periodic task is scheduled once
    beats = [name for name, service in services.items() if "beat" in service.get("command", [])]
    assert beats == ["beat"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "monusco", "beat"]
    assert services["web"]["command"][0] == "gunicorn"
    env = services["web"]["environment"]
    for name in (
        "DATABASE_URL",
        "CELERY_BROKER_URL",
        "REDIS_URL",
        "SECRET_KEY",
        "FIELD_ENCRYPTION_KEY",
        "ALLOWED_HOSTS",
    ):
        assert name in env, name
    # secrets have no default: compose refuses to start without them
    assert env["SECRET_KEY"] == "${SECRET_KEY:?set SECRET_KEY}"
    assert env["FIELD_ENCRYPTION_KEY"] == "${FIELD_ENCRYPTION_KEY:?set FIELD_ENCRYPTION_KEY}"


def test_the_intake_spool_is_a_named_volume_on_web_and_every_worker():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert "intake-spool" in compose["volumes"]
    for name in ("web", "worker-alerts", "worker-sms", "worker-default"):
        service = compose["services"][name]
        assert service["environment"]["CAN_SPOOL_DIR"] == "/var/spool/monusco-intake", name
        assert "intake-spool:/var/spool/monusco-intake" in service["volumes"], name
    # the image makes the mount point, owned by the app's user, so the empty volume takes it
    assert "install -d -m 0700 -o app -g app /var/spool/monusco-intake" in (ROOT / "Dockerfile").read_text()


def _production_check(extra_env: dict) -> subprocess.CompletedProcess:
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "SECRET_KEY",
            "FIELD_ENCRYPTION_KEY",
            "FIELD_HASH_KEY",
            "ALLOWED_HOSTS",
            "DATABASE_URL",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    env.update({"DJANGO_SETTINGS_MODULE": "monusco.settings.production", **extra_env})
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_settings_refuse_to_start_without_secrets():
    result = _production_check({})
    assert result.returncode != 0
    assert "Set the SECRET_KEY environment variable" in result.stderr


def test_production_settings_pass_the_deploy_check_with_secrets(tmp_path):
    result = _production_check(
        {
            "SECRET_KEY": "x" * 60 + "-deploy-check-0123456789abcdef",
            "ALLOWED_HOSTS": "example.org",
            "FIELD_ENCRYPTION_KEY": "Y2ktZHVtbXkta2V5LW5vdC1hLXNlY3JldC0wMDAwMDA=",
            "FIELD_HASH_KEY": "k",
            "DATABASE_URL": f"sqlite:///{tmp_path}/prod.sqlite3",
        }
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
