"""Opt-out keywords: STOP, ARRETE/ARRÊTE and ACHA create no alert, mark the focal point
do-not-contact, keep the number's hash, and are confirmed once. Alerts are still received after."""

import pytest
from django.urls import reverse

from can import services
from can.models import Alert, ContactOptOut, FocalPoint, Reply
from can.sms import MemoryBackend
from monusco.crypto import phone_hash
from tests.factories import TOKEN, make_focal_point, make_user

SENDER = "+243990000111"
FR = "MONUSCO : vous ne recevrez plus de SMS de notre part. Vos alertes seront toujours reçues."
SW = "MONUSCO: hutapokea tena ujumbe kutoka kwetu. Tahadhari zako zitaendelea kupokelewa."


def post(client, channel, text, sender=SENDER, message_id=""):
    return client.post(
        reverse("can:inbound-receive", args=[channel.uid]),
        {"from": sender, "text": text, "id": message_id},
        HTTP_X_GATEWAY_TOKEN=TOKEN,
    )


@pytest.mark.parametrize(
    ("text", "keyword"),
    [
        ("STOP", "STOP"),
        ("stop", "STOP"),
        ("  Stop!  ", "STOP"),
        ("ARRETE", "ARRETE"),
        ("Arrête.", "ARRETE"),
        ("ARRÊTE", "ARRETE"),
        ("acha", "ACHA"),
        ("ACHA !!", "ACHA"),
    ],
)
def test_the_keywords_are_recognised(text, keyword):
    assert services.opt_out_keyword(text) == keyword


@pytest.mark.parametrize(
    "text", ["STOP attaque à Sange", "stopper", "acha kuua", "", "S T O P", "arrêtez", "STOP" * 20]
)
def test_other_texts_are_not_keywords(text):
    assert services.opt_out_keyword(text) == ""


def test_stop_marks_the_focal_point_and_is_confirmed_once(client, world, channel, django_capture_on_commit_callbacks):
    fp = make_focal_point(world.base, phone=SENDER, feedback_consent=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, channel, "STOP")
    assert response.status_code == 200
    assert response.json() == {"opted_out": True, "keyword": "STOP", "warnings": []}
    fp.refresh_from_db()
    assert fp.do_not_contact is True and fp.do_not_contact_at is not None
    optout = ContactOptOut.objects.get()
    assert (optout.phone_hash, optout.keyword) == (phone_hash(SENDER), "STOP")
    reply = Reply.objects.get()
    assert (reply.kind, reply.alert_id, reply.language, reply.text, reply.status) == (
        "opted_out",
        None,
        "fr",
        FR,
        "sent",
    )
    assert MemoryBackend.outbox == [{"to": SENDER, "text": FR, "reference": str(reply.uid)}]
    assert Alert.objects.count() == 0

    with django_capture_on_commit_callbacks(execute=True):  # a second STOP: nothing more is sent
        again = post(client, channel, "stop", message_id="gw-2")
    assert again.json() == {"opted_out": True, "keyword": "STOP", "warnings": []}
    assert (ContactOptOut.objects.count(), Reply.objects.count(), len(MemoryBackend.outbox)) == (1, 1, 1)
    assert FocalPoint.objects.get(pk=fp.pk).do_not_contact_at == fp.do_not_contact_at


def test_acha_from_an_unknown_number_is_confirmed_in_swahili(client, channel, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, channel, "Acha").json()["opted_out"] is True
    assert ContactOptOut.objects.get().phone_hash == phone_hash(SENDER)
    assert [m["text"] for m in MemoryBackend.outbox] == [SW]


def test_the_focal_points_language_is_used_for_the_confirmation(
    client, world, channel, django_capture_on_commit_callbacks
):
    make_focal_point(world.base, phone=SENDER, language="sw")
    with django_capture_on_commit_callbacks(execute=True):
        post(client, channel, "ARRETE")
    assert [m["text"] for m in MemoryBackend.outbox] == [SW]


def test_a_keyword_without_a_valid_number_changes_nothing(client, channel, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, channel, "STOP", sender="not a number")
    assert response.json() == {"opted_out": True, "keyword": "STOP", "warnings": []}
    assert (ContactOptOut.objects.count(), Reply.objects.count(), Alert.objects.count(), MemoryBackend.outbox) == (
        0,
        0,
        0,
        [],
    )


def test_alerts_from_an_opted_out_number_are_still_received_without_replies(
    client, world, channel, django_capture_on_commit_callbacks
):
    fp = make_focal_point(world.base, phone=SENDER, feedback_consent=True)
    duty = make_user("duty_officer", base=world.base, username="t-duty-optout")
    with django_capture_on_commit_callbacks(execute=True):
        post(client, channel, "STOP")
        response = post(client, channel, "Attaque des hommes armés à Sange")
    assert response.status_code == 200 and response.json()["created"] is True
    alert = Alert.objects.get()
    assert alert.focal_point_id == fp.pk
    with django_capture_on_commit_callbacks(execute=True):
        services.alert_acknowledge(alert=alert, user=duty)
        services.alert_close(alert=Alert.objects.get(pk=alert.pk), user=duty, outcome="false_alarm")
    assert list(Reply.objects.values_list("kind", flat=True)) == ["opted_out"]
    assert len(MemoryBackend.outbox) == 1


def test_an_opted_out_number_stays_out_for_a_focal_point_registered_later(
    client, world, channel, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, channel, "STOP")
    make_focal_point(world.base, phone=SENDER, feedback_consent=True)
    with django_capture_on_commit_callbacks(execute=True):
        post(client, channel, "Attaque à Sange")
    assert list(Reply.objects.values_list("kind", flat=True)) == ["opted_out"]


def test_a_wrong_token_changes_nothing(client, world, channel):
    fp = make_focal_point(world.base, phone=SENDER)
    response = client.post(
        reverse("can:inbound-receive", args=[channel.uid]), {"from": SENDER, "text": "STOP"}, HTTP_X_GATEWAY_TOKEN="no"
    )
    assert response.status_code == 401
    assert FocalPoint.objects.get(pk=fp.pk).do_not_contact is False
    assert (ContactOptOut.objects.count(), Reply.objects.count()) == (0, 0)
