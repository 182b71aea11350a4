"""Admin for checklists and reviews. Reviews are cut to the user's scope through the report each
is about (learnt from the registry); the snapshot, comments and answers of a review of a
sexual-violence report are shown only to those with need to know, and each showing is audited."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from monusco.admin_scope import ScopedAdmin, ScopedTabularInline

from . import services
from .models import ChecklistItem, Review, ReviewAnswer, ReviewChecklist
from .registry import NEED_TO_KNOW_PERMISSION, reports
from .selectors.protected import (
    ReviewDetail,
    review_detail,
    review_detail_read,
    reviews_in_scope_q,
    reviews_withheld_q,
)

WITHHELD = _("Details withheld: protected information, shared on a need-to-know basis only.")
PROTECTED_REVIEW_FIELDS = ["report_snapshot", "comment", "answers"]
ITEM_FIELDS = ("measure", "text_fr", "text_sw", "text_en")


def _detail(request, review: Review) -> ReviewDetail:
    """Whether the review's detail is protected and withheld from this user, worked out once per
    request (the admin asks several times while it builds a page)."""
    cache = request.__dict__.setdefault("_review_detail", {})
    if review.pk not in cache:
        cache[review.pk] = review_detail(user=request.user, review=review)
    return cache[review.pk]


def _detail_read(request, review: Review, fields: list[str]) -> None:
    """A page is about to show ``fields`` of the review: the selector decides and logs the read."""
    cache = request.__dict__.setdefault("_review_detail", {})
    cache[review.pk] = review_detail_read(user=request.user, review=review, fields=fields)


def _posted_items(formset) -> list[dict]:
    """The items posted in one inline formset, in position order, for the service to write. The
    formset's own lists, which the admin's change message reads, are emptied: it saved nothing."""
    formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
    rows = [f for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
    rows.sort(key=lambda f: f.cleaned_data.get("position") or 0)
    return [{key: f.cleaned_data.get(key) for key in ITEM_FIELDS} for f in rows]


class ChecklistItemInline(ScopedTabularInline):
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
class ReviewChecklistAdmin(ScopedAdmin):
    scope_global = True  # the same checklists for everyone
    form = ReviewChecklistForm
    ordering = ("report_type", "-version")  # kept under the item count (a GROUP BY drops Meta.ordering)
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
        items = [item for formset in formsets for item in _posted_items(formset)]
        try:
            new = services.checklist_revise(checklist=form.instance, items=items, note=form.instance.note)
        except ValidationError as error:
            messages.error(request, "; ".join(error.messages))
            return None
        if new.pk != form.instance.pk:
            messages.info(
                request,
                _("This checklist was already used in reviews: version %(v)s was created.") % {"v": new.version},
            )
        return None


class ReviewAnswerInline(ScopedTabularInline):
    model = ReviewAnswer
    extra = 0
    fields = ("item", "answer", "comment")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Review)
class ReviewAdmin(ScopedAdmin):
    list_display = ("report_type", "object_id", "round", "decision", "reviewer", "days_to_review", "created_at")
    list_filter = ("report_type", "decision", "created_at")
    search_fields = ("comment", "reviewer__username", "reviewer__last_name")
    list_select_related = ("reviewer",)
    inlines = [ReviewAnswerInline]
    readonly_fields = (
        "report_type",
        "content_type",
        "object_id",
        "round",
        "checklist",
        "reviewer",
        "decision",
        "submitted_at",
        "days_to_review",
        "report_snapshot",
        "created_at",
    )
    fields = readonly_fields[:8] + ("comment",) + readonly_fields[8:]

    def scope_queryset(self, request, qs):
        return qs.filter(reviews_in_scope_q(request.user))

    def get_search_fields(self, request):
        # Searching the comments would tell what a withheld comment says.
        fields = super().get_search_fields(request)
        if request.user.is_superuser or request.user.has_perm(NEED_TO_KNOW_PERMISSION):
            return fields
        return tuple(f for f in fields if f != "comment")

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if obj is not None and _detail(request, obj).withheld:
            fields = [f for f in fields if f not in PROTECTED_REVIEW_FIELDS] + ["withheld"]
        return fields

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), "withheld")

    def get_inline_instances(self, request, obj=None):
        if obj is not None and _detail(request, obj).withheld:
            return []
        return super().get_inline_instances(request, obj)

    @admin.display(description=_("report as reviewed"))
    def withheld(self, obj) -> str:
        return str(WITHHELD)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        review = self.get_object(request, object_id)
        if review is not None and request.method == "GET":
            # The answers show when this user may see the inline (and the detail is not withheld).
            inlines = super().get_inline_instances(request, review)
            answers = any(isinstance(inline, ReviewAnswerInline) for inline in inlines)
            _detail_read(request, review, PROTECTED_REVIEW_FIELDS if answers else PROTECTED_REVIEW_FIELDS[:2])
        return super().change_view(request, object_id, form_url, extra_context)

    def has_add_permission(self, request):
        return False  # reviews are made on the review page, through the service

    def has_delete_permission(self, request, obj=None):
        return False


class _ReadOnlyAdmin(ScopedAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ChecklistItem)
class ChecklistItemAdmin(_ReadOnlyAdmin):
    """Items are edited through their checklist (so that versioning applies)."""

    scope_global = True
    list_display = ("text_en", "measure", "checklist", "position")
    list_filter = ("measure", "checklist__report_type", "checklist__is_active")
    search_fields = ("text_en", "text_fr", "text_sw")
    list_select_related = ("checklist",)


@admin.register(ReviewAnswer)
class ReviewAnswerAdmin(_ReadOnlyAdmin):
    """Answers of reviews in scope; those about a sexual-violence report only with need to know."""

    list_display = ("review", "item", "answer")
    list_filter = ("answer", "review__report_type")
    search_fields = ("comment",)
    list_select_related = ("review__content_type", "item")

    def scope_queryset(self, request, qs):
        return qs.filter(reviews_in_scope_q(request.user, "review")).exclude(reviews_withheld_q(request.user, "review"))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        answer = self.get_object(request, object_id)
        if answer is not None and request.method == "GET":
            _detail_read(request, answer.review, ["answers"])
        return super().change_view(request, object_id, form_url, extra_context)
