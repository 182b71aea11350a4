"""Backups that restore (monusco.backup): the encrypted stream refuses every damaged file, and the
drill on PostgreSQL: seed, back up, drop, restore; the counts match, focal point identities still
decrypt, and the app serves."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import override_settings

from monusco import backup
from monusco.crypto import _fernet

ROOT = Path(settings.BASE_DIR)


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(backup, "CHUNK_BYTES", 64)


@pytest.mark.parametrize("size", [0, 1, 63, 64, 65, 64 * 3, 1000])
def test_a_stream_comes_back_exactly_and_holds_none_of_its_text(small_chunks, size):
    plain = (b"Maman Furaha +243812345678 " * 50)[:size]
    sealed = io.BytesIO()
    written, sha256 = backup.encrypt_stream(io.BytesIO(plain), sealed)
    data = sealed.getvalue()
    assert written == len(data)
    import hashlib

    assert sha256 == hashlib.sha256(data).hexdigest()
    assert b"Furaha" not in data and b"243812" not in data
    opened = io.BytesIO()
    assert backup.decrypt_stream(io.BytesIO(data), opened) == size
    assert opened.getvalue() == plain


def _sealed(plain: bytes) -> bytes:
    out = io.BytesIO()
    backup.encrypt_stream(io.BytesIO(plain), out)
    return out.getvalue()


def _parts(data: bytes) -> list[bytes]:
    """The length-prefixed parts after the magic line."""
    rest, parts = data[len(backup.MAGIC) :], []
    while rest:
        length = int.from_bytes(rest[:4], "big")
        parts.append(rest[: 4 + length])
        rest = rest[4 + length :]
    return parts


def _refused(data: bytes) -> str:
    with pytest.raises(backup.BackupError) as caught:
        backup.decrypt_stream(io.BytesIO(data), io.BytesIO())
    return str(caught.value)


def test_a_damaged_cut_reordered_or_foreign_file_is_refused(small_chunks):
    data = _sealed(bytes(range(256)) * 2)  # 512 bytes: 8 parts
    parts = _parts(data)
    assert len(parts) == 8
    assert _refused(b"PK\x03\x04" + data[4:]) == "This is not a backup file written by this application."
    assert _refused(backup.MAGIC + b"".join(parts[:-1])) == "The backup file is cut short: its last part is missing."
    assert _refused(data[:-10]) == "The backup file is cut short: its last part is missing."
    swapped = backup.MAGIC + parts[1] + parts[0] + b"".join(parts[2:])
    assert _refused(swapped) == "The backup file's parts are out of order."
    flipped = bytearray(data)
    flipped[len(backup.MAGIC) + 40] ^= 1
    assert (
        _refused(bytes(flipped))
        == "The backup cannot be decrypted: wrong FIELD_ENCRYPTION_KEY, or the file is damaged."
    )
    assert _refused(data + parts[-1]) == "The backup file has data after its last part."


def test_another_key_cannot_open_it_and_a_rotated_key_list_still_can(small_chunks):
    data = _sealed(b"protected rows")
    other = Fernet.generate_key().decode()
    _fernet.cache_clear()
    with override_settings(FIELD_ENCRYPTION_KEY=[other]):
        assert "wrong FIELD_ENCRYPTION_KEY" in _refused(data)
    with override_settings(FIELD_ENCRYPTION_KEY=[other, *settings.FIELD_ENCRYPTION_KEY]):
        opened = io.BytesIO()
        backup.decrypt_stream(io.BytesIO(data), opened)
        assert opened.getvalue() == b"protected rows"
    _fernet.cache_clear()


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the SQLite refusal")
def test_on_sqlite_the_commands_say_why_they_cannot_run(tmp_path):
    with pytest.raises(CommandError, match="Backups are taken from PostgreSQL; this database is not PostgreSQL."):
        call_command("backup", str(tmp_path / "b"))
    with pytest.raises(CommandError, match="Backups are taken from PostgreSQL"):
        call_command("restore", str(tmp_path / "b"))
    assert list(tmp_path.iterdir()) == []


# --- the drill, on a scratch PostgreSQL database of its own ---------------------------------------

READ_BACK = """
import json
from django.test import Client
from can.models import FocalPoint
from monusco.models import User
client = Client()
print(json.dumps({
    "focal_points": sorted([fp.code, fp.name, fp.phone] for fp in FocalPoint.objects.all()),
    "users": User.objects.count(),
    "healthz": client.get("/healthz", HTTP_X_FORWARDED_PROTO="https").status_code,
    "login": client.get("/accounts/login/").status_code,
}))
"""


def _url(name: str) -> str:
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{name}"


def _run(name: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "monusco.settings.test", "DATABASE_URL": _url(name)}
    for variable in ("CELERY_BROKER_URL", "REDIS_URL"):
        env.pop(variable, None)  # eager tasks and a local cache: the drill needs only the database
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, capture_output=True, text=True, check=check
    )


def _read_back(name: str) -> dict:
    """What the app reads of the database: its last line of output (logging may precede it)."""
    return json.loads(_run(name, "shell", "-c", READ_BACK).stdout.strip().splitlines()[-1])


def _psql(sql: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump and pg_restore are PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_the_restore_drill_seed_back_up_drop_restore(tmp_path):
    name = f"monusco_drill_{uuid.uuid4().hex[:8]}"
    _psql(f'CREATE DATABASE "{name}"')
    try:
        _run(name, "migrate", "--noinput", "-v", "0")
        _run(name, "seed_demo")
        before = _read_back(name)
        assert before["focal_points"] and before["users"] > 0
        assert all(phone.startswith("+243") for _code, _name, phone in before["focal_points"] if phone)
        taken = _run(name, "backup", str(tmp_path / "b"))
        manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
        assert taken.stdout.startswith(f"Backed up {len(manifest['row_counts'])} tables")
        assert manifest["row_counts"]["can_focalpoint"] == len(before["focal_points"])
        assert manifest["row_counts"]["monusco_user"] == before["users"]
        assert "0007_callbacks_replies" in manifest["migrations"]["can"]
        dump = (tmp_path / "b" / "dump.enc").read_bytes()
        assert dump.startswith(backup.MAGIC) and len(dump) == manifest["dump"]["bytes"]
        for _code, person, _phone in before["focal_points"]:
            assert person.encode() not in dump  # neither the dump nor the names in it can be read

        # A database that is not empty is never written over.
        refused = _run(name, "restore", str(tmp_path / "b"), check=False)
        assert refused.returncode == 1
        assert f"The database {name} is not empty" in refused.stderr

        _psql(f'DROP DATABASE "{name}"')
        _psql(f'CREATE DATABASE "{name}"')
        restored = _run(name, "restore", str(tmp_path / "b"))
        assert "the migrations and every count match the manifest" in restored.stdout
        after = _read_back(name)
        assert after == before
        assert after["healthz"] == 200 and after["login"] == 200

        # A damaged dump is refused before anything is written.
        _psql(f'DROP DATABASE "{name}"')
        _psql(f'CREATE DATABASE "{name}"')
        damaged = bytearray(dump)
        damaged[-100] ^= 1
        (tmp_path / "b" / "dump.enc").write_bytes(bytes(damaged))
        broken = _run(name, "restore", str(tmp_path / "b"), check=False)
        assert broken.returncode == 1
        assert "The dump does not match the manifest's SHA-256" in broken.stderr
        empty = _run(
            name, "shell", "-c", "from django.db import connection; print(connection.introspection.table_names())"
        )
        assert empty.stdout.strip().splitlines()[-1] == "[]"
    finally:
        _psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
