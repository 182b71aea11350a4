"""Phone numbers a sender types in an SMS ("rappelez-moi au 0990100001"), or staff type in the
notes, show in clear only to the alert's base: the alert page, its history, the inbox, the admin
change page and the gender review page mask them for everyone else; the API masks them for all."""

import pytest

from can import services
from can.models import Alert
from monusco.api.resources import Resource
from monusco.api.services import api_client_create
from tests.agreements import agreement_in_force
from tests.api.conftest import session_client, token_client
from tests.factories import PASSWORD, TOKEN

pytestmark = pytest.mark.django_db

TEXT = "Attaque à Sange, rappelez-moi au 0990100001"
NOTES = {
    "verification": "Joint le chef au +243 990 100 002",
    "response": "Escorte; appeler 0990-100-004",
    "closing": "Clos. Contact sur place (0990) 100 003",
}
DIGITS = ["990100001", "990 100 002", "990-100-004", "100 003"]
CLEAR = {"cla", "duty"}


def _login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def _numbers(html: str) -> list[str]:
    return [digits for digits in DIGITS if digits in html]


@pytest.fixture
def sms_alert(client, channel, users, world):
    response = client.post(
        f"/can/inbound/{channel.uid}/receive",
        {"from": "+243812000111", "text": TEXT, "id": "gw-77"},
        HTTP_X_GATEWAY_TOKEN=TOKEN,
    )
    assert response.status_code == 200
    return Alert.objects.get(uid=response.json()["alert"])


def _close(alert, user, world):
    alert = services.alert_acknowledge(alert=alert, user=user)
    alert = services.alert_verify(
        alert=alert, user=user, note=NOTES["verification"], locality=world.sange, threat_category="armed_attack"
    )
    alert = services.alert_dispatch_response(alert=alert, user=user, response_type="escort", note=NOTES["response"])
    return services.alert_close(alert=alert, user=user, outcome="addressed", note=NOTES["closing"])


def test_the_inbox_masks_numbers_outside_the_base(client, sms_alert, users):
    assert sms_alert.description == TEXT and sms_alert.raw_text == TEXT
    for role, shown in (("duty", ["990100001"]), ("cla", ["990100001"]), ("admin", [])):
        _login(client, users[role])
        html = client.get("/can/inbox/").content.decode()
        assert (role, _numbers(html), "rappelez-moi au [phone]" in html) == (role, shown, not shown)


@pytest.mark.parametrize("role", ["cla", "duty", "jpt", "gender", "manager", "admin"])
def test_the_alert_page_and_its_history_mask_numbers_outside_the_base(client, sms_alert, users, world, role):
    _close(sms_alert, users["duty"], world)
    _login(client, users[role])
    html = client.get(f"/can/alerts/{sms_alert.uid}/").content.decode()
    if role in CLEAR:
        assert _numbers(html) == DIGITS
        assert "[phone]" not in html
    else:
        assert _numbers(html) == []
        # description, verification, response and closing notes, each also in the history's notes
        assert "rappelez-moi au [phone]" in html
        assert html.count("[phone]") == 1 + 2 * 3


@pytest.mark.parametrize("role", ["cla", "duty", "jpt", "gender", "manager", "admin"])
def test_the_admin_change_page_masks_numbers_outside_the_base_and_never_saves_them(
    client, sms_alert, users, world, role
):
    _close(sms_alert, users["duty"], world)
    _login(client, users[role])
    response = client.get(f"/admin/can/alert/{sms_alert.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    if role in CLEAR:
        assert _numbers(html) == DIGITS
    else:
        assert _numbers(html) == []
        # description and raw text, the three notes, and the notes in the history inline
        assert html.count("[phone]") == 2 + 3 + 3
        assert 'name="description"' not in html  # shown masked, never an editable field
    changelist = client.get("/admin/can/alert/", {"q": sms_alert.short_id}).content.decode()
    assert _numbers(changelist) == []


def test_the_gender_review_page_masks_the_report(client, sms_alert, users, world):
    _close(sms_alert, users["duty"], world)
    sms_alert.refresh_from_db()
    assert sms_alert.review_status == "submitted"
    for role in ("gender", "admin"):
        _login(client, users[role])
        response = client.get(f"/gender/review/alert/{sms_alert.uid}/")
        assert response.status_code == 200
        html = response.content.decode()
        assert (role, _numbers(html)) == (role, [])
        assert "rappelez-moi au [phone]" in html
        assert "Joint le chef au [phone]" in html


def test_the_api_masks_numbers_for_everyone_in_every_format(sms_alert, users, world):
    _client, key = api_client_create(
        agreement=agreement_in_force(), name="SAGE", provinces=[world.south], resources=[Resource.ALERTS]
    )
    for client in (token_client(key), session_client(users["duty"]), session_client(users["manager"])):
        for fmt in ("json", "csv", "geojson"):
            body = client.get(f"/api/v1/alerts/?format={fmt}").content.decode()
            assert (fmt, _numbers(body), "rappelez-moi au [phone]" in body) == (fmt, [], True)


@pytest.mark.parametrize("role,shown", [("duty", True), ("gender", True), ("manager", False), ("jpt", False)])
def test_the_history_notes_of_a_sexual_violence_alert_are_need_to_know(client, sms_alert, users, world, role, shown):
    alert = services.alert_acknowledge(alert=sms_alert, user=users["duty"])
    services.alert_verify(
        alert=alert,
        user=users["duty"],
        note=NOTES["verification"],
        locality=world.sange,
        threat_category="sexual_violence",
    )
    _login(client, users[role])
    page = client.get(f"/can/alerts/{sms_alert.uid}/").content.decode()
    admin = client.get(f"/admin/can/alert/{sms_alert.pk}/change/").content.decode()
    assert (role, "Joint le chef" in page, "Joint le chef" in admin) == (role, shown, shown)
