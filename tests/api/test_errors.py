"""Every API error is JSON with a ``detail``, in the caller's language: bodies that are too deep,
too large or not JSON, methods and formats not offered, throttling, unknown paths, and errors
raised before any view runs (a bad Host header, a body Django itself refuses, a server error)."""

import json

import pytest
from django.test.utils import override_settings

from can.models import Alert
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(tokens):
    return token_client(tokens.inside_key)


def _json_error(response, status: int) -> str:
    assert (response.status_code, response["Content-Type"]) == (status, "application/json"), response.content
    return response.json()["detail"]


def test_deeply_nested_json_is_refused_as_not_json(client):
    body = "[" * 5000 + "]" * 5000  # 10 KB; Python's json module raised RecursionError (a 500)
    response = client.post("/api/v1/alerts/", body, content_type="application/json")
    assert _json_error(response, 400) == "The request body is not valid JSON."
    assert Alert.objects.count() == 0


@pytest.mark.parametrize("size", [64 * 1024 + 1, 10_000_000])
def test_a_body_over_64_kb_is_413(client, world, size):
    body = json.dumps({"base": str(world.base.uid), "description": "x" * size})
    response = client.post("/api/v1/alerts/", body, content_type="application/json")
    assert _json_error(response, 413) == "The request body is too large."
    assert Alert.objects.count() == 0


def test_lone_surrogates_and_nul_bytes_in_a_body_are_refused(client, world):
    fields = {
        "idempotency_key": "6c906e2b-9472-37fa-9b6f-a398e0f821f1",
        "base": str(world.base.uid),
        "threat_category": "looting",
        "description": "a@b",
    }
    surrogate = json.dumps(fields).replace("@", "\\ud800")  # a lone surrogate, as JSON may spell it
    assert _json_error(client.post("/api/v1/alerts/", surrogate, content_type="application/json"), 400) == (
        "The request body is not valid JSON."
    )
    nul = json.dumps(fields).replace("@", "\\u0000")
    response = client.post("/api/v1/alerts/", nul, content_type="application/json")
    assert response.json()["errors"] == {"description": ["Null characters are not allowed."]}
    assert Alert.objects.count() == 0


def test_a_body_that_is_not_json_is_415(client):
    response = client.post("/api/v1/alerts/", "base=x", content_type="application/x-www-form-urlencoded")
    assert _json_error(response, 415) == "Send the request body as JSON."


def test_a_method_not_offered_is_405_with_allow(client):
    response = client.put("/api/v1/alerts/", "{}", content_type="application/json")
    assert _json_error(response, 405) == "This method is not allowed here."
    assert response["Allow"] == "GET, POST, HEAD, OPTIONS"


@pytest.mark.parametrize("extra", [{"HTTP_ACCEPT": "text/html"}, {"QUERY_STRING": "format=xml"}])
def test_a_format_not_offered_is_406(client, extra):
    response = client.get("/api/v1/alerts/", **extra)
    assert _json_error(response, 406) == "This format is not available here. Use json, csv or geojson where listed."


def test_throttled_is_429_with_retry_after(tokens):
    client = token_client(tokens.narrow_key)  # 3 a minute
    for _ in range(3):
        assert client.get("/api/v1/localities/").status_code == 200
    response = client.get("/api/v1/localities/")
    assert _json_error(response, 429) == "Too many requests. Wait a little and try again."
    assert 50 <= int(response["Retry-After"]) <= 60


@pytest.mark.parametrize("path", ["/api/v1/nothing/", "/api/v1/alerts/x/y/", "/api/v2/", "/api/"])
def test_unknown_api_paths_are_404(client, path):
    assert _json_error(client.get(path), 404) == "Not found, or outside your scope."


def test_a_post_to_an_unknown_api_path_is_404_not_the_csrf_page():
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    assert _json_error(client.post("/api/v1/nothing/", {"a": 1}), 404) == "Not found, or outside your scope."


def test_too_many_query_parameters_is_400(client):
    query = "&".join(f"p{n}=1" for n in range(1001))  # Django refuses more than 1,000 fields
    assert _json_error(client.get(f"/api/v1/alerts/?{query}"), 400) == "The request has too many parameters."


def test_a_host_not_allowed_is_400_json_under_the_api_and_a_page_elsewhere(client):
    assert _json_error(client.get("/api/v1/alerts/", HTTP_HOST="evil.example"), 400) == "The request is not valid."
    page = client.get("/accounts/login/", HTTP_HOST="evil.example")
    assert (page.status_code, page["Content-Type"]) == (400, "text/html; charset=utf-8")


class ReadsTheForm:
    """Reads the form before any view, as CSRF or a login throttle does for a form post."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.POST  # noqa: B018 - Django refuses a body over DATA_UPLOAD_MAX_MEMORY_SIZE here
        return self.get_response(request)


def test_a_body_django_refuses_before_any_view_is_413_json_under_the_api(client, settings):
    with override_settings(
        MIDDLEWARE=[*settings.MIDDLEWARE, "tests.api.test_errors.ReadsTheForm"], DATA_UPLOAD_MAX_MEMORY_SIZE=1000
    ):
        response = client.post("/api/v1/alerts/", {"description": "x" * 2000})
        page = client.post("/accounts/login/", {"username": "x" * 2000})
    assert _json_error(response, 413) == "The request body is too large."
    assert (page.status_code, page["Content-Type"]) == (400, "text/html; charset=utf-8")


class ReadsTheQuery(ReadsTheForm):
    def __call__(self, request):
        request.GET  # noqa: B018 - Django refuses more than DATA_UPLOAD_MAX_NUMBER_FIELDS here
        return self.get_response(request)


def test_too_many_query_parameters_before_any_view_is_400_json_under_the_api(client, settings):
    query = "&".join(f"p{n}=1" for n in range(1001))
    with override_settings(MIDDLEWARE=["tests.api.test_errors.ReadsTheQuery", *settings.MIDDLEWARE]):
        response = client.get(f"/api/v1/alerts/?{query}")
    assert _json_error(response, 400) == "The request has too many parameters."


def test_a_server_error_is_json_under_the_api(tokens, monkeypatch):
    from monusco.api import views

    def broken(**kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(views, "locality_list", broken)
    client = token_client(tokens.inside_key)
    client.raise_request_exception = False
    response = client.get("/api/v1/localities/")
    assert _json_error(response, 500) == "Something went wrong on the server. Try again later."


@pytest.mark.parametrize(
    "language, too_large, not_offered",
    [
        (
            "fr",
            "Le corps de la requête est trop volumineux.",
            "Ce format n'est pas disponible ici. Utilisez json, csv ou geojson là où ils sont proposés.",
        ),
        (
            "sw",
            "Maudhui ya ombi ni makubwa mno.",
            "Muundo huu haupatikani hapa. Tumia json, csv au geojson pale zinapoorodheshwa.",
        ),
    ],
)
def test_errors_are_in_the_callers_language(tokens, world, language, too_large, not_offered):
    client = token_client(tokens.inside_key)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    big = json.dumps({"description": "x" * 70_000})
    assert _json_error(client.post("/api/v1/alerts/", big, content_type="application/json"), 413) == too_large
    assert _json_error(client.get("/api/v1/meetings/?format=geojson"), 406) == not_offered
