"""The mission admin: the form with its inlines, the lifecycle as actions and buttons, and the
overdue recommendations list."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from monusco.admin_scope import ScopedAdmin

from .. import selectors, services
from ..models import JPTMission, MissionStatus, Recommendation
from .filters import OverdueFilter, TerritoryFilter
from .forms import JPTMissionForm
from .inlines import FindingInline, MeetingInline, MemberInline, RecommendationInline, StopInline


@admin.register(JPTMission)
class JPTMissionAdmin(ScopedAdmin):
    form = JPTMissionForm
    change_form_template = "admin/jpt/jptmission/change_form.html"
    change_list_template = "admin/jpt/jptmission/change_list.html"
    list_display = [
        "title",
        "status",
        "start_date",
        "end_date",
        "territories",
        "lead",
        "team_size",
        "women_on_team",
        "overdue_count",
        "review_status",
    ]
    list_filter = ["status", TerritoryFilter, "start_date", OverdueFilter]
    search_fields = ["title", "objectives", "lead__username", "lead__first_name", "lead__last_name", "localities__name"]
    date_hierarchy = "start_date"
    autocomplete_fields = ["lead", "localities"]
    inlines = [MemberInline, StopInline, MeetingInline, FindingInline, RecommendationInline]
    actions = ["action_approve", "action_start", "action_complete", "action_submit_report"]
    lifecycle_fields = [
        "status",
        "approved_by",
        "approved_at",
        "started_by",
        "started_at",
        "completed_by",
        "completed_at",
        "report_submitted_by",
        "report_submitted_at",
        "review_status",
        "review_round",
        "submitted_at",
        "reviewed_at",
    ]
    fieldsets = [
        (gettext_lazy("Mission"), {"fields": ["title", "lead", ("start_date", "end_date")]}),
        (gettext_lazy("Area"), {"fields": ["localities", "bases"]}),
        (gettext_lazy("Purpose"), {"fields": ["objectives", "terms_of_reference"]}),
        (
            gettext_lazy("People met, by sex and age"),
            {
                "fields": [
                    ("women", "men", "girls", "boys"),
                    ("age_0_5", "age_6_12", "age_13_17", "age_18_49", "age_50_59", "age_60_plus"),
                ],
                "description": gettext_lazy(
                    "Everyone the team met. Age bands are optional; if given, they must add up."
                ),
            },
        ),
        (gettext_lazy("Report"), {"fields": ["summary"]}),
        (
            gettext_lazy("Lifecycle"),
            {
                "fields": [
                    "status",
                    ("approved_by", "approved_at"),
                    ("started_by", "started_at"),
                    ("completed_by", "completed_at"),
                    ("report_submitted_by", "report_submitted_at"),
                    ("review_status", "review_round", "submitted_at", "reviewed_at"),
                ]
            },
        ),
    ]

    # queryset and permissions

    def get_queryset(self, request):
        return selectors.mission_list(user=request.user)

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if obj is None or not allowed:
            return allowed
        return services.user_can_edit_mission(user=request.user, mission=obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_approve_permission(self, request) -> bool:
        return request.user.has_perm("jpt.approve_jptmission")

    def get_readonly_fields(self, request, obj=None):
        fields = list(self.lifecycle_fields)
        if not request.user.is_superuser:
            fields.append("lead")
        return fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.request_user = request.user
        return form

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("lead", request.user.pk)
        return initial

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "bases":
            from cla.selectors import base_list

            kwargs["queryset"] = base_list(user=request.user).order_by("name")
            kwargs["widget"] = forms.CheckboxSelectMultiple
        elif db_field.name == "localities":
            # The autocomplete offers the area in scope; ``clean_localities`` says so in words.
            from monusco.models import Locality

            kwargs["queryset"] = Locality.objects.all()
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    # columns

    @admin.display(description=gettext_lazy("territory"))
    def territories(self, obj) -> str:
        return ", ".join(sorted({locality.territory.name for locality in obj.localities.all()}))

    @admin.display(description=gettext_lazy("team size"), ordering="team_size")
    def team_size(self, obj) -> int:
        return obj.team_size

    @admin.display(description=gettext_lazy("women on the team"), ordering="women_on_team")
    def women_on_team(self, obj) -> int:
        return obj.women_on_team

    @admin.display(description=gettext_lazy("overdue recommendations"), ordering="overdue_count")
    def overdue_count(self, obj) -> int:
        return obj.overdue_count

    # saving

    def save_model(self, request, obj, form, change):
        if not change and not request.user.is_superuser:
            obj.lead = request.user
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        if formset.model is not Recommendation:
            super().save_formset(request, form, formset, change)
            return
        # Recommendations are saved by the service: their status changes as a follow-up step.
        notes = {id(row.instance): row.cleaned_data.get("update_note", "") for row in formset.forms}
        saved = formset.save(commit=False)
        for recommendation in formset.deleted_objects:
            services.recommendation_delete(recommendation=recommendation, user=request.user)
        for recommendation in saved:
            services.recommendation_save(
                recommendation=recommendation, user=request.user, note=notes[id(recommendation)]
            )
        formset.changed_objects = [
            (obj, [f for f in fields if f != "update_note"]) for obj, fields in formset.changed_objects
        ]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        for warning in selectors.mission_composition_warnings(mission=form.instance):
            messages.warning(request, warning)

    # lifecycle: actions and buttons

    def _run_transition(self, request, queryset, name: str) -> None:
        done = 0
        for mission in queryset:
            try:
                services.mission_transition(mission=mission, user=request.user, name=name)
                done += 1
            except ValidationError as error:
                self.message_user(request, f"{mission.title}: {' '.join(error.messages)}", messages.ERROR)
        if done:
            self.message_user(
                request,
                _("%(step)s: done for %(count)d mission(s).")
                % {"step": services.TRANSITIONS[name].label, "count": done},
                messages.SUCCESS,
            )

    @admin.action(description=gettext_lazy("Approve the selected missions"), permissions=["approve"])
    def action_approve(self, request, queryset):
        self._run_transition(request, queryset, "approve")

    @admin.action(description=gettext_lazy("Start the selected missions"), permissions=["change"])
    def action_start(self, request, queryset):
        self._run_transition(request, queryset, "start")

    @admin.action(description=gettext_lazy("Mark the selected missions as completed"), permissions=["change"])
    def action_complete(self, request, queryset):
        self._run_transition(request, queryset, "complete")

    @admin.action(description=gettext_lazy("Submit the reports of the selected missions"), permissions=["change"])
    def action_submit_report(self, request, queryset):
        self._run_transition(request, queryset, "submit_report")

    def get_urls(self):
        urls = super().get_urls()
        custom = [
            path(
                "overdue-recommendations/",
                self.admin_site.admin_view(self.overdue_view),
                name="jpt_overdue_recommendations",
            ),
            path(
                "<path:object_id>/step/<str:name>/",
                self.admin_site.admin_view(self.transition_view),
                name="jpt_jptmission_transition",
            ),
        ]
        return custom + urls

    def transition_view(self, request, object_id, name):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        mission = self.get_object(request, object_id)
        if mission is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        self._transition_and_say(request, mission, name)
        return HttpResponseRedirect(reverse("admin:jpt_jptmission_change", args=[mission.pk]))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        mission = self.get_object(request, object_id)
        if mission is not None:
            extra_context["transitions"] = services.available_transitions(user=request.user, mission=mission)
            # The lead's steps submit the form itself: what was typed is saved with the step.
            extra_context["steps_save_form"] = self.has_change_permission(request, mission)
            if mission.status == MissionStatus.PLANNED:
                extra_context["approvers"] = selectors.mission_approvers(mission=mission)
        return super().change_view(request, object_id, form_url, extra_context)

    def response_change(self, request, obj):
        """After a save, the lifecycle step whose button submitted the form, if any."""
        name = request.POST.get("_transition")
        if name is None:
            return super().response_change(request, obj)
        self.message_user(request, _("Your changes were saved."), messages.SUCCESS)
        self._transition_and_say(request, obj, name)
        return HttpResponseRedirect(reverse("admin:jpt_jptmission_change", args=[obj.pk]))

    def _transition_and_say(self, request, mission, name: str) -> None:
        try:
            services.mission_transition(mission=mission, user=request.user, name=name)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
        else:
            self.message_user(
                request,
                _("Mission is now %(status)s.") % {"status": mission.get_status_display().lower()},
                messages.SUCCESS,
            )

    def overdue_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        recommendations = selectors.overdue_recommendation_list(user=request.user)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Overdue recommendations"),
            "recommendations": recommendations,
            "today": timezone.localdate(),
        }
        return TemplateResponse(request, "admin/jpt/overdue_recommendations.html", context)
