"""Scoped reads for call-backs (missed calls waiting for a CLA to call back) and the response
times measured per base and month (time to acknowledge, time to call back)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from django.db.models import Count, DurationField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet, Window
from django.db.models.functions import RowNumber, TruncMonth

from monusco.audit import audit_row
from monusco.models import AuditLog
from monusco.scope import scope_for

from .models import Alert, AlertChannel, AlertStatus, CallbackAttempt, CallbackResult
from .selectors import _seconds, alert_do_not_call_back, alert_list, alert_rows, can_see_sender


def _own_bases(user, qs: QuerySet[Alert]) -> QuerySet[Alert]:
    """Alerts of the bases the user works at (every base for a superuser): call-backs are the
    base's own work, never a sector's or a province's."""
    scope = scope_for(user)
    return qs if scope.everything else qs.filter(base_id__in=sorted(scope.base_ids))


def callback_task_q() -> Q:
    """A call-back task: a missed call still "callback needed", whose focal point (if known) did
    not ask not to be called back, and with no wrong number recorded."""
    wrong = CallbackAttempt.objects.filter(alert=OuterRef("pk"), result=CallbackResult.WRONG_NUMBER)
    return (
        Q(status=AlertStatus.CALLBACK_NEEDED, channel=AlertChannel.MISSED_CALL)
        & (Q(focal_point__isnull=True) | Q(focal_point__do_not_call_back=False))
        & Q(~Exists(wrong))
    )


def callback_tasks(*, user) -> QuerySet[Alert]:
    """The call-back tasks of the user's own bases, the soonest due first (one query)."""
    return (
        _own_bases(user, alert_list(user=user))
        .filter(callback_task_q())
        .select_related("base", "focal_point")
        .defer("focal_point__name", "focal_point__phone")
        .order_by(F("callback_due_at").asc(nulls_last=True), "received_at", "pk")
    )


def callback_task(*, user, uid) -> QuerySet[Alert]:
    """One alert of the user's own bases, read with ``wrong_number`` (a wrong number recorded) and
    its base and focal point, for the call-back page: a task or not (the page says which)."""
    wrong = CallbackAttempt.objects.filter(alert=OuterRef("pk"), result=CallbackResult.WRONG_NUMBER)
    return (
        _own_bases(user, alert_list(user=user))
        .filter(uid=uid)
        .select_related("base", "locality", "focal_point")
        .annotate(wrong_number=Exists(wrong))
    )


def callback_attempts(*, alert: Alert) -> QuerySet[CallbackAttempt]:
    return alert.callback_attempts.select_related("by").order_by("at", "pk")


def callback_numbers(*, user, alerts: list[Alert]) -> dict[int, str]:
    """The numbers to call, by alert, that ``user`` may see (their own base, with the identity
    permission), the reads logged together (one INSERT); none for a focal point who asked not to
    be called back."""
    numbers = {
        alert.pk: alert.sender_number
        for alert in alerts
        if alert.sender_number and can_see_sender(user=user, alert=alert) and not alert_do_not_call_back(alert)
    }
    rows = [
        audit_row(
            action=AuditLog.Action.VIEW_PROTECTED, instance=alert, actor=user, detail={"fields": ["sender_number"]}
        )
        for alert in alerts
        if alert.pk in numbers
    ]
    if rows:
        AuditLog.objects.bulk_create(rows)
    return numbers


# --- response times ---------------------------------------------------------------------------


def _median_seconds(qs: QuerySet[Alert], start: str, end: str) -> dict[tuple[int, date], float]:
    """The median of ``end - start`` per base and month, in seconds, worked out in the database
    (one query): each group's rows are numbered by duration, and only the middle one or two come
    back (both engines' window functions; SQLite has no percentile aggregate)."""
    group: list[Any] = [F("base_id"), TruncMonth("received_on")]
    took = ExpressionWrapper(F(end) - F(start), output_field=DurationField())
    rows = (
        qs.filter(**{f"{end}__isnull": False})
        .annotate(
            month=TruncMonth("received_on"),
            took=took,
            rank=Window(RowNumber(), partition_by=group, order_by=[took.asc(), F("pk").asc()]),
            size=Window(Count("pk"), partition_by=group),
        )
        .filter(rank__gte=(F("size") + 1) / 2, rank__lte=(F("size") + 2) / 2)
        .values_list("base_id", "month", "took")
        .order_by()
    )
    middle: dict[tuple[int, date], list[float]] = defaultdict(list)
    for base_id, month, value in rows:
        middle[(base_id, month)].append(_seconds(value) or 0.0)
    return {key: round(sum(values) / len(values), 1) for key, values in middle.items()}


def alert_response_times(
    *, user, base_uid=None, month: date | None = None, api: bool = False, for_client: bool = False
) -> list[dict]:
    """Per base and month (of receipt): alerts, how many were acknowledged and the median time to
    acknowledge; missed calls, how many were called back, the median time from the call to the
    call-back, and how many were never called back. Aggregated in the database, in the user's
    scope, in three queries whatever the number of alerts. ``api``: over the alerts the API gives
    ``user`` as records (``selectors.alert_rows``; an API client's leave sexual-violence alerts out)."""
    qs = alert_rows(user=user, for_client=for_client) if api else alert_list(user=user)
    if base_uid is not None:
        qs = qs.filter(base__uid=base_uid)
    if month is not None:
        qs = qs.filter(received_on__year=month.year, received_on__month=month.month)
    missed = Q(channel=AlertChannel.MISSED_CALL)
    rows = (
        qs.annotate(month=TruncMonth("received_on"))
        .values("base_id", "base__uid", "base__code", "base__name", "month")
        .annotate(
            alerts=Count("pk"),
            acknowledged=Count("pk", filter=Q(acknowledged_at__isnull=False)),
            missed_calls=Count("pk", filter=missed),
            called_back=Count("pk", filter=missed & Q(called_back_at__isnull=False)),
        )
        .order_by("month", "base__name", "base_id")
    )
    ack = _median_seconds(qs, "received_at", "acknowledged_at")
    callback = _median_seconds(qs.filter(missed), "received_at", "called_back_at")
    return [
        {
            "base": row["base__uid"],
            "base_code": row["base__code"],
            "base_name": row["base__name"],
            "month": row["month"],
            "alerts": row["alerts"],
            "acknowledged": row["acknowledged"],
            "median_time_to_acknowledge_seconds": ack.get((row["base_id"], row["month"])),
            "missed_calls": row["missed_calls"],
            "called_back": row["called_back"],
            "never_called_back": row["missed_calls"] - row["called_back"],
            "median_time_to_call_back_seconds": callback.get((row["base_id"], row["month"])),
        }
        for row in rows
    ]
