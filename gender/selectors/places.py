"""The provinces, territories and operating bases a user may filter the queue and the dashboard
by, and the places named by uid in a filter."""

from __future__ import annotations

from django.db.models import QuerySet

from monusco.scope import scope_for

from ..registry import reports


def province_choices(*, user) -> QuerySet:
    from monusco.models import Province

    return (
        scope_for(user).filter(Province.objects.order_by("name"), province="pk", territory="territories__id").distinct()
    )


def territory_choices(*, user) -> QuerySet:
    from monusco.models import Territory

    return scope_for(user).filter(
        Territory.objects.select_related("province").order_by("province__name", "name"),
        territory="pk",
        province="province_id",
    )


def base_choices(*, user) -> QuerySet | None:
    """The operating bases in the user's scope, found through the registered report types."""
    base_model = reports.base_model()
    if base_model is None:
        return None
    names = {f.name for f in base_model._meta.get_fields()}
    qs = base_model._default_manager.order_by("name" if "name" in names else "pk")
    if "locality" in names:
        return scope_for(user).filter(
            qs, base="pk", territory="locality__territory_id", province="locality__territory__province_id"
        )
    return scope_for(user).filter(qs, base="pk")


def place_id(model, uid) -> int | None:
    """The id of the province, territory or base (``model``) with this uid, or -1 (matches
    nothing) when unknown; None when no uid is given. A place outside the user's scope keeps its
    id: the dashboard's own scope then counts nothing there."""
    if uid is None:
        return None
    if model is None:
        return -1
    return model.objects.filter(uid=uid).values_list("pk", flat=True).first() or -1


def base_id(uid) -> int | None:
    """``place_id`` for an operating base, its model learnt from the registry."""
    return place_id(reports.base_model(), uid)
