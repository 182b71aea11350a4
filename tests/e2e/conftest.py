"""Browser tests: Playwright for Python driving Debian's Chromium (/usr/bin/chromium).

The browser is never downloaded: ``executable_path`` points at the Debian package, installed by
``make browser``. Django's ``live_server`` serves the app; Playwright's sync API runs an event loop
in this thread, so Django's async-safety guard is relaxed for these tests only.
"""

import os

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Debian's Chromium is missing at {CHROMIUM}: run `make browser`.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport={"width": 1024, "height": 800}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15000)
    page.base_url = live_server.url
    yield page
    context.close()


def totp_code(key: bytes, *, after_step: int = -1) -> str:
    """The code an authenticator app shows now for ``key``, or, when a code of this time step was
    already used (``after_step``, the device's ``last_t``), the next step's (the server accepts one
    step either side, and never the same step twice)."""
    import time

    from django_otp.oath import TOTP

    totp = TOTP(key)
    totp.time = time.time()
    if totp.t() <= after_step:
        totp.time = (after_step + 1) * totp.step + totp.t0
    return f"{totp.token():06d}"


def secret_on_page(page) -> bytes:
    """The key of the enrolment page, read as a person types it into an app."""
    import base64

    return base64.b32decode(page.locator("#totp-secret").inner_text().replace(" ", ""))


def enrol_on_page(page) -> list[str]:
    """Finish enrolment on the page shown: type the code for the key shown, keep the recovery
    codes, continue. Returns the recovery codes."""
    page.fill("#id_otp_token", totp_code(secret_on_page(page)))
    page.click("#otp-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    codes = page.locator("#recovery-codes code").all_inner_texts()
    page.click("#continue")
    page.wait_for_load_state("networkidle")
    return codes


def type_code(page, username: str) -> None:
    """At the code step, type the code of the user's authenticator, as the person would read it."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user__username=username, confirmed=True)
    page.fill("#id_otp_token", totp_code(device.bin_key, after_step=device.last_t))
    page.click("#otp-form button[type=submit]")
    page.wait_for_load_state("networkidle")


def login(page, username: str, password: str) -> None:
    """Sign in as a person does: the password, then the code step when the account has one
    (enrolling first if the role requires it and the account has no authenticator yet)."""
    page.goto(f"{page.base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit].primary")
    page.wait_for_load_state("networkidle")
    if "/accounts/two-factor/setup/" in page.url:
        enrol_on_page(page)
    elif "/accounts/two-factor/verify/" in page.url:
        type_code(page, username)


@pytest.fixture
def phone(browser, live_server):
    """``phone(language)``: a new 360 px wide page whose browser asks for ``language``."""
    contexts = []

    def open_page(language: str):
        context = browser.new_context(viewport={"width": 360, "height": 740}, locale=language)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        page.base_url = live_server.url
        return page

    yield open_page
    for context in contexts:
        context.close()


def open_account_menu(page) -> None:
    """The header's account menu (language, two-step login, log out), folded on every page."""
    if not page.locator("details.account").evaluate("d => d.open"):
        page.click("details.account summary")


def log_out(page) -> None:
    open_account_menu(page)
    page.click("form.logout button")
    page.wait_for_load_state("networkidle")


def speaking(user, language):
    """``user``, whose pages now come in ``language``."""
    user.preferred_language = language
    user.save(update_fields=["preferred_language"])
    return user
