"""gunicorn's access log, written by a real gunicorn on a free port, carries no phone number."""

import contextlib
import http.client
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings

from monusco.gunicorn import RedactingLogger

ROOT = Path(settings.BASE_DIR)
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
REQUESTS = [
    # (target, referer)
    ("/admin/can/alert/?q=%2B243812345678", None),
    ("/admin/can/alert/?q=%2B243+812+345+678&status=received", None),
    ("/healthz?from=0990100001", "http://field.example.org/admin/can/alert/?q=%2B243812345678"),
    # where the admin's redirect to its login sends the browser: the search, encoded twice
    ("/admin/login/?" + urlencode({"next": "/admin/can/alert/?q=%2B243+812+345+678"}), None),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve_and_log(tmp_path, *logger_class: str) -> list[str]:
    """Start gunicorn, make the requests, stop it, and return its access log's lines."""
    port, log = free_port(), tmp_path / f"access-{len(logger_class)}.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "monusco.settings.test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
    }
    process = subprocess.Popen(
        [
            GUNICORN,
            "monusco.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--access-logfile",
            str(log),
            "--access-logformat",
            '%(h)s "%(r)s" %(s)s q=%(q)s f="%(f)s" U=%(U)s',
            *logger_class,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
            assert process.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.1)
        for target, referer in REQUESTS:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request("GET", target, headers={"Referer": referer} if referer else {})
            connection.getresponse().read()
            connection.close()
        deadline = time.monotonic() + 10
        while len(log.read_text().splitlines()) < len(REQUESTS) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        process.terminate()
        process.wait(timeout=30)
    return log.read_text().splitlines()


def test_the_access_log_masks_numbers_in_the_request_line_query_and_referer(tmp_path):
    plain = _serve_and_log(tmp_path)
    # gunicorn's own logger writes the searched number as it came: the leak this guards against
    assert [
        "%2B243812345678" in plain[0],
        "%2B243+812+345+678" in plain[1],
        "0990100001" in plain[2],
        "%252B243%2B812%2B345%2B678" in plain[3],
    ] == [True] * 4
    lines = _serve_and_log(tmp_path, "--logger-class", "monusco.gunicorn.RedactingLogger")
    assert len(lines) == 4
    assert [line for line in lines if "243" in line or "812" in line or "0990100001" in line] == []
    first, second, third, fourth = lines
    assert '"GET /admin/can/alert/?q=[phone] HTTP/1.1" 302 q=q=[phone] f="-" U=/admin/can/alert/' in first
    assert '"GET /admin/can/alert/?q=[phone]&status=received HTTP/1.1" 302' in second
    assert "q=q=[phone]&status=received" in second
    assert '"GET /healthz?from=[phone] HTTP/1.1"' in third
    assert 'f="http://field.example.org/admin/can/alert/?q=[phone]"' in third
    assert '"GET /admin/login/?next=/admin/can/alert/?q=[phone] HTTP/1.1" 302' in fourth  # on to the two-step login


@pytest.mark.parametrize(
    "line,expected",
    [
        ("GET /admin/can/alert/?q=%2B243812345678 HTTP/1.1", "GET /admin/can/alert/?q=[phone] HTTP/1.1"),
        (
            "GET /can/alerts/123e4567-e89b-12d3-a456-426614174000/ HTTP/1.1",
            "GET /can/alerts/123e4567-e89b-12d3-a456-426614174000/ HTTP/1.1",
        ),
        ("GET /x?q=tel%3A%2B243812345678%0Anext HTTP/1.0", "GET /x?q=tel:[phone]%0Anext HTTP/1.0"),
        ("garbage", "garbage"),
    ],
)
def test_the_request_line_keeps_its_method_and_protocol(line, expected):
    from monusco.gunicorn import _request_line

    assert _request_line(line) == expected


def test_the_logger_is_the_one_production_starts():
    compose = (ROOT / "docker-compose.yml").read_text()
    dockerfile = (ROOT / "Dockerfile").read_text()
    bench = (ROOT / "bench" / "alerts.py").read_text()
    name = f"{RedactingLogger.__module__}.{RedactingLogger.__name__}"
    # The option and its value, as a JSON list or a Python list, on one line or (formatted) two.
    option = re.compile(rf'"--logger-class",\s*"{re.escape(name)}"')
    assert (
        bool(option.search(compose)),
        bool(option.search(dockerfile)),
        bool(option.search(bench)),
    ) == (True, True, True)
