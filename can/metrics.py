"""The CAN's figures for Prometheus (registered with ``monusco.metrics`` when the app is ready).

Read from the database at each scrape, a handful of small queries on indexed columns: exact,
whichever process answers, and nothing personal (bases are named by their code).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from .models import UNACKNOWLEDGED_STATUSES, Alert, Notification, NotificationStatus, OutboundStatus, Reply


def collect() -> Iterable[Metric]:
    received = CounterMetricFamily(
        "monusco_alerts_received", "Alerts received since the start, by channel.", labels=["channel"]
    )
    for row in Alert.objects.order_by().values("channel").annotate(n=Count("pk")).order_by("channel"):
        received.add_metric([row["channel"]], row["n"])
    yield received

    now = timezone.now()
    oldest = GaugeMetricFamily(
        "monusco_alert_oldest_unacknowledged_seconds",
        "Age of the oldest alert not yet acknowledged, per base (bases with none are left out).",
        labels=["base"],
    )
    rows = (
        Alert.objects.filter(status__in=UNACKNOWLEDGED_STATUSES)
        .order_by()
        .values("base__code")
        .annotate(first=Min("received_at"))
        .order_by("base__code")
    )
    for row in rows:
        oldest.add_metric([row["base__code"]], max(0.0, (now - row["first"]).total_seconds()))
    yield oldest

    failed = GaugeMetricFamily(
        "monusco_notifications_failed", "Staff notifications failed (and not yet sent), by channel.", labels=["channel"]
    )
    for row in (
        Notification.objects.filter(status=NotificationStatus.FAILED)
        .order_by()
        .values("channel")
        .annotate(n=Count("pk"))
        .order_by("channel")
    ):
        failed.add_metric([row["channel"]], row["n"])
    yield failed

    replies = GaugeMetricFamily("monusco_replies_failed", "Replies to the community that failed.")
    replies.add_metric([], Reply.objects.filter(status=OutboundStatus.FAILED).count())
    yield replies


def collect_spool() -> Iterable[Metric]:
    """The intake spool (``can.spool``), read from its directory: messages waiting for the database,
    and those set aside in ``bad/``."""
    from . import spool

    waiting, bad = spool.spool_depth()
    depth = GaugeMetricFamily("monusco_intake_spool_depth", "Inbound messages spooled, waiting for the database.")
    depth.add_metric([], waiting)
    yield depth
    set_aside = GaugeMetricFamily("monusco_intake_spool_bad", "Spooled messages set aside in bad/ (unreadable).")
    set_aside.add_metric([], bad)
    yield set_aside
