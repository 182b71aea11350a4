"""Request bodies: JSON only, at most 64 KB, parsed by orjson.

orjson refuses what Python's ``json`` would turn into a server error later: nesting deeper than
1024 levels (``json`` raises RecursionError), lone surrogates (PostgreSQL cannot store them), and
NaN. The largest body the API takes (an alert, its description at most 2,000 characters) is a few
kilobytes; anything over the cap answers 413 without being read.
"""

from __future__ import annotations

import orjson
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser

from . import messages

MAX_BODY_BYTES = 64 * 1024


class RequestTooLarge(APIException):
    status_code = 413
    default_detail = messages.BODY_TOO_LARGE
    default_code = "request_too_large"


class ApiJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        declared = request.headers.get("content-length") if request is not None else None
        if declared and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            raise RequestTooLarge()
        body = stream.read(MAX_BODY_BYTES + 1) if stream is not None else b""
        if len(body) > MAX_BODY_BYTES:
            raise RequestTooLarge()
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            raise ParseError(messages.PARSE_ERROR) from None
