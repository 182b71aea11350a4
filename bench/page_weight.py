"""Page weight of the CLA meeting form, as a phone on a weak link sees it, field mode included,
and of the map page (Leaflet included, its GeoJSON layers and outlines, no tiles) for a manager.

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
import json
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIRST_LOAD_BUDGET = 30 * 1024
REPEAT_LOAD_BUDGET = 5 * 1024
MAP_BUDGET = 100 * 1024
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


def _service_worker(client) -> dict:
    """The service worker, the static files it keeps at install, and the offline page it keeps."""
    response = client.get("/sw.js", HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200, response.status_code
    body = _body(response)
    text = gzip.decompress(body) if response.get("Content-Encoding") == "gzip" else body
    listed = json.loads(re.search(rb"var ASSETS = (\[.*?\]);", text).group(1))
    unchanged = client.get("/sw.js", HTTP_IF_NONE_MATCH=response["ETag"])
    offline = client.get("/field/offline/", HTTP_ACCEPT_ENCODING="gzip")
    return {
        "sw": _wire_bytes(response, body),
        "sw_unchanged": len(unchanged.content) + 200,  # a 304: headers only (about 200 bytes)
        "sw_status_unchanged": unchanged.status_code,
        "listed": listed,
        "offline_page": _wire_bytes(offline, _body(offline)),
    }


def measure(client, url: str) -> dict:
    """``client`` is a signed-in Django test client.

    First load: the HTML, every static file it references, and, as field mode installs itself,
    the service worker, the static files it keeps and the offline page. Repeat load: the HTML (the
    worker asks the network first, so that forms stay current), the worker's update check (a 304),
    and any asset without a far-future cache header. Offline open: nothing crosses the network.
    ``baseline_*`` are the same page's figures without field mode's files, in the same run."""
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
    field = {}
    worker = {"sw": 0, "sw_unchanged": 0, "offline_page": 0, "listed": []}
    if any("/field/" in ref for ref in assets):
        worker = _service_worker(client)
        for ref in worker["listed"]:
            if ref not in assets:
                field[ref] = _asset(client, ref)
    repeat = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    repeat_bytes = _wire_bytes(repeat, _body(repeat))
    everything = {**assets, **field}
    field_refs = {ref for ref in everything if "/field/" in ref or "/vendor/" in ref}
    return {
        "html": html_bytes,
        "assets": {ref: size for ref, (size, _cached) in assets.items()},
        "kept_by_worker": {ref: size for ref, (size, _cached) in field.items()},
        "service_worker": worker["sw"],
        "offline_page": worker["offline_page"],
        "first_load": html_bytes
        + sum(size for size, _cached in everything.values())
        + worker["sw"]
        + worker["offline_page"],
        "repeat_load": repeat_bytes
        + worker["sw_unchanged"]
        + sum(size for size, cached in everything.values() if not cached),
        "offline_open": 0,
        "uncached_assets": [ref for ref, (_size, cached) in everything.items() if not cached],
        "baseline_first_load": html_bytes
        + sum(size for ref, (size, _cached) in everything.items() if ref not in field_refs),
        "baseline_repeat_load": repeat_bytes,
    }


def measure_map(client) -> dict:
    """The map page's first load (``measure``) plus the GeoJSON its script fetches: the outlines
    and every layer the page lists (``data-layers``)."""
    import html as html_lib

    from django.urls import reverse

    result = measure(client, reverse("map"))
    page = client.get(reverse("map")).content.decode()
    layers = json.loads(html_lib.unescape(re.search(r'data-layers="([^"]*)"', page).group(1)))
    data = {}
    for url in [reverse("map-outlines"), *(layer["url"] for layer in layers)]:
        response = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
        assert response.status_code == 200, (url, response.status_code)
        data[url] = _wire_bytes(response, _body(response))
    result["geojson"] = data
    result["map_total"] = result["first_load"] + sum(data.values())
    return result


def _map_user(cla_user):
    """A manager over the CLA's province, and a month of alerts and meetings at the CLA's base."""
    import datetime

    from django.contrib.auth.models import Group
    from django.utils import timezone

    from can.models import Alert
    from cla.models import OperatingBase
    from monusco.models import Province, User, UserScope

    base = OperatingBase.objects.get(code="cob-uvira")
    today = timezone.localdate()
    for n in range(60):
        day = today - datetime.timedelta(days=n % 30)
        at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))
        locality = base.coverage.order_by("name")[n % 5]
        Alert.objects.create(
            idempotency_key=f"bench:{n}",
            channel="sms",
            base=base,
            locality=locality,
            territory_id=locality.territory_id,
            threat_category=["armed_attack", "looting", "abduction", "sexual_violence"][n % 4],
            received_at=at,
            received_on=day,
            reported_by=cla_user,
        )
    user = User.objects.create_user("bench-manager", password="bench-only", preferred_language="fr")
    user.groups.add(Group.objects.get(name="manager"))
    UserScope.objects.create(user=user, province=Province.objects.get(name="South Kivu"))
    return user


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
    print(f"  HTML                                         {result['html']:>7}")
    for ref, size in result["assets"].items():
        print(f"  {ref:<44} {size:>7}")
    print("  field mode, on install:")
    print(f"  /sw.js                                       {result['service_worker']:>7}")
    for ref, size in result["kept_by_worker"].items():
        print(f"  {ref:<44} {size:>7}")
    print(f"  /field/offline/                              {result['offline_page']:>7}")
    print(f"  first load                                   {result['first_load']:>7}   (budget {FIRST_LOAD_BUDGET})")
    print(f"  repeat load                                  {result['repeat_load']:>7}   (budget {REPEAT_LOAD_BUDGET})")
    print(f"  offline open                                 {result['offline_open']:>7}")
    print(
        f"  same page without field mode's files: first {result['baseline_first_load']}, repeat "
        f"{result['baseline_repeat_load']}"
    )
    if result["uncached_assets"]:
        print("  not cached:", ", ".join(result["uncached_assets"]))
    ok = result["first_load"] <= FIRST_LOAD_BUDGET and result["repeat_load"] <= REPEAT_LOAD_BUDGET
    manager = _map_user(user)
    client.force_login(manager)
    # Managers sign in with two steps: the session carries a confirmed authenticator, as after a right code.
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.create(user=manager, name="bench", confirmed=True).persistent_id
    session.save()
    found = measure_map(client)
    print("Map page, manager, 60 alerts over 30 days (gzip bytes on the wire, no tiles)")
    print(f"  HTML (with the table by territory)           {found['html']:>7}")
    for ref, size in found["assets"].items():
        print(f"  {ref:<44} {size:>7}")
    for ref, size in found["geojson"].items():
        print(f"  {ref.split('?')[0]:<44} {size:>7}")
    print(f"  total                                        {found['map_total']:>7}   (budget {MAP_BUDGET})")
    ok = ok and found["map_total"] <= MAP_BUDGET
    shutil.rmtree(tmp, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
