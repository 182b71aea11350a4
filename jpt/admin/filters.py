"""The mission and recommendation changelists' filters."""

from __future__ import annotations

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy

from .. import selectors
from ..models import OPEN_FOLLOW_UP, JPTMission, Recommendation


class TerritoryFilter(admin.SimpleListFilter):
    title = gettext_lazy("territory")
    parameter_name = "territory"

    def lookups(self, request, model_admin):
        return selectors.territories_in_scope(user=request.user)

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(
                pk__in=JPTMission.objects.filter(localities__territory_id=int(self.value())).values("pk")
            )
        return queryset


class OverdueFilter(admin.SimpleListFilter):
    title = gettext_lazy("recommendations")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", gettext_lazy("With overdue recommendations")), ("no", gettext_lazy("None overdue"))]

    def queryset(self, request, queryset):
        overdue = Recommendation.objects.filter(
            deadline__lt=timezone.localdate(), follow_up_status__in=OPEN_FOLLOW_UP
        ).values("mission_id")
        if self.value() == "yes":
            return queryset.filter(pk__in=overdue)
        if self.value() == "no":
            return queryset.exclude(pk__in=overdue)
        return queryset


class RecommendationOverdueFilter(admin.SimpleListFilter):
    title = gettext_lazy("deadline")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", gettext_lazy("Overdue"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(deadline__lt=timezone.localdate(), follow_up_status__in=OPEN_FOLLOW_UP)
        return queryset
