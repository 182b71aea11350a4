"""The differencing attack on small-count suppression, run for real.

An API client of South Kivu (indicators, alerts, reviews, meetings) and the province's mission
manager (the dashboard CSV, every filter) try to learn how many sexual-violence alerts each base
had each month, and how many reports mentioned sexual violence, by subtracting what they may read:
totals minus the alerts they can list, a province minus a base, two months minus one, a month
minus all but one day, the checklist's review counts minus the reviews they can list. None of the
counts under 5 may come out; the counts of 5 and more must (the attack works).
"""

import csv
import datetime
import io
from itertools import product

import pytest
from django.utils import timezone

from can.models import Alert
from gender.models import ReviewChecklist
from monusco.api.resources import Resource
from monusco.api.services import api_client_create
from tests.agreements import agreement_in_force
from tests.api.conftest import session_client, token_client
from tests.factories import make_meeting, make_review

pytestmark = pytest.mark.django_db

D = datetime.date
SV = "sexual_violence"
JAN, FEB = (D(2026, 1, 1), D(2026, 1, 31)), (D(2026, 2, 1), D(2026, 2, 28))
PERIODS = {
    "jan": JAN,
    "feb": FEB,
    "jan-feb": (D(2026, 1, 1), D(2026, 2, 28)),
    "all": (None, None),
    "jan-1-15": (D(2026, 1, 1), D(2026, 1, 15)),
    "jan-16-31": (D(2026, 1, 16), D(2026, 1, 31)),
    "jan-2-31": (D(2026, 1, 2), D(2026, 1, 31)),
    "jan-1-30": (D(2026, 1, 1), D(2026, 1, 30)),
}
_seq = iter(range(1, 10**6))


def _alert(base, day, category, *, reviewed_by=None, checklist=None):
    """A closed alert sent to the gender office (so it counts as a submitted report)."""
    at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))
    item = Alert.objects.create(
        idempotency_key=f"diff:{next(_seq)}",
        channel="sms",
        base=base,
        locality=base.locality,
        territory_id=base.locality.territory_id,
        threat_category=category,
        received_at=at,
        received_on=day,
        status="closed",
        acknowledged_at=at,
        closed_at=at,
        outcome="false_alarm",
        women=1,
        girls=1,
        review_status="submitted",
        review_round=1,
        submitted_at=at,
    )
    if reviewed_by is not None:
        make_review(item, reviewed_by, "approved", checklist)
    return item


@pytest.fixture
def field(world, users):
    """Sexual-violence alerts: Uvira 6 in January (5 on the 10th, 1 on the 20th) and 2 in February,
    Minembwe 3 in January; some reviewed. Ordinary alerts beside them. Meetings mentioning sexual
    violence: Uvira 5 in January, Minembwe 1."""
    gender = users["gender"]
    checklist = ReviewChecklist.objects.get(report_type="alert", is_active=True)
    uvira, minembwe = world.base, world.other_base
    for n in range(6):
        _alert(uvira, D(2026, 1, 10 if n < 5 else 20), SV, reviewed_by=gender if n < 2 else None, checklist=checklist)
    for n in range(2):
        _alert(uvira, D(2026, 2, 12), SV, reviewed_by=gender if n == 0 else None, checklist=checklist)
    for n in range(3):
        _alert(minembwe, D(2026, 1, 14), SV, reviewed_by=gender if n == 0 else None, checklist=checklist)
    for base, day, n in (
        (uvira, D(2026, 1, 11), 3),
        (uvira, D(2026, 2, 3), 2),
        (minembwe, D(2026, 1, 5), 2),
        (minembwe, D(2026, 2, 7), 1),
    ):
        for i in range(n):
            _alert(base, day, "looting", reviewed_by=gender if i == 0 else None, checklist=checklist)
    for i in range(7):
        make_meeting(
            world=world, author=users["cla"], held_on=D(2026, 1, 8), women=2, concerns=[SV] if i < 5 else ["looting"]
        )
    make_meeting(world=world, author=users["cla2"], base=minembwe, held_on=D(2026, 1, 9), women=1, concerns=[SV])
    return {"uvira": uvira, "minembwe": minembwe}


def _params(base, period, report_type=""):
    start, end = PERIODS[period]
    params = {"report_type": report_type} if report_type else {}
    if base is not None:
        params["base"] = str(base.uid)
    if start:
        params.update(date_from=start.isoformat(), date_to=end.isoformat())
    return params


def _listed(client, url):
    rows = []
    while url:
        body = client.get(url).json()
        rows += body["results"]
        url = body["next"]
    return rows


def _in(period, day: str) -> bool:
    start, end = PERIODS[period]
    return start is None or start.isoformat() <= day[:10] <= end.isoformat()


def _attack(field, users, world) -> dict[tuple[str, str, str], set[int]]:
    """Every count the two readers can derive, per (what, base, period)."""
    _client, key = api_client_create(
        agreement=agreement_in_force(),
        name="SAGE South Kivu",
        provinces=[world.south],
        resources=list(Resource.values),
        throttle_rate="100000/minute",
    )
    api, manager = token_client(key), session_client(users["manager"])
    bases = {"uvira": field["uvira"], "minembwe": field["minembwe"], "province": None}
    indicators, dashboard = {}, {}
    for (name, base), period, report_type in product(bases.items(), PERIODS, ("", "alert")):
        params = _params(base, period, report_type)
        indicators[name, period, report_type] = api.get("/api/v1/indicators/", params).json()
        rows = list(csv.reader(io.StringIO(manager.get("/gender/dashboard.csv", params).content.decode())))[1:]
        dashboard[name, period, report_type] = {(s, i, k): v for s, i, k, v in rows}
    alerts = _listed(api, "/api/v1/alerts/?page_size=500")
    alert_place = {a["uid"]: (a["base"]["code"], a["received_on"]) for a in alerts}
    reviews = _listed(api, "/api/v1/reviews/?page_size=500&report_type=alert")
    code = {"uvira": field["uvira"].code, "minembwe": field["minembwe"].code}

    derived: dict[tuple[str, str, str], set[int]] = {}

    def note(what, base, period, value):
        if value is not None:
            derived.setdefault((what, base, period), set()).add(value)

    def sv(name, period, key="alerts"):
        return indicators[name, period, ""]["sexual_violence"][key]

    for name, period in product(("uvira", "minembwe"), PERIODS):
        other = "minembwe" if name == "uvira" else "uvira"
        listed = [a for a in alerts if a["base"]["code"] == code[name] and _in(period, a["received_on"])]
        # 1. read directly
        note("alerts", name, period, sv(name, period))
        note("mentions", name, period, sv(name, period, "reports_mentioning"))
        # 2. every submitted alert counted, minus the alerts one can list
        by_type = {row["report_type"]: row for row in indicators[name, period, "alert"]["by_report_type"]}
        note("alerts", name, period, by_type["alert"]["reports"] - sum(a["review_status"] != "draft" for a in listed))
        csv_reports = dashboard[name, period, "alert"].get(("by_type", "reports", "alert"))
        note("alerts", name, period, int(csv_reports) - sum(a["review_status"] != "draft" for a in listed))
        months = indicators[name, period, "alert"]["months"]
        note(
            "alerts",
            name,
            period,
            sum(m["reports"] for m in months) - sum(a["review_status"] != "draft" for a in listed),
        )
        # 3. reviews counted by the checklist, minus the reviews one can list
        item_one = [
            v
            for (s, i, k), v in dashboard[name, period, "alert"].items()
            if s == "checklist" and k.endswith("#1") and i in ("yes", "partly", "no", "na")
        ]
        mine = [
            r
            for r in reviews
            if r["report_uid"] in alert_place
            and alert_place[r["report_uid"]][0] == code[name]
            and _in(period, alert_place[r["report_uid"]][1])
        ]
        note("reviews", name, period, sum(int(v) for v in item_one) - len(mine))
        # 4. the province minus the other base
        for key, what in (("alerts", "alerts"), ("reports_mentioning", "mentions")):
            whole, part = sv("province", period, key), sv(other, period, key)
            if whole is not None:
                note(what, name, period, whole - (part or 0))
        # 5. a longer period minus a shorter one
        for longer, shorter in (
            ("jan-feb", "jan"),
            ("jan-feb", "feb"),
            ("jan", "jan-1-15"),
            ("jan", "jan-16-31"),
            ("jan", "jan-2-31"),
            ("jan", "jan-1-30"),
        ):
            if sv(name, longer) is not None:
                rest = {
                    "jan": "feb",
                    "feb": "jan",
                    "jan-1-15": "jan-16-31",
                    "jan-16-31": "jan-1-15",
                    "jan-2-31": "jan-1",
                    "jan-1-30": "jan-31",
                }[shorter]
                note("alerts", name, rest, sv(name, longer) - (sv(name, shorter) or 0))
    return derived


# The true counts, and whether they may be published (5 or more).
TRUE = {
    ("alerts", "uvira", "jan"): 6,
    ("alerts", "uvira", "feb"): 2,
    ("alerts", "minembwe", "jan"): 3,
    ("alerts", "uvira", "jan-16-31"): 1,
    ("alerts", "uvira", "jan-1-15"): 5,
    ("alerts", "uvira", "jan-1"): 0,
    ("alerts", "uvira", "jan-31"): 0,
    ("reviews", "uvira", "jan"): 2,
    ("reviews", "uvira", "feb"): 1,
    ("reviews", "minembwe", "jan"): 1,
    ("mentions", "uvira", "jan"): 5,
    ("mentions", "minembwe", "jan"): 1,
}


def test_no_suppressed_count_can_be_derived_and_published_ones_are_there(field, users, world):
    derived = _attack(field, users, world)
    leaked = {key: value for key, value in TRUE.items() if 0 < value < 5 and value in derived.get(key, set())}
    assert leaked == {}
    # the attack is not empty: what may be published is read
    assert 6 in derived[("alerts", "uvira", "jan")]
    assert 5 in derived[("mentions", "uvira", "jan")]
    # and every subtraction of the figures about ordinary records gives 0 sexual-violence alerts
    assert derived[("alerts", "minembwe", "jan")] == {0}
    assert derived[("reviews", "uvira", "jan")] == {0}


def test_the_figures_hold_the_publishable_cells_only(field, users):
    from gender.selectors.dashboard import gender_dashboard
    from gender.selectors.reports import DashboardFilters

    data = gender_dashboard(user=users["manager"], filters=DashboardFilters())
    # Uvira in January: 6 alerts (women 6, girls 6); every other base-month holds fewer than 5
    assert data.sexual_violence == {
        "alerts": "6",
        "women": "6",
        "men": "<5",
        "girls": "6",
        "boys": "<5",
        "reports_mentioning": "5",
    }
    # ordinary alerts only: 8 submitted, 4 reviewed; the 11 sexual-violence ones count nowhere else
    by_type = {row["slug"]: (row["reports"], row["reviewed"]) for row in data.by_type}
    assert by_type["alert"] == (8, 4)
    assert (data.reports, data.reviewed) == (8 + 8, 4)
    assert [(m["month"], m["reports"]) for m in data.months] == [(D(2026, 1, 1), 13), (D(2026, 2, 1), 3)]
    assert [(row["position"], row["yes"]) for row in data.checklist if row["report_type"] == "alert"][:1] == [(1, 4)]
    cut = gender_dashboard(user=users["manager"], filters=DashboardFilters(date_from=D(2026, 1, 2)))
    assert cut.sexual_violence["alerts"] == "<5"  # January is cut: its cells are left out
