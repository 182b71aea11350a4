"""The admins of a mission's rows. Recommendations and their follow-up are open to everyone who
reads the mission; team, itinerary, meetings, findings and the history rows to administrators (the
others read and edit them on the mission form)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy

from monusco.admin_scope import ScopedAdmin

from .. import selectors, services
from ..models import Finding, ItineraryStop, MeetingHeld, MissionMember, Recommendation, RecommendationUpdate
from .filters import RecommendationOverdueFilter
from .forms import RecommendationForm
from .inlines import RecommendationUpdateInline


class ScopedChildAdmin(ScopedAdmin):
    """Rows that belong to a mission: scoped through it, editable by whoever may edit the mission."""

    def scope_queryset(self, request, qs):
        return qs.filter(mission__in=selectors.mission_ids_in_scope(user=request.user))

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("mission")

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "mission":
            kwargs["queryset"] = selectors.mission_list(user=request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_view_permission(self, request, obj=None):
        # Team, itinerary, meetings and findings are read and edited on the mission form only.
        return request.user.is_superuser


@admin.register(Recommendation)
class RecommendationAdmin(ScopedChildAdmin):
    form = RecommendationForm
    list_display = ["text_short", "mission", "responsible", "deadline", "follow_up_status", "last_update_on"]
    list_filter = ["follow_up_status", "responsible", RecommendationOverdueFilter, "deadline"]
    search_fields = ["text", "responsible_detail", "mission__title"]
    date_hierarchy = "deadline"
    inlines = [RecommendationUpdateInline]
    list_select_related = ["mission"]

    def has_view_permission(self, request, obj=None):
        return admin.ModelAdmin.has_view_permission(self, request, obj)

    def has_change_permission(self, request, obj=None):
        allowed = admin.ModelAdmin.has_change_permission(self, request, obj)
        if obj is None or not allowed:
            return allowed
        return services.user_can_edit_mission(user=request.user, mission=obj.mission)

    def get_readonly_fields(self, request, obj=None):
        fields = ["last_update_on", "last_update_note"]
        if obj is not None:
            fields.append("mission")
        return fields

    @admin.display(description=gettext_lazy("recommendation"), ordering="text")
    def text_short(self, obj) -> str:
        return obj.text[:80]

    def save_model(self, request, obj, form, change):
        services.recommendation_save(recommendation=obj, user=request.user, note=form.cleaned_data["update_note"])


@admin.register(MissionMember)
class MissionMemberAdmin(ScopedChildAdmin):
    list_display = ["__str__", "mission", "section", "sex", "role"]
    list_filter = ["section", "sex"]
    search_fields = ["external_name", "user__username", "user__last_name", "mission__title"]
    autocomplete_fields = ["user"]
    list_select_related = ["mission", "user"]


@admin.register(ItineraryStop)
class ItineraryStopAdmin(ScopedChildAdmin):
    list_display = ["locality", "mission", "arrive_on", "leave_on"]
    search_fields = ["locality__name", "mission__title"]
    autocomplete_fields = ["locality"]
    list_select_related = ["mission", "locality"]


@admin.register(MeetingHeld)
class MeetingHeldAdmin(ScopedChildAdmin):
    list_display = ["with_whom", "kind", "locality", "held_on", "mission", "women", "men", "girls", "boys"]
    list_filter = ["kind"]
    search_fields = ["with_whom", "locality__name", "mission__title"]
    autocomplete_fields = ["locality"]
    list_select_related = ["mission", "locality"]


@admin.register(Finding)
class FindingAdmin(ScopedChildAdmin):
    list_display = ["__str__", "category", "locality", "mission"]
    list_filter = ["category"]
    search_fields = ["description", "mission__title"]
    autocomplete_fields = ["locality"]
    list_select_related = ["mission", "locality"]


@admin.register(RecommendationUpdate)
class RecommendationUpdateAdmin(ScopedAdmin):
    list_display = ["updated_on", "recommendation", "status", "author"]
    list_filter = ["status"]
    search_fields = ["note", "recommendation__text"]
    list_select_related = ["recommendation", "author"]

    def scope_queryset(self, request, qs):
        return qs.filter(recommendation__mission__in=selectors.mission_ids_in_scope(user=request.user))

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser
