"""Weight of the duty officer's inbox after a flood of open alerts, with and without pagination.

Run: ``.venv/bin/python bench/inbox_weight.py [--alerts 2000]``. It builds a throwaway SQLite
database with one base and ``--alerts`` open alerts (in turn received, callback needed,
acknowledged, verified, response dispatched; a third from a registered focal point; each with a
realistic SMS text), signs in as the base's duty officer and prints the bytes of the inbox HTML,
raw and gzip-compressed, and the number of alert cards:

- as the page was before it was paginated (every open alert on one page);
- the first page as it is served now (``can.inbox_views.INBOX_PAGE_SIZE`` alerts).

The page no longer reloads itself: a script asks every 30 s how many alerts are new, and the
bench prints the bytes of that answer too. It exits 1 if the first page passes its budget
(``FIRST_PAGE_GZIP_BUDGET``) or the answer passes ``CHECK_BUDGET``.
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIRST_PAGE_GZIP_BUDGET = 4096  # bytes on the wire for the first page of 25 alerts
CHECK_BUDGET = 64  # bytes of the answer to "how many alerts are new?"
TEXT = (
    "Attaque des hommes armés au marché de {place} ce matin, des familles fuient vers la route de Luvungi. "
    "Rappelez le chef de localité."
)


def _world(alerts: int):
    import datetime

    from django.contrib.auth.models import Group
    from django.utils import timezone

    from can.models import Alert, AlertStatus, FocalPoint
    from cla.models import BaseAssignment, OperatingBase
    from monusco.crypto import phone_hash
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
    user = User.objects.create_user("bench-duty", password="bench-only", preferred_language="fr")
    user.groups.add(Group.objects.get(name="duty_officer"))
    BaseAssignment.objects.create(user=user, base=base, function="duty_officer", starts_on=datetime.date(2020, 1, 1))
    focal_points = [
        FocalPoint.objects.create(
            code=f"FP-UVI-{i:04d}",
            name=f"Point focal {i}",
            phone=f"+24399100{i:04d}",
            phone_hash=phone_hash(f"+24399100{i:04d}"),
            base=base,
            locality=places[i % 5],
            community_role="chief",
            sex="f",
            consent_on=datetime.date(2026, 1, 10),
        )
        for i in range(20)
    ]
    states = [
        AlertStatus.RECEIVED,
        AlertStatus.CALLBACK_NEEDED,
        AlertStatus.ACKNOWLEDGED,
        AlertStatus.VERIFIED,
        AlertStatus.RESPONSE_DISPATCHED,
    ]
    start = timezone.now() - datetime.timedelta(hours=6)
    rows = []
    for i in range(alerts):
        at = start + datetime.timedelta(seconds=10 * i)
        status = states[i % 5]
        place = places[i % 5] if i % 4 else None
        rows.append(
            Alert(
                idempotency_key=f"bench:{i}",
                channel="sms",
                base=base,
                locality=place,
                territory=territory,
                threat_category="armed_attack",
                status=status,
                received_at=at,
                received_on=timezone.localdate(at),
                description=TEXT.format(place=(place or places[0]).name),
                raw_text=TEXT.format(place="x"),
                focal_point=focal_points[i % 20] if i % 3 == 0 else None,
                needs_triage=place is None,
                acknowledged_at=at if status not in (AlertStatus.RECEIVED, AlertStatus.CALLBACK_NEEDED) else None,
            )
        )
    Alert.objects.bulk_create(rows, batch_size=500)
    return user


def _pass_second_step(client, user) -> None:
    """The duty officer's session after the second step, as after typing an authenticator code."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def _weigh(client, url: str) -> tuple[int, int, int]:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    html = response.content
    return len(html), len(gzip.compress(html, 6)), html.decode().count('class="card" id="alert-')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=2000)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    tmp = Path(tempfile.mkdtemp(prefix="inbox-weight-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "monusco.settings.test"
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
    import django

    django.setup()
    import datetime

    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from can import inbox_views as views

    call_command("migrate", verbosity=0)
    user = _world(args.alerts)
    client = Client()
    client.force_login(user)
    _pass_second_step(client, user)
    page_size = views.INBOX_PAGE_SIZE
    views.INBOX_PAGE_SIZE = args.alerts + 1  # every open alert on one page, as before pagination
    before = _weigh(client, "/can/inbox/")
    views.INBOX_PAGE_SIZE = page_size
    after = _weigh(client, "/can/inbox/")
    print(f"Duty officer's inbox with {args.alerts} open alerts at one base (bytes of HTML)")
    print(f"  {'':<34} {'raw':>10} {'gzip':>8} {'alerts':>7}")
    print(f"  {'one page (before pagination)':<34} {before[0]:>10} {before[1]:>8} {before[2]:>7}")
    print(f"  {f'first page of {page_size} (now)':<34} {after[0]:>10} {after[1]:>8} {after[2]:>7}")
    print(f"  per alert card, about               {(before[0] - after[0]) // max(before[2] - after[2], 1):>10}")
    since = views._since_token(timezone.now() - datetime.timedelta(hours=1))
    check = client.get(f"/can/inbox/new?since={since}&auto=1").content
    print(f"  first page budget (gzip)            {FIRST_PAGE_GZIP_BUDGET:>10}")
    print(f"  check for new alerts, answer        {len(check):>10}   (budget {CHECK_BUDGET}) {check.decode()}")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0 if after[1] <= FIRST_PAGE_GZIP_BUDGET and len(check) <= CHECK_BUDGET else 1


if __name__ == "__main__":
    sys.exit(main())
