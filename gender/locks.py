"""The row locks of the gender app, in one place, so every service locks the same way and in the
same order.

Each is a ``select_for_update(of=("self",), no_key=True)`` queryset ordered by key:

- ``FOR NO KEY UPDATE``: the row is about to change, but never its key, so a write elsewhere whose
  foreign key points at it (an alert's event, a meeting's concern, a review of the report) takes
  its ``KEY SHARE`` lock without waiting, while two services changing the row still wait for
  each other;
- ``OF`` the row's own table: a lock over a join would also lock the joined rows (a report's
  base, which every alert received there points at);
- ordered by key: callers that lock several rows take them in the same order, so two of them
  never wait on each other.

Only a transaction holds a lock: call these inside ``transaction.atomic`` (every service is).
"""

from __future__ import annotations

from django.db.models import Model, QuerySet

from .models import ReviewChecklist


def _for_update(qs: QuerySet) -> QuerySet:
    return qs.select_for_update(of=("self",), no_key=True).order_by("pk")


def reports_for_update(model: type[Model]) -> QuerySet:
    """Reports of one registered type, locked as they are read: the report's review status, round
    and dates change under this lock (submission, review)."""
    return _for_update(model._default_manager.all())


def checklists_for_update() -> QuerySet[ReviewChecklist]:
    """Review checklists, locked as they are read: a revision of a checklist and a review made
    with it never interleave (a checklist already used keeps its items)."""
    return _for_update(ReviewChecklist.objects.all())
