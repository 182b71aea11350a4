"""The intake spool: inbound messages kept on disk while PostgreSQL cannot take them.

As RapidPro's Courier does: when the gateway endpoints cannot write an alert (the database is
down, refuses connections, or loses the connection mid-request), the message is written to a file
in ``CAN_SPOOL_DIR`` and the gateway gets 200. A beat task (``can.tasks.replay_spool``) and
``manage.py replay_spool`` feed the files, oldest first, to the intake services with their
original time of receipt, so the repeat rules (gateway id; sender and text within 10 minutes) hold
as if the message had been received live; notifications then go out as usual, on commit.

- **Durable.** A file is written under a temporary name, flushed and fsynced, renamed into place
  (atomic on one file system), and the directory is fsynced: once the gateway has its 200, a
  power cut does not lose the message. Only when that fails is the answer a 503.
- **Encrypted.** A file holds the sender's number and text, so its bytes are the Fernet token of
  the message (``monusco.crypto``, the field key ``FIELD_ENCRYPTION_KEY``). The gateway's token
  is never stored: when the channel could not be read to check it, its SHA-256 (what the channel
  keeps) is, and the replay checks it.
- **Exactly once.** A file is named by the message's idempotency key (a keyed hash of the
  gateway id, or of the sender and text in their 10-minute window), so a gateway's retry finds
  the file already there. A file is deleted only after its alert is committed; a crash in between
  replays it again, which the intake services answer with the alert already stored (the unique
  idempotency key, the 10-minute repeat rule, and for a missed call its event at the same instant).
- **Never lost, never retried forever.** A file that cannot be decrypted or read, or that the
  intake refuses with anything but a database outage, moves to ``bad/`` and is reported (log,
  ``/healthz``, the ``monusco_intake_spool_bad`` metric). A message for an unknown channel, or
  whose token proves wrong at replay, is dropped with a log line naming the file and channel, and
  an audit row on the channel when there is one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import shutil
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils.dateparse import parse_datetime

from monusco import audit, crypto
from monusco.models import AuditLog

from . import services
from .models import AlertChannel, AlertEvent, EventKind, SmsChannel
from .parsing import read_sent_at
from .services.intake import MAX_SENDER

logger = logging.getLogger(__name__)

# What "PostgreSQL cannot take it" means: connection refused or lost, server shutting down. Not a
# DataError or IntegrityError: those would fail again at replay.
DATABASE_DOWN = (OperationalError, InterfaceError)

SMS, CALL = "sms", "call"
KINDS = (SMS, CALL)
SUFFIX = ".spool"
TEMP_PREFIX = ".tmp-"
BAD = "bad"
VERSION = 1
BUCKET_SECONDS = 600  # the 10-minute window of intake's repeat rule (services.intake.DUPLICATE_WINDOW)


class SpoolError(OSError):
    """The message could not be stored in the spool (unwritable, full, or no key)."""


@dataclass(frozen=True)
class SpooledMessage:
    kind: str
    channel_uid: str
    token_sha256: str  # of the token presented, when the channel could not be checked; else ""
    verified: bool  # the channel and token were checked when the message arrived
    fields: dict  # the gateway's from, text, id and date, as received
    received_at: datetime


@dataclass
class ReplayResult:
    replayed: int = 0  # new alerts or repeats joined, as live intake would
    dropped: int = 0  # unknown channel or wrong token
    bad: int = 0  # moved to bad/
    left: int = 0  # still in the spool: the database went away again
    names: list[str] = field(default_factory=list)


def spool_dir() -> Path:
    return Path(settings.CAN_SPOOL_DIR)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _name(*, kind: str, channel_uid: str, fields: dict, received_at: datetime) -> str:
    """The file's name: the idempotency key, as a keyed hash (a name is not encrypted, and a plain
    hash of a phone number is found by trying them all). A missed call without a gateway id has
    no key (two calls are two calls, joined at replay): a random name."""
    message_id = (fields.get("id") or "").strip()
    if message_id:
        material = f"{kind}|{channel_uid}|id|{message_id}"
    elif kind == SMS:
        bucket = int(received_at.timestamp()) // BUCKET_SECONDS
        material = f"sms|{channel_uid}|h|{fields.get('from', '')}|{fields.get('text', '')}|{bucket}"
    else:
        return uuid.uuid4().hex + SUFFIX
    key = (settings.FIELD_HASH_KEY or "").encode()
    return hmac.new(key, material.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest() + SUFFIX


def token_sha256(token: str | None) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest() if token else ""


def spool_write(
    *,
    kind: str,
    channel_uid: str,
    token: str | None,
    verified: bool,
    fields: dict,
    received_at: datetime,
) -> tuple[str, bool]:
    """Store one message durably; returns the file's name and whether it is new (False: a retry
    of a message already spooled, kept with its first time of receipt). Raises ``SpoolError``."""
    directory = spool_dir()
    name = _name(kind=kind, channel_uid=channel_uid, fields=fields, received_at=received_at)
    final = directory / name
    try:
        directory.mkdir(parents=True, exist_ok=True)
        if final.exists():
            return name, False
        if not verified:
            # An unchecked message may be anyone's: it never takes the last of the disk.
            free = shutil.disk_usage(directory).free
            if free < settings.CAN_SPOOL_MIN_FREE_BYTES:
                raise SpoolError("spool disk nearly full")
        body = {
            "v": VERSION,
            "kind": kind,
            "channel": channel_uid,
            "token_sha256": "" if verified else token_sha256(token),
            "verified": verified,
            "fields": {key: str(fields.get(key, "")) for key in ("from", "text", "id", "date")},
            "received_at": received_at.astimezone(UTC).isoformat(),
        }
        blob = crypto.fernet().encrypt(json.dumps(body, ensure_ascii=True).encode("ascii"))
        temp = directory / f"{TEMP_PREFIX}{uuid.uuid4().hex}"
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            view = memoryview(blob)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.rename(temp, final)
        _fsync_dir(directory)
    except SpoolError:
        raise
    except Exception as exc:  # noqa: BLE001 - unwritable, full, no key: the gateway must retry
        raise SpoolError(f"{type(exc).__name__}: {exc}") from exc
    return name, True


def read_spooled(path: Path) -> SpooledMessage:
    """Decrypt and read one file. Raises ``ValueError`` when it cannot."""
    try:
        body = json.loads(crypto.fernet().decrypt(path.read_bytes()))
        received_at = parse_datetime(body["received_at"])
        fields = body["fields"]
        if (
            body.get("v") != VERSION
            or body["kind"] not in KINDS
            or received_at is None
            or received_at.tzinfo is None
            or not isinstance(fields, dict)
            or not all(isinstance(fields.get(key), str) for key in ("from", "text", "id", "date"))
        ):
            raise ValueError("not a spooled message")
        return SpooledMessage(
            kind=body["kind"],
            channel_uid=str(uuid.UUID(str(body["channel"]))),
            token_sha256=str(body.get("token_sha256") or ""),
            verified=body.get("verified") is True,
            fields=fields,
            received_at=received_at,
        )
    except Exception as exc:  # noqa: BLE001 - any of bad key, tampered bytes, truncated JSON
        raise ValueError(f"{type(exc).__name__}") from exc


def pending(directory: Path | None = None) -> list[Path]:
    """The spooled files, oldest first (by the time each was renamed into place)."""
    directory = directory or spool_dir()
    try:
        entries = [entry for entry in os.scandir(directory) if entry.name.endswith(SUFFIX) and entry.is_file()]
    except FileNotFoundError:
        return []
    entries.sort(key=lambda entry: (entry.stat().st_mtime_ns, entry.name))
    return [Path(entry.path) for entry in entries]


def spool_depth() -> tuple[int, int]:
    """How many files wait, and how many are in ``bad/``."""
    directory = spool_dir()

    def count(path: Path) -> int:
        try:
            return sum(1 for entry in os.scandir(path) if entry.name.endswith(SUFFIX))
        except FileNotFoundError:
            return 0

    return count(directory), count(directory / BAD)


def _move_bad(path: Path, reason: str) -> None:
    bad = path.parent / BAD
    bad.mkdir(exist_ok=True)
    os.rename(path, bad / path.name)
    _fsync_dir(bad)
    _fsync_dir(path.parent)
    logger.error("Spooled message %s moved to %s/: %s", path.name, BAD, reason)


def _remove(path: Path) -> None:
    # No fsync of the directory: an unlink lost in a power cut replays a message already stored,
    # which intake answers with its alert.
    path.unlink(missing_ok=True)


def _channel_for(message: SpooledMessage, name: str, channels: dict) -> SmsChannel | None:
    """The channel to replay into, or None (logged, and audited on the channel) when the message
    was never checked and its channel is unknown or inactive, or its token wrong. ``channels``
    keeps those read in this run."""
    if message.channel_uid not in channels:
        channels[message.channel_uid] = (
            SmsChannel.objects.select_related("base__locality").filter(uid=message.channel_uid).order_by().first()
        )
    channel = channels[message.channel_uid]
    if channel is not None and message.verified:
        return channel  # accepted live; a channel deactivated since keeps what it had taken
    if channel is None or not channel.is_active:
        logger.warning("Spooled message %s dropped: no active channel %s", name, message.channel_uid)
        return None
    if not message.token_sha256 or not secrets.compare_digest(channel.token_hash, message.token_sha256):
        logger.warning("Spooled message %s dropped: wrong gateway token for channel %s", name, message.channel_uid)
        audit.audit_record(
            action=AuditLog.Action.UPDATE,
            instance=channel,
            detail={"spool": "dropped: wrong gateway token", "file": name},
        )
        return None
    return channel


def _already_replayed_call(channel: SmsChannel, message: SpooledMessage) -> bool:
    """A missed call already stored by an earlier replay that crashed before the unlink: its
    received or repeated event carries its exact time of receipt (calls join, so the service alone
    would count it twice)."""
    number = crypto.normalize_phone(message.fields["from"][:MAX_SENDER])
    return AlertEvent.objects.filter(
        alert__sms_channel=channel,
        alert__channel=AlertChannel.MISSED_CALL,
        alert__sender_hash=crypto.phone_hash(number) if number else "",
        kind__in=(EventKind.RECEIVED, EventKind.REPEATED),
        at=message.received_at,
    ).exists()


def replay_one(message: SpooledMessage, *, name: str = "", channels: dict | None = None) -> bool:
    """Feed one message to intake, as received at its time of receipt. False when dropped."""
    channel = _channel_for(message, name, {} if channels is None else channels)
    if channel is None:
        return False
    fields = message.fields
    sent = read_sent_at(fields["date"], now=message.received_at)
    if message.kind == SMS:
        services.sms_receive(  # an opt-out keyword is recorded, not made an alert
            channel=channel,
            sender=fields["from"],
            text=fields["text"],
            message_id=fields["id"],
            sent_at=sent.value,
            sent_at_as_received=sent.ignored,
            received_at=message.received_at,
        )
    elif not _already_replayed_call(channel, message):
        services.alert_receive_missed_call(
            channel=channel,
            sender=fields["from"],
            sent_at=sent.value,
            sent_at_as_received=sent.ignored,
            received_at=message.received_at,
        )
    return True


def spool_replay(*, limit: int | None = None) -> ReplayResult:
    """Replay the spool, oldest first; stops at the first database outage (the rest waits for the
    next run). Each file is removed only once its alert is committed."""
    result = ReplayResult()
    channels: dict = {}
    files = pending()
    for index, path in enumerate(files):
        if limit is not None and index >= limit:
            result.left = len(files) - index
            break
        try:
            message = read_spooled(path)
        except FileNotFoundError:
            continue  # another replay took it
        except ValueError as exc:
            _move_bad(path, f"unreadable ({exc})")
            result.bad += 1
            continue
        try:
            stored = replay_one(message, name=path.name, channels=channels)
        except DATABASE_DOWN as exc:
            logger.warning("Spool replay paused: the database is unavailable (%s)", type(exc).__name__)
            result.left = len(files) - index
            break
        except Exception as exc:  # noqa: BLE001 - refused for good: kept aside, never retried forever
            _move_bad(path, f"refused by intake ({type(exc).__name__})")
            result.bad += 1
            continue
        _remove(path)
        result.names.append(path.name)
        if stored:
            result.replayed += 1
        else:
            result.dropped += 1
    _clean_temp_files()
    return result


def _clean_temp_files(older_than_seconds: int = 3600) -> None:
    """Temporary files a crash left before their rename (never answered 200)."""
    limit = time.time() - older_than_seconds
    try:
        entries = list(os.scandir(spool_dir()))
    except FileNotFoundError:
        return
    for entry in entries:
        if entry.name.startswith(TEMP_PREFIX):
            try:
                if entry.stat().st_mtime < limit:
                    os.unlink(entry.path)
            except FileNotFoundError:
                pass
