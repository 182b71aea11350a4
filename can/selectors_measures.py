"""The alerts' figures per base and month (time to acknowledge and to respond, outcomes), read
through ``can.selectors``."""

from __future__ import annotations

from datetime import date

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q
from django.db.models.functions import TruncMonth

from .models import AlertStatus, Outcome
from .selectors import alert_list


def alert_measures(*, user, start: date | None = None, end: date | None = None) -> list[dict]:
    """Per base and month: alerts, mean time to acknowledge and to respond (seconds), share of
    closed alerts addressed. Aggregated in the database, cut to the user's scope."""
    qs = alert_list(user=user)
    if start:
        qs = qs.filter(received_on__gte=start)
    if end:
        qs = qs.filter(received_on__lte=end)
    rows = (
        qs.annotate(month=TruncMonth("received_on"))
        .values("base_id", "base__code", "base__name", "month")
        .annotate(
            alerts=Count("pk"),
            acknowledged=Count("pk", filter=Q(acknowledged_at__isnull=False)),
            responded=Count("pk", filter=Q(response_at__isnull=False)),
            closed=Count("pk", filter=Q(status=AlertStatus.CLOSED)),
            addressed=Count("pk", filter=Q(outcome=Outcome.ADDRESSED)),
            time_to_acknowledge=Avg(
                ExpressionWrapper(F("acknowledged_at") - F("received_at"), output_field=DurationField())
            ),
            time_to_response=Avg(ExpressionWrapper(F("response_at") - F("received_at"), output_field=DurationField())),
        )
        .order_by("month", "base__name")
    )
    result = []
    for row in rows:
        result.append(
            {
                "base_id": row["base_id"],
                "base_code": row["base__code"],
                "base_name": row["base__name"],
                "month": row["month"],
                "alerts": row["alerts"],
                "acknowledged": row["acknowledged"],
                "responded": row["responded"],
                "closed": row["closed"],
                "addressed": row["addressed"],
                "time_to_acknowledge_seconds": _seconds(row["time_to_acknowledge"]),
                "time_to_response_seconds": _seconds(row["time_to_response"]),
                "share_addressed": round(row["addressed"] / row["closed"], 4) if row["closed"] else None,
            }
        )
    return result


def _seconds(value) -> float | None:
    if value is None:
        return None
    if hasattr(value, "total_seconds"):
        return round(value.total_seconds(), 1)
    return round(float(value) / 1_000_000, 1)  # SQLite returns microseconds
