"""Hardening: the password rules, error reports that hide protected values, the Content-Security-
Policy and Permissions-Policy headers, and no inline code in any template."""

import re
import sys
from pathlib import Path

import pytest
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation
from django.views.debug import technical_500_response

from tests.factories import make_user

ROOT = Path(__file__).resolve().parents[2]
# Built in pieces, so that the source lines a report quotes never hold the values themselves.
SENDER = "+243" + "990100001"
SENDER_LOCAL = "0" + "990100001"
SMS_TEXT = "Attaque à Sange, " + "rappelez-moi"
NAME = "Aline " + "Zawadi"
LOCAL_TOKEN = "gw-token-" + "value-123"
HEADER_TOKEN = "secret-gateway-" + "token"


# --- passwords -------------------------------------------------------------------------------


def _codes(password, user=None) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as error:
        return sorted(e.code for e in error.error_list)
    return []


@pytest.mark.parametrize(
    ("password", "codes"),
    [
        ("Kinshasa2026", ["password_word_with_digits"]),
        ("kinshasa2026!", ["password_word_with_digits"]),
        ("K1nshasa2026", ["password_word_with_digits"]),
        ("2026Bukavu@@", ["password_word_with_digits"]),
        ("Minembwe1234", ["password_word_with_digits"]),  # a place of monusco/data/places.csv
        ("SouthKivu2026", ["password_word_with_digits"]),
        ("Monusco20262026", ["password_word_with_digits"]),
        ("MotDePasse2026", ["password_word_with_digits"]),
        ("Password2026!", ["password_word_with_digits"]),
        ("sunshine12345", ["password_word_with_digits"]),  # the common list, with digits added
        ("Goma2026", ["password_too_short", "password_word_with_digits"]),
        ("123456789012", ["password_entirely_numeric"]),
    ],
)
def test_guessable_passwords_are_refused(password, codes):
    assert _codes(password) == codes


@pytest.mark.parametrize("password", ["mango lantern river seven", "Tuko-pamoja-kwa-amani-9", "Uvira-mango-lantern-42"])
def test_passphrases_are_accepted(password):
    assert _codes(password) == []


@pytest.mark.parametrize(
    ("language", "message"),
    [
        (
            "fr",
            "Ce mot de passe est un mot courant ou un nom de lieu auquel on a ajouté des chiffres ou des symboles : "
            "c'est parmi les premiers essais d'un attaquant. Utilisez plutôt plusieurs mots sans rapport entre eux.",
        ),
        (
            "sw",
            "Nenosiri hili ni neno la kawaida au jina la mahali lililoongezewa tarakimu au alama, ambalo ni miongoni mwa "
            "makisio ya kwanza. Tumia badala yake maneno kadhaa yasiyohusiana.",
        ),
        (
            "en",
            "This password is a common word or a place name with digits or symbols added, which is among the first "
            "guesses. Use several unrelated words instead.",
        ),
    ],
)
def test_the_refusal_is_explained_in_each_language(language, message):
    with translation.override(language), pytest.raises(ValidationError) as error:
        validate_password("Kinshasa2026")
    assert error.value.messages == [message]


@pytest.mark.django_db
def test_a_password_change_applies_the_rules(world):
    user = make_user("cla", base=world.base, username="t-pw")
    form = SetPasswordForm(user, {"new_password1": "Uvira2026!!!", "new_password2": "Uvira2026!!!"})
    assert not form.is_valid()
    assert [e.code for e in form.errors.as_data()["new_password2"]] == ["password_word_with_digits"]
    form = SetPasswordForm(
        user, {"new_password1": "mango lantern river seven", "new_password2": "mango lantern river seven"}
    )
    assert form.is_valid()


# --- error reports ---------------------------------------------------------------------------


def _raise_with_protected_locals():
    phone = SENDER  # noqa: F841 - read by the report
    name = NAME  # noqa: F841
    token = LOCAL_TOKEN  # noqa: F841
    payload = {"from": SENDER_LOCAL, "text": SMS_TEXT, "id": "gw-77"}  # noqa: F841
    note = f"call back {SENDER_LOCAL}"  # noqa: F841 - phone-shaped text under any name
    raise RuntimeError(f"intake failed for {SENDER}")


HIDDEN = [SENDER, SENDER_LOCAL, SENDER[1:], SMS_TEXT, NAME, LOCAL_TOKEN, HEADER_TOKEN]


@pytest.mark.parametrize("accept", ["text/html", "text/plain"])
def test_the_debug_error_page_hides_protected_values(rf, settings, accept):
    settings.DEBUG = True
    request = rf.post(
        f"/can/inbound/x/receive?q=%2B{SENDER[1:]}&from={SENDER_LOCAL}",
        {"from": SENDER, "text": SMS_TEXT, "id": "gw-77", "name": NAME},
        HTTP_X_GATEWAY_TOKEN=HEADER_TOKEN,
        HTTP_ACCEPT=accept,
    )
    try:
        _raise_with_protected_locals()
    except RuntimeError:
        response = technical_500_response(request, *sys.exc_info())
    page = response.content.decode()
    assert response.status_code == 500
    assert response["Content-Type"].startswith(accept)
    assert [value for value in HIDDEN if value in page] == []
    assert "_raise_with_protected_locals" in page and "gw-77" in page  # still a useful report
    assert "[phone]" in page and "********************" in page


@pytest.mark.django_db
def test_a_crashing_gateway_request_shows_no_sender_or_text_on_the_debug_page(settings, world, monkeypatch):
    from can import services
    from tests.factories import TOKEN, make_channel

    channel = make_channel(world.base, name="Uvira gateway")
    settings.DEBUG = True

    def crash(**kwargs):
        sender = kwargs["sender"]  # noqa: F841 - a local the report would show
        raise RuntimeError("the database said no")

    monkeypatch.setattr(services, "sms_receive", crash)  # the gateway view's service
    client = Client(raise_request_exception=False)
    response = client.post(
        f"/can/inbound/{channel.uid}/receive",
        {"from": SENDER, "text": SMS_TEXT, "id": "gw-78"},
        HTTP_X_GATEWAY_TOKEN=TOKEN,
        HTTP_ACCEPT="text/html",
    )
    page = response.content.decode()
    assert response.status_code == 500
    assert "the database said no" in page  # Django's technical page, not the site's 500 page
    assert [value for value in HIDDEN + [TOKEN] if value in page] == []


# --- headers ---------------------------------------------------------------------------------

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
PERMISSIONS = (
    "geolocation=(self), camera=(), microphone=(), payment=(), usb=(), serial=(), midi=(), "
    "accelerometer=(), gyroscope=(), magnetometer=(), display-capture=(), screen-wake-lock=(), "
    "xr-spatial-tracking=()"
)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/accounts/login/", "/api/v1/docs/", "/healthz"])
def test_every_response_carries_the_content_security_policy_and_the_permissions_policy(path):
    response = Client().get(path)
    assert sorted(response["Content-Security-Policy"].split("; ")) == sorted(CSP.split("; "))
    assert response["Permissions-Policy"] == PERMISSIONS
    assert "unsafe" not in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_the_api_docs_load_their_script_from_a_file():
    page = Client().get("/api/v1/docs/").content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, flags=re.S)
    assert [body.strip() for _attrs, body in scripts] == ["", "", ""]
    assert all('src="' in attrs for attrs, _body in scripts)
    assert "<style" not in page
    init = Client().get("/api/v1/docs/?script=")
    assert (init.status_code, init["Content-Type"]) == (200, "application/javascript")


INLINE = re.compile(r"<style|<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=|\sstyle\s*=|javascript:", re.IGNORECASE)


def test_no_template_holds_inline_script_or_style():
    templates = [
        path
        for pattern in ("templates/**/*.html", "*/templates/**/*.html")
        for path in ROOT.glob(pattern)
        if ".venv" not in path.parts
    ]
    assert len(templates) > 30
    offenders = {str(path.relative_to(ROOT)): INLINE.findall(path.read_text()) for path in templates}
    assert {path: found for path, found in offenders.items() if found} == {}
