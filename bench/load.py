"""A load test with Locust: mixed clients against gunicorn on PostgreSQL, directly and through
PgBouncer.

Run: ``.venv/bin/python bench/load.py [--users 50] [--seconds 60] [--workers 3] [--threads 2]
[--only direct|pgbouncer] [--keep]``.

It creates its own database (``monusco_bench_load``, dropped at the end unless ``--keep``),
migrates it and loads the demo data (six months of South Kivu), then adds an account of its own for
each simulated CLA and duty officer (each duty officer with an authenticator: the second step is
typed as a person would), an API client, and uses the demo SMS channel. Then, for each way of
reaching PostgreSQL (directly, then through a throwaway PgBouncer in transaction mode with
``DB_PREPARED_STATEMENTS=false``), it starts gunicorn (``--workers`` x ``--threads``, as
``docker-compose.yml``) and a Celery worker on Redis, and runs Locust headless on the same machine:
``--users`` clients (``bench/locustfile.py``: CLAs 4, duty officers 2, gateway 2, API 1, by
weight, with people's thinking time between steps) for ``--seconds`` after they have all started.

It prints, per kind of request and per way, the request count, failures, p50 and p95 (ms), and the
throughput, and the data sizes. Goal: 0 errors and p95 under 1 s for every kind.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DB_NAME = "monusco_bench_load"
SERVER = "postgres://postgres@127.0.0.1:5432"
REDIS = "redis://127.0.0.1:6379/15"
PASSWORD = "load-test-password-9341"


def admin_sql(statement: str) -> None:
    import psycopg2

    connection = psycopg2.connect(dbname="postgres", user="postgres", host="127.0.0.1", port=5432)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(statement)
    connection.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_env(database_url: str, *, pooled: bool) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "monusco.settings.local",
        "DEBUG": "false",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": REDIS,
        "REDIS_URL": REDIS,
        "CONN_MAX_AGE": "60",
        "LOG_LEVEL": "WARNING",
        "DB_PREPARED_STATEMENTS": "false" if pooled else "true",
    }


def manage(*args: str, env: dict) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def setup_accounts(users: int) -> dict:
    """Accounts for the simulated people (copies of the demo CLA and duty officer, with their base
    assignments and scope), each duty officer with an authenticator; an API client."""
    os.environ.update(app_env(f"{SERVER}/{DB_NAME}", pooled=False))
    import django

    django.setup()
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from can.demo import DEMO_CHANNEL_TOKEN
    from can.models import SmsChannel
    from cla.models import BaseAssignment, CommunityLiaisonAssistant
    from monusco.api.services import api_client_create
    from monusco.models import Province, User, UserScope
    from tests.agreements import agreement_in_force

    config: dict = {"cla": [], "duty": []}
    for kind, template in (("cla", "demo-cla"), ("duty", "demo-duty")):
        original = User.objects.get(username=template)
        profile = CommunityLiaisonAssistant.objects.filter(user=original).first()
        for n in range(users):
            user = User.objects.create(
                username=f"load-{kind}-{n}", first_name="Load", last_name=str(n), preferred_language="fr"
            )
            user.set_password(PASSWORD)
            user.save()
            user.groups.set(original.groups.all())
            for scope in UserScope.objects.filter(user=original):
                UserScope.objects.create(user=user, province_id=scope.province_id, territory_id=scope.territory_id)
            for assignment in BaseAssignment.objects.filter(user=original):
                BaseAssignment.objects.create(
                    user=user,
                    base_id=assignment.base_id,
                    function=assignment.function,
                    starts_on=assignment.starts_on,
                    ends_on=assignment.ends_on,
                )
            if profile is not None:
                CommunityLiaisonAssistant.objects.create(user=user, languages=profile.languages)
            account = {"username": user.username, "password": PASSWORD}
            if kind == "duty":
                device = TOTPDevice.objects.create(user=user, name="load", confirmed=True)
                account["totp_key"] = device.key
            config[kind].append(account)
    _client, config["api_token"] = api_client_create(
        agreement=agreement_in_force(), name="Load test client", provinces=[Province.objects.get(name="South Kivu")]
    )
    config["channel"] = str(SmsChannel.objects.get(base__code="cob-uvira").uid)
    config["gateway_token"] = DEMO_CHANNEL_TOKEN
    return config


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - local URL
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer in {seconds} s")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def run_way(name: str, database_url: str, *, pooled: bool, args, users_file: Path, out: Path) -> list[dict]:
    env = app_env(database_url, pooled=pooled)
    port = free_port()
    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "monusco.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(args.workers), "--threads", str(args.threads), "--timeout", "30"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "monusco", "worker", "--queues", "alerts,sms,default,partners,celery",
         "--concurrency", "2", "--loglevel", "WARNING", "--without-heartbeat", "--without-mingle", "--without-gossip"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz")
        prefix = out / name
        ramp = max(1, args.users // 10)
        subprocess.run(
            [sys.executable, "-m", "locust", "-f", str(ROOT / "bench/locustfile.py"), "--headless",
             "--users", str(args.users), "--spawn-rate", str(ramp), "--run-time", f"{args.seconds + args.users // ramp}s",
             "--host", f"http://127.0.0.1:{port}", "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING",
             "--reset-stats"],
            cwd=ROOT, env={**env, "LOAD_USERS": str(users_file)}, check=False,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        with open(f"{prefix}_stats.csv") as stats:
            return list(csv.DictReader(stats))
    finally:
        stop(web)
        stop(worker)


def report(name: str, rows: list[dict], seconds: int) -> None:
    print(f"\n{name}")
    print(f"  {'request':28} {'count':>7} {'fail':>5} {'p50 ms':>7} {'p95 ms':>7} {'req/s':>7}")
    for row in rows:
        label = row["Name"] if row["Name"] != "Aggregated" else "all"
        print(
            f"  {label:28} {row['Request Count']:>7} {row['Failure Count']:>5} {row['50%']:>7} {row['95%']:>7}"
            f" {float(row['Requests/s']):7.1f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--only", choices=["direct", "pgbouncer"])
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    admin_sql(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
    admin_sql(f'CREATE DATABASE "{DB_NAME}"')
    out = Path(tempfile.mkdtemp(prefix="monusco-load-"))
    bouncer = Path(tempfile.mkdtemp(prefix="monusco-load-pgbouncer-"))  # PgBouncer's own user reads it
    try:
        env = app_env(f"{SERVER}/{DB_NAME}", pooled=False)
        manage("migrate", "--noinput", env=env)
        manage("seed_demo", env=env)
        manage("collectstatic", "--noinput", env=env)  # pages name their files by the manifest, as in production
        config = setup_accounts(args.users)
        users_file = out / "users.json"
        users_file.write_text(json.dumps(config))
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
            size = cursor.fetchone()[0]
            cursor.execute("SELECT (SELECT count(*) FROM can_alert), (SELECT count(*) FROM cla_urafikimeeting)")
            alerts, meetings = cursor.fetchone()
        connection.close()
        print(
            f"data: {alerts} alerts, {meetings} meetings, database {size}; {args.users} clients for {args.seconds} s; "
            f"gunicorn {args.workers} workers x {args.threads} threads, a Celery worker of 2, Locust, "
            f"all on {os.cpu_count()} cores"
        )
        ways = [("direct", f"{SERVER}/{DB_NAME}", False)]
        if args.only == "direct":
            pass
        elif shutil.which("pgbouncer") or Path("/usr/sbin/pgbouncer").exists():
            port = free_port()
            subprocess.run(["bash", str(ROOT / ".ci/pgbouncer.sh"), "start", str(port), str(bouncer)], check=True)
            ways.append(("pgbouncer", f"postgres://postgres@127.0.0.1:{port}/{DB_NAME}", True))
        else:
            print("pgbouncer is not installed: only the direct way is measured")
        for name, url, pooled in ways:
            if args.only and name != args.only:
                continue
            report(name, run_way(name, url, pooled=pooled, args=args, users_file=users_file, out=out), args.seconds)
    finally:
        subprocess.run(["bash", str(ROOT / ".ci/pgbouncer.sh"), "stop", str(bouncer)], check=False)
        if not args.keep:
            admin_sql(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(bouncer, ignore_errors=True)


if __name__ == "__main__":
    main()
