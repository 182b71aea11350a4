"""The audit trail: every change to any project record, and every read of a protected one.

Changes are caught at the model layer (post_save / post_delete for the project's own apps), so the
admin, forms, the API, tasks and commands are all covered without each remembering to log. Only
field names are recorded, never values: values may be protected. The acting user comes from a
context variable set per request by ``AuditActorMiddleware`` (or by a service with ``acting_as``).
Bulk operations (``bulk_create``, ``QuerySet.update``) bypass model signals; services that use
them call ``audit_record`` themselves.
"""

from __future__ import annotations

import contextlib
import contextvars

from django.db.models.signals import post_delete, post_save

AUDITED_APPS = frozenset({"monusco", "cla", "can", "jpt", "gender"})
_SKIP_MODELS = frozenset({"monusco.auditlog"})

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
