"""Scoped reads for the cla app."""

from django.db.models import Q, QuerySet
from django.utils import timezone

from monusco.scope import scope_for

from .models import BaseAssignment, CommunityProtectionPlan, OperatingBase, UrafikiMeeting


def assigned_base_ids(user) -> list[int]:
    """Ids of the bases the user is assigned to today (the base part of their scope)."""
    today = timezone.localdate()
    return list(
        BaseAssignment.objects.filter(user=user, starts_on__lte=today)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .values_list("base_id", flat=True)
    )


def base_list(*, user) -> QuerySet[OperatingBase]:
    return scope_for(user).filter(
        OperatingBase.objects.select_related("locality__territory__province", "parent"),
        base="id",
        territory="locality__territory_id",
        province="locality__territory__province_id",
    )


def meeting_list(*, user) -> QuerySet[UrafikiMeeting]:
    return scope_for(user).filter(
        UrafikiMeeting.objects.select_related("base", "locality", "created_by"),
        base="base_id",
        territory="locality__territory_id",
        province="locality__territory__province_id",
    )


def plan_list(*, user) -> QuerySet[CommunityProtectionPlan]:
    return scope_for(user).filter(
        CommunityProtectionPlan.objects.select_related("base", "locality"),
        base="base_id",
        territory="locality__territory_id",
        province="locality__territory__province_id",
    )
