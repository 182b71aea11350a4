"""Gender dashboard at scale, on PostgreSQL.

Run: ``.venv/bin/python bench/dashboard.py [--reports 200000] [--runs 30] [--keep]``.

It creates its own database (``monusco_bench_dashboard``, dropped at the end unless ``--keep``),
migrates it, and loads with ``COPY``:

- 200,000 community meetings spread over 24 months, 30 bases, 2 provinces, each with its sex/age
  columns (women, men, girls, boys and the six age bands: 2,000,000 sex/age values, the
  equivalent of 1,000,000 disaggregation rows of a normalised design);
- a review for about 45% of them (about 90,000), with an answer per checklist item (about 800,000
  answers, also kept in short on each review as the service does).

Then, signed in as a gender reviewer over one province, it measures:

1. the dashboard page's server time (request to rendered response, Django test client), p50 and
   p95 over ``--runs`` requests;
2. the same aggregates as hand-written SQL (one statement per figure, as a person would write
   them), p50 and p95, in the same run;

and prints both, with the ratio of the p50s. Goal: p50 < 250 ms and within 1.5x the SQL.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DB_NAME = "monusco_bench_dashboard"
SERVER = "postgres://postgres@127.0.0.1:5432"


def _admin_connection():
    import psycopg2

    conn = psycopg2.connect(f"{SERVER}/postgres")
    conn.autocommit = True
    return conn


def _recreate_database() -> None:
    conn = _admin_connection()
    with conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        cur.execute(f"CREATE DATABASE {DB_NAME}")
    conn.close()


def _drop_database() -> None:
    from django.db import connections

    connections.close_all()
    conn = _admin_connection()
    with conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    conn.close()


def _setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = f"{SERVER}/{DB_NAME}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "monusco.settings.test"
    import django

    django.setup()


def _copy(table: str, columns: list[str], rows) -> int:
    from django.db import connection

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    count = 0
    for row in rows:
        writer.writerow(["\\N" if value is None else value for value in row])
        count += 1
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(
            f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", buffer
        )
    return count


def _load(n_reports: int, rng: random.Random) -> dict:
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    from cla.models import OperatingBase, UrafikiMeeting
    from gender.models import ChecklistItem, ReviewChecklist
    from monusco.models import Locality, Province, Territory
    from tests.factories import make_user

    provinces = [Province.objects.get_or_create(name=name)[0] for name in ("South Kivu", "North Kivu")]
    localities, bases = [], []
    for p_index, province in enumerate(provinces):
        for t_index in range(5):
            territory = Territory.objects.create(province=province, name=f"Bench territory {p_index}-{t_index}")
            for l_index in range(3):
                locality = Locality.objects.create(
                    territory=territory, name=f"L{p_index}-{t_index}-{l_index}", latitude="-3.1", longitude="29.1"
                )
                localities.append(locality)
                base = OperatingBase.objects.create(
                    code=f"cob-{p_index}-{t_index}-{l_index}",
                    name=f"Base {locality.name}",
                    kind="cob",
                    locality=locality,
                    opened_on=date(2015, 1, 1),
                )
                bases.append(base)
    author = make_user("cla", base=bases[0], username="bench-cla")
    reviewer = make_user("gender_reviewer", province=provinces[0], username="bench-gender")
    checklist = ReviewChecklist.objects.get(report_type="meeting", is_active=True)
    items = list(ChecklistItem.objects.filter(checklist=checklist).values_list("pk", flat=True))

    now = datetime.now(UTC)
    start = date.today() - timedelta(days=730)
    meeting_columns = [
        "uid",
        "created_at",
        "updated_at",
        "women",
        "men",
        "girls",
        "boys",
        "age_0_5",
        "age_6_12",
        "age_13_17",
        "age_18_49",
        "age_50_59",
        "age_60_plus",
        "review_status",
        "review_round",
        "submitted_at",
        "reviewed_at",
        "base_id",
        "locality_id",
        "held_on",
        "meeting_type",
        "stakeholder_groups",
        "women_consulted_separately",
        "topics",
        "created_by_id",
        "version",
    ]
    statuses = ["draft"] * 10 + ["submitted"] * 45 + ["approved"] * 35 + ["returned"] * 10
    plan = []  # (status, submitted_at, reviewed_at, held_on, base, locality) per meeting, for the reviews
    place = {
        loc.pk: (loc.territory_id, loc.territory.province_id) for loc in Locality.objects.select_related("territory")
    }

    def meetings():
        for i in range(n_reports):
            base_index = i % len(bases)
            base, locality = bases[base_index], localities[base_index]
            held_on = start + timedelta(days=rng.randrange(730))
            women, men, girls, boys = (
                rng.randrange(0, 25),
                rng.randrange(1, 30),
                rng.randrange(0, 8),
                rng.randrange(0, 8),
            )
            if rng.random() < 0.15:
                women = 0
            bands = [None] * 6
            if rng.random() < 0.5:
                children, adults = girls + boys, women + men
                a, b = rng.randrange(children + 1), 0
                b = rng.randrange(children - a + 1)
                older = rng.randrange(adults + 1)
                oldest = rng.randrange(adults - older + 1)
                bands = [children - a - b, a, b, adults - older - oldest, older, oldest]
            status = rng.choice(statuses)
            held_at = datetime.combine(held_on, datetime.min.time(), tzinfo=UTC)
            submitted = None if status == "draft" else held_at + timedelta(days=rng.randrange(1, 5))
            reviewed = (
                submitted + timedelta(hours=rng.randrange(2, 24 * 20)) if status in ("approved", "returned") else None
            )
            plan.append((status, submitted, reviewed, held_on, base.pk, locality.pk))
            yield [
                uuid.UUID(int=rng.getrandbits(128), version=4),
                now,
                now,
                women,
                men,
                girls,
                boys,
                *bands,
                status,
                0 if status == "draft" else 1,
                submitted,
                reviewed,
                base.pk,
                locality.pk,
                held_on,
                "urafiki",
                "[]",
                rng.random() < 0.3,
                "",
                author.pk,
                1,
            ]

    t0 = time.perf_counter()
    _copy(UrafikiMeeting._meta.db_table, meeting_columns, meetings())
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {UrafikiMeeting._meta.db_table} ORDER BY id")
        ids = [row[0] for row in cursor.fetchall()]
    content_type = ContentType.objects.get_for_model(UrafikiMeeting)

    review_columns = [
        "uid",
        "created_at",
        "updated_at",
        "content_type_id",
        "object_id",
        "round",
        "checklist_id",
        "reviewer_id",
        "decision",
        "comment",
        "report_snapshot",
        "report_type",
        "submitted_at",
        "days_to_review",
        "report_date",
        "report_base_id",
        "report_territory_id",
        "report_province_id",
        "answer_codes",
    ]
    letters = "yyyyyppnnx"
    codes = {}

    def reviews():
        for pk, (status, submitted, reviewed, held_on, base_id, locality_id) in zip(ids, plan, strict=True):
            if reviewed is None:
                continue
            territory_id, province_id = place[locality_id]
            code = "".join(rng.choice(letters) for _ in items)
            codes[pk] = code
            decision = "approved" if status == "approved" else "returned"
            days = (reviewed - submitted).total_seconds() / 86400
            yield [
                uuid.UUID(int=rng.getrandbits(128), version=4),
                reviewed,
                reviewed,
                content_type.pk,
                pk,
                1,
                checklist.pk,
                reviewer.pk,
                decision,
                "",
                "{}",
                "meeting",
                submitted,
                round(days, 4),
                held_on,
                base_id,
                territory_id,
                province_id,
                code,
            ]

    n_reviews = _copy("gender_review", review_columns, reviews())
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, object_id FROM gender_review ORDER BY id")
        review_ids = cursor.fetchall()
    words = {"y": "yes", "p": "partly", "n": "no", "x": "na"}

    def answer_rows():
        for review_id, object_id in review_ids:
            for item_id, letter in zip(items, codes[object_id], strict=True):
                yield [review_id, item_id, words[letter], ""]

    n_answers = _copy("gender_reviewanswer", ["review_id", "item_id", "answer", "comment"], answer_rows())
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "reviewer": reviewer,
        "reports": len(ids),
        "reviews": n_reviews,
        "answers": n_answers,
        "load_seconds": time.perf_counter() - t0,
        "province_id": provinces[0].pk,
        "bases": [b.pk for b in bases],
        "localities": [loc.pk for loc in localities],
    }


# The same figures, as a person would write them in SQL (meetings are the only rows; the other
# report tables are empty but still asked, as the dashboard does).
HAND_SQL = [
    """SELECT date_trunc('month', m.held_on), COUNT(*), COUNT(*) FILTER (WHERE m.reviewed_at IS NOT NULL),
              COUNT(*) FILTER (WHERE m.id IN (SELECT r.object_id FROM gender_review r
                                              WHERE r.report_type = 'meeting' AND r.decision = 'returned')),
              COUNT(*) FILTER (WHERE m.review_status = 'submitted'),
              SUM(m.women), SUM(m.men), SUM(m.girls), SUM(m.boys),
              COUNT(*) FILTER (WHERE m.women = 0), COUNT(*) FILTER (WHERE m.women_consulted_separately),
              COUNT(*) FILTER (WHERE m.id IN (SELECT c.meeting_id FROM cla_securityconcern c
                                              WHERE c.category = 'sexual_violence'))
       FROM cla_urafikimeeting m JOIN monusco_locality l ON l.id = m.locality_id
       JOIN monusco_territory t ON t.id = l.territory_id
       WHERE m.review_status <> 'draft' AND t.province_id = %(province)s
       GROUP BY 1""",
    """SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY r.days_to_review) FROM gender_review r
       WHERE r.report_type = 'meeting' AND r.report_province_id = %(province)s""",
    """SELECT r.checklist_id, COUNT(*), """
    + ", ".join(
        f"COUNT(*) FILTER (WHERE r.answer_codes LIKE '{'_' * (i - 1)}{c}%%')" for i in range(1, 10) for c in "ypn"
    )
    + """ FROM gender_review r WHERE r.report_type = 'meeting' AND r.report_province_id = %(province)s
       GROUP BY r.checklist_id""",
    "SELECT COUNT(*) FROM cla_communityprotectionplan WHERE review_status <> 'draft'",
    "SELECT COUNT(*) FROM can_alert WHERE review_status <> 'draft'",
    "SELECT threat_category, COUNT(*), SUM(women), SUM(men), SUM(girls), SUM(boys) FROM can_alert GROUP BY 1",
    "SELECT COUNT(*) FROM jpt_jptmission WHERE review_status <> 'draft'",
]


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def _measure(data: dict, runs: int) -> dict:
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    client = Client(HTTP_HOST="localhost")
    client.force_login(data["reviewer"])
    # A gender reviewer signs in with a second factor: pass it as the login pages would.
    from tests.conftest import give_authenticator, mark_session_verified

    mark_session_verified(client, give_authenticator(data["reviewer"]))
    url = reverse("gender:dashboard")
    client.get(url)  # warm caches (session, content types, plans)
    captured = []
    with connection.execute_wrapper(
        lambda execute, sql, params, many, context: captured.append(sql) or execute(sql, params, many, context)
    ):
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    from gender.selectors.dashboard import gender_dashboard
    from gender.selectors.reports import DashboardFilters

    figures = gender_dashboard(user=data["reviewer"], filters=DashboardFilters())
    page = []
    for _ in range(runs):
        t0 = time.perf_counter()
        client.get(url)
        page.append((time.perf_counter() - t0) * 1000)
    params = {"province": data["province_id"]}
    sql = []
    with connection.cursor() as cursor:
        for statement in HAND_SQL:
            cursor.execute(statement, params)
            cursor.fetchall()
        first = None
        for _ in range(runs):
            t0 = time.perf_counter()
            for index, statement in enumerate(HAND_SQL):
                cursor.execute(statement, params)
                rows = cursor.fetchall()
                if index == 0:
                    first = (sum(row[1] for row in rows), sum(row[2] for row in rows))
            sql.append((time.perf_counter() - t0) * 1000)
    assert first[0] == figures.reports and first[1] == figures.reviewed, (first, figures.reports, figures.reviewed)
    return {"page": _percentiles(page), "sql": _percentiles(sql), "queries": len(captured), "figures": figures}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    _recreate_database()
    _setup_django()
    from django.core.management import call_command

    try:
        t0 = time.perf_counter()
        call_command("migrate", verbosity=0)
        print(f"migrated in {time.perf_counter() - t0:.1f} s")
        data = _load(args.reports, random.Random(20261123))
        print(
            f"loaded {data['reports']:,} reports ({data['reports'] * 10:,} sex/age values), "
            f"{data['reviews']:,} reviews, {data['answers']:,} answers in {data['load_seconds']:.1f} s"
        )
        result = _measure(data, args.runs)
        figures = result["figures"]
        print(
            f"dashboard for one province: {figures.reports:,} reports, {figures.reviewed:,} reviewed, "
            f"median {figures.median_days} days, {result['queries']} queries per page"
        )
        page50, page95 = result["page"]
        sql50, sql95 = result["sql"]
        print(f"dashboard page  p50 {page50:7.1f} ms   p95 {page95:7.1f} ms")
        print(f"hand-written SQL p50 {sql50:7.1f} ms   p95 {sql95:7.1f} ms")
        print(f"ratio (p50)      {page50 / sql50:.2f}x   goal: p50 < 250 ms and <= 1.5x")
    finally:
        if not args.keep:
            _drop_database()


if __name__ == "__main__":
    main()
