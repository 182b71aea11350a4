"""Signing in: the login throttle, the second step (enrolment, codes, recovery codes), the rule that
an unverified session reaches nothing, and the session limits."""

import base64
import datetime
import time

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from can.models import Alert
from monusco.accounts import middleware as limits
from monusco.accounts.throttle import client_ip
from monusco.models import AuditLog
from tests.conftest import SignInAPIClient, SignInClient, give_authenticator
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
LOCKED_EN = (
    "Too many wrong passwords. For your security, signing in is blocked for 15 minutes for this account or "
    "this connection. Try again later, or ask an administrator to unlock it."
)
LOCKED_FR = (
    "Trop de mots de passe erronés. Par sécurité, la connexion est bloquée pendant 15 minutes pour ce compte "
    "ou cette connexion. Réessayez plus tard, ou demandez à un administrateur de la débloquer."
)
LOCKED_SW = (
    "Manenosiri yasiyo sahihi yamekuwa mengi mno. Kwa usalama wako, kuingia kumezuiwa kwa dakika 15 kwa akaunti "
    "hii au muunganisho huu. Jaribu tena baadaye, au muombe msimamizi aifungue."
)
PROTECTED = ["duty", "jpt", "gender", "manager", "admin"]


def post_login(client, username, password, *, ip="10.0.0.1", language="en", next_url=""):
    return client.post(
        LOGIN,
        {"username": username, "password": password, "next": next_url},
        REMOTE_ADDR=ip,
        HTTP_ACCEPT_LANGUAGE=language,
    )


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def code_for(device, *, step_offset: int = 0) -> str:
    totp = TOTP(device.bin_key)
    totp.time = time.time() + step_offset * 30
    return f"{totp.token():06d}"


# --- the throttle ----------------------------------------------------------------------------


def test_five_wrong_passwords_lock_the_username_and_the_right_one_is_then_refused(users):
    client = Client()
    answers = [post_login(client, "t-cla", "wrong-guess").status_code for _ in range(5)]
    assert answers == [200, 200, 200, 200, 429]
    response = post_login(client, "t-cla", PASSWORD)
    assert response.status_code == 429
    assert response.context["locked_out"] == LOCKED_EN
    assert LOCKED_EN in response.content.decode()
    assert not signed_in(client)


def test_the_username_lock_holds_from_any_address(users):
    client = Client()
    for _ in range(5):
        post_login(client, "t-cla", "wrong-guess", ip="10.0.0.1")
    assert post_login(client, "t-cla", PASSWORD, ip="10.9.9.9").status_code == 429
    assert not signed_in(client)
    # Another username from the first address is not locked: five failures are under the address's limit.
    assert post_login(client, "t-cla2", PASSWORD, ip="10.0.0.1").status_code == 302


def test_an_address_is_locked_after_twenty_failures_over_any_usernames(users):
    client = Client()
    answers = [post_login(client, f"guess-{n}", "wrong-guess", ip="10.0.0.7").status_code for n in range(20)]
    assert answers == [200] * 19 + [429]
    assert post_login(client, "t-cla", PASSWORD, ip="10.0.0.7").status_code == 429
    assert not signed_in(client)
    assert post_login(client, "t-cla", PASSWORD, ip="10.0.0.8").status_code == 302
    assert signed_in(client)


def test_signing_in_to_ones_own_account_does_not_reset_the_addresss_count(users):
    client = Client()
    for n in range(19):
        post_login(client, f"guess-{n}", "wrong-guess", ip="10.0.0.7")
    assert post_login(client, "t-cla", PASSWORD, ip="10.0.0.7").status_code == 302
    Client().post(reverse("logout"))
    assert post_login(Client(), "guess-19", "wrong-guess", ip="10.0.0.7").status_code == 429


def test_a_right_password_clears_the_usernames_own_failures(users):
    client = Client()
    for _ in range(4):
        post_login(client, "t-cla", "wrong-guess")
    assert post_login(client, "t-cla", PASSWORD).status_code == 302
    assert AccessAttempt.objects.filter(username="t-cla").count() == 0


def test_the_lock_lifts_after_the_cool_off(users):
    client = Client()
    for _ in range(5):
        post_login(client, "t-cla", "wrong-guess")
    assert post_login(client, "t-cla", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=16))
    assert post_login(client, "t-cla", PASSWORD).status_code == 302
    assert signed_in(client)


@pytest.mark.parametrize(("language", "message"), [("fr", LOCKED_FR), ("sw", LOCKED_SW), ("en", LOCKED_EN)])
def test_the_lock_is_explained_on_the_login_page_in_each_language(users, language, message):
    client = Client()
    for _ in range(5):
        response = post_login(client, "t-cla", "wrong-guess", language=language)
    assert response.status_code == 429
    assert response.context["locked_out"] == message
    assert response.templates[0].name == "registration/login.html"


@pytest.mark.parametrize(
    ("forwarded", "proxies", "expected"),
    [
        ("", 0, "10.0.0.1"),
        ("203.0.113.5", 0, "10.0.0.1"),  # no trusted proxy: the header is the client's to forge
        ("203.0.113.5", 1, "203.0.113.5"),
        ("198.51.100.1, 203.0.113.5", 1, "203.0.113.5"),  # the client put the first one there itself
        ("198.51.100.1, 203.0.113.5", 2, "198.51.100.1"),
        ("not-an-address", 1, "10.0.0.1"),
    ],
)
def test_the_client_address_is_read_behind_the_trusted_proxies_only(rf, settings, forwarded, proxies, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


# --- the second step -------------------------------------------------------------------------


@pytest.mark.parametrize("role", PROTECTED)
def test_a_protected_role_without_an_authenticator_goes_to_enrolment_after_the_password(users, role):
    client = Client()
    response = post_login(client, users[role].username, PASSWORD, next_url="/gender/queue/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/two-factor/setup/?next=%2Fgender%2Fqueue%2F"
    assert signed_in(client)
    assert DEVICE_ID_SESSION_KEY not in client.session


def test_a_cla_without_an_authenticator_signs_in_with_the_password_alone(users):
    client = Client()
    response = post_login(client, "t-cla", PASSWORD)
    assert (response.status_code, response["Location"]) == (302, "/")
    assert client.get("/cla/").status_code == 200


# Pages (each role's own), the admin, and the session API; an unverified session reaches none.
HELD_PAGES = [
    "/",
    "/cla/",
    "/can/inbox/",
    "/can/alerts/new/",
    "/gender/queue/",
    "/gender/dashboard/",
    "/admin/",
    "/admin/jpt/jptmission/",
    "/admin/gender/review/",
    "/jpt/",
    "/accounts/two-factor/",
]
HELD_API = ["/api/v1/alerts/", "/api/v1/meetings/", "/api/v1/localities/", "/api/v1/schema/"]


@pytest.mark.parametrize("role", PROTECTED)
def test_an_unverified_protected_session_is_refused_everywhere(world, users, role):
    client = SignInClient()
    client.force_login(users[role], second_step=False)
    for path in HELD_PAGES:
        response = client.get(path)
        assert (path, response.status_code, response["Location"]) == (
            path,
            302,
            f"/accounts/two-factor/setup/?next={path.replace('/', '%2F')}",
        )
    api = SignInAPIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_login(users[role], second_step=False)
    for path in HELD_API:
        response = api.get(path)
        assert (path, response.status_code, response.json()) == (
            path,
            403,
            {"detail": "Finish signing in first: enter the code from your authenticator app."},
        )


def test_an_unverified_session_changes_nothing(world, users):
    client = SignInClient()
    give_authenticator(users["duty"])
    client.force_login(users["duty"], second_step=False)
    api = SignInAPIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_login(users["duty"], second_step=False)
    before = (Alert.objects.count(), AuditLog.objects.count())
    response = client.post(
        "/can/alerts/new/",
        {
            "locality": world.sange.pk,
            "threat_category": "armed_attack",
            "account": "Des hommes armés",
            "channel": "phone",
        },
    )
    assert (response.status_code, response["Location"]) == (
        302,
        "/accounts/two-factor/verify/?next=%2Fcan%2Falerts%2Fnew%2F",
    )
    response = api.post("/api/v1/alerts/", {"idempotency_key": "k-1"}, format="json")
    assert response.status_code == 403
    assert (Alert.objects.count(), AuditLog.objects.count()) == before


def test_the_admin_signs_in_through_the_same_two_steps(world, users):
    client = Client()
    response = client.get("/admin/")
    assert response["Location"] == "/admin/login/?next=/admin/"
    response = client.get(response["Location"])
    assert (response.status_code, response["Location"]) == (302, "/accounts/login/?next=/admin/")
    device = give_authenticator(users["admin"])
    response = post_login(client, "t-admin", PASSWORD, next_url="/admin/")
    assert response["Location"] == "/accounts/two-factor/verify/?next=%2Fadmin%2F"
    assert client.get("/admin/").status_code == 302
    response = client.post(response["Location"], {"otp_token": code_for(device), "next": "/admin/"})
    assert (response.status_code, response["Location"]) == (302, "/admin/")
    assert client.get("/admin/").status_code == 200


def test_enrolment_shows_a_qr_code_and_the_secret_then_confirms_with_a_code(world, users):
    client = Client()
    post_login(client, "t-duty", PASSWORD, next_url="/can/inbox/")
    setup = "/accounts/two-factor/setup/?next=%2Fcan%2Finbox%2F"
    page = client.get(setup, HTTP_ACCEPT_LANGUAGE="en")
    device = TOTPDevice.objects.get(user=users["duty"])
    assert device.confirmed is False
    html = page.content.decode()
    assert '<svg viewBox="0 0 ' in html and 'class="qr-code"' in html and "<script" not in html
    secret = page.context["secret"]
    assert base64.b32decode(secret.replace(" ", "")) == device.bin_key
    assert client.get(setup).context["secret"] == secret  # the same pending device on every visit

    wrong = client.post(setup, {"otp_token": "000000" if code_for(device) != "000000" else "111111"})
    assert wrong.status_code == 200
    assert wrong.context["form"].non_field_errors() == [
        "This code is not right. Check that the phone's time is correct, and type the code the app shows now."
    ]
    assert client.get("/can/inbox/").status_code == 302

    device.refresh_from_db()
    device.throttle_reset()
    response = client.post(setup, {"otp_token": code_for(device), "next": "/can/inbox/"})
    assert (response.status_code, response["Location"]) == (
        302,
        "/accounts/two-factor/recovery-codes/?next=%2Fcan%2Finbox%2F",
    )
    device.refresh_from_db()
    assert device.confirmed is True
    shown = client.get(response["Location"])
    codes = shown.context["codes"]
    assert sorted(codes) == sorted(
        StaticToken.objects.filter(device__user=users["duty"]).values_list("token", flat=True)
    )
    assert len(set(codes)) == 10
    assert client.get(response["Location"]).context["codes"] is None  # shown once
    assert client.get("/can/inbox/").status_code == 200
    assert sorted(AuditLog.objects.filter(model__startswith="otp_").values_list("model", "action")) == [
        ("otp_static.staticdevice", "create"),
        *[("otp_static.statictoken", "create")] * 10,
        ("otp_totp.totpdevice", "create"),
        ("otp_totp.totpdevice", "update"),
    ]
    # The recovery codes themselves never reach the log: each row names the token by its key.
    assert not AuditLog.objects.filter(object_repr__in=codes).exists()


def test_a_code_signs_in_and_a_wrong_code_does_not(world, users):
    device = give_authenticator(users["gender"])
    client = Client()
    response = post_login(client, "t-gender", PASSWORD, next_url="/gender/queue/")
    verify = response["Location"]
    wrong = client.post(verify, {"otp_token": "12345", "next": "/gender/queue/"}, HTTP_ACCEPT_LANGUAGE="en")
    assert wrong.status_code == 200
    assert wrong.context["form"].non_field_errors() == [
        "This code is not right. Type the code your authenticator app shows now, or one of your recovery codes."
    ]
    assert client.get("/gender/queue/")["Location"] == "/accounts/two-factor/verify/?next=%2Fgender%2Fqueue%2F"
    assert DEVICE_ID_SESSION_KEY not in client.session

    response = client.post(verify, {"otp_token": code_for(device), "next": "/gender/queue/"})
    assert (response.status_code, response["Location"]) == (302, "/gender/queue/")
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.get("/gender/queue/").status_code == 200


def test_the_same_code_does_not_sign_in_twice(world, users):
    device = give_authenticator(users["gender"])
    code = code_for(device)
    first, second = Client(), Client()
    for client in (first, second):
        post_login(client, "t-gender", PASSWORD)
    assert first.post("/accounts/two-factor/verify/", {"otp_token": code})["Location"] == "/"
    assert second.post("/accounts/two-factor/verify/", {"otp_token": code}).status_code == 200
    assert DEVICE_ID_SESSION_KEY not in second.session


def test_wrong_codes_make_the_next_try_wait(world, users):
    device = give_authenticator(users["manager"])
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_count=10, throttling_failure_timestamp=timezone.now()
    )
    client = Client()
    post_login(client, "t-manager", PASSWORD)
    response = client.post("/accounts/two-factor/verify/", {"otp_token": code_for(device)}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    [message] = response.context["form"].non_field_errors()
    assert message.startswith("Too many wrong codes. Wait until ")
    assert DEVICE_ID_SESSION_KEY not in client.session


def test_a_recovery_code_signs_in_once(world, users):
    device = give_authenticator(users["jpt"])
    static = StaticDevice.objects.create(user=users["jpt"], name="recovery codes")
    static.token_set.create(token="abcd2345")
    static.token_set.create(token="efgh6723")
    client = Client()
    post_login(client, "t-jpt", PASSWORD)
    response = client.post("/accounts/two-factor/verify/", {"otp_token": "ABCD-2345"})
    assert response["Location"] == "/"
    assert client.session[DEVICE_ID_SESSION_KEY] == static.persistent_id
    assert client.get("/admin/jpt/jptmission/").status_code == 200
    assert list(static.token_set.values_list("token", flat=True)) == ["efgh6723"]

    again = Client()
    post_login(again, "t-jpt", PASSWORD)
    assert again.post("/accounts/two-factor/verify/", {"otp_token": "abcd2345"}).status_code == 200
    assert DEVICE_ID_SESSION_KEY not in again.session
    assert device.persistent_id != static.persistent_id


def test_removing_the_device_ends_its_verified_sessions(world, users):
    client = SignInClient()
    client.force_login(users["duty"])
    assert client.get("/can/inbox/").status_code == 200
    TOTPDevice.objects.filter(user=users["duty"]).delete()
    assert client.get("/can/inbox/")["Location"] == "/accounts/two-factor/setup/?next=%2Fcan%2Finbox%2F"


def test_a_cla_may_enrol_and_is_then_asked_for_a_code(world, users):
    client = SignInClient()
    client.force_login(users["cla"])
    assert client.get("/accounts/two-factor/").context["enabled"] is False
    client.get("/accounts/two-factor/setup/")
    device = TOTPDevice.objects.get(user=users["cla"])
    client.post("/accounts/two-factor/setup/", {"otp_token": code_for(device)})
    assert client.get("/accounts/two-factor/").context["enabled"] is True

    fresh = Client()
    response = post_login(fresh, "t-cla", PASSWORD, next_url="/cla/")
    assert response["Location"] == "/accounts/two-factor/verify/?next=%2Fcla%2F"
    assert fresh.get("/cla/").status_code == 302


def test_a_cla_may_turn_it_off_and_a_protected_role_may_not(world, users):
    for who in ("cla", "duty"):
        give_authenticator(users[who])
        client = SignInClient()
        client.force_login(users[who])
        client.post("/accounts/two-factor/off/")
    assert list(TOTPDevice.objects.values_list("user__username", flat=True)) == ["t-duty"]


def test_a_new_set_of_recovery_codes_replaces_the_old_one(world, users):
    client = SignInClient()
    client.force_login(users["manager"])
    old = StaticDevice.objects.create(user=users["manager"], name="recovery codes")
    old.token_set.create(token="oldcode2")
    response = client.post("/accounts/two-factor/recovery-codes/")
    codes = client.get(response["Location"]).context["codes"]
    assert sorted(StaticToken.objects.values_list("token", flat=True)) == sorted(codes)
    assert len(codes) == 10 and "oldcode2" not in codes


def test_the_second_step_adds_no_query_to_a_page(world, users, django_assert_num_queries):
    """The devices and the role are read with the user, in the query every page makes anyway."""
    password_only, verified = SignInClient(), SignInClient()
    password_only.force_login(users["cla"])
    verified.force_login(users["manager"])
    # session, user (with devices and role), the request's savepoint, the recovery codes count, release
    with django_assert_num_queries(5):
        assert password_only.get("/accounts/two-factor/").status_code == 200
    with django_assert_num_queries(5):
        assert verified.get("/accounts/two-factor/").status_code == 200


# --- session limits --------------------------------------------------------------------------


def _age_session(client, *, idle=0, since_login=0):
    session = client.session
    now = int(time.time())
    session[limits.SEEN_AT] = now - idle
    session[limits.AUTH_AT] = now - since_login
    session.save()


@pytest.mark.parametrize("role", PROTECTED)
def test_a_protected_session_ends_after_thirty_idle_minutes(world, users, role):
    client = SignInClient()
    client.force_login(users[role])
    _age_session(client, idle=29 * 60, since_login=29 * 60)
    assert client.get("/accounts/two-factor/").status_code == 200
    assert client.session[limits.SEEN_AT] >= int(time.time()) - 5  # the request counted as activity
    _age_session(client, idle=30 * 60 + 1, since_login=40 * 60)
    response = client.get("/accounts/two-factor/", HTTP_ACCEPT_LANGUAGE="en")
    assert (response.status_code, response["Location"]) == (302, "/accounts/login/?next=%2Faccounts%2Ftwo-factor%2F")
    assert not signed_in(client)
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en")
    assert [str(m) for m in page.context["messages"]] == [
        "You were signed out after 30 minutes without activity. Please sign in again."
    ]


def test_an_idle_cla_stays_signed_in_until_the_session_lifetime(world, users):
    client = SignInClient()
    client.force_login(users["cla"])
    _age_session(client, idle=11 * 3600, since_login=11 * 3600)
    assert client.get("/cla/").status_code == 200
    _age_session(client, idle=60, since_login=12 * 3600 + 1)
    response = client.get("/cla/", HTTP_ACCEPT_LANGUAGE="en")
    assert response["Location"] == "/accounts/login/?next=%2Fcla%2F"
    assert not signed_in(client)


def test_an_ended_session_answers_the_api_in_json(world, users):
    client = SignInAPIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(users["manager"])
    _age_session(client, idle=31 * 60, since_login=31 * 60)
    response = client.get("/api/v1/alerts/")
    assert (response.status_code, response.json()) == (
        401,
        {"detail": "You were signed out after 30 minutes without activity. Please sign in again."},
    )


def test_activity_is_written_at_most_once_a_minute(world, users, django_assert_num_queries):
    client = SignInClient()
    client.force_login(users["manager"])
    _age_session(client, idle=10)
    seen = client.session[limits.SEEN_AT]
    client.get("/accounts/two-factor/")
    assert client.session[limits.SEEN_AT] == seen
    _age_session(client, idle=61)
    client.get("/accounts/two-factor/")
    assert client.session[limits.SEEN_AT] > seen


def test_the_session_cookie_lasts_the_session_lifetime(settings):
    assert settings.SESSION_COOKIE_AGE == 12 * 3600
    assert (settings.SESSION_LIFETIME_HOURS, settings.SESSION_IDLE_MINUTES) == (12, 30)


def test_demo_users_of_protected_roles_enrol_on_first_login():
    from django.core.management import call_command

    call_command("seed_demo", verbosity=0)
    client = Client()
    assert post_login(client, "demo-duty", "monusco-demo")["Location"] == "/accounts/two-factor/setup/?next=%2F"
    assert post_login(Client(), "demo-cla", "monusco-demo")["Location"] == "/"


def test_a_recovery_code_without_an_authenticator_leads_to_setting_up_a_new_one(world, users):
    static = StaticDevice.objects.create(user=users["duty"], name="recovery codes")
    static.token_set.create(token="abcd2345")
    client = Client()
    response = post_login(client, "t-duty", PASSWORD, next_url="/can/inbox/")
    assert response["Location"] == "/accounts/two-factor/verify/?next=%2Fcan%2Finbox%2F"
    response = client.post(response["Location"], {"otp_token": "abcd2345", "next": "/can/inbox/"})
    assert response["Location"] == "/accounts/two-factor/setup/?next=%2Fcan%2Finbox%2F"
    assert client.get("/can/inbox/").status_code == 200


@pytest.mark.django_db
def test_an_administrator_may_remove_a_device_in_the_admin_and_the_removal_is_audited(world, users):
    device = TOTPDevice.objects.create(user=users["cla"], name="lost phone", confirmed=True)
    admin_client = SignInClient()
    admin_client.force_login(users["admin"])
    url = reverse("admin:otp_totp_totpdevice_delete", args=[device.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    assert list(
        AuditLog.objects.filter(model="otp_totp.totpdevice", object_pk=str(device.pk)).values_list("action", "actor_id")
    ) == [(AuditLog.Action.DELETE, users["admin"].pk)]
    # No one else opens the page, and nothing is added or edited there, even by an administrator.
    other = TOTPDevice.objects.create(user=users["cla"], name="phone", confirmed=True)
    manager = SignInClient()
    manager.force_login(users["manager"])
    assert (
        manager.post(reverse("admin:otp_totp_totpdevice_delete", args=[other.pk]), {"post": "yes"}).status_code == 403
    )
    assert TOTPDevice.objects.filter(pk=other.pk).exists()
    assert admin_client.get(reverse("admin:otp_totp_totpdevice_add")).status_code == 403


def test_the_inboxs_own_check_for_new_alerts_does_not_keep_a_protected_session_alive(world, users):
    client = SignInClient()
    client.force_login(users["duty"])
    page = client.get("/can/inbox/").content.decode()
    start = page.index('data-url="') + len('data-url="')
    url = page[start : page.index('"', start)].replace("&amp;", "&")
    assert url.startswith("/can/inbox/new?since=") and url.endswith("&auto=1")
    _age_session(client, idle=29 * 60, since_login=29 * 60)
    seen = client.session[limits.SEEN_AT]
    assert client.get(url).status_code == 200
    assert client.session[limits.SEEN_AT] == seen  # the check is not activity
    _age_session(client, idle=30 * 60 + 1, since_login=31 * 60)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=%2Fcan%2Finbox%2Fnew%3Fsince%3D")
    assert not signed_in(client)


def test_a_person_opening_the_inbox_is_activity(world, users):
    client = SignInClient()
    client.force_login(users["duty"])
    _age_session(client, idle=29 * 60, since_login=29 * 60)
    assert client.get("/can/inbox/").status_code == 200
    assert client.session[limits.SEEN_AT] >= int(time.time()) - 5
