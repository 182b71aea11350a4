"""The duty officer's inbox as a person uses it: the check for new alerts (no reload), the close
that asks to be confirmed, ages that read well, and a message that says what each step did."""

import datetime
import json

import pytest
from django.utils import timezone, translation

from can.ages import age_text
from can.inbox_views import _since_token
from can.models import Alert, AlertEvent, AlertStatus
from tests.factories import PASSWORD, make_alert

pytestmark = pytest.mark.django_db


def login(client, user, language=None):
    if language:
        user.preferred_language = language
        user.save(update_fields=["preferred_language"])
    assert client.login(username=user.username, password=PASSWORD)


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --- ages --------------------------------------------------------------------------------------

NOW = datetime.datetime(2026, 12, 2, 10, 30, tzinfo=datetime.UTC)  # 12:30 in Lubumbashi


@pytest.mark.parametrize(
    ("ago", "en", "fr", "sw"),
    [
        (datetime.timedelta(seconds=40), "just now", "à l'instant", "sasa hivi"),
        (datetime.timedelta(minutes=7), "7 min ago", "il y a 7 min", "tangu dakika 7"),
        (datetime.timedelta(minutes=59), "59 min ago", "il y a 59 min", "tangu dakika 59"),
        (datetime.timedelta(minutes=60), "1 h 0 min ago", "il y a 1 h 0 min", "tangu masaa 1 na dakika 0"),
        (
            datetime.timedelta(minutes=11 * 60 + 59),
            "11 h 59 min ago",
            "il y a 11 h 59 min",
            "tangu masaa 11 na dakika 59",
        ),
        (datetime.timedelta(hours=12), "today 00:30", "aujourd'hui 00:30", "leo 00:30"),
        (datetime.timedelta(minutes=924), "yesterday 21:06", "hier 21:06", "jana 21:06"),
        (datetime.timedelta(days=2, hours=3), "30/11/2026 09:30", "30/11/2026 09:30", "30/11/2026 09:30"),
        (-datetime.timedelta(minutes=3), "just now", "à l'instant", "sasa hivi"),  # a clock a little ahead
    ],
)
def test_an_age_reads_as_a_duration_then_as_the_day_and_local_time(ago, en, fr, sw):
    for language, expected in (("en", en), ("fr", fr), ("sw", sw)):
        with translation.override(language):
            assert age_text(NOW - ago, NOW) == expected


# --- the check for new alerts ------------------------------------------------------------------


def test_the_inbox_never_reloads_itself_and_gives_its_script_the_moment_it_was_read(client, world, users):
    login(client, users["duty"])
    before = timezone.now()
    html = client.get("/can/inbox/").content.decode()
    assert "http-equiv" not in html
    start = html.index('data-url="/can/inbox/new?since=') + len('data-url="/can/inbox/new?since=')
    since = int(html[start : html.index("&amp;auto=1", start)])
    assert int(before.timestamp() * 1_000_000) <= since <= int(timezone.now().timestamp() * 1_000_000)
    assert 'data-seconds="30"' in html
    assert '<p id="inbox-news" class="news" role="status" hidden' in html


def test_the_check_counts_open_alerts_of_the_users_bases_written_since_the_page(client, world, users):
    make_alert(world.base)
    since = _since_token(timezone.now())
    login(client, users["duty"])
    url = f"/can/inbox/new?since={since}&auto=1"
    response = client.get(url)
    assert (response.status_code, json.loads(response.content), response["Cache-Control"]) == (
        200,
        {"new": 0},
        "no-store",
    )
    make_alert(world.base)
    make_alert(world.base, status=AlertStatus.CALLBACK_NEEDED)
    make_alert(world.base, status=AlertStatus.CLOSED)  # not open: not news
    make_alert(world.other_base)  # another base's: not this officer's
    assert json.loads(client.get(url).content) == {"new": 2}


def test_the_check_answers_each_role_within_its_scope(client, world, users):
    since = _since_token(timezone.now())
    make_alert(world.base)
    url = f"/can/inbox/new?since={since}&auto=1"
    expected = {"duty": (200, {"new": 1}), "cla2": (200, {"new": 0}), "jpt": (403, None), "gender": (403, None)}
    for role, (status, body) in expected.items():
        client.logout()
        login(client, users[role])
        response = client.get(url)
        assert response.status_code == status, role
        if body is not None:
            assert json.loads(response.content) == body
    client.logout()
    response = client.get(url)
    assert (response.status_code, response["Location"].startswith("/accounts/login/")) == (302, True)


@pytest.mark.parametrize(
    "since", ["", "abc", "-5", "1e9", "99999999999999999999", "946684799999999", "１２３", str(2**63)]
)
def test_the_check_refuses_what_is_not_a_moment_the_page_gave(client, world, users, since):
    login(client, users["duty"], language="fr")
    response = client.get("/can/inbox/new", {"since": since, "auto": "1"})
    assert response.status_code == 400
    assert json.loads(response.content) == {"error": "« since » doit être le moment où la boîte des alertes a été lue."}


def test_a_moment_a_day_ahead_is_refused_and_one_from_2000_is_read(client, world, users):
    login(client, users["duty"])
    ahead = _since_token(timezone.now() + datetime.timedelta(days=1, minutes=1))
    assert client.get("/can/inbox/new", {"since": ahead}).status_code == 400
    make_alert(world.base)
    response = client.get("/can/inbox/new", {"since": "946684800000000"})  # 2000-01-01 00:00 UTC
    assert json.loads(response.content) == {"new": 1}


# --- closing asks to confirm -----------------------------------------------------------------


def test_closing_shows_the_chosen_outcome_to_confirm_and_changes_nothing_until_then(client, world, users):
    alert = make_alert(world.base, status=AlertStatus.VERIFIED, locality=world.sange)
    login(client, users["duty"], language="fr")
    response = client.post(f"/can/alerts/{alert.uid}/close", {"outcome": "false_alarm", "note": "Rumeur"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "L'alerte sera clôturée comme « Fausse alerte »." in html
    assert '<input type="hidden" name="confirm" value="1">' in html
    assert '<input type="hidden" name="outcome" value="false_alarm">' in html
    assert '<input type="hidden" name="note" value="Rumeur">' in html
    assert f'<a class="button" href="/can/alerts/{alert.uid}/">Non, la garder ouverte</a>' in html
    alert.refresh_from_db()
    assert (alert.status, alert.outcome, alert.closed_at, AlertEvent.objects.filter(alert=alert).count()) == (
        AlertStatus.VERIFIED,
        "",
        None,
        0,
    )
    response = client.post(
        f"/can/alerts/{alert.uid}/close", {"outcome": "false_alarm", "note": "Rumeur", "confirm": "1"}, follow=True
    )
    assert response.redirect_chain == [(f"/can/alerts/{alert.uid}/", 302)]
    assert _messages(response) == [f"Alerte {alert.short_id} clôturée : Fausse alerte."]
    alert.refresh_from_db()
    assert (alert.status, alert.outcome, alert.closing_note, alert.closed_by) == (
        AlertStatus.CLOSED,
        "false_alarm",
        "Rumeur",
        users["duty"],
    )


def test_closing_from_the_inbox_comes_back_to_the_same_inbox_page(client, world, users):
    alert = make_alert(world.base, status=AlertStatus.ACKNOWLEDGED)
    login(client, users["duty"])
    data = {"outcome": "no_response_possible", "next": "inbox", "page": "2"}
    html = client.post(f"/can/alerts/{alert.uid}/close", data).content.decode()
    assert '<input type="hidden" name="next" value="inbox">' in html
    assert '<input type="hidden" name="page" value="2">' in html
    assert '<a class="button" href="/can/inbox/?page=2">No, keep it open</a>' in html
    response = client.post(f"/can/alerts/{alert.uid}/close", {**data, "confirm": "1"})
    assert (response.status_code, response["Location"]) == (302, "/can/inbox/?page=2")
    assert Alert.objects.get(pk=alert.pk).outcome == "no_response_possible"


@pytest.mark.parametrize("confirm", ["", "1"])
@pytest.mark.parametrize(
    ("status", "data", "error"),
    [
        (AlertStatus.VERIFIED, {}, "This field is required."),
        (AlertStatus.VERIFIED, {"outcome": ""}, "This field is required."),
        (
            AlertStatus.VERIFIED,
            {"outcome": "burnt"},
            "Select a valid choice. burnt is not one of the available choices.",
        ),
        (AlertStatus.VERIFIED, {"outcome": "addressed"}, "An alert is addressed only after a response was dispatched."),
        (AlertStatus.VERIFIED, {"outcome": "false_alarm", "note": "x" * 5001}, None),
    ],
)
def test_a_close_without_a_valid_outcome_is_refused_and_changes_nothing(
    client, world, users, status, data, error, confirm
):
    alert = make_alert(world.base, status=status)
    login(client, users["duty"])
    response = client.post(f"/can/alerts/{alert.uid}/close", {**data, "confirm": confirm})
    assert response.status_code == 400
    form = response.context["form"]
    if error:
        assert form.errors == {"outcome": [error]}
        assert '<select id="id_outcome" name="outcome" required aria-invalid="true">' in response.content.decode()
    else:
        assert form.errors == {"note": ["Ensure this value has at most 5000 characters (it has 5001)."]}
    alert.refresh_from_db()
    assert (alert.status, alert.outcome, alert.events.count()) == (status, "", 0)


def test_an_alert_not_yet_acknowledged_or_already_closed_cannot_be_closed(client, world, users):
    received = make_alert(world.base)
    closed = make_alert(world.base, status=AlertStatus.CLOSED)
    closed_as = (closed.outcome, closed.closed_at)
    login(client, users["duty"])
    for alert, label in ((received, "Received"), (closed, "Closed")):
        response = client.post(
            f"/can/alerts/{alert.uid}/close", {"outcome": "false_alarm", "confirm": "1"}, follow=True
        )
        assert response.redirect_chain == [(f"/can/alerts/{alert.uid}/", 302)]
        assert _messages(response) == [f"This alert is “{label}”: it cannot be closed now."]
    closed.refresh_from_db()
    assert (Alert.objects.get(pk=received.pk).status, (closed.outcome, closed.closed_at)) == ("received", closed_as)
    assert (received.events.count(), closed.events.count()) == (0, 0)


@pytest.mark.parametrize(("role", "status"), [("cla2", 404), ("jpt", 403), ("gender", 403), ("manager", 403)])
def test_a_close_by_someone_else_changes_nothing(client, world, users, role, status):
    alert = make_alert(world.base, status=AlertStatus.VERIFIED)
    login(client, users[role])
    for confirm in ("", "1"):
        response = client.post(f"/can/alerts/{alert.uid}/close", {"outcome": "false_alarm", "confirm": confirm})
        assert response.status_code == status
    alert.refresh_from_db()
    assert (alert.status, alert.outcome, alert.events.count()) == (AlertStatus.VERIFIED, "", 0)


def test_the_close_forms_choose_no_outcome_in_advance(client, world, users):
    alert = make_alert(world.base, status=AlertStatus.RESPONSE_DISPATCHED)
    login(client, users["duty"])
    inbox = client.get("/can/inbox/").content.decode()
    assert (
        f'<select id="outcome-{alert.uid}" name="outcome" required><option value="">Choose the outcome</option>'
        in inbox
    )
    assert "selected" not in inbox.split(f'id="outcome-{alert.uid}"')[1].split("</select>")[0]
    detail = client.get(f"/can/alerts/{alert.uid}/").content.decode()
    assert '<option value="" selected>Choose the outcome</option>' in detail


# --- every step says what it did ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "fr",
            [
                "Alerte {ref} prise en compte.",
                "Alerte {ref} vérifiée.",
                "Réponse à l'alerte {ref} enregistrée : Escorte.",
                "Alerte {ref} clôturée : Traitée.",
            ],
        ),
        (
            "sw",
            [
                "Tahadhari {ref} imekiriwa.",
                "Tahadhari {ref} imethibitishwa.",
                "Jibu kwa tahadhari {ref} limeandikwa: {escort}.",
                "Tahadhari {ref} imefungwa: {addressed}.",
            ],
        ),
        (
            "en",
            [
                "Alert {ref} acknowledged.",
                "Alert {ref} verified.",
                "Response to alert {ref} recorded: Escort.",
                "Alert {ref} closed: Addressed.",
            ],
        ),
    ],
)
def test_each_step_says_what_happened_to_which_alert(client, world, users, language, expected):
    from can.models import Outcome, ResponseType

    alert = make_alert(world.base)
    login(client, users["duty"], language=language)
    steps = [
        ("acknowledge", {}),
        ("verify", {"note": "Chef joint"}),
        ("dispatch", {"response_type": "escort"}),
        ("close", {"outcome": "addressed", "confirm": "1"}),
    ]
    with translation.override(language):
        labels = {"escort": str(ResponseType.ESCORT.label), "addressed": str(Outcome.ADDRESSED.label)}
    said = []
    for step, data in steps:
        response = client.post(f"/can/alerts/{alert.uid}/{step}", {**data, "next": "inbox"}, follow=True)
        assert response.redirect_chain == [("/can/inbox/", 302)]
        said += _messages(response)
    assert said == [line.format(ref=alert.short_id, **labels) for line in expected]
    assert Alert.objects.get(pk=alert.pk).status == AlertStatus.CLOSED
