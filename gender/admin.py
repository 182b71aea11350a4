from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import services
from .models import ChecklistItem, Review, ReviewAnswer, ReviewChecklist
from .registry import reports


class ChecklistItemInline(admin.TabularInline):
    model = ChecklistItem
    extra = 0
    fields = ("position", "measure", "text_fr", "text_sw", "text_en")


class ReviewChecklistForm(forms.ModelForm):
    class Meta:
        model = ReviewChecklist
        fields = ["report_type", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "report_type" in self.fields:
            self.fields["report_type"] = forms.ChoiceField(
                label=_("report type"), choices=[(rt.slug, rt.label) for rt in reports.all()]
            )

    def clean_report_type(self):
        value = self.cleaned_data["report_type"]
        if ReviewChecklist.objects.filter(report_type=value).exists():
            raise forms.ValidationError(
                _("This report type already has a checklist: edit it, and a new version is made if needed.")
            )
        return value


@admin.register(ReviewChecklist)
class ReviewChecklistAdmin(admin.ModelAdmin):
    form = ReviewChecklistForm
    list_display = ("report_type", "version", "is_active", "item_count", "note", "updated_at")
    list_filter = ("report_type", "is_active")
    search_fields = ("report_type", "note", "items__text_en", "items__text_fr")
    inlines = [ChecklistItemInline]

    def get_queryset(self, request):
        from django.db.models import Count

        return super().get_queryset(request).annotate(n_items=Count("items"))

    @admin.display(description=_("items"), ordering="n_items")
    def item_count(self, obj) -> int:
        return obj.n_items

    def get_readonly_fields(self, request, obj=None):
        return ("report_type", "version", "is_active") if obj else ("version", "is_active")

    def save_related(self, request, form, formsets, change):
        """Item edits on a checklist already used by reviews make a new version (the service
        decides); past reviews keep the items they were made with."""
        if not change or not any(formset.has_changed() for formset in formsets):
            return super().save_related(request, form, formsets, change)
        items = []
        for formset in formsets:
            # The service writes the items; the admin's change message reads these.
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            rows = [f for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
            rows.sort(key=lambda f: f.cleaned_data.get("position") or 0)
            items += [
                {key: f.cleaned_data.get(key) for key in ("measure", "text_fr", "text_sw", "text_en")} for f in rows
            ]
        try:
            new = services.checklist_revise(checklist=form.instance, items=items, note=form.instance.note)
        except ValidationError as error:
            messages.error(request, "; ".join(error.messages))
            return None
        if new.pk != form.instance.pk:
            messages.info(request, _("This checklist was already used in reviews: version %(v)s was created.") % {"v": new.version})
        return None


class ReviewAnswerInline(admin.TabularInline):
    model = ReviewAnswer
    extra = 0
    fields = ("item", "answer", "comment")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ("report_type", "object_id", "round", "decision", "reviewer", "days_to_review", "created_at")
    list_filter = ("report_type", "decision", "created_at")
    search_fields = ("comment", "reviewer__username", "reviewer__last_name")
    list_select_related = ("reviewer",)
    inlines = [ReviewAnswerInline]
    readonly_fields = (
        "report_type", "content_type", "object_id", "round", "checklist", "reviewer", "decision",
        "submitted_at", "days_to_review", "report_snapshot", "created_at",
    )
    fields = readonly_fields[:8] + ("comment",) + readonly_fields[8:]

    def has_add_permission(self, request):
        return False  # reviews are made on the review page, through the service

    def has_delete_permission(self, request, obj=None):
        return False


class _ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ChecklistItem)
class ChecklistItemAdmin(_ReadOnlyAdmin):
    """Items are edited through their checklist (so that versioning applies)."""

    list_display = ("text_en", "measure", "checklist", "position")
    list_filter = ("measure", "checklist__report_type", "checklist__is_active")
    search_fields = ("text_en", "text_fr", "text_sw")
    list_select_related = ("checklist",)


@admin.register(ReviewAnswer)
class ReviewAnswerAdmin(_ReadOnlyAdmin):
    list_display = ("review", "item", "answer")
    list_filter = ("answer", "review__report_type")
    search_fields = ("comment",)
    list_select_related = ("review__content_type", "item")
