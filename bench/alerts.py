"""Alert intake and notification at load, on PostgreSQL with a real worker.

Run: ``.venv/bin/python bench/alerts.py [--seconds 20] [--concurrency 32] [--rate 0] [--focal-points 2000] [--keep]
[--database monusco_bench_alerts]``
(``--new-connections``, ``--worker-pool``, ``--worker-concurrency``, ``--worker-processes``, ``--web-threads``:
see ``--help``).
``--rate`` paces the client (requests per second) to measure notification latency at a load the
worker keeps up with; without it the client sends as fast as the server answers.

It creates its own database (``monusco_bench_alerts``, dropped at the end unless ``--keep``),
migrates it and loads the demo data plus ``--focal-points`` extra focal points (their numbers are
the senders' numbers, so each SMS is matched by keyed hash). It then starts, each on a free port on
127.0.0.1:

- a throwaway ``redis-server`` (no persistence) as the broker;
- ``gunicorn`` with 2 workers of 2 threads serving the app (local settings, DEBUG off;
  ``--web-threads 1`` for sync workers): while one thread waits on PostgreSQL, the other works;
- ``celery worker`` instances (default one, threads pool, 4 threads: the tasks mostly wait on
  PostgreSQL) consuming the notification tasks;

and drives ``POST /can/inbound/<channel>/receive`` from one client process (asyncio, a fixed number
of concurrent connections) for ``--seconds``. Each connection is kept alive between messages, as
HTTP/1.1 gateways do by default; ``--new-connections`` opens one per message instead (a TCP
handshake and close for every message). Every message has its own gateway id (a message resent
after the server closed a kept connection is answered as a repeat) and a French or Swahili text
naming a locality and a threat, numbered so that no two are the same text from the same sender
(which intake takes as one alert within 10 minutes). After the run it waits (bounded) for the worker to
drain, then prints:

- sustained intake in requests per second, and the request latency p50/p95;
- lost alerts: 200 answers whose alert is not in the database (must be 0), and non-200 answers;
- alert-to-notification latency p50/p95: from the alert's creation to its first notification sent,
  computed in PostgreSQL;
- the CPU each part used per alert, how busy the whole machine was and how much the hypervisor
  took (steal: a run with a high steal measures the neighbours, not this software);
- the time from alert to the sender's reply p50/p95 (``can_reply``: the first reply sent per alert),
  when replies are sent; ``--replies on|off`` sets ``CAN_REPLIES_ENABLED`` in every process, to
  compare intake with replies on and off (run it twice: each run prints how many replies went out);
- the spool path (``--spool-seconds``, default 10; 0 skips it): a second gunicorn, alike, whose
  PostgreSQL is stopped (its ``DATABASE_URL`` names a port where nothing listens: every connection
  is refused, as once a server is down), driven the same way: the messages per second it answers
  200 from the spool, beside the database path's figure of the same run; then
  ``manage.py replay_spool`` stores them into the bench database, timed (messages per second),
  and the alerts it made are counted against the 200 answers;
- the data sizes used.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
DB_NAME = "monusco_bench_alerts"
SERVER = "postgres://postgres@127.0.0.1:5432"
TOKEN = "demo-gateway-token"  # the demo channel's token (can/demo.py)
TEXTS = [
    "Attaque des hommes armés à {place}, tirs entendus",
    "Watu wametekwa karibu na {place}",
    "Pillage du marché de {place}",
    "Wakimbizi wengi wanafika {place}",
    "Barrière illégale vers {place}, taxe imposée",
    "Un civil tué à {place} ce matin",
]
PLACES = ["Uvira", "Sange", "Kiliba"]
# The setting that turns replies to senders on or off, passed to every process by ``--replies``.
REPLIES_SWITCH = "CAN_REPLIES_ENABLED"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def admin_sql(statement: str) -> None:
    import psycopg2

    conn = psycopg2.connect(f"{SERVER}/postgres")
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(statement)
    conn.close()


def env_for(broker: str) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "monusco.settings.local",
        "DEBUG": "false",
        "DATABASE_URL": f"{SERVER}/{DB_NAME}?conn_max_age=60",  # persistent connections, as in production
        "CELERY_BROKER_URL": broker,
        "REDIS_URL": broker[:-1] + "1",  # the cache, on the same throwaway server, as in docker-compose
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "SMS_BACKEND": "can.sms.LogBackend",
        "LOG_LEVEL": "WARNING",
    }


def manage(env: dict, *args: str) -> str:
    """Run a management command; returns the last line it printed."""
    done = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(done.stderr[-2000:])
    out = done.stdout
    return (out.strip().splitlines() or [""])[-1]


def gunicorn(port: int, threads: int, env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [str(Path(PY).parent / "gunicorn"), "monusco.wsgi", "--workers", "2", "--threads", str(threads)]
        + ["--bind", f"127.0.0.1:{port}", "--log-level", "warning", "--backlog", "2048"]
        + ["--logger-class", "monusco.gunicorn.RedactingLogger"],
        cwd=ROOT,
        env=env,
        stdout=open(log, "wb"),  # noqa: SIM115 - the process holds it until it ends
        stderr=subprocess.STDOUT,
    )


def wait_port(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listening on {port}")


SETUP = """
from django.db import transaction
from can.models import FocalPoint, SmsChannel
from cla.models import OperatingBase
from monusco.crypto import phone_hash
from monusco.models import Locality
n = {n}
base = OperatingBase.objects.get(code="cob-uvira")
places = list(base.coverage.all())
with transaction.atomic():
    FocalPoint.objects.bulk_create([
        FocalPoint(code=f"FP-BEN-{{i:05d}}", name=f"Bench person {{i}}", phone=f"+24397{{i:07d}}",
                   phone_hash=phone_hash(f"+24397{{i:07d}}"), base=base, locality=places[i % len(places)],
                   community_role="chief", sex="f", consent_on="2026-01-01")
        for i in range(n)
    ])
channel = SmsChannel.objects.get(base=base)
from can.models import Alert
print(channel.uid, FocalPoint.objects.count(), Alert.objects.count())
"""

RESULTS = """
import json
from django.db import connection
with connection.cursor() as c:
    c.execute('''
        SELECT count(*),
               count(*) FILTER (WHERE first_sent IS NOT NULL),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM first_sent - created_at)),
               percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM first_sent - created_at)),
               max(extract(epoch FROM first_sent - created_at))::float
        FROM (SELECT a.created_at, (SELECT min(n.sent_at) FROM can_notification n WHERE n.alert_id = a.id) AS first_sent
              FROM can_alert a WHERE a.id > {first_id}) t
    ''')
    alerts, notified, p50, p95, worst = c.fetchone()
    c.execute("SELECT count(*) FROM can_notification WHERE alert_id > {first_id}")
    notifications = c.fetchone()[0]
    c.execute("SELECT count(*) FROM can_notification WHERE status <> 'sent'")
    unsent = c.fetchone()[0]
    c.execute("SELECT count(*) FROM can_alert")
    all_alerts = c.fetchone()[0]
    c.execute('''
        SELECT count(*),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM first_reply - created_at)),
               percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM first_reply - created_at))
        FROM (SELECT a.created_at, min(r.sent_at) AS first_reply FROM can_alert a
              JOIN can_reply r ON r.alert_id = a.id AND r.sent_at IS NOT NULL
              WHERE a.id > {first_id} GROUP BY a.id) t
    ''')
    replied, reply_p50, reply_p95 = c.fetchone()
print(json.dumps(dict(alerts=alerts, notified=notified, p50=p50, p95=p95, max=worst,
                      notifications=notifications, unsent=unsent, all_alerts=all_alerts,
                      replied=replied, reply_p50=reply_p50, reply_p95=reply_p95)))
"""


def _cpu_of(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, IndexError):
                continue
    return found


def machine_cpu() -> tuple[float, float]:
    """(busy, total, stolen) CPU seconds of the whole machine so far, from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    idle, steal = fields[3] + fields[4], fields[7]  # idle and iowait; time the hypervisor took
    tick = os.sysconf("SC_CLK_TCK")
    return (sum(fields) - idle - steal) / tick, sum(fields) / tick, steal / tick


def cpu_snapshot(web_master: int, workers: list[int], client_pid: int) -> dict[str, float]:
    """CPU seconds used so far by each part: the gunicorn workers, the Celery workers (with their
    pool), the PostgreSQL backends serving the bench database, and the load client."""
    import psycopg2

    conn = psycopg2.connect(f"{SERVER}/postgres")
    with conn.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [DB_NAME])
        backends = [row[0] for row in cursor.fetchall()]
    conn.close()
    return {
        "web": sum(_cpu_of(pid) for pid in _children(web_master)),
        "worker": sum(_cpu_of(pid) + sum(_cpu_of(child) for child in _children(pid)) for pid in workers),
        "postgres": sum(_cpu_of(pid) for pid in backends),
        "client": _cpu_of(client_pid),
    }


async def drive(
    port: int,
    channel: str,
    seconds: float,
    concurrency: int,
    senders: int,
    rate: float = 0,
    prefix: str = "bench",
    keep_alive: bool = False,
) -> dict:
    path = f"/can/inbound/{channel}/receive"
    counts: dict[int, int] = {}
    latencies: list[float] = []
    ok_ids: set[str] = set()
    stop_at = time.monotonic() + seconds
    sequence = iter(range(10**9))
    rng = random.Random(7)

    async def exchange(connection: list, request: bytes) -> bytes:
        """Send one request and read its answer: on a new connection closed by the server after
        it, or (``keep_alive``) on the connection held in ``connection``, opened when needed."""
        if not keep_alive:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(request)
            await writer.drain()
            response = await reader.read()
            writer.close()
            return response
        if not connection:
            connection.extend(await asyncio.open_connection("127.0.0.1", port))
        reader, writer = connection
        writer.write(request)
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")
        )
        body = await reader.readexactly(length)
        if b"connection: close" in head.lower():
            writer.close()
            connection.clear()
        return head + body

    async def one(n: int, connection: list) -> None:
        sender = f"+24397{rng.randrange(senders):07d}" if n % 2 == 0 else f"+24381{n:07d}"
        body = json.dumps(
            {
                "from": sender,
                "text": rng.choice(TEXTS).format(place=rng.choice(PLACES)) + f" ({prefix}-{n})",
                "id": f"{prefix}-{n}",
                "date": "2026-11-23T10:00:00+02:00",
            }
        ).encode()
        request = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"X-Gateway-Token: {TOKEN}\r\nContent-Length: {len(body)}\r\n"
            f"Connection: {'keep-alive' if keep_alive else 'close'}\r\n\r\n"
        ).encode() + body
        started = time.perf_counter()
        try:
            response = await exchange(connection, request)
        except (OSError, asyncio.IncompleteReadError):
            if not connection:
                raise
            connection.clear()  # the server closed a kept connection: send again on a new one (the id makes it safe)
            response = await exchange(connection, request)
        latencies.append(time.perf_counter() - started)
        status = int(response.split(b" ", 2)[1]) if response else 0
        counts[status] = counts.get(status, 0) + 1
        if status == 200:
            ok_ids.add(f"{prefix}-{n}")

    async def client(index: int) -> None:
        interval = concurrency / rate if rate else 0.0  # each connection's share of the pace
        next_at = time.monotonic() + (interval * index / concurrency if rate else 0.0)
        connection: list = []
        while time.monotonic() < stop_at:
            if rate:
                await asyncio.sleep(max(0.0, next_at - time.monotonic()))
                next_at += interval
            try:
                await one(next(sequence), connection)
            except (OSError, asyncio.IncompleteReadError):
                connection.clear()
                counts[0] = counts.get(0, 0) + 1
        if connection:
            connection[1].close()

    started = time.monotonic()
    await asyncio.gather(*(client(i) for i in range(concurrency)))
    elapsed = time.monotonic() - started
    return {"counts": counts, "latencies": latencies, "ok": len(ok_ids), "elapsed": elapsed}


def alert_count(env: dict) -> int:
    return int(manage(env, "shell", "-c", "from can.models import Alert; print(Alert.objects.count())"))


def spool_phase(args, env: dict, channel: str, logs: Path, *, db_rate: float) -> None:
    """The same drive at a gunicorn whose PostgreSQL is stopped; then the replay, timed."""
    spool_dir = Path(tempfile.mkdtemp(prefix="bench-spool-"))
    dead = free_port()  # nothing listens there: PostgreSQL is stopped
    down_env = {**env, "DATABASE_URL": f"{SERVER.rsplit(':', 1)[0]}:{dead}/{DB_NAME}", "CAN_SPOOL_DIR": str(spool_dir)}
    port = free_port()
    web = gunicorn(port, args.web_threads, down_env, logs / "gunicorn-db-down.log")
    try:
        wait_port(port)
        time.sleep(2)  # workers import the app
        print(f"driving the spool path for {args.spool_seconds:.0f} s, PostgreSQL stopped ...", flush=True)
        result = asyncio.run(
            drive(
                port,
                channel,
                args.spool_seconds,
                args.concurrency,
                args.focal_points,
                prefix="spool",
                keep_alive=not args.new_connections,
            )
        )
    finally:
        web.send_signal(signal.SIGTERM)
        web.wait(timeout=20)
    files = list(spool_dir.glob("*.spool"))
    size = sum(path.stat().st_size for path in files)
    ok = result["counts"].get(200, 0)
    lat = sorted(result["latencies"])
    print(
        f"spool path (PostgreSQL stopped): {ok / result['elapsed']:.0f} messages/s answered 200 "
        f"(database path in this run: {db_rate:.0f}/s); answers {dict(sorted(result['counts'].items()))}; "
        f"request latency p50 {statistics.median(lat) * 1000:.0f} ms, p95 {lat[int(len(lat) * 0.95)] * 1000:.0f} ms; "
        f"{len(files)} files, {size / max(len(files), 1):.0f} bytes each"
    )
    before = alert_count(env)
    started = time.monotonic()
    summary = manage({**env, "CAN_SPOOL_DIR": str(spool_dir)}, "replay_spool")
    elapsed = time.monotonic() - started
    stored = alert_count(env) - before
    print(
        f"replay: {len(files)} files in {elapsed:.1f} s = {len(files) / elapsed:.0f} messages/s "
        f"(one process, its start included); {stored} alerts made for {ok} answers 200 ({summary})"
    )
    shutil.rmtree(spool_dir, ignore_errors=True)


def main() -> None:
    global DB_NAME  # noqa: PLW0603 - read by env_for and the helpers below
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--focal-points", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=0, help="cap on requests per second (0: as fast as it goes)")
    parser.add_argument("--worker-pool", default="threads", help="celery worker pool (threads, prefork, solo)")
    parser.add_argument("--worker-concurrency", type=int, default=4)
    parser.add_argument("--worker-processes", type=int, default=1, help="celery worker instances")
    parser.add_argument("--web-threads", type=int, default=2, help="threads per gunicorn worker (1: sync workers)")
    parser.add_argument(
        "--new-connections",
        action="store_true",
        help="open a new connection for each message (default: each client connection is kept alive, "
        "as HTTP/1.1 gateways do by default)",
    )
    parser.add_argument(
        "--replies", choices=["on", "off"], default="on", help=f"sets {REPLIES_SWITCH} for every process"
    )
    parser.add_argument("--spool-seconds", type=float, default=10, help="drive the spool path for so long (0: skip)")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument(
        "--database",
        default=DB_NAME,
        help="name of the throwaway database (default monusco_bench_alerts; two runs at once need two names)",
    )
    args = parser.parse_args()
    DB_NAME = args.database

    redis_port, web_port = free_port(), free_port()
    broker = f"redis://127.0.0.1:{redis_port}/0"
    env = env_for(broker)
    env[REPLIES_SWITCH] = "true" if args.replies == "on" else "false"
    processes: list[subprocess.Popen] = []
    logs = Path(tempfile.mkdtemp(prefix="bench-alerts-"))
    admin_sql(f"DROP DATABASE IF EXISTS {DB_NAME}")
    admin_sql(f"CREATE DATABASE {DB_NAME}")
    try:
        print(f"database {DB_NAME}: migrating and seeding ...", flush=True)
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "seed_demo")
        channel, focal_points, seeded_alerts = manage(env, "shell", "-c", SETUP.format(n=args.focal_points)).split()
        processes.append(
            subprocess.Popen(
                [
                    "/usr/bin/redis-server",
                    "--port",
                    str(redis_port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        wait_port(redis_port)
        for index in range(args.worker_processes):
            processes.append(
                subprocess.Popen(
                    [
                        PY,
                        "-m",
                        "celery",
                        "-A",
                        "monusco",
                        "worker",
                        f"--pool={args.worker_pool}",
                        f"--concurrency={args.worker_concurrency}",
                        "--loglevel=WARNING",
                        "--without-gossip",
                        "--without-mingle",
                        "--without-heartbeat",
                        "-n",
                        f"bench-{os.getpid()}-{index}@localhost",
                    ],
                    cwd=ROOT,
                    env=env,
                    stdout=open(logs / f"worker-{index}.log", "wb"),  # noqa: SIM115
                    stderr=subprocess.STDOUT,
                )
            )
        processes.append(gunicorn(web_port, args.web_threads, env, logs / "gunicorn.log"))
        wait_port(web_port)
        time.sleep(2)  # workers import the app
        asyncio.run(drive(web_port, channel, 1.0, 4, args.focal_points, prefix="warm"))  # warm up
        time.sleep(3)
        first_id = int(
            manage(
                env,
                "shell",
                "-c",
                "from can.models import Alert; print(Alert.objects.order_by('-pk').values_list('pk', flat=True)[0])",
            )
        )
        pace = f", paced at {args.rate:.0f} requests/s" if args.rate else ", as fast as the server answers"
        pace += ", a new connection per message" if args.new_connections else ", connections kept alive"
        print(f"driving SMS intake for {args.seconds:.0f} s with {args.concurrency} connections{pace} ...", flush=True)
        web_master = processes[-1].pid
        worker_pids = [process.pid for process in processes[1:-1]]
        cpu_before = cpu_snapshot(web_master, worker_pids, os.getpid())
        machine_before = machine_cpu()
        result = asyncio.run(
            drive(
                web_port,
                channel,
                args.seconds,
                args.concurrency,
                args.focal_points,
                args.rate,
                keep_alive=not args.new_connections,
            )
        )
        machine_driven = machine_cpu()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            figures = json.loads(manage(env, "shell", "-c", RESULTS.format(first_id=first_id)))
            if figures["notified"] >= figures["alerts"] and figures["unsent"] == 0:
                break
            time.sleep(1)
        cpu_after = cpu_snapshot(web_master, worker_pids, os.getpid())
        lat = sorted(result["latencies"])
        total = sum(result["counts"].values())
        ok = result["counts"].get(200, 0)
        print()
        print(
            f"data: {focal_points} focal points, {seeded_alerts} demo alerts before the run, "
            f"{figures['alerts']} alerts received in the run, {figures['notifications']} notifications "
            f"(3 per alert: duty officer in-app and SMS, CLA in-app)"
        )
        print(
            f"intake: {total} requests in {result['elapsed']:.1f} s = {total / result['elapsed']:.0f} requests/s "
            f"({ok / result['elapsed']:.0f}/s answered 200); request latency p50 {statistics.median(lat) * 1000:.0f} ms, "
            f"p95 {lat[int(len(lat) * 0.95)] * 1000:.0f} ms"
        )
        print(
            f"answers: {dict(sorted(result['counts'].items()))}; lost (200 answers without an alert): "
            f"{result['ok'] - figures['alerts'] if result['ok'] > figures['alerts'] else 0}"
        )
        if figures["p50"] is not None:
            print(
                f"alert to first notification sent: p50 {figures['p50'] * 1000:.0f} ms, p95 {figures['p95'] * 1000:.0f} ms, "
                f"max {figures['max'] * 1000:.0f} ms; notifications not sent: {figures['unsent']}"
            )
        if figures["alerts"]:
            per_alert = {part: (cpu_after[part] - cpu_before[part]) * 1000 / figures["alerts"] for part in cpu_after}
            total_ms = sum(per_alert.values())
            print(
                "CPU per alert, from the run's start until the worker drained: "
                + ", ".join(f"{part} {ms:.1f} ms" for part, ms in per_alert.items())
                + f"; total {total_ms:.1f} ms, so 2 cores hold at most {2000 / total_ms:.0f} alerts/s"
            )
            busy = machine_driven[0] - machine_before[0]
            total = machine_driven[1] - machine_before[1]
            print(
                f"machine while driven: {100 * busy / total:.0f}% of its CPU busy, "
                f"{100 * (machine_driven[2] - machine_before[2]) / total:.0f}% taken by the hypervisor (steal); "
                f"{busy * 1000 / figures['alerts']:.1f} ms per alert in all (every process and the kernel)"
            )
        replies = f"replies {args.replies} ({REPLIES_SWITCH}): {figures['replied']} alerts got a reply"
        if figures["reply_p50"] is not None:
            replies += f"; alert to the sender's reply p50 {figures['reply_p50'] * 1000:.0f} ms, p95 {figures['reply_p95'] * 1000:.0f} ms"
        else:
            replies += " (no reply sent in this run: the intake figures are intake and staff notifications)"
        print(replies)
        if args.spool_seconds > 0:
            spool_phase(args, env, channel, logs, db_rate=ok / result["elapsed"])
        print(f"logs: {logs}")
    finally:
        for process in reversed(processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        if not args.keep:
            admin_sql(f"DROP DATABASE IF EXISTS {DB_NAME}")


if __name__ == "__main__":
    main()
