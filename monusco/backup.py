"""Backups that restore: an encrypted ``pg_dump`` with a manifest, and its checked restore.

A backup is a directory holding two files:
- ``dump.enc``: PostgreSQL's custom-format dump (``pg_dump -Fc``), encrypted as it is written;
- ``manifest.json``: when it was taken, the migrations applied, the exact row count of every
  table, and the dump's size and SHA-256. It names no one and holds no row.

The counts and the dump see the same data: the counts are read in a repeatable-read transaction
whose snapshot ``pg_dump --snapshot`` then dumps, so a backup taken while people work still
restores to exactly its counts.

Encryption uses the field key (``FIELD_ENCRYPTION_KEY``, ``monusco.crypto``): Fernet over chunks of
1 MiB, each chunk carrying its index and whether it is the last, so a file cut short, reordered
or altered is refused, never restored in part. The key matters twice: without it, neither the dump
nor the protected columns inside it (names, phone numbers) can be read. Keep it apart from the
backups (see README.md, "Backups").

``restore`` writes only into an empty database, then checks the migrations and every count
against the manifest.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import struct
import subprocess
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from cryptography.fernet import InvalidToken
from django.conf import settings

from .crypto import fernet

MAGIC = b"MONUSCO-BACKUP-1\n"
CHUNK_BYTES = 1 << 20
DUMP_NAME = "dump.enc"
MANIFEST_NAME = "manifest.json"
_HEADER = struct.Struct(">QB")  # chunk index, last chunk (1) or not (0)
_LENGTH = struct.Struct(">I")


class BackupError(Exception):
    """A backup or restore that cannot be done, with the reason in plain words."""


# --- encryption of a stream ----------------------------------------------------------------------


def _chunks(source: IO[bytes]) -> Iterator[tuple[bytes, bool]]:
    """The source in chunks, each with whether it is the last (an empty source is one empty chunk)."""
    current = source.read(CHUNK_BYTES)
    while True:
        following = source.read(CHUNK_BYTES)
        yield current, not following
        if not following:
            return
        current = following


def encrypt_stream(source: IO[bytes], target: IO[bytes]) -> tuple[int, str]:
    """Encrypt ``source`` into ``target``; returns the bytes written and their SHA-256."""
    digest, written = hashlib.sha256(), 0
    box = fernet()

    def put(data: bytes) -> None:
        nonlocal written
        target.write(data)
        digest.update(data)
        written += len(data)

    put(MAGIC)
    for index, (data, last) in enumerate(_chunks(source)):
        token = base64.urlsafe_b64decode(box.encrypt(_HEADER.pack(index, int(last)) + data))
        put(_LENGTH.pack(len(token)) + token)
    return written, digest.hexdigest()


def decrypt_stream(source: IO[bytes], target: IO[bytes]) -> int:
    """Decrypt what ``encrypt_stream`` wrote; returns the plain bytes written. Refuses a file with
    a wrong key, a damaged or reordered chunk, or no last chunk (cut short)."""
    if source.read(len(MAGIC)) != MAGIC:
        raise BackupError("This is not a backup file written by this application.")
    box, expected, written = fernet(), 0, 0
    while True:
        prefix = source.read(_LENGTH.size)
        if len(prefix) < _LENGTH.size:
            raise BackupError("The backup file is cut short: its last part is missing.")
        (length,) = _LENGTH.unpack(prefix)
        token = source.read(length)
        if len(token) < length:
            raise BackupError("The backup file is cut short: its last part is missing.")
        try:
            plain = box.decrypt(base64.urlsafe_b64encode(token))
        except InvalidToken:
            raise BackupError(
                "The backup cannot be decrypted: wrong FIELD_ENCRYPTION_KEY, or the file is damaged."
            ) from None
        index, last = _HEADER.unpack_from(plain)
        if index != expected:
            raise BackupError("The backup file's parts are out of order.")
        target.write(plain[_HEADER.size :])
        written += len(plain) - _HEADER.size
        expected += 1
        if last:
            if source.read(1):
                raise BackupError("The backup file has data after its last part.")
            return written


# --- the database --------------------------------------------------------------------------------


def _database(alias: str = "default") -> dict[str, Any]:
    db = settings.DATABASES[alias]
    if db["ENGINE"] != "django.db.backends.postgresql":
        raise BackupError("Backups are taken from PostgreSQL; this database is not PostgreSQL.")
    return db


def _environment(db: dict[str, Any]) -> dict[str, str]:
    """libpq's environment for pg_dump and pg_restore: the password never goes on a command line."""
    env = dict(os.environ)
    for variable, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"), ("PGPASSWORD", "PASSWORD")):
        if db.get(key):
            env[variable] = str(db[key])
    env["PGDATABASE"] = db["NAME"]
    return env


def _connect(db: dict[str, Any]):
    import psycopg2  # type: ignore[import-untyped]  # no stubs pinned; two calls used

    return psycopg2.connect(
        dbname=db["NAME"],
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
    )


def _tables(cursor) -> list[str]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
    return [row[0] for row in cursor.fetchall()]


def _state(cursor) -> dict[str, Any]:
    """The migrations applied (app -> sorted names) and every table's exact row count."""
    counts = {}
    for table in _tables(cursor):
        cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 - a name read from pg_tables
        counts[table] = cursor.fetchone()[0]
    migrations: dict[str, list[str]] = {}
    if "django_migrations" in counts:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        for app, name in cursor.fetchall():
            migrations.setdefault(app, []).append(name)
    return {"migrations": migrations, "row_counts": counts}


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (PostgreSQL's client tools are needed).")
    return path


def backup(directory: Path, *, alias: str = "default") -> dict[str, Any]:
    """Write a backup of the database into ``directory`` (created; must not hold one already).
    Returns the manifest."""
    db = _database(alias)
    directory.mkdir(parents=True, exist_ok=True)
    dump_path, manifest_path = directory / DUMP_NAME, directory / MANIFEST_NAME
    if dump_path.exists() or manifest_path.exists():
        raise BackupError(f"{directory} already holds a backup.")
    connection = _connect(db)
    try:
        connection.set_session(isolation_level="REPEATABLE READ", readonly=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
            snapshot, server_version = cursor.fetchone()
            state = _state(cursor)
            partial = dump_path.with_suffix(".partial")
            with open(partial, "wb") as target, tempfile.TemporaryFile() as errors:
                process = subprocess.Popen(  # noqa: S603 - fixed arguments
                    [_tool("pg_dump"), "--format=custom", f"--snapshot={snapshot}", "--no-owner", "--no-privileges"],
                    stdout=subprocess.PIPE,
                    stderr=errors,
                    env=_environment(db),
                )
                assert process.stdout is not None
                size, sha256 = encrypt_stream(process.stdout, target)
                returncode = process.wait()
                errors.seek(0)
                error = errors.read().decode(errors="replace")
                if returncode != 0:
                    partial.unlink(missing_ok=True)
                    raise BackupError(f"pg_dump failed: {error.strip()[:500]}")
                target.flush()
                os.fsync(target.fileno())
            partial.rename(dump_path)
    finally:
        connection.close()
    manifest = {
        "format": 1,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "server_version": server_version,
        **state,
        "dump": {"file": DUMP_NAME, "bytes": size, "sha256": sha256},
    }
    manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest


def read_manifest(directory: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((directory / MANIFEST_NAME).read_text())
    except FileNotFoundError:
        raise BackupError(f"{directory} holds no {MANIFEST_NAME}.") from None
    except ValueError:
        raise BackupError(f"{directory / MANIFEST_NAME} is not valid JSON.") from None
    if not isinstance(manifest, dict) or manifest.get("format") != 1:
        raise BackupError("The manifest is not one this application writes.")
    return manifest


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as source:
        for block in iter(lambda: source.read(CHUNK_BYTES), b""):
            digest.update(block)
    return digest.hexdigest()


def _pg_restore(db: dict[str, Any], dump_path: Path) -> None:
    """Decrypt the dump into pg_restore; a BackupError with pg_restore's words if it fails."""
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(  # noqa: S603 - fixed arguments
            [_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", f"--dbname={db['NAME']}"],
            stdin=subprocess.PIPE,
            stderr=errors,
            env=_environment(db),
        )
        assert process.stdin is not None
        try:
            with open(dump_path, "rb") as source:
                decrypt_stream(source, process.stdin)
        except BrokenPipeError:
            pass  # pg_restore stopped early: its own error is read below
        except BackupError:
            process.kill()
            process.wait()
            raise
        finally:
            if not process.stdin.closed:
                process.stdin.close()
        returncode = process.wait()
        errors.seek(0)
        error = errors.read().decode(errors="replace")
    if returncode != 0:
        raise BackupError(f"pg_restore failed: {error.strip()[:500]}")


def restore(directory: Path, *, alias: str = "default") -> dict[str, Any]:
    """Restore the backup in ``directory`` into the (empty) database, then check that the
    migrations and every row count equal the manifest's. Returns the manifest."""
    db = _database(alias)
    manifest = read_manifest(directory)
    dump_path = directory / manifest["dump"]["file"]
    if not dump_path.is_file():
        raise BackupError(f"{dump_path} is missing.")
    if _file_sha256(dump_path) != manifest["dump"]["sha256"]:
        raise BackupError("The dump does not match the manifest's SHA-256: the file is damaged or not this backup's.")
    connection = _connect(db)
    try:
        with connection.cursor() as cursor:
            if tables := _tables(cursor):
                raise BackupError(
                    f"The database {db['NAME']} is not empty ({len(tables)} tables): restore into an empty one."
                )
    finally:
        connection.close()
    _pg_restore(db, dump_path)
    connection = _connect(db)
    try:
        with connection.cursor() as cursor:
            state = _state(cursor)
    finally:
        connection.close()
    _check_restored(state, manifest)
    return manifest


def _check_restored(state: dict[str, Any], manifest: dict[str, Any]) -> None:
    if state["migrations"] != manifest["migrations"]:
        raise BackupError("The restored migrations differ from the manifest's.")
    wrong = {
        table: (count, state["row_counts"].get(table))
        for table, count in manifest["row_counts"].items()
        if state["row_counts"].get(table) != count
    }
    if wrong or set(state["row_counts"]) != set(manifest["row_counts"]):
        raise BackupError(f"The restored row counts differ from the manifest's: {wrong}")
