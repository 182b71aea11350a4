"""Query parameters are read strictly: any value the schema does not allow answers 400 and says
why, on every list; and no value, however odd, reaches the database as a server error.

The offsets and years here crashed every list on PostgreSQL (a DataError: it takes UTC offsets up to
±15:59 only): run these on both engines.
"""

import datetime

import pytest

from tests.api.conftest import session_client, token_client
from tests.factories import api_alert, make_review
from tests.factories.api import meeting_with_details, mission, plan_with_details

pytestmark = pytest.mark.django_db

LISTS = ["localities", "bases", "meetings", "plans", "alerts", "missions", "reviews"]
# Each list's filters (beyond updated_since), by kind, as the schema declares them.
DATE_FILTERS = {
    "meetings": ["date_from", "date_to"],
    "plans": ["date_from", "date_to"],
    "alerts": ["date_from", "date_to"],
    "missions": ["date_from", "date_to"],
    "reviews": ["date_from", "date_to"],
}
INVALID = "The request is not valid. See the errors for each field."


@pytest.fixture
def client(tokens):
    return token_client(tokens.inside_key)


@pytest.fixture
def records(world, users):
    meeting = meeting_with_details(base=world.base)
    plan_with_details(base=world.base)
    item = api_alert(world)
    make_review(item, users["gender"], "returned", comment="Add women's views", direct=True, report_type="alert")
    make_review(meeting, users["gender"], "returned", comment="Add women's views", direct=True, report_type="meeting")
    mission(localities=[world.uvira], bases=[world.base])


def _errors(response) -> dict:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["detail"] == INVALID
    return body["errors"]


def _count(response) -> int:
    assert response.status_code == 200, response.content
    return len(response.json()["results"])


@pytest.mark.parametrize("resource", LISTS)
@pytest.mark.parametrize("offset", ["+16:00", "-23:59", "+23:59", "-15:59"])
def test_updated_since_with_any_offset_python_reads_is_turned_into_utc(resource, offset, client, records):
    everything = _count(client.get(f"/api/v1/{resource}/"))
    assert everything >= 1
    since = f"2000-01-01T00:00:00{offset}".replace("+", "%2B")
    assert _count(client.get(f"/api/v1/{resource}/?updated_since={since}")) == everything
    later = f"2999-01-01T00:00:00{offset}".replace("+", "%2B")
    assert _count(client.get(f"/api/v1/{resource}/?updated_since={later}")) == 0


def test_updated_since_compares_the_utc_instant(world, client):
    stamp = world.sange.updated_at.astimezone(datetime.UTC)
    just_before = (stamp - datetime.timedelta(seconds=1)).astimezone(datetime.timezone(datetime.timedelta(hours=-20)))
    just_after = (stamp + datetime.timedelta(seconds=1)).astimezone(datetime.timezone(datetime.timedelta(hours=18)))

    def names(value):
        response = client.get("/api/v1/localities/", {"updated_since": value.isoformat(), "name": "Sange"})
        return [row["name"] for row in response.json()["results"]]

    assert names(just_before) == ["Sange"]
    assert names(just_after) == []


@pytest.mark.parametrize("resource", LISTS)
@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_updated_since_beyond_the_years_1_to_9999_in_utc_is_refused(resource, value, client):
    response = client.get(f"/api/v1/{resource}/", {"updated_since": value})
    assert _errors(response) == {
        "updated_since": ["This date and time is outside the years 1 to 9999 once converted to UTC."]
    }


@pytest.mark.parametrize("value", ["2026-11-01", "2026-11-01T08:00:00", "2026-11-01T08:00:00+0200", "yesterday"])
def test_updated_since_needs_an_rfc_3339_time_with_its_offset(value, client):
    assert _errors(client.get("/api/v1/meetings/", {"updated_since": value})) == {
        "updated_since": [
            "Enter a date and time with its UTC offset, e.g. 2026-11-01T08:00:00Z or 2026-11-01T10:00:00+02:00."
        ]
    }


def test_a_time_that_is_well_written_but_not_on_the_calendar_gets_the_fields_message(client):
    assert _errors(client.get("/api/v1/meetings/", {"updated_since": "2026-02-30T08:00:00Z"})) == {
        "updated_since": ["Enter a valid date/time."]
    }


@pytest.mark.parametrize("resource", sorted(DATE_FILTERS))
def test_date_ranges_take_the_first_and_last_days_there_are(resource, client, records):
    everything = _count(client.get(f"/api/v1/{resource}/"))
    assert _count(client.get(f"/api/v1/{resource}/?date_from=0001-01-01&date_to=9999-12-31")) == everything
    assert _count(client.get(f"/api/v1/{resource}/?date_from=9999-12-31")) == 0
    assert _count(client.get(f"/api/v1/{resource}/?date_to=0001-01-01")) == 0


@pytest.mark.parametrize("resource", sorted(DATE_FILTERS))
@pytest.mark.parametrize(
    "value, message",
    [
        ("0000-01-01", "Enter a valid date."),
        ("10000-01-01", "Enter a date as YYYY-MM-DD, e.g. 2026-11-01."),
        ("01/02/2026", "Enter a date as YYYY-MM-DD, e.g. 2026-11-01."),  # not read by the caller's language
        ("2026-2-1", "Enter a date as YYYY-MM-DD, e.g. 2026-11-01."),
    ],
)
def test_dates_are_iso_and_within_the_calendar(resource, value, message, client):
    for name in DATE_FILTERS[resource]:
        assert _errors(client.get(f"/api/v1/{resource}/", {name: value})) == {name: [message]}


def test_indicators_take_any_date_range_there_is(client, records):
    whole = client.get("/api/v1/indicators/")
    assert whole.status_code == 200
    wide = client.get("/api/v1/indicators/?date_from=0001-01-01&date_to=9999-12-31")
    assert (wide.status_code, wide.json()["reports"]) == (200, whole.json()["reports"])
    assert client.get("/api/v1/indicators/?date_from=9999-12-31").json()["reports"] == 0
    assert _errors(client.get("/api/v1/indicators/?date_to=10000-01-01")) == {
        "date_to": ["Enter a date as YYYY-MM-DD, e.g. 2026-11-01."]
    }


def _filters(client, resource: str) -> list[str]:
    schema = client.get("/api/v1/schema/?format=json").json()
    parameters = schema["paths"][f"/api/v1/{resource}/"]["get"]["parameters"]
    return sorted(p["name"] for p in parameters if p["in"] == "query")


def test_check_query_names_each_parameter_holding_a_nul_byte_or_given_twice():
    from django.http import QueryDict
    from rest_framework.exceptions import ValidationError

    from monusco.api.params import check_query

    with pytest.raises(ValidationError) as refused:
        check_query(
            QueryDict("name=a%00b&x%00=1&page_size=5&page_size=6&other=1&other=2&base=ok"), {"name", "page_size"}
        )
    assert refused.value.detail == {
        "name": ["Null characters are not allowed."],
        "x\x00": ["Null characters are not allowed."],
        "page_size": ["Give this parameter once."],
    }
    assert check_query(QueryDict("name=a&base=b&other=1&other=2"), {"name", "base"}) is None


def _refused_as_json(response) -> None:
    """A NUL byte may be refused before the view (a middleware) or by it: a 400 with a message."""
    assert (response.status_code, response["Content-Type"]) == (400, "application/json"), response.content
    assert response.json()["detail"].strip()


@pytest.mark.parametrize("resource", [*LISTS, "indicators"])
def test_a_nul_byte_in_any_parameter_is_refused(resource, client):
    names = _filters(client, resource)
    assert len(names) >= 3
    for name in names:
        response = client.get(f"/api/v1/{resource}/?{name}=a%00b")
        if name == "format":  # the format is chosen first, and this one is not offered
            assert response.status_code in (400, 406)
            continue
        _refused_as_json(response)
    _refused_as_json(client.get(f"/api/v1/{resource}/?x%00y=1"))


def test_a_nul_byte_in_a_focal_point_filter_is_refused(users):
    _refused_as_json(session_client(users["cla"]).get("/api/v1/focal-points/?locality=%00"))


@pytest.mark.parametrize("resource", [*LISTS, "indicators"])
def test_each_parameter_is_given_once(resource, client):
    for name in _filters(client, resource):
        value = {"format": "json", "page_size": "5", "cursor": "x"}.get(name, "x")
        assert _errors(client.get(f"/api/v1/{resource}/?{name}={value}&{name}={value}")) == {
            name: ["Give this parameter once."]
        }
    assert client.get(f"/api/v1/{resource}/?unknown=1&unknown=2").status_code == 200  # not ours: ignored


BLANK_REFUSED = {
    "alerts": [
        "base",
        "channel",
        "date_from",
        "locality",
        "province",
        "review_status",
        "status",
        "territory",
        "threat_category",
        "updated_since",
    ],
    "bases": ["is_open", "kind", "locality", "province", "territory", "updated_since"],
    "localities": ["province", "territory", "updated_since"],
    "indicators": ["base", "date_from", "date_to", "province", "report_type", "territory"],
    "reviews": ["date_from", "decision", "report_type"],
}


@pytest.mark.parametrize("resource", sorted(BLANK_REFUSED))
def test_a_blank_value_is_refused_except_for_free_text(resource, client):
    for name in BLANK_REFUSED[resource]:
        assert _errors(client.get(f"/api/v1/{resource}/?{name}=")) == {
            name: ["Give a value, or leave this parameter out."]
        }
    assert client.get("/api/v1/localities/?name=").status_code == 200


def test_uids_booleans_and_choices_are_read_as_the_schema_writes_them(world, client):
    hex_only = world.uvira_t.uid.hex
    assert _errors(client.get(f"/api/v1/localities/?territory={hex_only}")) == {
        "territory": ["Enter a uid in its usual form, e.g. 6c906e2b-9472-37fa-9b6f-a398e0f821f1."]
    }
    in_uvira = _count(client.get(f"/api/v1/localities/?territory={world.uvira_t.uid}"))
    assert in_uvira >= 2
    assert _count(client.get(f"/api/v1/localities/?territory={str(world.uvira_t.uid).upper()}")) == in_uvira
    for value in ("yes", "1", "True"):
        assert _errors(client.get(f"/api/v1/bases/?is_open={value}")) == {"is_open": ["Enter true or false."]}
    assert _count(client.get("/api/v1/bases/?is_open=true")) == 2
    assert _count(client.get("/api/v1/bases/?is_open=false")) == 0
    assert _errors(client.get("/api/v1/reviews/?report_type=nothing")) == {
        "report_type": ["Select a valid choice. nothing is not one of the available choices."]
    }


@pytest.mark.parametrize("value", ["0", "-1", "abc", "5.0", "+5"])
def test_page_size_is_a_whole_number_from_1(value, client):
    assert _errors(client.get(f"/api/v1/localities/?page_size={value}")) == {
        "page_size": ["Give the number of results per page as a whole number from 1 (at most 500 are sent)."]
    }


@pytest.mark.parametrize("value", ["name,-updated_at", "population", "", "-"])
def test_ordering_is_one_of_the_listed_fields(value, client):
    assert _errors(client.get("/api/v1/localities/", {"ordering": value})) == {
        "ordering": ["Sort by one of: name, -name, created_at, -created_at, updated_at, -updated_at."]
    }


@pytest.mark.parametrize("value", ["", "xml", "html"])
def test_a_format_not_offered_is_406(value, client):
    response = client.get("/api/v1/localities/", {"format": value})
    assert (response.status_code, response["Content-Type"], response.json()) == (
        406,
        "application/json",
        {"detail": "This format is not available here. Use json, csv or geojson where listed."},
    )
