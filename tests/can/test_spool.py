"""The intake spool (``can.spool``): what the gateway endpoints do when the database cannot take a
message, and how the replay stores it exactly once. The database is made to fail here by the
intake services raising what Django raises when PostgreSQL is unreachable; ``test_db_down.py``
stops a real PostgreSQL."""

import json
import logging
import os
import stat

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import InterfaceError, OperationalError

from can import services, spool, tasks
from can.models import Alert, AlertChannel, AlertEvent, Notification
from monusco import crypto
from monusco.models import AuditLog
from tests.factories import TOKEN

pytestmark = pytest.mark.django_db

PHONE = "+243990000111"
DIGITS = b"990000111"
TEXT = "Attaque des hommes armés à Sangé"


@pytest.fixture(autouse=True)
def spool_dir(settings, tmp_path):
    settings.CAN_SPOOL_DIR = str(tmp_path / "spool")
    return tmp_path / "spool"


@pytest.fixture
def db_down(monkeypatch):
    """Intake's writes fail as with PostgreSQL gone; ``db_down.channel = True`` fails the channel
    lookup too. ``db_down.up()`` brings it back."""

    class Down:
        channel = False

        def __init__(self):
            self.real = {
                name: getattr(services, name)
                for name in ("sms_receive", "alert_receive_missed_call", "sms_channel_for_intake")
            }
            for name in ("sms_receive", "alert_receive_missed_call"):
                monkeypatch.setattr(services, name, self.fail)
            monkeypatch.setattr(services, "sms_channel_for_intake", self.lookup)

        def fail(self, **kwargs):
            raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')

        def lookup(self, **kwargs):
            if self.channel:
                raise InterfaceError("connection already closed")
            return self.real["sms_channel_for_intake"](**kwargs)

        def up(self):
            for name, function in self.real.items():
                monkeypatch.setattr(services, name, function)

    return Down()


def post(client, channel, data, token=TOKEN, kind="receive"):
    return client.post(
        f"/can/inbound/{channel.uid}/{kind}", data, HTTP_X_GATEWAY_TOKEN=token, HTTP_ACCEPT_LANGUAGE="en"
    )


def files(directory):
    return sorted(path.name for path in directory.iterdir()) if directory.exists() else []


def spooled_answer(created=True, warnings=()):
    return {
        "spooled": True,
        "created": created,
        "message": "The message is kept and will be stored as soon as the database is back.",
        "warnings": list(warnings),
    }


def test_a_message_the_database_cannot_take_is_spooled_encrypted_and_answered_200(
    client, channel, spool_dir, db_down, caplog
):
    caplog.set_level(logging.DEBUG)
    response = post(client, channel, {"from": "0990000111", "text": TEXT, "id": "gw-1", "date": "2026-11-23T08:15Z"})
    assert (response.status_code, response.json()) == (200, spooled_answer())
    assert Alert.objects.count() == 0
    (name,) = files(spool_dir)
    assert name.endswith(".spool") and len(name) == 64 + len(".spool")
    raw = (spool_dir / name).read_bytes()
    # Neither the number (in any spelling), the text, the gateway id nor the token is readable.
    for secret in (DIGITS, TEXT.encode(), "armés".encode(), b"Attaque", b"gw-1", TOKEN.encode()):
        assert secret not in raw
    assert stat.S_IMODE((spool_dir / name).stat().st_mode) == 0o600
    message = spool.read_spooled(spool_dir / name)
    assert (message.kind, message.channel_uid, message.verified, message.token_sha256) == (
        "sms",
        str(channel.uid),
        True,
        "",
    )
    assert message.fields == {"from": "0990000111", "text": TEXT, "id": "gw-1", "date": "2026-11-23T08:15Z"}
    assert "990000111" not in caplog.text and "Attaque" not in caplog.text


def test_the_replay_stores_it_once_with_its_time_of_receipt_and_notifies(
    client, channel, users, spool_dir, db_down, django_capture_on_commit_callbacks
):
    post(client, channel, {"from": PHONE, "text": TEXT, "id": "gw-1"})
    (name,) = files(spool_dir)
    received_at = spool.read_spooled(spool_dir / name).received_at
    db_down.up()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = spool.spool_replay()
    assert (result.replayed, result.dropped, result.bad, result.left, result.names) == (1, 0, 0, 0, [name])
    assert files(spool_dir) == []
    alert = Alert.objects.get()
    assert (alert.received_at, alert.sender_number, alert.raw_text, alert.locality.name) == (
        received_at,
        PHONE,
        TEXT,
        "Sange",
    )
    assert alert.idempotency_key.startswith(f"sms:{channel.uid}:id:")
    assert len(callbacks) == 2  # the staff notification and the reply to the sender, on commit
    assert sorted(Notification.objects.values_list("recipient__username", flat=True)) == ["t-cla", "t-duty"]
    # Nothing left: a second run stores nothing more.
    assert spool.spool_replay().replayed == 0
    assert Alert.objects.count() == 1


def test_a_gateway_retry_of_a_spooled_message_is_one_file_and_one_alert(client, channel, spool_dir, db_down):
    first = post(client, channel, {"from": PHONE, "text": TEXT, "id": "gw-1"})
    again = post(client, channel, {"from": PHONE, "text": TEXT, "id": "gw-1"})
    no_id = post(client, channel, {"from": PHONE, "text": "Pillage du marché de Kiliba"})
    no_id_again = post(client, channel, {"from": PHONE, "text": "Pillage du marché de Kiliba"})
    assert [r.json()["created"] for r in (first, again, no_id, no_id_again)] == [True, False, True, False]
    assert len(files(spool_dir)) == 2
    db_down.up()
    assert spool.spool_replay().replayed == 2
    # And the same retry once the database is back is the alert already stored.
    live = post(client, channel, {"from": PHONE, "text": TEXT, "id": "gw-1"})
    assert (live.status_code, live.json()["created"]) == (200, False)
    assert Alert.objects.count() == 2


def test_a_message_stored_live_then_spooled_by_a_retry_stays_one_alert(client, channel, spool_dir, db_down):
    db_down.up()
    assert post(client, channel, {"from": PHONE, "text": TEXT, "id": "gw-9"}).json()["created"] is True
    db_down.__init__()  # down again: the gateway, which missed the answer, retries
    assert post(client, channel, {"from": PHONE, "text": TEXT, "id": "gw-9"}).json()["spooled"] is True
    db_down.up()
    assert spool.spool_replay().replayed == 1  # handled, as a repeat
    assert (Alert.objects.count(), files(spool_dir)) == (1, [])


def test_a_crash_between_commit_and_unlink_does_not_duplicate(client, channel, spool_dir, db_down, monkeypatch):
    post(client, channel, {"from": PHONE, "text": TEXT, "id": "gw-1"})
    post(client, channel, {"from": PHONE, "text": "Pillage du marché de Kiliba"})
    post(client, channel, {"from": PHONE}, kind="missed-call")
    db_down.up()
    remove = spool._remove

    def crash(path):
        raise SystemExit("killed")

    for _ in range(3):  # each file's alert is committed, then the process dies before the unlink
        monkeypatch.setattr(spool, "_remove", crash)
        with pytest.raises(SystemExit):
            spool.spool_replay()
    assert len(files(spool_dir)) == 3
    monkeypatch.setattr(spool, "_remove", remove)
    assert spool.spool_replay().replayed == 3
    assert files(spool_dir) == []
    assert sorted(Alert.objects.values_list("channel", "missed_calls")) == [
        (AlertChannel.MISSED_CALL, 1),
        (AlertChannel.SMS, 0),
        (AlertChannel.SMS, 0),
    ]
    call = Alert.objects.get(channel=AlertChannel.MISSED_CALL)
    assert list(AlertEvent.objects.filter(alert=call).values_list("kind", flat=True)) == ["received"]


def test_spooled_missed_calls_join_as_live_ones_do(client, channel, spool_dir, db_down):
    db_down.up()
    post(client, channel, {"from": PHONE}, kind="missed-call")
    db_down.__init__()
    for _ in range(2):
        assert post(client, channel, {"from": PHONE}, kind="missed-call").json()["created"] is True
    assert len(files(spool_dir)) == 2  # two calls are two calls
    db_down.up()
    assert spool.spool_replay().replayed == 2
    assert list(Alert.objects.values_list("missed_calls", flat=True)) == [3]


def test_files_are_replayed_oldest_first(client, channel, spool_dir, db_down):
    for number, text in enumerate(["Pillage à Kiliba", "Attaque à Sange", "Tirs à Uvira"]):
        post(client, channel, {"from": PHONE, "text": text, "id": f"gw-{number}"})
    by_text = {spool.read_spooled(spool_dir / name).fields["text"]: spool_dir / name for name in files(spool_dir)}
    for seconds, text in ((3, "Pillage à Kiliba"), (1, "Tirs à Uvira"), (2, "Attaque à Sange")):
        os.utime(by_text[text], ns=(seconds * 10**9, seconds * 10**9))
    db_down.up()
    spool.spool_replay()
    assert list(Alert.objects.order_by("pk").values_list("raw_text", flat=True)) == [
        "Tirs à Uvira",
        "Attaque à Sange",
        "Pillage à Kiliba",
    ]


def test_unreadable_files_move_to_bad_and_are_reported(client, channel, spool_dir, settings):
    spool_dir.mkdir()
    (spool_dir / "garbage.spool").write_bytes(b"not a fernet token")
    other_key = Fernet(Fernet.generate_key())
    (spool_dir / "other-key.spool").write_bytes(other_key.encrypt(b'{"v": 1}'))
    (spool_dir / "not-a-message.spool").write_bytes(crypto.fernet().encrypt(json.dumps({"v": 1}).encode()))
    (spool_dir / ".tmp-unfinished").write_bytes(b"half")  # never renamed: never answered 200
    result = spool.spool_replay()
    assert (result.replayed, result.bad) == (0, 3)
    assert files(spool_dir) == [".tmp-unfinished", "bad"]
    assert files(spool_dir / "bad") == ["garbage.spool", "not-a-message.spool", "other-key.spool"]
    assert spool.spool_depth() == (0, 3)
    assert spool.spool_replay().bad == 0  # never retried
    health = client.get("/healthz").json()
    assert health["spool"] == {"waiting": 0, "bad": 3}
    assert Alert.objects.count() == 0


def test_503_with_retry_after_when_neither_the_database_nor_the_spool_can_store_it(
    client, channel, settings, tmp_path, db_down
):
    (tmp_path / "a-file").write_text("")
    settings.CAN_SPOOL_DIR = str(tmp_path / "a-file" / "spool")  # cannot be made a directory
    response = post(client, channel, {"from": PHONE, "text": TEXT, "id": "gw-1"})
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert response.json() == {"error": "The message could not be stored. Send it again in a minute."}
    assert Alert.objects.count() == 0


def test_a_failed_rename_leaves_no_spooled_file_and_answers_503(client, channel, spool_dir, db_down, monkeypatch):
    def broken_rename(source, target):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(spool.os, "rename", broken_rename)
    response = post(client, channel, {"from": PHONE, "text": TEXT, "id": "gw-1"})
    assert response.status_code == 503
    assert [name for name in files(spool_dir) if name.endswith(".spool")] == []
    assert spool.pending() == []


def test_with_the_channel_unreadable_the_token_is_checked_at_replay(client, channel, spool_dir, db_down):
    db_down.channel = True
    good = post(client, channel, {"from": PHONE, "text": TEXT, "id": "gw-1"})
    wrong = post(client, channel, {"from": PHONE, "text": "Faux message", "id": "gw-2"}, token="guessed")
    assert (good.status_code, wrong.status_code) == (200, 200)
    assert len(files(spool_dir)) == 2
    for name in files(spool_dir):
        assert b"guessed" not in (spool_dir / name).read_bytes()
        message = spool.read_spooled(spool_dir / name)
        assert message.verified is False
        assert message.token_sha256 in (spool.token_sha256(TOKEN), spool.token_sha256("guessed"))
    db_down.up()
    result = spool.spool_replay()
    assert (result.replayed, result.dropped, result.bad) == (1, 1, 0)
    assert list(Alert.objects.values_list("raw_text", flat=True)) == [TEXT]
    row = AuditLog.objects.get(model="can.smschannel", action="update")
    assert row.object_pk == str(channel.pk) and row.detail["spool"] == "dropped: wrong gateway token"
    assert files(spool_dir) == []


def test_an_unchecked_message_for_an_unknown_channel_is_dropped(client, channel, spool_dir, db_down):
    db_down.channel = True
    response = client.post(
        "/can/inbound/00000000-0000-0000-0000-000000000000/receive",
        {"from": PHONE, "text": TEXT},
        HTTP_X_GATEWAY_TOKEN=TOKEN,
    )
    assert response.status_code == 200
    db_down.up()
    assert (spool.spool_replay().dropped, Alert.objects.count(), files(spool_dir)) == (1, 0, [])


def test_an_unchecked_message_is_refused_when_the_disk_is_nearly_full(client, channel, settings, db_down):
    db_down.channel = True
    settings.CAN_SPOOL_MIN_FREE_BYTES = 2**62
    assert post(client, channel, {"from": PHONE, "text": TEXT}).status_code == 503
    db_down.channel = False  # a checked message still takes what is left
    assert post(client, channel, {"from": PHONE, "text": TEXT}).status_code == 200


def test_the_replay_pauses_when_the_database_is_still_down(client, channel, spool_dir, db_down):
    for number in range(3):
        post(client, channel, {"from": PHONE, "text": TEXT, "id": f"gw-{number}"})
    result = spool.spool_replay()
    assert (result.replayed, result.bad, result.left) == (0, 0, 3)
    assert len(files(spool_dir)) == 3


def test_the_beat_task_and_the_command(client, channel, spool_dir, db_down, capsys):
    post(client, channel, {"from": PHONE, "text": TEXT, "id": "gw-1"})
    post(client, channel, {"from": PHONE, "text": "Tirs à Uvira", "id": "gw-2"})
    assert client.get("/healthz").json()["spool"] == {"waiting": 2, "bad": 0}
    db_down.up()
    assert tasks.replay_spool() == 2
    post(client, channel, {"from": PHONE, "text": "Autre", "id": "gw-3"})
    assert "spool" not in client.get("/healthz").json()
    db_down.__init__()
    post(client, channel, {"from": PHONE, "text": "Encore", "id": "gw-4"})
    db_down.up()
    call_command("replay_spool")
    assert capsys.readouterr().out == "1 stored, 0 dropped, 0 moved to bad/; 0 waiting, 0 in bad/\n"
    assert Alert.objects.count() == 4


def test_the_beat_task_skips_while_another_run_holds_the_lock(channel, spool_dir):
    from django.core.cache import cache

    cache.add("can:lock:replay-spool", "1", timeout=60)
    try:
        assert tasks.replay_spool() == 0
    finally:
        cache.delete("can:lock:replay-spool")


def test_the_spool_depth_metric_is_served_with_the_database_down(client, channel, spool_dir, db_down):
    from can.metrics import collect_spool

    post(client, channel, {"from": PHONE, "text": TEXT, "id": "gw-1"})
    figures = {family.name: family.samples[0].value for family in collect_spool()}
    assert figures == {"monusco_intake_spool_depth": 1, "monusco_intake_spool_bad": 0}
