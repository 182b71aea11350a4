"""Admin for bases, CLAs, meetings and protection plans. Thin: lists, filters, search, inlines, and
every page and choice cut to the user's scope (``monusco.admin_scope``; superusers see everything).

Meetings and protection plans are written on the field pages, whose services hold their rules (the
CLA's own base, a locality the base covers, no change once submitted, plan versions): here they are
read-only but for administrators."""

from django import forms
from django.contrib import admin

from monusco.admin_scope import ScopedAdmin, ScopedStackedInline, ScopedTabularInline, add_scope_paths
from monusco.choices import PROTECTED_THREAT_CATEGORIES
from monusco.models import Locality, Province, Territory, User
from monusco.roles import Role, user_has_role

from . import validators
from .models import (
    BaseAssignment,
    CommunityLiaisonAssistant,
    CommunityProtectionPlan,
    MeetingFollowUp,
    OperatingBase,
    PlanAction,
    PlanRevision,
    PlanThreat,
    SecurityConcern,
    UrafikiMeeting,
)

# A base's users reach the places it covers, and the people assigned to the bases of a scope are in it.
add_scope_paths(Locality, base="covering_bases__id")
add_scope_paths(Territory, base="localities__covering_bases__id")
add_scope_paths(Province, base="territories__localities__covering_bases__id")
add_scope_paths(
    User,
    base="base_assignments__base_id",
    territory="base_assignments__base__locality__territory_id",
    province="base_assignments__base__locality__territory__province_id",
)


class WrittenOnTheFieldPages:
    """Read-only in the admin but for administrators: the field pages' services write these."""

    def has_add_permission(self, request, *args) -> bool:
        return request.user.is_superuser and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser and super().has_delete_permission(request, obj)


class VersionedOnSave:
    """An administrator's edit makes a new version, as the services' saves do: a CLA form opened
    before it is then refused as stale, never saved over it."""

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "version"]

    def save_model(self, request, obj, form, change):
        if change:
            saved = type(obj)._default_manager.filter(pk=obj.pk).values_list("version", flat=True).first()
            obj.version = (saved or 0) + 1
        super().save_model(request, obj, form, change)


class CoveredLocalityForm(forms.ModelForm):
    """The locality must be one the base covers: the services' rule, for administrators' edits."""

    def clean(self):
        data = super().clean()
        base = data.get("base")
        if base is None and self.instance.base_id:
            base = self.instance.base
        for field, messages in validators.coverage_errors("locality", base, data.get("locality")).items():
            self.add_error(field, messages)
        return data


def _paths(prefix: str = "") -> dict:
    return {
        "base": f"{prefix}base_id",
        "territory": f"{prefix}locality__territory_id",
        "province": f"{prefix}locality__territory__province_id",
    }


class BaseAssignmentInline(ScopedTabularInline):
    model = BaseAssignment
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(OperatingBase)
class OperatingBaseAdmin(ScopedAdmin):
    list_display = ["name", "code", "kind", "parent", "locality", "contingent", "opened_on", "closed_on"]
    list_filter = ["kind", "locality__territory__province", "contingent", ("closed_on", admin.EmptyFieldListFilter)]
    search_fields = ["name", "code", "locality__name", "contingent"]
    autocomplete_fields = ["parent", "locality", "coverage"]
    list_select_related = ["parent", "locality"]
    inlines = [BaseAssignmentInline]
    scope_paths = {"base": "id", "territory": "locality__territory_id", "province": "locality__territory__province_id"}


@admin.register(CommunityLiaisonAssistant)
class CommunityLiaisonAssistantAdmin(ScopedAdmin):
    list_display = ["user", "is_gender_focal_point", "is_active", "created_at"]
    list_filter = ["is_gender_focal_point", "is_active"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user"]
    list_select_related = ["user"]
    scope_paths = {
        "base": "user__base_assignments__base_id",
        "territory": "user__base_assignments__base__locality__territory_id",
        "province": "user__base_assignments__base__locality__territory__province_id",
    }


@admin.register(BaseAssignment)
class BaseAssignmentAdmin(ScopedAdmin):
    list_display = ["user", "base", "function", "starts_on", "ends_on"]
    list_filter = ["function", "base", ("ends_on", admin.EmptyFieldListFilter)]
    search_fields = ["user__username", "user__first_name", "user__last_name", "base__name"]
    autocomplete_fields = ["user", "base"]
    list_select_related = ["user", "base"]
    scope_paths = _paths("base__") | {"base": "base_id"}


def may_see_protected(request) -> bool:
    """Sexual-violence concerns: the base's CLAs (already cut to their scope) and need-to-know roles."""
    user = request.user
    return user.is_superuser or user.has_perm("gender.view_sexual_violence_detail") or user_has_role(user, Role.CLA)


def _hide_protected(request, qs):
    return qs if may_see_protected(request) else qs.exclude(category__in=PROTECTED_THREAT_CATEGORIES)


class SecurityConcernInline(WrittenOnTheFieldPages, ScopedTabularInline):
    model = SecurityConcern
    extra = 0

    def get_queryset(self, request):
        return _hide_protected(request, super().get_queryset(request))


class MeetingFollowUpInline(WrittenOnTheFieldPages, ScopedTabularInline):
    model = MeetingFollowUp
    extra = 0


@admin.register(UrafikiMeeting)
class UrafikiMeetingAdmin(VersionedOnSave, WrittenOnTheFieldPages, ScopedAdmin):
    form = CoveredLocalityForm
    list_display = ["held_on", "meeting_type", "locality", "base", "review_status", "women", "men", "girls", "boys"]
    list_filter = ["review_status", "meeting_type", "base", "locality__territory"]
    search_fields = ["topics", "locality__name", "base__name"]
    autocomplete_fields = ["base", "locality", "facilitators", "created_by"]
    list_select_related = ["base", "locality"]
    date_hierarchy = "held_on"
    readonly_fields = ["review_status", "review_round", "submitted_at", "reviewed_at"]
    inlines = [SecurityConcernInline, MeetingFollowUpInline]
    scope_paths = _paths()


@admin.register(SecurityConcern)
class SecurityConcernAdmin(WrittenOnTheFieldPages, ScopedAdmin):
    list_display = ["category", "meeting", "created_at"]
    list_filter = ["category"]
    search_fields = ["description", "meeting__locality__name"]
    autocomplete_fields = ["meeting"]
    list_select_related = ["meeting__locality"]
    scope_paths = _paths("meeting__")

    def get_queryset(self, request):
        return _hide_protected(request, super().get_queryset(request))


@admin.register(MeetingFollowUp)
class MeetingFollowUpAdmin(WrittenOnTheFieldPages, ScopedAdmin):
    list_display = ["action", "responsible", "due_on", "status", "meeting"]
    list_filter = ["status", "responsible"]
    search_fields = ["action", "meeting__locality__name"]
    autocomplete_fields = ["meeting"]
    list_select_related = ["meeting__locality"]
    scope_paths = _paths("meeting__")


class PlanThreatInline(WrittenOnTheFieldPages, ScopedStackedInline):
    model = PlanThreat
    extra = 0
    show_change_link = True


class PlanRevisionInline(ScopedTabularInline):
    model = PlanRevision
    extra = 0
    fields = ["version", "saved_by", "created_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CommunityProtectionPlan)
class CommunityProtectionPlanAdmin(VersionedOnSave, WrittenOnTheFieldPages, ScopedAdmin):
    form = CoveredLocalityForm
    list_display = ["locality", "base", "period_start", "period_end", "review_on", "version", "review_status"]
    list_filter = ["review_status", "base", "locality__territory"]
    search_fields = ["locality__name", "base__name", "summary"]
    autocomplete_fields = ["base", "locality", "created_by"]
    list_select_related = ["base", "locality"]
    readonly_fields = ["review_status", "review_round", "submitted_at", "reviewed_at"]
    inlines = [PlanThreatInline, PlanRevisionInline]
    scope_paths = _paths()


@admin.register(PlanRevision)
class PlanRevisionAdmin(ScopedAdmin):
    list_display = ["plan", "version", "saved_by", "created_at"]
    search_fields = ["plan__locality__name"]
    autocomplete_fields = ["plan", "saved_by"]
    list_select_related = ["plan__locality", "saved_by"]
    scope_paths = _paths("plan__")

    # A saved version is history: written by the plan service only, never edited.
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class PlanActionInline(WrittenOnTheFieldPages, ScopedTabularInline):
    model = PlanAction
    extra = 0


@admin.register(PlanThreat)
class PlanThreatAdmin(WrittenOnTheFieldPages, ScopedAdmin):
    list_display = ["category", "perpetrator_type", "plan"]
    list_filter = ["category", "perpetrator_type"]
    search_fields = ["description", "plan__locality__name"]
    autocomplete_fields = ["plan"]
    list_select_related = ["plan__locality"]
    inlines = [PlanActionInline]
    scope_paths = _paths("plan__")


@admin.register(PlanAction)
class PlanActionAdmin(WrittenOnTheFieldPages, ScopedAdmin):
    list_display = ["description", "responsible", "deadline", "status", "review_on", "threat"]
    list_filter = ["status", "responsible"]
    search_fields = ["description", "threat__plan__locality__name"]
    autocomplete_fields = ["threat"]
    list_select_related = ["threat__plan__locality"]
    scope_paths = _paths("threat__plan__")
