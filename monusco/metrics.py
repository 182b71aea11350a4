"""Prometheus metrics at ``/metrics``: request rates and latencies from django-prometheus, and the
apps' own figures, read from the database at each scrape.

An app adds its figures with ``register(collect)``, where ``collect()`` yields prometheus_client
metric families (``can.metrics`` does, from its AppConfig): ``monusco`` learns of them through this
registry and imports no app. Figures read from the database are exact whichever process answers
the scrape; the request metrics are per process unless ``PROMETHEUS_MULTIPROC_DIR`` is set (then
every gunicorn worker writes there and the scrape adds them up).

Who may read it: a scraper presenting ``Authorization: Bearer <METRICS_TOKEN>``, or, for a request
that came through no proxy (no ``X-Forwarded-For``), a client in ``METRICS_ALLOWED_NETWORKS``
(the loopback by default). Anyone else gets a 404: the page does not say it exists.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import secrets
from collections.abc import Callable, Iterable

import prometheus_client
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from prometheus_client import multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

_collectors: list[Callable[[], Iterable[Metric]]] = []


def register(collect: Callable[[], Iterable[Metric]]) -> None:
    """Add an app's figures to every scrape (once, however often the app is made ready)."""
    if collect not in _collectors:
        _collectors.append(collect)


class _AppFigures(Collector):
    """Every registered app's figures. One that fails is reported by ``monusco_collector_up 0``
    and logged, and the others are still served: a bad figure never takes the page down."""

    def collect(self) -> Iterable[Metric]:
        up = GaugeMetricFamily("monusco_collector_up", "Whether an app's figures could be read.", labels=["collector"])
        for collect in list(_collectors):
            name = f"{collect.__module__}.{collect.__qualname__}"
            try:
                families = list(collect())
            except Exception as exc:  # noqa: BLE001 - the other figures are still served
                logger.warning("Metrics from %s could not be read: %s", name, type(exc).__name__)
                up.add_metric([name], 0)
                continue
            up.add_metric([name], 1)
            yield from families
        yield up


# Kombu's Redis transport keeps a queue's messages of each priority step in a list of its own.
_PRIORITY_SEPARATOR = "\x06\x16"


def queue_names() -> list[str]:
    """Every Celery queue a task is routed to, and the default one."""
    names = {getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", "celery")}
    for route in (getattr(settings, "CELERY_TASK_ROUTES", None) or {}).values():
        if isinstance(route, dict) and route.get("queue"):
            names.add(route["queue"])
    return sorted(names)


def queue_lengths() -> Iterable[Metric]:
    """Messages waiting in each queue (Redis brokers only), and whether the broker answered."""
    up = GaugeMetricFamily("monusco_broker_up", "Whether the Celery broker answered the scrape.")
    broker = str(getattr(settings, "CELERY_BROKER_URL", ""))
    if not broker.startswith(("redis://", "rediss://")):
        return  # the in-process broker of a laptop: nothing waits anywhere
    import redis

    lengths = GaugeMetricFamily("monusco_queue_length", "Tasks waiting in each Celery queue.", labels=["queue"])
    client = redis.Redis.from_url(broker, socket_connect_timeout=0.25, socket_timeout=0.5)
    try:
        for name in queue_names():
            keys = [name, *(f"{name}{_PRIORITY_SEPARATOR}{step}" for step in range(1, 10))]
            pipe = client.pipeline(transaction=False)
            for key in keys:
                pipe.llen(key)
            lengths.add_metric([name], sum(pipe.execute()))
    except (redis.RedisError, OSError) as exc:
        logger.warning("The broker's queue lengths could not be read: %s", type(exc).__name__)
        up.add_metric([], 0)
        yield up
        yield GaugeMetricFamily("monusco_queue_length", "Tasks waiting in each Celery queue.", labels=["queue"])
        return
    finally:
        client.close()
    up.add_metric([], 1)
    yield up
    yield lengths


register(queue_lengths)


def _allowed(request: HttpRequest) -> bool:
    token = getattr(settings, "METRICS_TOKEN", "")
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer ") and secrets.compare_digest(header[7:].strip(), token):
        return True
    if "X-Forwarded-For" in request.headers:
        return False  # through a proxy, the address is the proxy's: only the token counts
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net, strict=False) for net in settings.METRICS_ALLOWED_NETWORKS)


def exposition() -> bytes:
    """The text of a scrape: the process's (or all processes') request metrics, then the apps'."""
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        processes = prometheus_client.CollectorRegistry()
        multiprocess.MultiProcessCollector(processes)
    else:
        processes = prometheus_client.REGISTRY
    apps = prometheus_client.CollectorRegistry(auto_describe=False)
    apps.register(_AppFigures())
    return prometheus_client.generate_latest(processes) + prometheus_client.generate_latest(apps)


def metrics_view(request: HttpRequest) -> HttpResponse:
    if not _allowed(request):
        raise Http404
    return HttpResponse(exposition(), content_type=prometheus_client.CONTENT_TYPE_LATEST)
