"""The JPT lead's main door: missions with their team, itinerary, meetings, findings and
recommendations; lifecycle steps as actions and buttons; the overdue recommendations list.

Every queryset goes through ``jpt.selectors`` (scoped), and every choice and history page follows
the scope too (``monusco.admin_scope``); every lifecycle step and follow-up update
goes through ``jpt.services``. JPT leads edit their own missions; other missions in their scope are
read-only to them, as they are to CLAs, the gender office and managers.
"""

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

from gender.sadd import BANDS_MESSAGE, SADD_FIELDS, age_band_errors
from monusco.admin_scope import ScopedAdmin, ScopedInlineMixin
from monusco.audit import audit_protected_read
from monusco.choices import PROTECTED_THREAT_CATEGORIES

from . import selectors, services
from .models import (
    OPEN_FOLLOW_UP,
    Finding,
    FollowUpStatus,
    ItineraryStop,
    JPTMission,
    MeetingHeld,
    MissionMember,
    Recommendation,
    RecommendationUpdate,
)


def _check_age_bands(form: forms.ModelForm) -> None:
    """The one message of ``gender.sadd`` instead of the database's constraint name."""
    if age_band_errors(form.cleaned_data):
        raise forms.ValidationError(BANDS_MESSAGE, code="age_bands")


class SaddFormMixin:
    """Checks the sex/age bands with a translated message, and then leaves the database
    constraint on those fields out of the model validation (it would only repeat it). Each count
    is bounded as the API and the CLA forms bound them."""

    _bands_invalid = False

    def __init__(self, *args, **kwargs):
        from django.core.validators import MaxValueValidator

        from cla.validators import MAX_COUNT, TOO_MANY

        super().__init__(*args, **kwargs)
        for name in SADD_FIELDS:
            if name in self.fields:
                self.fields[name].validators.append(MaxValueValidator(MAX_COUNT, message=TOO_MANY))

    def clean(self):
        cleaned = super().clean()
        try:
            _check_age_bands(self)
        except forms.ValidationError:
            self._bands_invalid = True
            raise
        return cleaned

    def _get_validation_exclusions(self):
        exclude = super()._get_validation_exclusions()
        if self._bands_invalid:
            exclude.update(SADD_FIELDS)
        return exclude


# --- filters -----------------------------------------------------------------------------------


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


# --- inlines -----------------------------------------------------------------------------------


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
    fields = ["locality", "arrive_on", "leave_on", "note"]
    autocomplete_fields = ["locality"]
    verbose_name_plural = gettext_lazy("Itinerary")


class MeetingHeldForm(SaddFormMixin, forms.ModelForm):
    class Meta:
        model = MeetingHeld
        fields = ["held_on", "locality", "kind", "with_whom", "notes", *SADD_FIELDS]


class MeetingInline(MissionChildInline, ScopedInlineMixin, admin.StackedInline):
    model = MeetingHeld
    form = MeetingHeldForm
    fields = [("held_on", "locality", "kind"), "with_whom", ("women", "men", "girls", "boys"),
              ("age_0_5", "age_6_12", "age_13_17", "age_18_49", "age_50_59", "age_60_plus"), "notes"]
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
        if finding.category not in PROTECTED_THREAT_CATEGORIES:
            return finding.description
        user = self.request.user
        if user.has_perm("gender.view_sexual_violence_detail"):
            audit_protected_read(user=user, instance=finding, fields=["description"])
            return finding.description
        return _("Details withheld: protected information, shared on a need-to-know basis only.")


class RecommendationInlineForm(forms.ModelForm):
    update_note = forms.CharField(
        label=gettext_lazy("Follow-up note"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("A change of status or a note is added to the follow-up history."),
    )

    class Meta:
        model = Recommendation
        fields = ["text", "responsible", "responsible_detail", "deadline", "follow_up_status"]


class RecommendationInline(MissionChildInline, ScopedInlineMixin, admin.StackedInline):
    model = Recommendation
    form = RecommendationInlineForm
    fields = ["text", ("responsible", "responsible_detail"), ("deadline", "follow_up_status"), "update_note",
              ("last_update_on", "last_update_note")]
    readonly_fields = ["last_update_on", "last_update_note"]


def _save_recommendations(request, formset) -> None:
    """Save recommendation rows; status changes and notes go through the follow-up service."""
    formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
    for form in formset.deleted_forms:
        if form.instance.pk is not None:
            formset.deleted_objects.append(form.instance)
            form.instance.delete()
    for form in formset.forms:
        if form in formset.deleted_forms or not form.has_changed() or not form.cleaned_data:
            continue
        obj = form.instance
        new_status = form.cleaned_data["follow_up_status"]
        note = form.cleaned_data.get("update_note", "")
        is_new = obj.pk is None
        status_changed = "follow_up_status" in form.changed_data and not is_new
        if status_changed:
            obj.follow_up_status = form.initial.get("follow_up_status", FollowUpStatus.OPEN)
        obj.mission = formset.instance
        obj.save()
        if is_new:
            formset.new_objects.append(obj)
        else:
            formset.changed_objects.append((obj, [f for f in form.changed_data if f != "update_note"]))
        if status_changed or note.strip() or (is_new and new_status != FollowUpStatus.OPEN):
            services.recommendation_record_update(recommendation=obj, user=request.user, status=new_status, note=note)


# --- missions ----------------------------------------------------------------------------------


class JPTMissionForm(SaddFormMixin, forms.ModelForm):
    request_user = None  # set per request by ``JPTMissionAdmin.get_form``

    class Meta:
        model = JPTMission
        fields = ["title", "lead", "start_date", "end_date", "localities", "bases", "objectives", "terms_of_reference",
                  "summary", *SADD_FIELDS]

    def clean_localities(self):
        localities = self.cleaned_data["localities"]
        user = self.request_user
        if user is not None and not selectors.localities_all_in_scope(user=user, localities=localities):
            raise forms.ValidationError(_("You can only plan missions in the area you cover."))
        return localities



@admin.register(JPTMission)
class JPTMissionAdmin(ScopedAdmin):
    form = JPTMissionForm
    change_form_template = "admin/jpt/jptmission/change_form.html"
    change_list_template = "admin/jpt/jptmission/change_list.html"
    list_display = ["title", "status", "start_date", "end_date", "territories", "lead", "team_size",
                    "women_on_team", "overdue_count", "review_status"]
    list_filter = ["status", TerritoryFilter, "start_date", OverdueFilter]
    search_fields = ["title", "objectives", "lead__username", "lead__first_name", "lead__last_name",
                     "localities__name"]
    date_hierarchy = "start_date"
    autocomplete_fields = ["lead", "localities"]
    inlines = [MemberInline, StopInline, MeetingInline, FindingInline, RecommendationInline]
    actions = ["action_approve", "action_start", "action_complete", "action_submit_report"]
    lifecycle_fields = ["status", "approved_by", "approved_at", "started_by", "started_at", "completed_by",
                        "completed_at", "report_submitted_by", "report_submitted_at", "review_status",
                        "review_round", "submitted_at", "reviewed_at"]
    fieldsets = [
        (gettext_lazy("Mission"), {"fields": ["title", "lead", ("start_date", "end_date")]}),
        (gettext_lazy("Area"), {"fields": ["localities", "bases"]}),
        (gettext_lazy("Purpose"), {"fields": ["objectives", "terms_of_reference"]}),
        (gettext_lazy("People met, by sex and age"), {
            "fields": [("women", "men", "girls", "boys"),
                       ("age_0_5", "age_6_12", "age_13_17", "age_18_49", "age_50_59", "age_60_plus")],
            "description": gettext_lazy("Everyone the team met. Age bands are optional; if given, they must add up."),
        }),
        (gettext_lazy("Report"), {"fields": ["summary"]}),
        (gettext_lazy("Lifecycle"), {"fields": [
            "status", ("approved_by", "approved_at"), ("started_by", "started_at"), ("completed_by", "completed_at"),
            ("report_submitted_by", "report_submitted_at"), ("review_status", "review_round", "submitted_at",
                                                             "reviewed_at"),
        ]}),
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
        if formset.model is Recommendation:
            _save_recommendations(request, formset)
            return
        super().save_formset(request, form, formset, change)

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
                _("%(step)s: done for %(count)d mission(s).") % {"step": services.TRANSITIONS[name].label, "count": done},
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
            path("overdue-recommendations/", self.admin_site.admin_view(self.overdue_view), name="jpt_overdue_recommendations"),
            path("<path:object_id>/step/<str:name>/", self.admin_site.admin_view(self.transition_view),
                 name="jpt_jptmission_transition"),
        ]
        return custom + urls

    def transition_view(self, request, object_id, name):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        mission = self.get_object(request, object_id)
        if mission is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        try:
            services.mission_transition(mission=mission, user=request.user, name=name)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
        else:
            self.message_user(
                request, _("Mission is now %(status)s.") % {"status": mission.get_status_display().lower()},
                messages.SUCCESS,
            )
        return HttpResponseRedirect(reverse("admin:jpt_jptmission_change", args=[mission.pk]))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        mission = self.get_object(request, object_id)
        if mission is not None:
            extra_context["transitions"] = services.available_transitions(user=request.user, mission=mission)
        return super().change_view(request, object_id, form_url, extra_context)

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


# --- recommendations and their follow-up --------------------------------------------------------


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


class RecommendationForm(forms.ModelForm):
    update_note = RecommendationInlineForm.base_fields["update_note"]

    class Meta:
        model = Recommendation
        fields = ["mission", "text", "responsible", "responsible_detail", "deadline", "follow_up_status"]


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
        note = form.cleaned_data.get("update_note", "")
        new_status = form.cleaned_data["follow_up_status"]
        status_changed = change and "follow_up_status" in form.changed_data
        if status_changed:
            obj.follow_up_status = form.initial.get("follow_up_status", FollowUpStatus.OPEN)
        super().save_model(request, obj, form, change)
        if status_changed or note.strip() or (not change and new_status != FollowUpStatus.OPEN):
            services.recommendation_record_update(recommendation=obj, user=request.user, status=new_status, note=note)


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
