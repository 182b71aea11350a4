"""The load test's users, for Locust (run by ``bench/load.py``, which sets everything up).

Four kinds of client, mixed as a working day is:
- **CLA** (phones): the home page, the alert list pages, the alert form, and an alert logged
  through the form (a POST with its client token), as a CLA does after a call;
- **duty officer**: the inbox, its "new alerts?" poll, an alert's page, and acknowledging the
  oldest received alert;
- **API** (another UN tool): alert and meeting pages with a token;
- **gateway**: SMS alerts posted to the intake endpoint.

People think between steps: a CLA or a duty officer waits 1 to 4 s between pages (they read, type,
walk); the API client and the gateway wait 1 to 3 s between requests. ``bench/load.py`` passes the
users' credentials in ``LOAD_USERS`` (a JSON file).

Each request is named by its kind (``cla: home``...), so Locust's statistics are per kind.
"""

from __future__ import annotations

import json
import os
import random
import re
import threading
import uuid
from html.parser import HTMLParser
from itertools import count

from django_otp.oath import TOTP
from locust import HttpUser, between, task

CONFIG = json.loads(open(os.environ["LOAD_USERS"]).read())  # noqa: SIM115 - read once at import
_taken: dict[str, count] = {}
_lock = threading.Lock()


def _next_account(kind: str) -> dict:
    """Each simulated person signs in as an account of their own (a code is good once)."""
    with _lock:
        counter = _taken.setdefault(kind, count())
        accounts = CONFIG[kind]
        return accounts[next(counter) % len(accounts)]


class _Fields(HTMLParser):
    """The fields of the first form whose action holds ``action`` (``""``: the first form posting to
    its own page; ``None``: the first form): its inputs' values, the first option of each select,
    textareas' text."""

    def __init__(self, action: str | None = None):
        super().__init__()
        self.action, self.fields, self.inside, self.found = action, {}, False, False
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        action = attrs.get("action") or ""
        wanted = self.action is None or (self.action in action if self.action else not action)
        if tag == "form" and not self.found and wanted:
            self.inside = self.found = True
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button"):
            if attrs.get("type") in ("radio", "checkbox") and "checked" not in attrs:
                return
            self.fields.setdefault(name, attrs.get("value") or "")
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and attrs.get("value"):
            self.fields.setdefault(self._select, attrs["value"])
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields.setdefault(name, "")

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def form_fields(html: str, action: str | None = None) -> dict:
    parser = _Fields(action)
    parser.feed(html)
    return parser.fields


class _SignedIn(HttpUser):
    abstract = True
    kind = ""
    wait_time = between(1, 4)

    def on_start(self):
        account = _next_account(self.kind)
        page = self.client.get("/accounts/login/", name=f"{self.kind}: login")
        fields = form_fields(page.text)
        fields.update(username=account["username"], password=account["password"])
        answer = self.client.post("/accounts/login/", data=fields, name=f"{self.kind}: login")
        if "/accounts/two-factor/verify/" in answer.url:
            code = TOTP(bytes.fromhex(account["totp_key"]), step=30, digits=6).token()
            fields = form_fields(answer.text)
            fields["otp_token"] = f"{code:06d}"
            self.client.post(answer.url, data=fields, name=f"{self.kind}: login")


class Cla(_SignedIn):
    kind = "cla"
    weight = 4

    @task(3)
    def home(self):
        self.client.get("/cla/", name="cla: home")

    @task(2)
    def meetings(self):
        self.client.get("/cla/meetings/", name="cla: meeting list")

    @task(1)
    def plans(self):
        self.client.get("/cla/plans/", name="cla: plan list")

    @task(2)
    def log_alert(self):
        form = self.client.get("/can/alerts/new/", name="cla: alert form")
        fields = form_fields(form.text, "")
        fields.update(
            client_uuid=str(uuid.uuid4()),
            channel="phone_call",
            threat_category=random.choice(["armed_attack", "abduction", "looting", "displacement"]),
            description="Appel du chef de village: hommes armés vus près du marché.",
            women="2",
            men="1",
            girls="0",
            boys="0",
        )
        with self.client.post(
            "/can/alerts/new/", data=fields, name="cla: alert form post", catch_response=True
        ) as answer:
            if answer.status_code != 200 or "/can/alerts/new/" in answer.url:
                answer.failure(f"the alert was not saved ({answer.status_code})")


_ALERT_LINK = re.compile(r'href="(/can/alerts/[0-9a-f-]{36}/)"')
_ACK = re.compile(r'action="(/can/alerts/[0-9a-f-]{36}/acknowledge)"')


class DutyOfficer(_SignedIn):
    kind = "duty"
    weight = 2

    @task(3)
    def inbox(self):
        page = self.client.get("/can/inbox/", name="duty: inbox")
        links = _ALERT_LINK.findall(page.text)
        if links:
            self.client.get(random.choice(links), name="duty: alert page")
        acknowledge = _ACK.findall(page.text)
        if acknowledge and random.random() < 0.5:
            fields = form_fields(page.text, acknowledge[-1])
            fields["next"] = "inbox"
            self.client.post(acknowledge[-1], data=fields, name="duty: acknowledge")

    @task(3)
    def poll(self):
        self.client.get("/can/inbox/new?auto=1&since=" + _now(), name="duty: inbox poll")


def _now() -> str:
    """The inbox's "since" token: microseconds since the epoch, as the page writes it."""
    import time

    return str(int(time.time() * 1_000_000) - 60_000_000)


class ApiClient(HttpUser):
    weight = 1
    wait_time = between(1, 3)

    def on_start(self):
        self.client.headers["Authorization"] = f"Token {CONFIG['api_token']}"

    @task(2)
    def alerts(self):
        self.client.get("/api/v1/alerts/?page_size=50", name="api: alerts")

    @task(1)
    def meetings(self):
        self.client.get("/api/v1/meetings/?page_size=50", name="api: meetings")


class Gateway(HttpUser):
    weight = 2
    wait_time = between(1, 3)

    @task
    def sms(self):
        number = f"+2438{random.randint(10_000_000, 99_999_999)}"
        text = random.choice(["Attaque a Sange", "Vita Kiliba watu wenye silaha", "Enlevement Luvungi"])
        self.client.post(
            f"/can/inbound/{CONFIG['channel']}/receive",
            data={"from": number, "text": f"{text} {uuid.uuid4().hex[:6]}", "id": uuid.uuid4().hex},
            headers={"X-Gateway-Token": CONFIG["gateway_token"]},
            name="gateway: SMS",
        )
