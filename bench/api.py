"""The API's meeting list against a hand-written baseline, on PostgreSQL with 100,000 meetings.

Run: ``.venv/bin/python bench/api.py [--meetings 100000] [--seconds 10] [--keep]``.

It creates its own database (``monusco_bench_api``, dropped at the end unless ``--keep``), migrates
it (which loads the real places), and loads ``--meetings`` meetings at a few bases of South Kivu,
each with one security concern and one follow-up action, with PostgreSQL ``COPY``. It creates an
API client scoped to South Kivu, then, for ``--seconds`` each and after a warm-up:

- **API**: ``GET /api/v1/meetings/?page_size=100`` with ``Authorization: Token ...`` through the
  whole Django stack in-process (middleware, token check, throttle, filters, cursor pagination,
  serializer, JSON renderer), one request after another;
- **baseline**: the same page (same rows, same keys and values, same scope cut) built by
  hand-written SQL (three queries: the page, its concerns, its follow-ups) and ``orjson``.

It prints the throughput and p50/p95 latency of each, their ratio, the response sizes, checks that
both pages hold the same data, and prints the data sizes.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DB_NAME = "monusco_bench_api"
SERVER = "postgres://postgres@127.0.0.1:5432"
PAGE = 100


def admin_sql(statement: str) -> None:
    import psycopg2

    conn = psycopg2.connect(f"{SERVER}/postgres")
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(statement)
    conn.close()


def setup_django() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "monusco.settings.test"  # DEBUG off, no query logging
    os.environ["DATABASE_URL"] = f"{SERVER}/{DB_NAME}"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def copy_rows(cursor, table: str, columns: list[str], rows) -> None:
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join("\\N" if value is None else str(value) for value in row) + "\n")
    buffer.seek(0)
    cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)


def load(n: int) -> dict:
    import datetime
    import random

    from django.db import connection
    from django.utils import timezone

    from cla.models import OperatingBase
    from monusco.models import Locality, Province, User

    rng = random.Random(7)
    south = Province.objects.get(name="South Kivu")
    localities = list(Locality.objects.filter(territory__province=south).order_by("name")[:12])
    bases = []
    for index, locality in enumerate(localities[:4]):
        base = OperatingBase.objects.create(
            code=f"bench-{index}", name=f"COB {locality.name}", locality=locality, opened_on=datetime.date(2015, 1, 1)
        )
        base.coverage.set(localities[index * 3 : index * 3 + 3])
        bases.append(base)
    author = User.objects.create(username="bench-author")
    now = timezone.now()
    start = time.perf_counter()
    with connection.cursor() as cursor:
        raw = cursor.cursor
        meetings = []
        for i in range(n):
            base = bases[i % len(bases)]
            stamp = (now - datetime.timedelta(minutes=n - i)).isoformat()  # one meeting a minute
            meetings.append(
                (
                    i + 1,
                    uuid.uuid4(),
                    stamp,
                    stamp,
                    rng.randint(0, 40),
                    rng.randint(0, 40),
                    rng.randint(0, 10),
                    rng.randint(0, 10),
                    "draft",
                    0,
                    base.pk,
                    rng.choice(localities[:12]).pk,
                    (now - datetime.timedelta(minutes=n - i)).date(),
                    "urafiki",
                    '["chief", "women_associations", "youth"]',
                    rng.random() < 0.5,
                    "Security on the road to the market; water points; night patrols",
                    author.pk,
                    1,
                )
            )
        copy_rows(
            raw,
            "cla_urafikimeeting",
            [
                "id",
                "uid",
                "created_at",
                "updated_at",
                "women",
                "men",
                "girls",
                "boys",
                "review_status",
                "review_round",
                "base_id",
                "locality_id",
                "held_on",
                "meeting_type",
                "stakeholder_groups",
                "women_consulted_separately",
                "topics",
                "created_by_id",
                "version",
            ],
            meetings,
        )
        copy_rows(
            raw,
            "cla_securityconcern",
            ["uid", "created_at", "updated_at", "meeting_id", "category", "description", "at_risk_groups"],
            (
                (
                    uuid.uuid4(),
                    now.isoformat(),
                    now.isoformat(),
                    i + 1,
                    rng.choice(["looting", "extortion", "armed_attack"]),
                    "Checkpoint taxing farmers on market days",
                    '["women", "men"]',
                )
                for i in range(n)
            ),
        )
        copy_rows(
            raw,
            "cla_meetingfollowup",
            ["uid", "created_at", "updated_at", "meeting_id", "action", "responsible", "due_on", "status"],
            (
                (
                    uuid.uuid4(),
                    now.isoformat(),
                    now.isoformat(),
                    i + 1,
                    "Ask the FARDC commander for a patrol",
                    "fardc",
                    "\\N",
                    "planned",
                )
                for i in range(n)
            ),
        )
        cursor.execute("SELECT setval(pg_get_serial_sequence('cla_urafikimeeting', 'id'), %s)", [n])
        cursor.execute("ANALYZE")
    return {"seconds": time.perf_counter() - start, "bases": len(bases), "localities": len(localities)}


BASELINE_PAGE = """
SELECT m.id, m.uid, b.uid, b.code, b.name, l.uid, l.name, t.name, p.name, l.latitude::float8, l.longitude::float8,
       m.held_on, m.meeting_type, m.stakeholder_groups, m.women_consulted_separately, m.topics,
       m.women, m.men, m.girls, m.boys, m.age_0_5, m.age_6_12, m.age_13_17, m.age_18_49, m.age_50_59, m.age_60_plus,
       m.review_status, m.created_at, m.updated_at
FROM cla_urafikimeeting m
JOIN cla_operatingbase b ON b.id = m.base_id
JOIN monusco_locality l ON l.id = m.locality_id
JOIN monusco_territory t ON t.id = l.territory_id
JOIN monusco_province p ON p.id = t.province_id
WHERE t.province_id = ANY(%s)
ORDER BY m.created_at DESC, m.id DESC
LIMIT %s
"""
BASELINE_CONCERNS = """
SELECT meeting_id, uid, category, description, at_risk_groups FROM cla_securityconcern
WHERE meeting_id = ANY(%s) AND category <> ALL(%s) ORDER BY id
"""
BASELINE_FOLLOW_UPS = """
SELECT meeting_id, uid, action, responsible, due_on, status FROM cla_meetingfollowup
WHERE meeting_id = ANY(%s) ORDER BY id
"""
SEX_AGE = ("women", "men", "girls", "boys", "age_0_5", "age_6_12", "age_13_17", "age_18_49", "age_50_59", "age_60_plus")


def baseline_page(connection, province_ids: list[int], protected: list[str]) -> bytes:
    import orjson

    # jsonb columns arrive as JSON text (Django's psycopg2 setup): embedded as-is, as fragments.
    with connection.cursor() as cursor:
        cursor.execute(BASELINE_PAGE, [province_ids, PAGE + 1])
        rows = cursor.fetchall()
        page, more = rows[:PAGE], len(rows) > PAGE
        ids = [row[0] for row in page]
        cursor.execute(BASELINE_CONCERNS, [ids, protected])
        concerns: dict[int, list] = {}
        for meeting_id, uid, category, description, groups in cursor.fetchall():
            concerns.setdefault(meeting_id, []).append(
                {
                    "uid": uid,
                    "category": category,
                    "description": description,
                    "at_risk_groups": orjson.Fragment(groups),
                }
            )
        cursor.execute(BASELINE_FOLLOW_UPS, [ids])
        follow_ups: dict[int, list] = {}
        for meeting_id, uid, action, responsible, due_on, status in cursor.fetchall():
            follow_ups.setdefault(meeting_id, []).append(
                {"uid": uid, "action": action, "responsible": responsible, "due_on": due_on, "status": status}
            )
    results = []
    for r in page:
        results.append(
            {
                "uid": r[1],
                "base": {"uid": r[2], "code": r[3], "name": r[4]},
                "locality": {
                    "uid": r[5],
                    "name": r[6],
                    "territory": r[7],
                    "province": r[8],
                    "latitude": r[9],
                    "longitude": r[10],
                },
                "held_on": r[11],
                "meeting_type": r[12],
                "stakeholder_groups": orjson.Fragment(r[13]),
                "women_consulted_separately": r[14],
                "topics": r[15],
                "participants": dict(zip(SEX_AGE, r[16:26], strict=True)),
                "concerns": concerns.get(r[0], []),
                "follow_ups": follow_ups.get(r[0], []),
                "review_status": r[26],
                "created_at": r[27],
                "updated_at": r[28],
            }
        )
    next_link = f"/api/v1/meetings/?cursor={page[-1][27].isoformat()}&page_size={PAGE}" if more else None
    return orjson.dumps({"next": next_link, "previous": None, "results": results}, option=orjson.OPT_UTC_Z)


def measure(func, seconds: float) -> list[float]:
    for _ in range(20):
        func()
    timings = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        start = time.perf_counter()
        func()
        timings.append(time.perf_counter() - start)
    return timings


def report(name: str, timings: list[float]) -> dict:
    total = sum(timings)
    ordered = sorted(timings)
    figures = {
        "requests": len(timings),
        "per_second": len(timings) / total,
        "p50_ms": statistics.median(timings) * 1000,
        "p95_ms": ordered[int(len(ordered) * 0.95) - 1] * 1000,
    }
    print(
        f"{name:<9} {figures['requests']:>6} pages  {figures['per_second']:8.1f} pages/s  "
        f"p50 {figures['p50_ms']:6.2f} ms  p95 {figures['p95_ms']:6.2f} ms"
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--meetings", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    admin_sql(f"DROP DATABASE IF EXISTS {DB_NAME}")
    admin_sql(f"CREATE DATABASE {DB_NAME}")
    try:
        setup_django()
        run(args)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            admin_sql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


def run(args) -> None:
    import json

    from django.db import connection
    from django.test import Client

    from cla.models import MeetingFollowUp, SecurityConcern, UrafikiMeeting
    from monusco.api.resources import Resource
    from monusco.api.services import api_client_create
    from monusco.choices import PROTECTED_THREAT_CATEGORIES
    from monusco.models import Province
    from tests.agreements import agreement_in_force

    loaded = load(args.meetings)
    south = Province.objects.get(name="South Kivu")
    _client, key = api_client_create(
        agreement=agreement_in_force(),
        name="bench",
        provinces=[south],
        resources=[Resource.MEETINGS],
        throttle_rate="100000000/minute",
    )
    http = Client(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE="en")
    url = f"/api/v1/meetings/?page_size={PAGE}"

    def api_page() -> bytes:
        response = http.get(url)
        assert response.status_code == 200, response.content[:300]
        return response.content

    def sql_page() -> bytes:
        return baseline_page(connection, [south.pk], sorted(PROTECTED_THREAT_CATEGORIES))

    api_body, sql_body = api_page(), sql_page()
    api_data, sql_data = json.loads(api_body), json.loads(sql_body)
    same = api_data["results"] == sql_data["results"]
    print(f"PostgreSQL {connection.pg_version // 10000}, database {DB_NAME}")
    print(
        f"data: {UrafikiMeeting.objects.count():,} meetings, {SecurityConcern.objects.count():,} concerns, "
        f"{MeetingFollowUp.objects.count():,} follow-ups at {loaded['bases']} bases, "
        f"{loaded['localities']} localities; loaded with COPY in {loaded['seconds']:.1f} s"
    )
    print(
        f"page: {PAGE} meetings; API body {len(api_body):,} bytes, baseline body {len(sql_body):,} bytes; "
        f"same results: {same}"
    )
    api = report("API", measure(api_page, args.seconds))
    sql = report("baseline", measure(sql_page, args.seconds))
    print(
        f"ratio API/baseline: p50 {api['p50_ms'] / sql['p50_ms']:.2f}x, "
        f"throughput {sql['per_second'] / api['per_second']:.2f}x (goal: within 2x)"
    )
    if not same:
        sys.exit("the two pages differ")


if __name__ == "__main__":
    main()
