"""Page weight of the CLA meeting form, as a phone on a weak link sees it.

Run: ``.venv/bin/python bench/page_weight.py``. It builds a throwaway SQLite database and a
collected, hashed static tree (whitenoise's CompressedManifestStaticFilesStorage, as in
production), signs in as a CLA, fetches the meeting form with ``Accept-Encoding: gzip`` and then
every static asset the page references, and prints the compressed bytes of:

- the first load: the HTML plus every asset;
- a repeat load: only what a browser must fetch again, i.e. responses without a far-future
  ``Cache-Control`` (the HTML; hashed static files are cached as immutable).

``measure(client, url)`` is also used by the test suite (tests/cla/test_page_weight.py).
"""

from __future__ import annotations

import gzip
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIRST_LOAD_BUDGET = 50 * 1024
REPEAT_LOAD_BUDGET = 10 * 1024
ASSET = re.compile(r'(?:href|src)="([^"]+)"')


def _body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def _wire_bytes(response, body: bytes) -> int:
    """Bytes on the wire: as sent when the server compressed, else what gzip would make of it."""
    if response.get("Content-Encoding") == "gzip":
        return len(body)
    return len(gzip.compress(body, 9))


def _long_cached(response) -> bool:
    cache = response.get("Cache-Control", "")
    match = re.search(r"max-age=(\d+)", cache)
    return bool(match) and int(match.group(1)) >= 86400 * 30


def _asset(client, url: str) -> tuple[int, bool]:
    """Compressed size of one asset, and whether a browser keeps it for the next visit."""
    from django.conf import settings
    from django.contrib.staticfiles import finders

    response = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    if response.status_code == 200:
        return _wire_bytes(response, _body(response)), _long_cached(response)
    # Test settings: no collected tree. Read the source file; it is served hashed in production.
    path = finders.find(url.removeprefix(settings.STATIC_URL))
    if path is None:
        raise FileNotFoundError(url)
    return len(gzip.compress(Path(path).read_bytes(), 9)), True


def measure(client, url: str) -> dict:
    """``client`` is a signed-in Django test client."""
    from django.conf import settings

    response = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200, response.status_code
    body = _body(response)
    html = gzip.decompress(body) if response.get("Content-Encoding") == "gzip" else body
    html_bytes = _wire_bytes(response, body)
    assets = {}
    for ref in sorted(set(ASSET.findall(html.decode()))):
        if ref.startswith(settings.STATIC_URL):
            assets[ref] = _asset(client, ref)
    repeat = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    repeat_bytes = _wire_bytes(repeat, _body(repeat))
    return {
        "html": html_bytes,
        "assets": {ref: size for ref, (size, _cached) in assets.items()},
        "first_load": html_bytes + sum(size for size, _cached in assets.values()),
        "repeat_load": repeat_bytes + sum(size for size, cached in assets.values() if not cached),
        "uncached_assets": [ref for ref, (_size, cached) in assets.items() if not cached],
    }


def _world():
    """The smallest world with a CLA at a base covering a few localities."""
    import datetime

    from django.contrib.auth.models import Group

    from cla.models import BaseAssignment, CommunityLiaisonAssistant, OperatingBase
    from monusco.models import Locality, Province, Territory, User
    from monusco.roles import sync_roles

    sync_roles()
    province, _ = Province.objects.get_or_create(name="South Kivu")
    territory, _ = Territory.objects.get_or_create(province=province, name="Uvira")
    places = [
        Locality.objects.get_or_create(
            territory=territory, name=name, defaults={"latitude": "-3.39", "longitude": "29.13"}
        )[0]
        for name in ("Uvira", "Kiliba", "Sange", "Luvungi", "Runingu")
    ]
    base = OperatingBase.objects.create(
        code="cob-uvira", name="Uvira", locality=places[0], opened_on=datetime.date(2005, 3, 1)
    )
    base.coverage.set(places)
    user = User.objects.create_user(
        "bench-cla", password="bench-only", first_name="Espérance", last_name="Mugisho", preferred_language="fr"
    )
    user.groups.add(Group.objects.get(name="cla"))
    BaseAssignment.objects.create(user=user, base=base, function="cla", starts_on=datetime.date(2020, 1, 1))
    CommunityLiaisonAssistant.objects.create(user=user)
    return user


def main() -> int:
    sys.path.insert(0, str(ROOT))
    tmp = Path(tempfile.mkdtemp(prefix="page-weight-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "monusco.settings.test"
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
    import django
    from django.conf import settings

    django.setup()
    settings.STATIC_ROOT = tmp / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    user = _world()
    client = Client()
    client.force_login(user)
    result = measure(client, reverse("cla:meeting-create"))
    print("CLA meeting form (gzip bytes on the wire)")
    print(f"  HTML                                 {result['html']:>7}")
    for ref, size in result["assets"].items():
        print(f"  {ref:<36} {size:>7}")
    print(f"  first load                           {result['first_load']:>7}   (budget {FIRST_LOAD_BUDGET})")
    print(f"  repeat load                          {result['repeat_load']:>7}   (budget {REPEAT_LOAD_BUDGET})")
    if result["uncached_assets"]:
        print("  not cached:", ", ".join(result["uncached_assets"]))
    ok = result["first_load"] <= FIRST_LOAD_BUDGET and result["repeat_load"] <= REPEAT_LOAD_BUDGET
    shutil.rmtree(tmp, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
