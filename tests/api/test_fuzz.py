"""Schemathesis against the schema: no 5xx for any generated request, every status is one the
schema documents, and every 4xx carries a clear message (``detail``). Examples are capped so the run stays around a minute."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import status_code_conformance

from tests.api.factories import alert, meeting_with_details, mission, plan_with_details, review


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


@pytest.fixture
def fuzz_data(world, users, tokens):
    meeting = meeting_with_details(base=world.base)
    plan_with_details(base=world.base)
    review(report=alert(base=world.base), reviewer=users["gender"], report_type="alert")
    review(report=meeting, reviewer=users["gender"], report_type="meeting")
    mission(localities=[world.uvira], bases=[world.base])
    return tokens.inside_key


def test_no_server_error_and_every_client_error_explained(wsgi_app, fuzz_data):
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", wsgi_app)
    # identity: the checks read bodies as sent, not gzipped (GZipMiddleware would compress long ones)
    headers = {"Authorization": f"Token {fuzz_data}", "Accept-Language": "en", "Accept-Encoding": "identity"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 18

    seen: set[int] = set()
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
                  database=None)
        def run(case):
            response = case.call_and_validate(
                headers=headers, checks=[not_a_server_error, status_code_conformance, client_errors_have_a_message]
            )
            seen.add(response.status_code)

        run()
    # lists and details found (200), bad filters and bodies (400), focal points refused to clients
    # (403), unknown uids and cursors (404): every kind was exercised
    assert seen == {200, 400, 403, 404}
