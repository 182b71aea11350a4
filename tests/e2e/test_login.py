"""Signing in on a phone, in French and in Swahili: enrolment in two-step login, a code, a wrong
code, a recovery code used once, and the lock after repeated wrong passwords."""

import pytest

from monusco.accounts import services
from tests.conftest import give_authenticator
from tests.e2e.conftest import log_out, login, secret_on_page, totp_code, type_code
from tests.factories import PASSWORD, make_user

TEXT = {
    "fr": {
        "setup": "Configurer la connexion en deux étapes",
        "codes": "Codes de secours",
        "verify": "Connexion en deux étapes",
        "wrong": "Ce code n'est pas correct. Saisissez le code que votre application d'authentification affiche "
        "maintenant, ou l'un de vos codes de secours.",
        "used": "Vous vous êtes connecté avec un code de secours ; il ne peut plus être utilisé.",
        "locked": "Trop de mots de passe erronés. Par sécurité, la connexion est bloquée pendant 15 minutes pour ce "
        "compte ou cette connexion. Réessayez plus tard, ou demandez à un administrateur de la débloquer.",
        "login": "Se connecter",
    },
    "sw": {
        "setup": "Weka kuingia kwa hatua mbili",
        "codes": "Misimbo ya dharura",
        "verify": "Kuingia kwa hatua mbili",
        "wrong": "Msimbo huu si sahihi. Andika msimbo ambao programu yako ya uthibitishaji inaonyesha sasa, au mmoja "
        "wa misimbo yako ya dharura.",
        "used": "Umeingia kwa msimbo wa dharura; hauwezi kutumika tena.",
        "locked": "Manenosiri yasiyo sahihi yamekuwa mengi mno. Kwa usalama wako, kuingia kumezuiwa kwa dakika 15 kwa "
        "akaunti hii au muunganisho huu. Jaribu tena baadaye, au muombe msimamizi aifungue.",
        "login": "Ingia",
    },
}
LANGUAGES = ["fr", "sw"]


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 360


def type_password(page, username, password):
    page.goto(f"{page.base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit].primary")
    page.wait_for_load_state("networkidle")


@pytest.mark.django_db(transaction=True)
def test_user_with_no_role_logs_in_and_sees_welcome(page, world):
    make_user(None, username="e2e-norole", first_name="Aline", last_name="Zawadi")
    login(page, "e2e-norole", PASSWORD)
    # The user's saved language (English, from the factory) applies once signed in.
    assert page.locator("h1").inner_text() == "Welcome, Aline Zawadi"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_duty_officer_enrols_then_signs_in_with_a_code(phone, world, language):
    make_user("duty_officer", base=world.base, username="e2e-duty", preferred_language=language)
    page = phone(language)
    type_password(page, "e2e-duty", PASSWORD)
    # Sent to enrolment, and nothing else is reachable meanwhile.
    assert "/accounts/two-factor/setup/" in page.url
    assert page.locator("h1").inner_text() == TEXT[language]["setup"]
    qr = page.locator("svg.qr-code").bounding_box()
    assert 100 <= qr["width"] <= 360 and qr["x"] >= 0
    assert len(secret_on_page(page)) == 20  # the 160-bit key, readable to type by hand
    assert fits_the_screen(page)
    page.goto(f"{page.base_url}/can/inbox/")
    assert "/accounts/two-factor/setup/" in page.url

    page.fill("#id_otp_token", totp_code(secret_on_page(page)))
    page.click("#otp-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/accounts/two-factor/recovery-codes/" in page.url
    assert page.locator("h1").inner_text() == TEXT[language]["codes"]
    codes = page.locator("#recovery-codes code").all_inner_texts()
    assert len(codes) == 10 and len(set(codes)) == 10
    assert fits_the_screen(page)
    page.click("#continue")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/can/inbox/")

    log_out(page)
    type_password(page, "e2e-duty", PASSWORD)
    assert "/accounts/two-factor/verify/" in page.url
    assert page.locator("h1").inner_text() == TEXT[language]["verify"]
    assert fits_the_screen(page)
    type_code(page, "e2e-duty")
    assert page.url.endswith("/can/inbox/")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_wrong_code_is_refused_with_a_clear_message(phone, world, language):
    user = make_user("gender_reviewer", province=world.south, username="e2e-gender", preferred_language=language)
    give_authenticator(user)
    page = phone(language)
    type_password(page, "e2e-gender", PASSWORD)
    page.fill("#id_otp_token", "000000")
    page.click("#otp-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("#otp-error").inner_text() == TEXT[language]["wrong"]
    assert fits_the_screen(page)
    page.goto(f"{page.base_url}/gender/queue/")
    assert "/accounts/two-factor/verify/" in page.url
    page.goto(f"{page.base_url}/api/v1/reviews/")
    assert page.locator("body").inner_text().startswith('{"detail":')


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_recovery_code_signs_in_once(phone, world, language):
    user = make_user("manager", province=world.south, username="e2e-manager", preferred_language=language)
    give_authenticator(user)
    code = services.recovery_codes_regenerate(user=user)[0]
    page = phone(language)
    type_password(page, "e2e-manager", PASSWORD)
    page.fill("#id_otp_token", code.upper())
    page.click("#otp-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/gender/dashboard/")
    assert page.locator("ul.messages li").all_inner_texts() == [TEXT[language]["used"]]

    log_out(page)
    type_password(page, "e2e-manager", PASSWORD)
    page.fill("#id_otp_token", code)
    page.click("#otp-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/accounts/two-factor/verify/" in page.url
    assert page.locator("#otp-error").inner_text() == TEXT[language]["wrong"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", LANGUAGES)
def test_repeated_wrong_passwords_lock_the_login(phone, world, language):
    make_user("cla", base=world.base, username="e2e-cla", preferred_language=language)
    page = phone(language)
    for _ in range(5):
        type_password(page, "e2e-cla", "not-the-password")
    assert page.locator("#login-locked").inner_text() == TEXT[language]["locked"]
    assert page.locator("h1").inner_text() == TEXT[language]["login"]
    assert fits_the_screen(page)
    type_password(page, "e2e-cla", PASSWORD)
    assert "/accounts/login/" in page.url
    assert page.locator("#login-locked").inner_text() == TEXT[language]["locked"]
