"""The alert pipeline with a real Celery worker and a real, throwaway Redis.

Each test starts its own ``redis-server`` on a free port (no persistence) and a ``celery worker``
subprocess pointed at it and at this test database (a file on SQLite, the test database on
PostgreSQL), then drives the SMS endpoint over the test client and waits, polling with a bound,
for the notifications the worker writes.
"""

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from can import tasks
from can.models import Alert, Notification, StaffPhone
from tests.factories import TOKEN, make_alert, make_channel

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

REDIS_SERVER = "/usr/bin/redis-server"
ROOT = Path(settings.BASE_DIR)
WAIT_SECONDS = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_redis(port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return process
        time.sleep(0.05)
    process.kill()
    raise RuntimeError("redis-server did not start")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def database_url() -> str:
    conn = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{conn['NAME']}"
    auth = conn["USER"] + (f":{conn['PASSWORD']}" if conn["PASSWORD"] else "")
    return f"postgres://{auth}@{conn['HOST'] or '127.0.0.1'}:{conn['PORT'] or 5432}/{conn['NAME']}"


ALL_QUEUES = "alerts,sms,default,partners"  # every queue a task is routed to (CELERY_TASK_ROUTES)


def start_worker(
    broker_url: str, log_path: Path, *, queues: str = ALL_QUEUES, name: str = "test", **extra_env: str
) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "monusco.settings.test",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "SMS_BACKEND": "can.sms.LogBackend",
        **extra_env,
    }
    log = open(log_path, "wb")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "monusco",
            "worker",
            "--pool=solo",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
            "-Q",
            queues,
            "-n",
            f"{name}-{os.getpid()}@localhost",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


@contextlib.contextmanager
def publishing_to(broker_url: str):
    """Make this process publish to ``broker_url`` instead of running tasks eagerly."""
    from monusco.celery import app

    old = {"broker_url": app.conf.broker_url, "task_always_eager": app.conf.task_always_eager}
    # Celery reads CELERY_BROKER_URL from the environment before its own settings (CI sets it).
    old_env = os.environ.get("CELERY_BROKER_URL")
    os.environ["CELERY_BROKER_URL"] = broker_url
    app.conf.update(broker_url=broker_url, task_always_eager=False)
    app._after_fork()  # forget pooled connections to the old broker
    try:
        yield app
    finally:
        if old_env is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = old_env
        app.conf.update(**old)
        app._after_fork()


def wait_for(predicate, seconds=WAIT_SECONDS):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def post_sms(client, channel, text, message_id):
    return client.post(
        f"/can/inbound/{channel.uid}/receive",
        {"from": "+243990000111", "text": text, "id": message_id},
        HTTP_X_GATEWAY_TOKEN=TOKEN,
    )


def _sent(alert) -> list:
    return sorted(
        Notification.objects.filter(alert=alert, status="sent").values_list(
            "recipient__username", "channel", "attempts"
        )
    )


EXPECTED = [("t-cla", "in_app", 1), ("t-duty", "in_app", 1), ("t-duty", "sms", 1)]


def test_real_worker_delivers_the_notification(client, world, users, tmp_path):
    StaffPhone.objects.create(user=users["duty"], phone="+243997777777")
    channel = make_channel(world.base)
    port = free_port()
    redis = start_redis(port)
    broker = f"redis://127.0.0.1:{port}/0"
    worker = start_worker(broker, tmp_path / "worker.log")
    try:
        with publishing_to(broker):
            response = post_sms(client, channel, "Attaque des hommes armés à Sange", "w-1")
        assert response.status_code == 200
        alert = Alert.objects.get(uid=response.json()["alert"])
        delivered = wait_for(lambda: len(_sent(alert)) == 3)
        assert delivered, (tmp_path / "worker.log").read_text()[-3000:]
        assert _sent(alert) == EXPECTED
        assert Alert.objects.get(pk=alert.pk).notified_at is not None
    finally:
        stop(worker)
        stop(redis)
    log = (tmp_path / "worker.log").read_text()
    assert "SMS notification" in log
    assert "990000111" not in log and "997777777" not in log


def test_broker_down_then_sweep_delivers_exactly_once(client, world, users, tmp_path):
    StaffPhone.objects.create(user=users["duty"], phone="+243997777777")
    channel = make_channel(world.base)
    port = free_port()
    stop(start_redis(port))  # a broker that was there and is now down
    broker = f"redis://127.0.0.1:{port}/0"
    with publishing_to(broker):
        response = post_sms(client, channel, "Pillage à Uvira", "down-1")
    assert response.status_code == 200
    alert = Alert.objects.get(uid=response.json()["alert"])
    assert alert.raw_text == "Pillage à Uvira"
    assert alert.notified_at is None
    assert Notification.objects.count() == 0

    redis = start_redis(port)
    worker = start_worker(broker, tmp_path / "worker.log")
    try:
        with publishing_to(broker):
            assert tasks.sweep_outstanding_notifications(grace_seconds=0) == 1
            delivered = wait_for(lambda: len(_sent(alert)) == 3)
            assert delivered, (tmp_path / "worker.log").read_text()[-3000:]
            # A second sweep finds nothing outstanding; a repeated task sends nothing again.
            assert tasks.sweep_outstanding_notifications(grace_seconds=0) == 0
            tasks.notify_alert.delay(alert.pk)
            assert wait_for(
                lambda: (
                    "notify_alert" in (tmp_path / "worker.log").read_text()
                    and (tmp_path / "worker.log").read_text().count("succeeded") >= 2
                )
            )
    finally:
        stop(worker)
        stop(redis)
    assert _sent(alert) == EXPECTED
    assert Notification.objects.filter(alert=alert).count() == 3


def test_real_worker_notifies_a_burst_with_coalesced_tasks(client, world, users, tmp_path, settings, monkeypatch):
    from can import queue

    settings.CAN_COALESCE_NOTIFY_TASKS = True
    settings.CAN_NOTIFY_GATHER_SECONDS = 2.0  # long enough that the whole burst lands in one window
    monkeypatch.setattr(queue, "_last_publish", [float("-inf")])
    StaffPhone.objects.create(user=users["duty"], phone="+243997777777")
    channel = make_channel(world.base)
    port = free_port()
    redis = start_redis(port)
    broker = f"redis://127.0.0.1:{port}/0"
    worker = start_worker(
        broker, tmp_path / "worker.log", CAN_COALESCE_NOTIFY_TASKS="true", CAN_NOTIFY_GATHER_SECONDS="2.0"
    )
    try:
        with publishing_to(broker):
            responses = [post_sms(client, channel, f"Pillage à Sange {n}", f"burst-{n}") for n in range(5)]
        assert [r.status_code for r in responses] == [200] * 5
        alerts = [Alert.objects.get(uid=r.json()["alert"]) for r in responses]
        delivered = wait_for(lambda: all(len(_sent(alert)) == 3 for alert in alerts))
        assert delivered, (tmp_path / "worker.log").read_text()[-3000:]
        assert [_sent(alert) for alert in alerts] == [EXPECTED] * 5
    finally:
        stop(worker)
        stop(redis)
    log = (tmp_path / "worker.log").read_text()
    assert log.count("Task can.tasks.notify_alert[") == 2  # one task for the burst: received, then succeeded


class FileGateway:
    """An SMS backend for a worker process: appends each message (reference, tab, text) to the
    file named by ``SMS_TEST_OUTBOX`` as it reaches the gateway, then takes ``SMS_TEST_SECONDS``
    to answer, as a slow gateway does."""

    def send(self, *, to, text, reference):
        with open(os.environ["SMS_TEST_OUTBOX"], "a", encoding="utf-8") as outbox:
            outbox.write(f"{reference}\t{text}\n")
        time.sleep(float(os.environ.get("SMS_TEST_SECONDS", "0")))


def _outbox(path: Path) -> list[tuple[str, str]]:
    return [tuple(line.split("\t", 1)) for line in path.read_text(encoding="utf-8").splitlines()]


REPEAT_SW = "Huenda ni marudio. "  # "Possible repeat." in Swahili, the duty officer's language


def test_a_worker_killed_mid_batch_then_the_sweep_delivers_every_notification(world, users, tmp_path):
    users["duty"].preferred_language = "sw"
    users["duty"].save()
    StaffPhone.objects.create(user=users["duty"], phone="+243997777777")
    alerts = [make_alert(world.base, locality=world.sange, notified_at=None) for _ in range(60)]
    outbox = tmp_path / "outbox.tsv"
    outbox.touch()
    gateway = {
        "SMS_BACKEND": "tests.can.test_worker.FileGateway",
        "SMS_TEST_OUTBOX": str(outbox),
        "CAN_SMS_LEASE_SECONDS": "4",
    }
    port = free_port()
    redis = start_redis(port)
    broker = f"redis://127.0.0.1:{port}/0"
    first = start_worker(broker, tmp_path / "first.log", SMS_TEST_SECONDS="0.25", **gateway)
    second = None
    try:
        with publishing_to(broker):
            tasks.notify_alert.delay(alerts[0].pk)  # one task plans all 60 alerts and sends their SMS in one batch
        assert wait_for(lambda: len(_outbox(outbox)) >= 12), (tmp_path / "first.log").read_text()[-3000:]
        first.kill()  # SIGKILL, mid-batch: about 3 s into 15
        first.wait()
        handed = {reference for reference, _text in _outbox(outbox)}
        sms = Notification.objects.filter(channel="sms")
        at_kill = dict(sms.values_list("uid", "status"))
        states = Counter(at_kill.values())
        assert 12 <= len(handed) < 60
        # Progress was written: the messages confirmed are sent, at most the last second's (4
        # messages of 0.25 s) are "sending" (they may have gone out), and the rest are certainly
        # not sent.
        assert 1 <= states["sending"] <= 4
        assert states["sent"] + states["sending"] + states["pending"] == 60
        assert {str(uid) for uid, status in at_kill.items() if status == "pending"}.isdisjoint(handed)
        assert {str(uid) for uid, status in at_kill.items() if status == "sent"} <= handed
        assert Notification.objects.filter(channel="in_app", status="sent").count() == 120

        # The claims expire; the sweep queues what they held for a second worker.
        assert wait_for(lambda: not Notification.objects.filter(claimed_until__gte=timezone.now()).exists(), seconds=15)
        second = start_worker(broker, tmp_path / "second.log", SMS_TEST_SECONDS="0", **gateway)
        with publishing_to(broker):
            assert tasks.sweep_outstanding_notifications(grace_seconds=0) == 60 - states["sent"]
        delivered = wait_for(lambda: sms.filter(status="sent").count() == 60)
        assert delivered, (tmp_path / "second.log").read_text()[-3000:]
    finally:
        stop(first)
        if second is not None:
            stop(second)
        stop(redis)

    assert Notification.objects.exclude(status="sent").count() == 0
    sends: dict[str, list[str]] = {}
    for reference, text in _outbox(outbox):
        sends.setdefault(reference, []).append(text)
    assert set(sends) == {str(uid) for uid in at_kill}
    for notification in sms:
        texts, was = sends[str(notification.uid)], at_kill[notification.uid]
        assert notification.possible_duplicate is (was == "sending")
        if was == "sending" and str(notification.uid) in handed:  # may have gone out: twice, the second marked
            assert texts == [texts[0], REPEAT_SW + texts[0]]
            assert not texts[0].startswith(REPEAT_SW)
        elif was == "sending":  # not yet handed out when the worker died: once, marked all the same
            assert texts[0].startswith(REPEAT_SW) and len(texts) == 1
        else:  # confirmed, or certainly not sent: exactly once, unmarked
            assert len(texts) == 1 and not texts[0].startswith(REPEAT_SW)


def test_a_flood_on_the_sms_queue_does_not_delay_an_alerts_notification(client, world, users, tmp_path):
    """One worker on ``alerts``, one on ``sms``. The sms worker is given a backlog of 100 slow
    sends (0.3 s each at the gateway); an alert received after the flood is notified by the
    alerts worker while most of that backlog still waits."""
    StaffPhone.objects.create(user=users["duty"], phone="+243997777777")
    channel = make_channel(world.base)
    flood = [
        Notification.objects.create(
            alert=make_alert(world.base, locality=world.sange), recipient=users["duty"], channel="sms"
        )
        for _ in range(100)
    ]
    slow_outbox, alert_outbox = tmp_path / "slow.tsv", tmp_path / "alerts.tsv"
    slow_outbox.touch()
    alert_outbox.touch()
    port = free_port()
    redis = start_redis(port)
    broker = f"redis://127.0.0.1:{port}/0"
    gateway = {"SMS_BACKEND": "tests.can.test_worker.FileGateway"}
    alerts_worker = start_worker(
        broker, tmp_path / "alerts.log", queues="alerts", name="alerts", SMS_TEST_OUTBOX=str(alert_outbox), **gateway
    )
    sms_worker = start_worker(
        broker,
        tmp_path / "sms.log",
        queues="sms",
        name="sms",
        SMS_TEST_OUTBOX=str(slow_outbox),
        SMS_TEST_SECONDS="0.3",
        **gateway,
    )
    try:
        for log in ("alerts.log", "sms.log"):
            assert wait_for(lambda log=log: "ready." in (tmp_path / log).read_text()), (tmp_path / log).read_text()
        with publishing_to(broker):
            for notification in flood:  # outbound work on the sms queue, as replies to the community are
                tasks.send_notification.apply_async((notification.pk,), queue="sms")
            assert wait_for(lambda: len(_outbox(slow_outbox)) >= 1)  # the sms worker is busy
            response = post_sms(client, channel, "Attaque des hommes armés à Sange", "flood-1")
        alert = Alert.objects.get(uid=response.json()["alert"])
        delivered = wait_for(lambda: len(_sent(alert)) == 3)
        assert delivered, (tmp_path / "alerts.log").read_text()[-3000:]
        flood_sent_by_then = len(_outbox(slow_outbox))
    finally:
        stop(alerts_worker)
        stop(sms_worker)
        stop(redis)
    assert _sent(alert) == EXPECTED
    sms_uid = str(Notification.objects.get(alert=alert, channel="sms").uid)
    assert [reference for reference, _text in _outbox(alert_outbox)] == [sms_uid]  # sent by the alerts worker
    assert flood_sent_by_then < len(flood) / 2  # most of the flood still waited behind its own worker
    alerts_log = (tmp_path / "alerts.log").read_text()
    assert "Task can.tasks.notify_alert[" in alerts_log
    assert "Task can.tasks.send_notification[" not in alerts_log  # the flood never reached the alerts worker
