"""PostgreSQL stopped, for real, in the middle of a stream of SMS.

A throwaway PostgreSQL cluster (``initdb`` and ``pg_ctl`` into a temporary directory, as the
postgres user when the tests run as root) on a free port gets a copy of the test database (its
schema, from migrations, and this test's base, staff and channel). A real gunicorn serves the app
against it, with tasks run eagerly in the web process and SMS notifications posted through
``can.sms.HttpBackend`` to a small HTTP server in this test, which counts them by reference. A
thread streams SMS at gunicorn; the cluster is stopped in the middle, started again, and the spool
is replayed with ``manage.py replay_spool``. Then:

- every message answered 200 is in the database exactly once (by its gateway id), and every
  message was answered 200 (stored in the database or the spool: nothing in between);
- the spool is empty; gateway retries of spooled messages made no second alert;
- every alert's SMS notification reached the gateway exactly once.

PostgreSQL only (the test database is copied with ``pg_dump``); skipped on SQLite.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

from can.models import StaffPhone
from tests.factories import TOKEN, make_channel, make_user

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = (
    Path("/usr/lib/postgresql")
    / (sorted(os.listdir("/usr/lib/postgresql"))[-1] if os.path.isdir("/usr/lib/postgresql") else "none")
    / "bin"
)

pytestmark = [
    pytest.mark.django_db(transaction=True),  # committed: pg_dump copies it
    pytest.mark.skipif(connection.vendor != "postgresql", reason="stops a real PostgreSQL"),
    pytest.mark.skipif(not (PG_BIN / "initdb").exists(), reason="no PostgreSQL server binaries"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def as_postgres(*command: str) -> None:
    if os.getuid() == 0:
        command = ("su", "postgres", "-s", "/bin/sh", "-c", " ".join(f"'{part}'" for part in command))
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, timeout=60)


class Cluster:
    def __init__(self, port: int):
        self.port = port
        self.dir = Path(tempfile.mkdtemp(prefix="monusco-db-down-"))
        if os.getuid() == 0:
            shutil.chown(self.dir, "postgres")
        self.data = self.dir / "data"
        as_postgres(str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        as_postgres(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "log"), "-w", "-o", options, "start"
        )

    def stop(self, mode: str = "fast") -> None:
        as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def drop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


class FakeGateway(http.server.ThreadingHTTPServer):
    """Counts the SMS handed to it, by reference."""

    def __init__(self):
        self.references: list[str] = []
        self.lock = threading.Lock()
        gateway = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with gateway.lock:
                    gateway.references.append(body["reference"])
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)


@pytest.fixture
def cluster():
    cluster = Cluster(free_port())
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.drop()


@pytest.fixture
def gateway():
    server = FakeGateway()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def psql(port: int, sql: str, database: str = "postgres") -> str:
    return subprocess.run(
        ["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", database, "-tAqc", sql],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout.strip()


def copy_test_database(port: int) -> str:
    source = connection.settings_dict
    psql(port, "CREATE DATABASE monusco_down")
    dump = subprocess.Popen(
        [
            "pg_dump",
            "-h",
            source["HOST"] or "127.0.0.1",
            "-p",
            str(source["PORT"] or 5432),
            "-U",
            source["USER"] or "postgres",
            "--no-owner",
            "--no-privileges",
            source["NAME"],
        ],
        stdout=subprocess.PIPE,
        env={**os.environ, "PGPASSWORD": source.get("PASSWORD") or ""},
    )
    subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-U",
            "postgres",
            "-d",
            "monusco_down",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
        ],
        stdin=dump.stdout,
        check=True,
        stdout=subprocess.DEVNULL,
        timeout=120,
    )
    assert dump.wait(timeout=60) == 0
    return f"postgres://postgres@127.0.0.1:{port}/monusco_down"


def post(url: str, data: dict) -> int:
    request = urllib.request.Request(
        url,
        data=json.dumps(data).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "X-Gateway-Token": TOKEN},
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            body = json.loads(response.read())
            return 200 if "spooled" not in body else 2000  # 2000: answered 200 from the spool
    except urllib.error.HTTPError as exc:
        return exc.code


def test_every_sms_answered_200_is_stored_exactly_once_across_a_real_outage(world, cluster, gateway, tmp_path):
    duty = make_user("duty_officer", base=world.base, username="t-duty")
    StaffPhone.objects.create(user=duty, phone="+243990000001")
    channel = make_channel(world.base, name="Uvira gateway")
    database_url = copy_test_database(cluster.port)

    spool_dir = tmp_path / "spool"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "monusco.settings.test",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": "",  # tasks run eagerly, in the process that commits
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "REDIS_URL": "",
        "SMS_BACKEND": "can.sms.HttpBackend",
        "SMS_HTTP_URL": f"http://127.0.0.1:{gateway.server_address[1]}/send",
        "SMS_HTTP_TOKEN": "fake",
        "CAN_SPOOL_DIR": str(spool_dir),
        "PYTHONUNBUFFERED": "1",
    }
    port = free_port()
    log = open(tmp_path / "gunicorn.log", "wb")  # noqa: SIM115 - closed in the finally
    web = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "monusco.wsgi:application", "-b", f"127.0.0.1:{port}"]
        + ["-w", "1", "-k", "gthread", "--threads", "4", "--graceful-timeout", "2"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    answers: dict[str, int] = {}
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz?probe=live", timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        url = f"http://127.0.0.1:{port}/can/inbound/{channel.uid}/receive"
        stop = threading.Event()

        def stream():
            number = 0
            while not stop.is_set():
                gateway_id = f"gw-{number}"
                answers[gateway_id] = post(
                    url,
                    {"from": f"+2439900{number % 1000:05d}", "text": f"Attaque à Sange n°{number}", "id": gateway_id},
                )
                number += 1

        sender = threading.Thread(target=stream)
        sender.start()

        def wait_for(count: int) -> None:
            deadline = time.monotonic() + 30
            while len(answers) < count and time.monotonic() < deadline:
                time.sleep(0.02)

        wait_for(30)
        cluster.stop()  # in the middle of the stream: open connections are cut
        wait_for(len(answers) + 30)
        cluster.start()
        wait_for(len(answers) + 30)
        stop.set()
        sender.join(timeout=30)

        spooled = [gateway_id for gateway_id, code in answers.items() if code == 2000]
        stored_live = [gateway_id for gateway_id, code in answers.items() if code == 200]
        assert len(spooled) >= 20 and len(stored_live) >= 40
        # Every message answered 200, from the database or the spool: never a 5xx, never a 500.
        assert sorted(set(answers.values())) == [200, 2000]
        # The gateway retries some spooled messages (it missed the answers) before the replay.
        for gateway_id in spooled[:5]:
            number = int(gateway_id.removeprefix("gw-"))
            assert (
                post(
                    url,
                    {"from": f"+2439900{number % 1000:05d}", "text": f"Attaque à Sange n°{number}", "id": gateway_id},
                )
                == 200
            )

        replay = subprocess.run(
            [sys.executable, "manage.py", "replay_spool"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert replay.returncode == 0, replay.stderr
        assert replay.stdout.endswith("0 waiting, 0 in bad/\n")
        # What a broker or database failure left unnotified (an alert committed just before the stop).
        sweep = "from can.tasks import sweep_outstanding_notifications as s; s(grace_seconds=0)"
        subprocess.run([sys.executable, "manage.py", "shell", "-c", sweep], cwd=ROOT, env=env, check=True, timeout=120)
    finally:
        web.terminate()
        web.wait(timeout=30)
        log.close()

    assert [path.name for path in spool_dir.glob("*.spool")] == []
    keys = {
        f"sms:{channel.uid}:id:{hashlib.sha256(gateway_id.encode()).hexdigest()}": gateway_id for gateway_id in answers
    }
    rows = psql(cluster.port, "SELECT idempotency_key FROM can_alert ORDER BY id", database="monusco_down").split()
    assert sorted(rows) == sorted(keys)  # each message answered 200 once, no other alert
    sms = psql(
        cluster.port,
        "SELECT uid FROM can_notification WHERE channel = 'sms' AND status = 'sent'",
        database="monusco_down",
    ).split()
    assert len(sms) == len(rows)  # one SMS notification per alert (one staff phone at the base)
    # Each handed to the gateway exactly once (the gateway also gets the replies to senders, each once).
    assert sorted(reference for reference in gateway.references if reference in set(sms)) == sorted(sms)
    assert len(gateway.references) == len(set(gateway.references))
