"""Sexual-violence records (alerts, meeting concerns, plan threats, the reviews of such alerts,
mission findings) reach, as records, only the base that handles them and need-to-know roles: for
every caller, in every format (JSON, CSV, GeoJSON), in lists, details and filtered lists."""

import csv
import io

import pytest

from jpt.models import Finding
from tests.api.conftest import session_client, token_client
from tests.factories import make_alert, make_review
from tests.factories.api import ConcernFactory, ThreatFactory, meeting_with_details, mission, plan_with_details

pytestmark = pytest.mark.django_db

SV = "sexual_violence"
FORMATS = {
    "alerts": ["json", "csv", "geojson"],
    "meetings": ["json", "csv"],
    "plans": ["json", "csv"],
    "reviews": ["json", "csv"],
}
# Which base's sexual-violence records each caller receives as records.
SEES = {
    "cla": {"uvira"},
    "cla2": {"minembwe"},
    "duty": {"uvira"},
    "jpt": set(),
    "manager": set(),
    "far_manager": set(),
    "gender": {"uvira", "minembwe"},
    "admin": {"uvira", "minembwe"},
    "token_in": set(),
}


@pytest.fixture
def protected(world, users):
    """At each of two South Kivu bases: one sexual-violence alert (reviewed), one meeting with a
    sexual-violence concern beside a looting one, one plan with a sexual-violence threat; and a
    mission of the Uvira base with a sexual-violence finding. Plus ordinary records."""
    records = {}
    for name, base in (("uvira", world.base), ("minembwe", world.other_base)):
        sv_alert = make_alert(
            base,
            locality=base.locality,
            threat_category=SV,
            description="Agression signalée",
            status="acknowledged",
            events=True,
            women=2,
            men=1,
            girls=1,
        )
        make_alert(
            base,
            locality=base.locality,
            threat_category="looting",
            description="Shops looted at the market",
            status="acknowledged",
            events=True,
            women=2,
            men=1,
            girls=1,
        )
        meeting = meeting_with_details(base=base)
        ConcernFactory(meeting=meeting, category=SV, description="Agression au point d'eau")
        plan = plan_with_details(base=base)
        ThreatFactory(plan=plan, category=SV, description="Agressions sur la route")
        records[name] = {
            "alerts": sv_alert,
            "meetings": meeting,
            "plans": plan,
            "reviews": make_review(
                sv_alert, users["gender"], "returned", comment="Add women's views", direct=True, report_type="alert"
            ),
        }
    sv_mission = mission(localities=[world.uvira], bases=[world.base], title="Uvira hills")
    Finding.objects.create(mission=sv_mission, category=SV, description="Agressions", locality=world.uvira)
    mission(localities=[world.minembwe], bases=[world.other_base], title="Minembwe plateau")
    records["uvira"]["missions"] = sv_mission
    return records


def _client(name, users, tokens):
    return token_client(tokens.inside_key) if name == "token_in" else session_client(users[name])


def _protected_uids(resource: str, fmt: str, response) -> set[str]:
    """The uids of the records in a response that carry sexual-violence information."""
    if fmt == "csv":
        _header, tags, *rows = csv.reader(io.StringIO(response.content.decode(), newline=""))
        column = {"alerts": "#event+type", "meetings": "#event+type", "plans": "#event+type"}.get(resource)
        id_tag = tags[0]
        found = set()
        for row in rows:
            cells = dict(zip(tags, row, strict=True))
            if column is None or SV in cells[column].split("|"):
                found.add(cells[id_tag])
        return found
    body = response.json()
    if fmt == "geojson":
        features = body["features"] if body["type"] == "FeatureCollection" else [body]
        return {f["id"] for f in features if f["properties"]["threat_category"] == SV}
    rows = body.get("results", [body])
    if resource == "alerts":
        return {r["uid"] for r in rows if r["threat_category"] == SV}
    if resource == "meetings":
        return {r["uid"] for r in rows if any(c["category"] == SV for c in r["concerns"])}
    if resource == "plans":
        return {r["uid"] for r in rows if any(t["category"] == SV for t in r["threats"])}
    return {r["uid"] for r in rows}  # reviews: only the reviews of sexual-violence alerts are made here


@pytest.mark.parametrize("caller", list(SEES))
def test_each_caller_receives_only_the_protected_records_it_may_see_in_every_format(caller, protected, users, tokens):
    client = _client(caller, users, tokens)
    for resource, formats in FORMATS.items():
        expected = {str(protected[base][resource].uid) for base in SEES[caller]}
        for fmt in formats:
            listed = client.get(f"/api/v1/{resource}/?format={fmt}&page_size=500")
            assert (resource, fmt, listed.status_code) == (resource, fmt, 200)
            assert (resource, fmt, _protected_uids(resource, fmt, listed)) == (resource, fmt, expected)
            filtered = client.get(f"/api/v1/{resource}/?format={fmt}&page_size=500&threat_category={SV}")
            if resource in ("alerts", "meetings", "plans"):
                assert (resource, fmt, _protected_uids(resource, fmt, filtered)) == (resource, fmt, expected)
            for base in ("uvira", "minembwe"):
                record = protected[base][resource]
                detail = client.get(f"/api/v1/{resource}/{record.uid}/?format={fmt}")
                if resource in ("alerts", "reviews"):  # the record itself is protected
                    visible = base in SEES[caller]
                    assert (resource, fmt, base, detail.status_code) == (resource, fmt, base, 200 if visible else 404)
                    if visible:
                        assert _protected_uids(resource, fmt, detail) == {str(record.uid)}
                elif detail.status_code == 200:  # an ordinary record holding a protected part
                    expected_detail = {str(record.uid)} if base in SEES[caller] else set()
                    assert (resource, fmt, base, _protected_uids(resource, fmt, detail)) == (
                        resource,
                        fmt,
                        base,
                        expected_detail,
                    )
        if not SEES[caller]:
            bodies = [client.get(f"/api/v1/{resource}/?format={fmt}&page_size=500").content for fmt in formats]
            assert [SV.encode() in body for body in bodies] == [False] * len(formats)
    if caller != "duty":  # duty officers do not read JPT missions
        missions = client.get(f"/api/v1/missions/?threat_category={SV}").json()["results"]
        expected = [str(protected["uvira"]["missions"].uid)] if "uvira" in SEES[caller] else []
        assert [row["uid"] for row in missions] == expected
