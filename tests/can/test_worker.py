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
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from can import tasks
from can.models import Alert, Notification, StaffPhone
from tests.can.factories import TOKEN, make_channel

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
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
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


def start_worker(broker_url: str, log_path: Path, **extra_env: str) -> subprocess.Popen:
    env = {
        **os.environ, "DJANGO_SETTINGS_MODULE": "monusco.settings.test", "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker_url, "CELERY_TASK_ALWAYS_EAGER": "false", "SMS_BACKEND": "can.sms.LogBackend",
        **extra_env,
    }
    log = open(log_path, "wb")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "monusco", "worker", "--pool=solo", "--without-heartbeat",
         "--without-gossip", "--without-mingle", "--loglevel=INFO", "-n", f"test-{os.getpid()}@localhost"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
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
        f"/can/inbound/{channel.uid}/receive", {"from": "+243990000111", "text": text, "id": message_id},
        HTTP_X_GATEWAY_TOKEN=TOKEN,
    )


def _sent(alert) -> list:
    return sorted(Notification.objects.filter(alert=alert, status="sent").values_list("recipient__username", "channel", "attempts"))


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
            assert wait_for(lambda: "notify_alert" in (tmp_path / "worker.log").read_text()
                            and (tmp_path / "worker.log").read_text().count("succeeded") >= 2)
    finally:
        stop(worker)
        stop(redis)
    assert _sent(alert) == EXPECTED
    assert Notification.objects.filter(alert=alert).count() == 3


def test_real_worker_notifies_a_burst_with_coalesced_tasks(client, world, users, tmp_path, settings, monkeypatch):
    from can import services

    settings.CAN_COALESCE_NOTIFY_TASKS = True
    settings.CAN_NOTIFY_GATHER_SECONDS = 2.0  # long enough that the whole burst lands in one window
    monkeypatch.setattr(services, "_last_publish", [float("-inf")])
    StaffPhone.objects.create(user=users["duty"], phone="+243997777777")
    channel = make_channel(world.base)
    port = free_port()
    redis = start_redis(port)
    broker = f"redis://127.0.0.1:{port}/0"
    worker = start_worker(broker, tmp_path / "worker.log", CAN_COALESCE_NOTIFY_TASKS="true", CAN_NOTIFY_GATHER_SECONDS="2.0")
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
