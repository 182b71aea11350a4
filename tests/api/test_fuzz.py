"""Schemathesis over every operation of the schema, with every check that applies to this API.

- **Cases:** schemathesis's coverage phase (boundary values, missing and repeated parameters,
  undeclared methods, each in valid and invalid form: deterministic), then ``EXAMPLES`` generated
  valid requests and ``EXAMPLES`` invalid ones per operation (derandomized, so every run sends the
  same requests).
- **Checks:** no 5xx; every status, content type, header and body (JSON, and GeoJSON against its
  Feature and FeatureCollection schemas) as the schema documents it; invalid requests refused
  (4xx), valid ones accepted; a declared authentication enforced (the request sent again without
  the token answers 401); undeclared methods 405 with ``Allow``; and every 4xx explained
  (``detail``).
- **Not run:** the stateful checks (``use_after_free``, ``ensure_resource_availability``: nothing
  is deleted through this API) and ``object_level_authorization`` (records of other scopes:
  ``test_access``).

A valid alert must name a base in the caller's scope and a time the alert could have been received:
the schema cannot say which uids exist, so valid bodies get the fixture's base and locality (and
no ``received_at``) before they are sent. Invalid ones are sent as generated.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    allow_header_conformance,
    content_type_conformance,
    ignored_auth,
    missing_required_header,
    negative_data_rejection,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from tests.factories import api_alert, make_review
from tests.factories.api import meeting_with_details, mission, plan_with_details

EXAMPLES = 25  # per operation and mode; with the coverage phase, about 40 s on this machine (2 cores)
MODES = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]


@pytest.fixture
def wsgi_app(db):
    # Like Django's test client: keep the test's database connection open across requests.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield get_wsgi_application()
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@schemathesis.check
def client_errors_have_a_message(ctx, response, case):
    if 400 <= response.status_code < 500:
        body = response.json()
        assert isinstance(body.get("detail"), str) and body["detail"].strip(), body
    return True


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    ignored_auth,
    missing_required_header,
    unsupported_method,
    allow_header_conformance,
    client_errors_have_a_message,
]


@pytest.fixture
def fuzz_data(world, users, tokens):
    meeting = meeting_with_details(base=world.base)
    plan_with_details(base=world.base)
    make_review(
        api_alert(world),
        users["gender"],
        "returned",
        comment="Add women's views",
        direct=True,
        report_type="alert",
    )
    make_review(meeting, users["gender"], "returned", comment="Add women's views", direct=True, report_type="meeting")
    mission(localities=[world.uvira], bases=[world.base])
    return tokens.inside_key


def _in_scope(case, world):
    """A valid alert body, for a base and a locality that exist in the caller's scope."""
    meta = case.meta
    valid = meta is not None and not meta.generation.mode.is_negative
    if valid and case.method == "POST" and isinstance(case.body, dict):
        case.body["base"] = str(world.base.uid)
        if case.body.get("locality") is not None:
            case.body["locality"] = str(world.sange.uid)
        case.body.pop("received_at", None)
    return case


def test_every_operation_conforms_to_the_schema(wsgi_app, fuzz_data, world):
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", wsgi_app)
    # identity: the checks read bodies as sent, not gzipped (GZipMiddleware would compress long ones)
    headers = {"Authorization": f"Token {fuzz_data}", "Accept-Language": "en", "Accept-Encoding": "identity"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 19  # with GET /api/v1/alert-measures/
    seen: set[int] = set()

    def call(case):
        seen.add(_in_scope(case, world).call_and_validate(headers=headers, checks=CHECKS).status_code)

    for operation in operations:
        for case in schema.iter_coverage_cases(
            operation, generation_modes=MODES, generation_config=schema.config.generation_for(operation=operation)
        ):
            call(case)
        for mode in MODES:

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                derandomize=True,
                database=None,
            )
            def run(case):
                call(case)

            run()
    # created and found (201, 200), bad queries and bodies (400), focal points refused to clients
    # (403), unknown uids and cursors (404), undeclared methods (405), formats not offered (406),
    # bodies that are not JSON (415): every kind of answer was exercised
    assert seen == {200, 201, 400, 403, 404, 405, 406, 415}
