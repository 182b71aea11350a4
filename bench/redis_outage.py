"""SMS intake and an API list while Redis (broker and cache) is down, with and without the breaker.

Run: ``.venv/bin/python bench/redis_outage.py [--messages 200] [--unguarded 20] [--keep]``.

It creates its own PostgreSQL database (``monusco_bench_redis_outage``, dropped at the end unless
``--keep``), migrates it, starts a throwaway ``redis-server`` on a free port as the Celery broker
(db 0) and the cache (db 1), and drives the whole Django stack in-process with Django's test
client, one request after another (each SMS commits, then publishes its notify task):

1. **Redis up**: ``--messages`` SMS, and ``--messages`` ``GET /api/v1/localities/`` with a token.
2. Redis stopped, **no breaker** (``REDIS_BREAKER_SECONDS=0``, as before the breaker): every
   message retries the publish; ``--unguarded`` of each (they are slow).
3. Redis stopped, **breaker on** (the default 5 s): ``--messages`` of each.

Also the API with Django's plain ``RedisCache`` (before the fail-open cache): how many of the
requests answer 500. It prints per-request p50 and mean, the connection attempts made to Redis,
and checks every SMS was stored.
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DB_NAME = "monusco_bench_redis_outage"
SERVER = "postgres://postgres@127.0.0.1:5432"
TOKEN = "bench-gateway-token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_redis(port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("redis-server did not start")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        process.wait(timeout=15)


def admin_sql(statement: str) -> None:
    import psycopg2

    conn = psycopg2.connect(f"{SERVER}/postgres")
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(statement)
    conn.close()


def setup_django(redis_url: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "monusco.settings.test"  # DEBUG off, no query logging
    os.environ["DATABASE_URL"] = f"{SERVER}/{DB_NAME}"
    os.environ["REDIS_URL"] = f"{redis_url}/1"
    os.environ["CELERY_BROKER_URL"] = f"{redis_url}/0"
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "false"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def count_attempts() -> list:
    """Every TCP connection attempt made through redis-py (cache and broker)."""
    import redis.connection

    made: list = []
    connect = redis.connection.Connection._connect

    def counting(self):
        made.append(1)
        return connect(self)

    redis.connection.Connection._connect = counting
    return made


def timed(func, n: int) -> tuple[list[float], list[int]]:
    timings, statuses = [], []
    for i in range(n):
        start = time.perf_counter()
        statuses.append(func(i))
        timings.append(time.perf_counter() - start)
    return timings, statuses


def line(name: str, timings: list[float], statuses: list[int], attempts: int) -> None:
    ok = sum(1 for s in statuses if s == 200)
    print(
        f"{name:<44} {len(timings):5d} req  p50 {statistics.median(timings) * 1000:8.2f} ms  "
        f"mean {statistics.fmean(timings) * 1000:8.2f} ms  200: {ok:5d}  5xx: {sum(s >= 500 for s in statuses):4d}  "
        f"Redis connection attempts: {attempts}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--unguarded", type=int, default=20, help="messages without the breaker (each ~0.6 s)")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    port = free_port()
    redis_url = f"redis://127.0.0.1:{port}"
    redis_process = start_redis(port)
    admin_sql(f"DROP DATABASE IF EXISTS {DB_NAME}")
    admin_sql(f"CREATE DATABASE {DB_NAME}")
    try:
        setup_django(redis_url)
        run(args, redis_process, redis_url)
    finally:
        stop(redis_process)
        from django.db import connections

        connections.close_all()
        if not args.keep:
            admin_sql(f"DROP DATABASE IF EXISTS {DB_NAME}")


def run(args, redis_process, redis_url: str) -> None:
    import datetime

    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings

    from can import services
    from can.models import Alert
    from cla.models import OperatingBase
    from monusco import breaker
    from monusco.api.services import api_client_create
    from monusco.models import Locality, Province
    from tests.agreements import agreement_in_force

    south = Province.objects.get(name="South Kivu")
    locality = Locality.objects.filter(territory__province=south).order_by("name").first()
    base = OperatingBase.objects.create(
        code="bench-cob", name="COB bench", locality=locality, opened_on=datetime.date(2015, 1, 1)
    )
    base.coverage.set([locality])
    channel, _ = services.sms_channel_create(name="bench gateway", base=base, token=TOKEN)
    _client, key = api_client_create(
        agreement=agreement_in_force(), name="bench", provinces=[south], throttle_rate="1000000/minute"
    )
    web = Client(raise_request_exception=False)
    sent = [0]

    def sms(_i: int) -> int:
        sent[0] += 1
        return web.post(
            f"/can/inbound/{channel.uid}/receive",
            {"from": f"+24399{sent[0]:07d}", "text": f"Pillage à Sange {sent[0]}", "id": f"bench-{sent[0]}"},
            HTTP_X_GATEWAY_TOKEN=TOKEN,
        ).status_code

    def api(_i: int) -> int:
        return web.get("/api/v1/localities/?page_size=10", HTTP_AUTHORIZATION=f"Token {key}").status_code

    logging.disable(logging.ERROR)  # the breaker's warnings, and the 500s of the plain RedisCache
    attempts = count_attempts()
    print(
        f"PostgreSQL {connection.pg_version // 10000}, database {DB_NAME}; Redis {redis_url} (broker db 0, cache db 1)"
    )
    sms(0), api(0)  # warm up: connections, caches

    def phase(name: str, func, n: int) -> None:
        before = len(attempts)
        timings, statuses = timed(func, n)
        line(name, timings, statuses, len(attempts) - before)

    phase("SMS intake, Redis up", sms, args.messages)
    phase("API list, Redis up", api, args.messages)
    stop(redis_process)
    breaker.reset_all()
    with override_settings(REDIS_BREAKER_SECONDS=0):
        phase("SMS intake, Redis down, no breaker", sms, args.unguarded)
        phase("API list, Redis down, no breaker", api, args.unguarded)
    breaker.reset_all()
    phase("SMS intake, Redis down, breaker (5 s)", sms, args.messages)
    phase("API list, Redis down, breaker (5 s)", api, args.messages)
    plain = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": f"{redis_url}/1"}}
    with override_settings(CACHES=plain):
        phase("API list, Redis down, Django's RedisCache", api, args.unguarded)
    stored = Alert.objects.filter(channel="sms").count()
    print(f"SMS sent: {sent[0]}, alerts stored: {stored} (no worker runs here: each is left for the sweep or a task)")


if __name__ == "__main__":
    main()
