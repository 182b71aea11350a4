"""Replies to the sender of an alert: who gets one, in which language, with which text, and never
with the alert's details."""

import random

import pytest
from django.db import connection

from can import services
from can.models import Alert, AlertEvent, ContactOptOut, Reply, ReplyTemplate
from can.sms import MemoryBackend
from monusco.crypto import phone_hash
from tests.factories import make_focal_point

SENDER = "+243990000111"
ON_POSTGRESQL = connection.vendor == "postgresql"


def _receive(channel, text, sender=SENDER, message_id=""):
    """Receive an SMS and run what its commit queues (the notify task, then the reply's sending)."""
    alert, created = services.alert_receive_sms(channel=channel, sender=sender, text=text, message_id=message_id)
    services.alert_notify(alert_id=alert.pk)
    return alert


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run every callback queued on commit, the ones queued by those callbacks too."""

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


def _reply(alert, kind="received"):
    return Reply.objects.get(alert=alert, kind=kind)


def test_an_unknown_sender_gets_the_receipt_in_french(channel, run_on_commit):
    alert = run_on_commit(_receive, channel, "Attaque des hommes armés à Sange cette nuit")
    reply = _reply(alert)
    expected = f"MONUSCO : alerte A-{alert.pk:04d} reçue. La base de Uvira est informée."
    assert (reply.language, reply.text, reply.status, reply.attempts) == ("fr", expected, "sent", 1)
    assert MemoryBackend.outbox == [{"to": SENDER, "text": expected, "reference": str(reply.uid)}]
    event = AlertEvent.objects.get(alert=alert, kind="reply_sent")
    assert event.note == "received"


def test_a_swahili_text_gets_a_swahili_reply(channel, run_on_commit):
    alert = run_on_commit(_receive, channel, "Wanajeshi wameingia kijiji usiku, tafadhali msaada haraka")
    assert _reply(alert).text == f"MONUSCO: tahadhari A-{alert.pk:04d} imepokelewa. Kambi ya Uvira imearifiwa."
    assert _reply(alert).language == "sw"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Attaque à Sange", "fr"),
        ("Shambulio huko Sange leo", "sw"),
        ("12 34", "fr"),  # nothing to tell by: French
        ("", "fr"),
        ("le village na watu wa kijiji", "sw"),
    ],
)
def test_the_language_is_guessed_from_the_words(text, language):
    assert services.guess_language(text) == language


def test_the_focal_points_language_wins_over_the_text(world, channel, run_on_commit):
    make_focal_point(world.base, phone=SENDER, language="sw", feedback_consent=True)
    alert = run_on_commit(_receive, channel, "Attaque des hommes armés à Sange")
    assert _reply(alert).language == "sw"


@pytest.mark.parametrize(
    "focal_point",
    [
        {"feedback_consent": False},
        {"feedback_consent": True, "do_not_contact": True},
    ],
    ids=["no consent", "do not contact"],
)
def test_no_receipt_for_a_focal_point_who_does_not_want_one(world, channel, run_on_commit, focal_point):
    make_focal_point(world.base, phone=SENDER, **focal_point)
    alert = run_on_commit(_receive, channel, "Attaque à Sange")
    assert alert.focal_point_id is not None
    assert Reply.objects.count() == 0
    assert MemoryBackend.outbox == []


def test_no_receipt_for_an_opted_out_number(channel, run_on_commit):
    ContactOptOut.objects.create(phone_hash=phone_hash(SENDER), at=channel.created_at, keyword="STOP")
    run_on_commit(_receive, channel, "Attaque à Sange")
    assert (Alert.objects.count(), Reply.objects.count(), MemoryBackend.outbox) == (1, 0, [])


@pytest.mark.parametrize("sender", ["", "not a number", "12"])
def test_no_receipt_without_a_valid_number(channel, run_on_commit, sender):
    run_on_commit(_receive, channel, "Attaque à Sange", sender=sender)
    assert (Alert.objects.count(), Reply.objects.count(), MemoryBackend.outbox) == (1, 0, [])


def test_a_missed_call_gets_no_receipt(channel, run_on_commit):
    def call():
        alert, _created = services.alert_receive_missed_call(channel=channel, sender=SENDER)
        services.alert_notify(alert_id=alert.pk)
        services.alert_receive_missed_call(channel=channel, sender=SENDER)

    run_on_commit(call)
    assert (Alert.objects.get().missed_calls, Reply.objects.count(), MemoryBackend.outbox) == (2, 0, [])


def test_repeats_get_one_reply(channel, run_on_commit):
    first = run_on_commit(_receive, channel, "Attaque à Sange", message_id="gw-1")
    again = run_on_commit(_receive, channel, "Attaque à Sange", message_id="gw-1")  # the gateway's retry
    same = run_on_commit(_receive, channel, "Attaque à Sange", message_id="gw-2")  # the phone sent it again
    assert first.pk == again.pk == same.pk
    assert Reply.objects.count() == 1
    assert len(MemoryBackend.outbox) == 1


def test_an_edited_text_is_used(channel, run_on_commit):
    ReplyTemplate.objects.filter(kind="received", language="fr").update(text="Reçu {reference} ({base}).")
    alert = run_on_commit(_receive, channel, "Attaque à Sange")
    assert _reply(alert).text == f"Reçu A-{alert.pk:04d} (Uvira)."


@pytest.mark.parametrize(
    "bad",
    ["Reçu {reference} {name}", "Reçu {reference.__class__}", "Reçu {0}", "Reçu {reference", "Reçu {base!r}"],
)
def test_an_unusable_or_missing_text_falls_back_to_the_default(channel, run_on_commit, bad):
    ReplyTemplate.objects.filter(kind="received", language="fr").update(text=bad)
    ReplyTemplate.objects.filter(kind="received", language="sw").delete()
    fr = run_on_commit(_receive, channel, "Attaque à Sange")
    sw = run_on_commit(_receive, channel, "Shambulio huko kijiji leo")
    assert _reply(fr).text == f"MONUSCO : alerte A-{fr.pk:04d} reçue. La base de Uvira est informée."
    assert _reply(sw).text == f"MONUSCO: tahadhari A-{sw.pk:04d} imepokelewa. Kambi ya Uvira imearifiwa."


WORDS = [
    "attaque",
    "hommes",
    "armés",
    "Sange",
    "Kiliba",
    "Luvungi",
    "nuit",
    "matin",
    "maison",
    "brûlée",
    "enlèvement",
    "femmes",
    "enfants",
    "12",
    "3",
    "wanajeshi",
    "wameingia",
    "kijiji",
    "watu",
    "msaada",
    "Mutarule",
    "Bwegera",
    "route",
    "champ",
    "+243990000222",
    "Maman",
    "Furaha",
    "FARDC",
    "Mai-Mai",
    "Twirwaneho",
    "pillage",
    "vaches",
    "ng'ombe",
    "école",
    "église",
    "marché",
]


def test_a_reply_never_carries_the_alerts_text(world, channel, run_on_commit):
    """Two hundred alerts, each with its own text, from consenting focal points and unknown
    senders: no reply (received, acknowledged, closed) holds the text, or any word of it not in
    the template, the reference or the base's name."""
    rng = random.Random(16)
    make_focal_point(world.base, phone="+243990000999", feedback_consent=True)
    duty = services_user(world)
    for n in range(200):
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 12))) + f" {n}"
        sender = "+243990000999" if n % 2 else f"+2439900{n:05d}"
        alert = run_on_commit(_receive, channel, text, sender=sender)
        if n % 2:
            run_on_commit(services.alert_acknowledge, alert=alert, user=duty)
            run_on_commit(services.alert_close, alert=Alert.objects.get(pk=alert.pk), user=duty, outcome="false_alarm")
        allowed = set(" ".join(set(ReplyTemplate.objects.values_list("text", flat=True))).split())
        allowed |= {f"A-{alert.pk:04d}", "Uvira"}
        replies = list(Reply.objects.filter(alert=alert))
        assert len(replies) == (3 if n % 2 else 1)
        for reply in replies:
            assert text not in reply.text
            leaked = {w for w in text.split() if w in reply.text.replace(".", " ").split()} - allowed
            assert leaked == set(), (text, reply.text)
    assert len(MemoryBackend.outbox) == Reply.objects.count() == 400
    assert all(message["text"] in {r.text for r in Reply.objects.all()} for message in MemoryBackend.outbox)


def services_user(world):
    from tests.factories import make_user

    return make_user("duty_officer", base=world.base, username="t-duty-replies")


def test_acknowledged_and_closed_reach_a_consenting_focal_point(world, channel, run_on_commit):
    make_focal_point(world.base, phone=SENDER, feedback_consent=True, language="fr")
    duty = services_user(world)
    alert = run_on_commit(_receive, channel, "Attaque à Sange")
    run_on_commit(services.alert_acknowledge, alert=alert, user=duty)
    run_on_commit(services.alert_close, alert=Alert.objects.get(pk=alert.pk), user=duty, outcome="false_alarm")
    ref = f"A-{alert.pk:04d}"
    assert [m["text"] for m in MemoryBackend.outbox] == [
        f"MONUSCO : alerte {ref} reçue. La base de Uvira est informée.",
        f"MONUSCO : l'alerte {ref} est prise en charge par la base de Uvira.",
        f"MONUSCO : l'alerte {ref} est clôturée. Merci. Pour ne plus recevoir de SMS, répondez STOP.",
    ]
    assert list(Reply.objects.order_by("pk").values_list("kind", "status")) == [
        ("received", "sent"),
        ("acknowledged", "sent"),
        ("closed", "sent"),
    ]


@pytest.mark.parametrize(
    "focal_point",
    [None, {"feedback_consent": False}, {"feedback_consent": True, "do_not_contact": True}],
    ids=["unknown sender", "no consent", "do not contact"],
)
def test_no_status_reply_without_consent(world, channel, run_on_commit, focal_point):
    if focal_point is not None:
        make_focal_point(world.base, phone=SENDER, **focal_point)
    duty = services_user(world)
    alert = run_on_commit(_receive, channel, "Attaque à Sange")
    run_on_commit(services.alert_acknowledge, alert=alert, user=duty)
    run_on_commit(services.alert_close, alert=Alert.objects.get(pk=alert.pk), user=duty, outcome="false_alarm")
    kinds = list(Reply.objects.values_list("kind", flat=True))
    assert kinds == (["received"] if focal_point is None else [])


def test_intake_pays_nothing_for_replies(channel, django_assert_num_queries):
    """The gateway's request costs what it did before replies: the repeat check and one insert
    (with its audit rows; in a savepoint here, as the test runs in a transaction, as in
    test_intake's count); the reply is planned by the notify task."""
    services.alert_receive_sms(channel=channel, sender=SENDER, text="Premier message")  # the place lists, read once
    with django_assert_num_queries(4 if ON_POSTGRESQL else 6):
        services.alert_receive_sms(channel=channel, sender=SENDER, text="Attaque à Sange")
    assert (Alert.objects.count(), Reply.objects.count()) == (2, 0)


def test_planning_receipts_costs_five_queries_per_batch(world, channel, django_assert_num_queries):
    """Replies add to the notify task: the alerts' senders, the opt-outs among them, the texts,
    and the inserts of the replies and of their audit rows."""
    alerts = [
        services.alert_receive_sms(channel=channel, sender=f"+24399000{n:04d}", text=f"Attaque {n}")[0]
        for n in range(5)
    ]
    alerts = list(Alert.objects.filter(pk__in=[a.pk for a in alerts]))
    with django_assert_num_queries(5):
        planned = services.replies_plan_received(alerts=alerts)
    assert sorted(r.alert_id for r in planned) == sorted(a.pk for a in alerts)
    with django_assert_num_queries(0):  # alerts that cannot have a receipt reply cost nothing
        assert services.replies_plan_received(alerts=[]) == []


# --- where the base sees them, and where they are set -----------------------------------------


def _login(client, user):
    from tests.factories import PASSWORD

    assert client.login(username=user.username, password=PASSWORD)


def test_the_alert_page_lists_replies_and_failed_sms_to_the_base_only(client, world, users, channel):
    from can.models import Notification

    alert = services.alert_receive_sms(channel=channel, sender=SENDER, text="Attaque à Sange")[0]
    Reply.objects.create(
        alert=alert,
        kind="received",
        sms_channel=channel,
        to_number=SENDER,
        to_hash=alert.sender_hash,
        language="fr",
        text="MONUSCO : reçu.",
        status="failed",
        attempts=4,
        error="gateway down",
    )
    Notification.objects.create(alert=alert, recipient=users["duty"], channel="sms", status="failed", attempts=4)
    _login(client, users["duty"])
    page = client.get(f"/can/alerts/{alert.uid}/").content.decode()
    assert "Replies to the sender" in page
    assert "Alert received (fr)" in page and "Failed" in page
    assert "1 SMS notification to staff failed after every retry." in page
    replies = page[page.index("Replies to the sender") : page.index("History")]
    assert SENDER not in replies and "MONUSCO : reçu." not in page  # never the number, nor the text
    inbox = client.get("/can/inbox/").content.decode()
    assert "SMS failed" in inbox
    _login(client, users["manager"])  # the province sees the alert, not its replies
    page = client.get(f"/can/alerts/{alert.uid}/").content.decode()
    assert "Replies to the sender" not in page


def test_a_cla_sets_the_reply_settings_of_a_focal_point(client, world, users):
    from can.models import FocalPoint

    _login(client, users["cla"])
    data = {
        "base": world.base.pk,
        "name": "Mzee Kasongo",
        "phone": "0990 000 555",
        "locality": world.sange.pk,
        "community_role": "chief",
        "sex": "m",
        "consent_on": "2026-03-01",
        "language": "sw",
        "feedback_consent": "on",
    }
    assert client.post("/can/focal-points/new/", data).status_code == 302
    fp = FocalPoint.objects.get()
    assert (fp.language, fp.feedback_consent, fp.do_not_contact, fp.do_not_contact_at) == ("sw", True, False, None)
    assert client.post(f"/can/focal-points/{fp.uid}/edit/", {**data, "do_not_contact": "on"}).status_code == 302
    fp.refresh_from_db()
    assert fp.do_not_contact is True and fp.do_not_contact_at is not None
    bad = client.post(f"/can/focal-points/{fp.uid}/edit/", {**data, "language": "ln"})
    assert bad.status_code == 400
    fp.refresh_from_db()
    assert (fp.language, fp.do_not_contact) == ("sw", True)


def test_lifting_do_not_contact_lifts_the_keyword_opt_out(world, users):
    fp = make_focal_point(world.base, phone=SENDER, do_not_contact=True)
    ContactOptOut.objects.create(phone_hash=fp.phone_hash, at=fp.created_at, keyword="STOP")
    services.focalpoint_update(
        user=users["cla"],
        focal_point=fp,
        name=fp.name,
        phone=fp.phone,
        locality=fp.locality,
        community_role=fp.community_role,
        sex=fp.sex,
        consent_on=fp.consent_on,
        do_not_call_back=False,
        do_not_contact=False,
    )
    assert ContactOptOut.objects.count() == 0


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("Reçu {reference}, {base}.", None),
        ("Reçu {name}", "Only the placeholders {reference} and {base} may be used."),
        ("Reçu {reference.__class__}", "Only the placeholders {reference} and {base} may be used."),
        ("Reçu {reference", "Unbalanced braces: write placeholders as {reference} and {base}."),
        (
            "x" * 150 + " {reference} {base}",
            "The text is too long for one SMS: at most 160 characters with the reference and base name.",
        ),
    ],
)
def test_the_admin_checks_reply_texts(client, users, text, error):
    template = ReplyTemplate.objects.get(kind="received", language="fr")
    before = template.text
    client.force_login(users["admin"])
    response = client.post(
        f"/admin/can/replytemplate/{template.pk}/change/", {"kind": "received", "language": "fr", "text": text}
    )
    template.refresh_from_db()
    if error is None:
        assert response.status_code == 302
        assert template.text == text
    else:
        assert response.status_code == 200
        assert response.context["adminform"].form.errors == {"text": [error]}
        assert template.text == before


def test_with_replies_off_no_reply_is_planned(world, channel, run_on_commit, settings):
    settings.CAN_REPLIES_ENABLED = False
    make_focal_point(world.base, phone=SENDER, feedback_consent=True, language="fr")
    duty = services_user(world)
    alert = run_on_commit(_receive, channel, "Attaque à Sange")
    run_on_commit(services.alert_acknowledge, alert=alert, user=duty)
    run_on_commit(services.alert_close, alert=Alert.objects.get(pk=alert.pk), user=duty, outcome="false_alarm")
    assert (Reply.objects.count(), MemoryBackend.outbox) == (0, [])
    assert Alert.objects.get(pk=alert.pk).status == "closed"  # the alert itself goes on as usual
