"""The rows edited on the mission form, and the follow-up history shown on a recommendation."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from monusco.admin_scope import ScopedInlineMixin

from .. import selectors, services
from ..models import Finding, ItineraryStop, MeetingHeld, MissionMember, Recommendation, RecommendationUpdate
from .forms import MeetingHeldForm, RecommendationInlineForm


class MissionChildInline:
    """Inline rows are editable only by whoever may edit the mission itself."""

    extra = 0

    def _editable(self, request, obj) -> bool:
        return obj is None or services.user_can_edit_mission(user=request.user, mission=obj)

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and self._editable(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._editable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._editable(request, obj)


class MemberInline(MissionChildInline, ScopedInlineMixin, admin.TabularInline):
    model = MissionMember
    fields = ["user", "external_name", "section", "sex", "role"]
    autocomplete_fields = ["user"]
    verbose_name_plural = gettext_lazy("Team")


class StopInline(MissionChildInline, ScopedInlineMixin, admin.TabularInline):
    model = ItineraryStop
    fields = ["locality", "arrive_on", "leave_on", "note", "latitude", "longitude", "position_accuracy"]
    autocomplete_fields = ["locality"]
    verbose_name_plural = gettext_lazy("Itinerary")


class MeetingInline(MissionChildInline, ScopedInlineMixin, admin.StackedInline):
    model = MeetingHeld
    form = MeetingHeldForm
    fields = [
        ("held_on", "locality", "kind"),
        "with_whom",
        ("women", "men", "girls", "boys"),
        ("age_0_5", "age_6_12", "age_13_17", "age_18_49", "age_50_59", "age_60_plus"),
        "notes",
    ]
    autocomplete_fields = ["locality"]
    verbose_name_plural = gettext_lazy("Communities and authorities met")


class FindingInline(MissionChildInline, ScopedInlineMixin, admin.StackedInline):
    """Sexual-violence findings are protected: people who can only read the mission see their
    detail if their role needs to know (and the read is logged), otherwise it is withheld."""

    model = Finding
    fields = [("category", "locality"), "description"]
    readonly_fields = ["description_shown"]
    autocomplete_fields = ["locality"]

    def get_fields(self, request, obj=None):
        self.request = request  # inline instances are made per request
        if self._editable(request, obj) and self.has_change_permission(request, obj):
            return self.fields
        return [("category", "locality"), "description_shown"]

    @admin.display(description=gettext_lazy("finding"))
    def description_shown(self, finding) -> str:
        description = selectors.finding_description_read(user=self.request.user, finding=finding)
        if description is not None:
            return description
        return _("Details withheld: protected information, shared on a need-to-know basis only.")


class RecommendationInline(MissionChildInline, ScopedInlineMixin, admin.StackedInline):
    model = Recommendation
    form = RecommendationInlineForm
    fields = [
        "text",
        ("responsible", "responsible_detail"),
        ("deadline", "follow_up_status"),
        "update_note",
        ("last_update_on", "last_update_note"),
    ]
    readonly_fields = ["last_update_on", "last_update_note"]


class RecommendationUpdateInline(ScopedInlineMixin, admin.TabularInline):
    model = RecommendationUpdate
    fields = ["updated_on", "status", "note", "author"]
    readonly_fields = fields
    extra = 0
    verbose_name_plural = gettext_lazy("Follow-up history")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
