"""The row locks of the CAN, in one place, so every service locks the same way and in the same
order (as ``gender/locks.py``).

Each is a ``select_for_update(of=("self",), no_key=True)`` queryset ordered by key:

- ``FOR NO KEY UPDATE``: the row is about to change, but never its key, so a write elsewhere whose
  foreign key points at it (an alert's event or notification, an alert received at a base) takes
  its ``KEY SHARE`` lock without waiting, while two services changing the row still wait for
  each other;
- ``OF`` the row's own table: a plain ``FOR UPDATE`` over a join would also lock the joined rows
  (an alert's base, which every intake commit checks as a foreign key, and would queue behind);
- ordered by key: callers that lock several rows take them in the same order, so two of them
  never wait on each other. ``skip_locked``: rows another worker holds are left to it.

Only a transaction holds a lock: call these inside ``transaction.atomic`` (every service is).
"""

from __future__ import annotations

from django.db.models import QuerySet

from cla.models import OperatingBase

from .models import Alert, FocalPoint, Notification, Reply


def _for_update(qs: QuerySet, *, skip_locked: bool = False) -> QuerySet:
    return qs.select_for_update(of=("self",), no_key=True, skip_locked=skip_locked).order_by("pk")


def alerts_for_update(*, skip_locked: bool = False) -> QuerySet[Alert]:
    """Alerts, locked as they are read: each lifecycle step, the notification planning and the
    escalation re-read an alert's state under this lock."""
    return _for_update(Alert.objects.all(), skip_locked=skip_locked)


def focal_points_for_update() -> QuerySet[FocalPoint]:
    """Focal points, locked as they are read: an edit, a deactivation or a move."""
    return _for_update(FocalPoint.objects.all())


def notifications_for_update(*, skip_locked: bool = False) -> QuerySet[Notification]:
    """Notifications, locked as they are read: a batch claims those no other worker holds; a
    delivery receipt re-reads one's state."""
    return _for_update(Notification.objects.all(), skip_locked=skip_locked)


def replies_for_update() -> QuerySet[Reply]:
    """Replies to the community, locked as they are read: a delivery receipt re-reads one's state."""
    return _for_update(Reply.objects.all())


def base_for_numbering(base_id: int) -> OperatingBase:
    """Lock a base while a focal point's code is numbered: two creations at one base take turns."""
    return _for_update(OperatingBase.objects.filter(pk=base_id)).get()
