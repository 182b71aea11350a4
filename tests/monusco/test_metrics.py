"""/metrics: who may read it, the CAN's exact figures, the queue lengths from a real Redis, and a
figure that fails never taking the page down."""

from __future__ import annotations

import datetime
import socket
import uuid

import pytest
import redis
from django.test import override_settings
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from can.models import Notification, OutboundStatus, Reply
from monusco import metrics
from tests.factories import make_alert, make_channel

pytestmark = pytest.mark.django_db

TOKEN = "scrape-token-for-tests-only"


def _samples(response) -> dict[tuple[str, tuple], float]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    found = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            if sample.name.startswith("monusco_"):
                found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"REMOTE_ADDR": "127.0.0.1"}, 200),
        ({"REMOTE_ADDR": "::1"}, 200),
        ({"REMOTE_ADDR": "10.1.2.3"}, 404),
        ({"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "127.0.0.1"}, 404),  # through a proxy
        ({"REMOTE_ADDR": "10.1.2.3", "HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}, 200),
        ({"REMOTE_ADDR": "10.1.2.3", "HTTP_AUTHORIZATION": "Bearer wrong"}, 404),
        ({"REMOTE_ADDR": "10.1.2.3", "HTTP_AUTHORIZATION": TOKEN}, 404),
        ({"REMOTE_ADDR": "not an address"}, 404),
    ],
)
@override_settings(METRICS_TOKEN=TOKEN)
def test_only_the_token_or_the_allowed_networks_read_it(client, headers, status):
    response = client.get("/metrics", **headers)
    assert response.status_code == status
    if status == 404:
        assert b"monusco_" not in response.content


@override_settings(METRICS_TOKEN="")
def test_with_no_token_set_a_bearer_header_opens_nothing(client):
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3", HTTP_AUTHORIZATION="Bearer ").status_code == 404


@override_settings(METRICS_ALLOWED_NETWORKS=["10.0.0.0/8"])
def test_the_allowed_networks_are_configurable(client):
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 404


def test_the_can_figures_are_exact(world, client, django_assert_num_queries):
    now = timezone.now()
    make_alert(world.base, received_at=now - datetime.timedelta(minutes=30))
    make_alert(
        world.base, received_at=now - datetime.timedelta(minutes=5), status="callback_needed", channel="missed_call"
    )
    make_alert(world.base, received_at=now - datetime.timedelta(hours=3), status="acknowledged")
    make_alert(world.other_base, received_at=now - datetime.timedelta(seconds=90), channel="web")
    make_alert(world.far_base, received_at=now - datetime.timedelta(days=2), status="closed")
    acknowledged = make_alert(world.base, status="acknowledged")
    from tests.factories import make_user

    duty = make_user("duty_officer", base=world.base)
    Notification.objects.create(alert=acknowledged, recipient=duty, channel="sms", status="failed", attempts=3)
    Notification.objects.create(alert=acknowledged, recipient=duty, channel="in_app", status="sent", sent_at=now)
    channel = make_channel(world.base)
    for status in (OutboundStatus.FAILED, OutboundStatus.SENT):
        Reply.objects.create(
            alert=acknowledged if status == OutboundStatus.FAILED else None,
            kind="received" if status == OutboundStatus.FAILED else "opted_out",
            sms_channel=channel,
            to_number="+243812345678",
            to_hash=uuid.uuid4().hex,
            language="fr",
            text="MONUSCO",
            status=status,
            sent_at=now if status == OutboundStatus.SENT else None,
        )
    with django_assert_num_queries(4):  # received, oldest per base, failed notifications, failed replies
        families = list(metrics._AppFigures().collect())
    assert families[-1].name == "monusco_collector_up"

    got = _samples(client.get("/metrics"))
    ages = {
        labels: value for (name, labels), value in got.items() if name == "monusco_alert_oldest_unacknowledged_seconds"
    }
    assert set(ages) == {(("base", "cob-uvira"),), (("base", "cob-minembwe"),)}
    assert 30 * 60 <= ages[(("base", "cob-uvira"),)] < 30 * 60 + 60  # the older of the two open ones
    assert 90 <= ages[(("base", "cob-minembwe"),)] < 150
    assert {k: v for k, v in got.items() if k[0] != "monusco_alert_oldest_unacknowledged_seconds"} == {
        ("monusco_alerts_received_total", (("channel", "missed_call"),)): 1.0,
        ("monusco_alerts_received_total", (("channel", "sms"),)): 4.0,
        ("monusco_alerts_received_total", (("channel", "web"),)): 1.0,
        ("monusco_notifications_failed", (("channel", "sms"),)): 1.0,
        ("monusco_replies_failed", ()): 1.0,
        ("monusco_collector_up", (("collector", "can.metrics.collect"),)): 1.0,
        ("monusco_collector_up", (("collector", "can.metrics.collect_spool"),)): 1.0,
        ("monusco_intake_spool_depth", ()): 0.0,
        ("monusco_intake_spool_bad", ()): 0.0,
        ("monusco_collector_up", (("collector", "monusco.metrics.queue_lengths"),)): 1.0,
    } | ({("monusco_broker_up", ()): 1.0} if _redis_broker() else {}) | _queue_samples(got)


def _redis_broker() -> bool:
    from django.conf import settings

    return str(settings.CELERY_BROKER_URL).startswith("redis://")


def _queue_samples(got) -> dict:
    return {k: v for k, v in got.items() if k[0] == "monusco_queue_length"}


def test_a_figure_that_fails_is_reported_and_the_others_still_served(world, client, monkeypatch):
    def broken():
        raise RuntimeError("a bad row")
        yield  # pragma: no cover

    monkeypatch.setattr(metrics, "_collectors", [broken, *metrics._collectors])
    make_alert(world.base)
    got = _samples(client.get("/metrics"))
    name = f"{broken.__module__}.{broken.__qualname__}"
    assert got[("monusco_collector_up", (("collector", name),))] == 0.0
    assert got[("monusco_alerts_received_total", (("channel", "sms"),))] == 1.0


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.2):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_up(), reason="needs the local Redis")
def test_queue_lengths_come_from_the_broker_with_every_priority_step(client):
    url = "redis://127.0.0.1:6379/13"  # a database no test or worker uses
    store = redis.Redis.from_url(url)
    store.flushdb()
    try:
        store.rpush("alerts", "a", "b")
        store.rpush("alerts\x06\x163", "c")
        store.rpush("sms\x06\x169", "d", "e", "f")
        routes = {"can.tasks.notify_alert": {"queue": "alerts"}, "can.tasks.send_reply": {"queue": "sms"}}
        with override_settings(CELERY_BROKER_URL=url, CELERY_TASK_ROUTES=routes, CELERY_TASK_DEFAULT_QUEUE="default"):
            got = _samples(client.get("/metrics"))
        assert _queue_samples(got) == {
            ("monusco_queue_length", (("queue", "alerts"),)): 3.0,
            ("monusco_queue_length", (("queue", "default"),)): 0.0,
            ("monusco_queue_length", (("queue", "sms"),)): 3.0,
        }
        assert got[("monusco_broker_up", ())] == 1.0
    finally:
        store.flushdb()


def test_a_broker_that_does_not_answer_is_reported_not_raised(client):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed once the block ends: nothing listens there
    with override_settings(CELERY_BROKER_URL=f"redis://127.0.0.1:{port}/0"):
        got = _samples(client.get("/metrics"))
    assert got[("monusco_broker_up", ())] == 0.0
    assert _queue_samples(got) == {}
