"""The audit trail: every change to any project record, and every read of a protected one.

Changes are caught at the model layer (post_save / post_delete for the project's own apps), so the
admin, forms, the API, tasks and commands are all covered without each remembering to log. Only
field names are recorded, never values: values may be protected. The acting user comes from a
context variable set per request by ``AuditActorMiddleware`` (or by a service with ``acting_as``).
Bulk operations (``bulk_create``, ``QuerySet.update``) bypass model signals: services never call
them directly, but ``audited_update`` and ``audited_bulk_create`` below, which write the audit rows
with the change (or ``monusco.db.insert_together`` with audit rows of its own).
"""

from __future__ import annotations

import contextlib
import contextvars

from django.db.models.signals import post_delete, post_save

AUDITED_APPS = frozenset({"monusco", "cla", "can", "jpt", "gender"})
_SKIP_MODELS = frozenset({"monusco.auditlog", "monusco.apiaccesslog"})  # logs themselves

_actor: contextvars.ContextVar = contextvars.ContextVar("audit_actor", default=None)


def current_actor():
    return _actor.get()


@contextlib.contextmanager
def acting_as(user):
    token = _actor.set(user if user is not None and getattr(user, "is_authenticated", False) else None)
    try:
        yield
    finally:
        _actor.reset(token)


def set_actor(user):
    return _actor.set(user if user is not None and getattr(user, "is_authenticated", False) else None)


def reset_actor(token) -> None:
    _actor.reset(token)


def audit_row(*, action: str, instance, actor=None, detail: dict | None = None, object_pk=None):
    """The audit row for a change, not yet saved. ``object_pk`` stands in for the record's key
    when it is not known yet (``monusco.db.parent_pk``)."""
    from .models import AuditLog

    return AuditLog(
        actor=actor if actor is not None else current_actor(),
        action=action,
        model=instance._meta.label_lower,
        object_pk=str(instance.pk) if object_pk is None else object_pk,
        object_repr=_safe_repr(instance),
        detail=detail or {},
    )


def audit_record(*, action: str, instance, actor=None, detail: dict | None = None) -> None:
    audit_row(action=action, instance=instance, actor=actor, detail=detail).save()


def audited_update(queryset, *, actor=None, **fields) -> int:
    """``queryset.update(**fields)``, with one audit row per row changed (the field names), in the
    same statement on PostgreSQL (a data-modifying CTE: no extra round trip on the hot paths), in
    the same transaction elsewhere. ``updated_at`` is set too, as a model save would. Returns how
    many rows changed. Rows are named ``"<model> <uid>"``: the model must have a ``uid``."""
    from .db import update_returning
    from .models import AuditLog

    model = queryset.model
    if "updated_at" not in fields and any(f.name == "updated_at" for f in model._meta.concrete_fields):
        from django.utils import timezone

        fields["updated_at"] = timezone.now()
    return update_returning(
        queryset,
        fields,
        audit=AuditLog(
            actor=actor if actor is not None else current_actor(),
            action=AuditLog.Action.UPDATE,
            model=model._meta.label_lower,
            object_repr=model._meta.model_name,
            detail={"fields": sorted(fields)},
        ),
    )


def audited_bulk_create(rows: list, *, actor=None, savepoint: bool = True) -> list:
    """``bulk_create(rows)`` with one audit row per row created, in one transaction. Returns the
    rows, with their keys. ``savepoint=False``: inside the caller's transaction without a
    savepoint of its own (two statements, not four), for a caller that lets a failure end it."""
    from django.db import transaction

    from .models import AuditLog

    if not rows:
        return []
    model = type(rows[0])
    with transaction.atomic(savepoint=savepoint):
        created = model._default_manager.bulk_create(rows)
        AuditLog.objects.bulk_create(
            [audit_row(action=AuditLog.Action.CREATE, instance=row, actor=actor) for row in created]
        )
    return created


def audit_protected_read(*, user, instance, fields: list[str]) -> None:
    """Log that ``user`` saw the protected ``fields`` of ``instance``."""
    from .models import AuditLog

    audit_record(action=AuditLog.Action.VIEW_PROTECTED, instance=instance, actor=user, detail={"fields": fields})


def _safe_repr(instance) -> str:
    # Models holding protected data define ``audit_repr`` (a pseudonymous code, never a name).
    text = getattr(instance, "audit_repr", None)
    if text is None:
        text = f"{instance._meta.verbose_name} {getattr(instance, 'uid', instance.pk)}"
    return str(text)[:200]


def _on_save(sender, instance, created, update_fields=None, raw=False, **kwargs) -> None:
    if raw or sender._meta.label_lower in _SKIP_MODELS or sender._meta.app_label not in AUDITED_APPS:
        return
    from .models import AuditLog

    detail = {"fields": sorted(update_fields)} if update_fields else {}
    audit_record(action=AuditLog.Action.CREATE if created else AuditLog.Action.UPDATE, instance=instance, detail=detail)


def _on_delete(sender, instance, **kwargs) -> None:
    if sender._meta.label_lower in _SKIP_MODELS or sender._meta.app_label not in AUDITED_APPS:
        return
    from .models import AuditLog

    audit_record(action=AuditLog.Action.DELETE, instance=instance)


def connect_signals() -> None:
    post_save.connect(_on_save, dispatch_uid="monusco_audit_save")
    post_delete.connect(_on_delete, dispatch_uid="monusco_audit_delete")
