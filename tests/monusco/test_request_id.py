"""Request ids on every response and log line, and production's JSON log lines, which still mask
phone numbers."""

from __future__ import annotations

import io
import json
import logging
import logging.config
import re

import pytest
from django.conf import settings

from monusco import request_id

pytestmark = pytest.mark.django_db


def test_every_response_carries_a_new_id_and_a_proxys_sane_id_is_kept(client):
    first, second = client.get("/healthz"), client.get("/healthz")
    assert re.fullmatch(r"[0-9a-f]{32}", first["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]
    assert client.get("/healthz", HTTP_X_REQUEST_ID="edge-42.a_b")["X-Request-ID"] == "edge-42.a_b"


@pytest.mark.parametrize("given", ["x" * 65, "a b", "id\r\nSet-Cookie: x", "<script>", "+243812345678;"])
def test_an_id_that_does_not_look_like_one_is_replaced(client, given):
    assert re.fullmatch(r"[0-9a-f]{32}", client.get("/healthz", HTTP_X_REQUEST_ID=given)["X-Request-ID"])


def _production_logger(stream: io.StringIO) -> logging.Logger:
    """A logger set up as production's console handler is: the JSON format and the same filters."""
    config = {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": settings.LOGGING["filters"],
        "formatters": settings.LOGGING["formatters"],
        "handlers": {
            "test": {
                "class": "logging.StreamHandler",
                "stream": stream,
                "formatter": "json",
                "filters": settings.LOGGING["handlers"]["console"]["filters"],
            }
        },
        "loggers": {"monusco.test.json": {"handlers": ["test"], "level": "INFO", "propagate": False}},
    }
    logging.config.dictConfig(config)
    return logging.getLogger("monusco.test.json")


def test_production_lines_are_json_with_the_request_id_and_masked_numbers(client, monkeypatch):
    stream = io.StringIO()
    logger = _production_logger(stream)

    monkeypatch.setattr(settings, "MIDDLEWARE", [*settings.MIDDLEWARE, "tests.monusco.test_request_id.Logs"])
    Logs.logger = logger
    response = client.get("/healthz", HTTP_X_REQUEST_ID="req-7")
    logger.info("outside any request, number 0812345678")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(line["level"], line["logger"], line["request_id"], line["message"]) for line in lines] == [
        ("WARNING", "monusco.test.json", "req-7", "SMS from [phone] about Sange"),
        ("INFO", "monusco.test.json", "-", "outside any request, number [phone]"),
    ]
    assert all("time" in line for line in lines)
    assert response["X-Request-ID"] == "req-7"
    assert request_id.current() == "-"


class Logs:
    """A middleware that logs a line with a phone number while the request is served."""

    logger: logging.Logger

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        self.logger.warning("SMS from %s about %s", "+243 812 345 678", "Sange")
        return self.get_response(request)
