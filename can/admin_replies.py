"""Admin for the replies to the community: their texts, editable per kind and language (checked by
the rule every reply is rendered with), and the replies sent, read only, never showing a number."""

from django import forms
from django.contrib import admin

from monusco.admin_scope import ScopedAdmin

from . import services
from .models import Reply, ReplyTemplate


class ReplyTemplateForm(forms.ModelForm):
    """A reply's text, checked by the rule every reply is rendered with
    (``services.template_problem``): only ``{reference}`` and ``{base}``, one SMS long."""

    class Meta:
        model = ReplyTemplate
        fields = ["kind", "language", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3, "maxlength": 320})}

    def clean_text(self):
        text = self.cleaned_data["text"].strip()
        services.reply_text_check(text)
        return text


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(ScopedAdmin):
    """The texts of the replies to the community, one per kind and language. Mission-wide."""

    form = ReplyTemplateForm
    scope_global = True
    list_display = ["kind", "language", "text"]
    list_filter = ["kind", "language"]

    def has_delete_permission(self, request, obj=None):
        return False  # a missing text falls back to the default; editing it is the way


@admin.register(Reply)
class ReplyAdmin(ScopedAdmin):
    """Replies sent to the community, read only. The number and the text are never shown."""

    list_display = ["kind", "status", "attempts", "receipt_status", "alert", "language", "created_at", "sent_at"]
    list_filter = ["kind", "status", "receipt_status", "language"]
    search_fields = ["alert__uid", "uid"]
    list_select_related = ["alert"]
    readonly_fields = (
        "uid",
        "alert",
        "kind",
        "language",
        "sms_channel",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "error",
        "receipt_status",
        "receipt_at",
    )
    fields = readonly_fields
    scope_paths = [
        {"base": "alert__base_id", "territory": "alert__territory_id", "province": "alert__territory__province_id"},
        {
            "base": "sms_channel__base_id",
            "territory": "sms_channel__base__locality__territory_id",
            "province": "sms_channel__base__locality__territory__province_id",
        },
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
