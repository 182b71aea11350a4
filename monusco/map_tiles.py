"""The map's background from the app's own storage: a PMTiles archive (``MAP_PMTILES_FILE``, for
example a South Kivu extract cut with protomaps' ``pmtiles extract``) served with HTTP range
requests, which is how the PMTiles reader in the page (protomaps-leaflet) reads it: the header
first, then the directories and the tiles it needs, a few kilobytes at a time. No tile server and
no internet.

Only one range per request is honoured (the reader never asks for more); a header that is not a
single byte range is ignored and the whole file is sent, as HTTP allows. A range that starts past
the end is refused with 416.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import BinaryIO

from django.http import HttpResponse, StreamingHttpResponse
from django.utils.http import http_date

CHUNK = 64 * 1024
_RANGE = re.compile(r"^bytes=(\d{0,19})-(\d{0,19})$")


def parse_range(header: str | None, size: int) -> tuple[int, int] | None | bool:
    """``(first, last)`` byte positions (inclusive) of a single satisfiable range; ``None`` when
    the header is absent or not one byte range (the whole file is sent); ``False`` when it is
    one range that the file cannot satisfy."""
    match = _RANGE.match((header or "").strip())
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # the last N bytes
        length = int(last)
        return (max(size - length, 0), size - 1) if length and size else False
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if last and int(last) < start:
        return None
    return (start, end) if start < size else False


def _chunks(handle: BinaryIO, start: int, length: int) -> Iterator[bytes]:
    try:
        handle.seek(start)
        while length > 0:
            block = handle.read(min(CHUNK, length))
            if not block:
                return
            length -= len(block)
            yield block
    finally:
        handle.close()


def archive_response(path: str, range_header: str | None) -> HttpResponse | StreamingHttpResponse | None:
    """The archive, or the asked-for part of it; ``None`` when there is no readable file."""
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed by the response's generator
    except OSError:
        return None
    stat = os.fstat(handle.fileno())
    size = stat.st_size
    wanted = parse_range(range_header, size)
    if wanted is False:
        handle.close()
        refused = HttpResponse(status=416)
        refused["Content-Range"] = f"bytes */{size}"
        return refused
    start, end = wanted if isinstance(wanted, tuple) else (0, size - 1)
    length = end - start + 1 if size else 0
    response = StreamingHttpResponse(
        _chunks(handle, start, length), status=206 if wanted else 200, content_type="application/vnd.pmtiles"
    )
    if wanted:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    # Sent as stored: its tiles are compressed already, and a gzipped range would not be the bytes
    # the range names (GZipMiddleware leaves a response with an encoding alone).
    response["Content-Encoding"] = "identity"
    response["ETag"] = f'"{size:x}-{int(stat.st_mtime):x}"'
    response["Last-Modified"] = http_date(stat.st_mtime)
    # Behind a login: kept by the browser only, for a day (the archive changes when it is replaced).
    response["Cache-Control"] = "private, max-age=86400"
    return response
