"""A Redis outage costs speed, never a request: the cache and the throttles fail open, publishing to
the broker is skipped while its breaker is open, and ``/healthz`` says what is degraded.

Each test starts a throwaway ``redis-server`` on a free port and stops it (a Redis that was there
and is now down), then counts the TCP connection attempts the process makes to it. Tests never
time anything: the breaker's rule is that after one failure nothing tries Redis again for
``REDIS_BREAKER_SECONDS``, and that is what the counts show.
"""

import logging
from datetime import timedelta

import pytest
import redis.connection
from django.core.cache import cache
from django.test.utils import override_settings

from can import selectors
from can.models import Alert
from monusco import breaker
from monusco.api.resources import Resource
from monusco.api.services import api_client_create
from tests.agreements import agreement_in_force
from tests.api.conftest import token_client
from tests.can.test_worker import free_port, publishing_to, start_redis, stop
from tests.factories import TOKEN, make_channel

pytestmark = pytest.mark.django_db


@pytest.fixture
def dead_redis():
    """The URL of a Redis that ran on this port and was stopped; breakers closed before and after."""
    port = free_port()
    stop(start_redis(port))
    breaker.reset_all()
    yield f"redis://127.0.0.1:{port}"
    breaker.reset_all()


@pytest.fixture
def live_redis():
    port = free_port()
    process = start_redis(port)
    breaker.reset_all()
    yield f"redis://127.0.0.1:{port}"
    stop(process)
    breaker.reset_all()


def redis_cache(url: str) -> dict:
    """The production cache settings, pointed at ``url``."""
    return {
        "default": {
            "BACKEND": "monusco.cache.FailOpenRedisCache",
            "LOCATION": f"{url}/13",
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.5},
        }
    }


@pytest.fixture
def narrow_key(world) -> str:
    """The token of an API client allowed 3 requests a minute."""
    _client, key = api_client_create(
        agreement=agreement_in_force(),
        name="HDX places",
        territories=[world.uvira_t],
        resources=[Resource.LOCALITIES],
        throttle_rate="3/minute",
    )
    return key


@pytest.fixture
def attempts(monkeypatch):
    """Counts every TCP connection attempt made through redis-py (the cache and Celery's broker)."""
    made = []
    connect = redis.connection.Connection._connect

    def counting(self):
        made.append((self.host, self.port))
        return connect(self)

    monkeypatch.setattr(redis.connection.Connection, "_connect", counting)
    return made


def breaker_warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "monusco.breaker" and r.levelno == logging.WARNING]


def test_the_cache_answers_as_an_empty_cache_and_tries_redis_once_per_breaker_period(dead_redis, attempts, caplog):
    with override_settings(CACHES=redis_cache(dead_redis)):
        assert cache.get("k", "default") == "default"
        assert cache.get_many(["a", "b"]) == {}
        assert cache.has_key("k") is False
        assert cache.set("k", 1) is None
        assert cache.add("lock", 1) is True  # a lock taken through the cache lets the work run
        assert cache.delete("k") is False
        with pytest.raises(ValueError):
            cache.incr("k")
        assert cache.ping() is False  # /healthz asks Redis itself, breaker or not
    # the first call tried once and opened the breaker; the calls after it did not try; ping did
    assert len(attempts) == 2
    assert breaker_warnings(caplog) == [
        "Redis (cache) is unreachable (ConnectionError); calls to it are skipped for 5.0 s at a time until it answers"
    ]


def test_periodic_tasks_still_run_while_the_cache_is_down(dead_redis, world, caplog):
    from can import tasks

    caplog.set_level(logging.INFO, logger="can.tasks")
    with override_settings(CACHES=redis_cache(dead_redis)), tasks.periodic_lock("escalate") as acquired:
        assert acquired is True  # escalation must not stop because its lock cannot be taken
    with override_settings(CACHES=redis_cache(dead_redis)):
        assert tasks.escalate_overdue_alerts() == 0  # nothing is overdue...
    assert [r.getMessage() for r in caplog.records if r.name == "can.tasks"] == []  # ...and it was not skipped


def test_without_the_breaker_every_call_tries_redis(dead_redis, attempts, settings):
    settings.REDIS_BREAKER_SECONDS = 0
    with override_settings(CACHES=redis_cache(dead_redis)):
        for _ in range(5):
            assert cache.get("k") is None
    assert len(attempts) == 5


def test_the_cache_works_again_once_redis_answers(live_redis, caplog):
    with override_settings(CACHES=redis_cache(live_redis)):
        cache.set("k", "v")
        assert cache.get("k") == "v"
        cache_breaker = breaker.breaker("cache", f"{live_redis}/13")
        cache_breaker.failed(ConnectionError("lost"))  # as after a failed call...
        assert cache.get("k", "skipped") == "skipped"  # ...Redis is skipped while the breaker is open
        assert cache.ping() is True  # the health check finds it back, which closes the breaker
        assert cache.get("k") == "v"
    assert breaker_warnings(caplog)[-1].startswith("Redis (cache) answers again after ")


def test_api_lists_and_details_answer_with_redis_down_and_throttles_open(dead_redis, attempts, world, narrow_key):
    client = token_client(narrow_key)  # 3 requests a minute
    with override_settings(CACHES=redis_cache(dead_redis)):
        statuses = [client.get("/api/v1/localities/").status_code for _ in range(4)]
        detail = client.get(f"/api/v1/localities/{world.sange.uid}/")
    assert statuses == [200, 200, 200, 200]  # no throttle while the cache is down
    assert (detail.status_code, detail.json()["name"]) == (200, "Sange")
    assert len(attempts) == 1  # the first throttle read; then the breaker skipped Redis


def test_the_throttle_still_applies_while_redis_answers(live_redis, narrow_key):
    client = token_client(narrow_key)
    with override_settings(CACHES=redis_cache(live_redis)):
        cache.clear()
        statuses = [client.get("/api/v1/localities/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def _post_sms(client, channel, n: int):
    return client.post(
        f"/can/inbound/{channel.uid}/receive",
        {"from": "+243990000111", "text": f"Pillage à Sange {n}", "id": f"out-{n}"},
        HTTP_X_GATEWAY_TOKEN=TOKEN,
    )


def _receive_five(client, world, dead_redis, capture):
    channel = make_channel(world.base)
    with override_settings(CACHES=redis_cache(dead_redis)), publishing_to(f"{dead_redis}/12"):
        responses = []
        for n in range(5):
            with capture(execute=True):  # the publish runs on commit, as in a request
                responses.append(_post_sms(client, channel, n))
    return responses


def test_intake_stores_every_message_and_tries_the_broker_once_while_it_is_down(
    client, world, users, dead_redis, attempts, caplog, django_capture_on_commit_callbacks
):
    responses = _receive_five(client, world, dead_redis, django_capture_on_commit_callbacks)
    assert [r.status_code for r in responses] == [200] * 5
    alerts = Alert.objects.filter(uid__in=[r.json()["alert"] for r in responses])
    assert sorted(alerts.values_list("raw_text", flat=True)) == [f"Pillage à Sange {n}" for n in range(5)]
    # Celery's publish tries 4 times (1 + 3 retries) for the first message, then the breaker skips
    # the publish at once for the four others.
    assert len(attempts) == 4
    publish_failures = [r.getMessage() for r in caplog.records if r.name == "can.queue"]
    assert publish_failures == [
        f"Could not run notify_alert({alerts.order_by('pk').first().pk},) now (OperationalError); the sweep will retry"
    ]
    assert breaker_warnings(caplog) == [
        "Redis (broker) is unreachable (OperationalError); calls to it are skipped for 5.0 s at a time until it answers"
    ]
    # nothing is lost: the sweep finds all five alerts to notify once the broker is back
    assert selectors.outstanding_work(grace=timedelta(0))[0] == sorted(alerts.values_list("pk", flat=True))


def test_without_the_breaker_intake_tries_the_broker_for_every_message(
    client, world, users, dead_redis, attempts, settings, django_capture_on_commit_callbacks
):
    settings.REDIS_BREAKER_SECONDS = 0
    responses = _receive_five(client, world, dead_redis, django_capture_on_commit_callbacks)
    assert [r.status_code for r in responses] == [200] * 5
    assert len(attempts) == 20


def test_healthz_names_the_broker_and_the_cache_when_they_are_down(client, dead_redis):
    with override_settings(CACHES=redis_cache(dead_redis), CELERY_BROKER_URL=f"{dead_redis}/12"):
        response = client.get("/healthz")
    assert response.status_code == 200  # still serving: a load balancer keeps sending traffic
    assert response.json() == {
        "status": "degraded",
        "database": "ok",
        "broker": "down",
        "cache": "down",
        "degraded": ["broker", "cache"],
    }


def test_healthz_with_only_the_cache_down(client, dead_redis, live_redis):
    with override_settings(CACHES=redis_cache(dead_redis), CELERY_BROKER_URL=f"{live_redis}/12"):
        response = client.get("/healthz")
    assert (response.status_code, response.json()) == (
        200,
        {"status": "degraded", "database": "ok", "broker": "ok", "cache": "down", "degraded": ["cache"]},
    )


def test_healthz_when_everything_answers(client, live_redis):
    with override_settings(CACHES=redis_cache(live_redis), CELERY_BROKER_URL=f"{live_redis}/12"):
        response = client.get("/healthz")
    assert (response.status_code, response.json()) == (
        200,
        {"status": "ok", "database": "ok", "broker": "ok", "cache": "ok", "degraded": []},
    )
