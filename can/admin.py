"""Admin for the Community Alert Network. Lists are cut to the user's scope; focal point names and
phones, and alert sender numbers, appear only to users of the record's own base with
``can.view_focalpoint_identity`` (and each showing is audited); so do phone numbers typed in an
alert's text, which everyone else reads masked. Writes go through the services; every page and
choice is cut to the user's scope (``monusco.admin_scope``)."""

from typing import cast

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Field
from django.utils.translation import gettext_lazy as _

from monusco.admin_scope import ScopedAdmin, ScopedTabularInline
from monusco.models import User
from monusco.redaction import mask_phone_numbers
from monusco.scope import scope_for

from . import selectors, services
from .models import Alert, AlertEvent, FocalPoint, Notification, SmsChannel, StaffPhone

IDENTITY_FIELDS = selectors.IDENTITY_FIELDS
PROTECTED_TEXT = ["description", "raw_text", "verification_note", "response_note", "closing_note"]
FOCALPOINT_FIELDS = (
    "locality",
    "community_role",
    "sex",
    "consent_on",
    "do_not_call_back",
    "language",
    "feedback_consent",
    "do_not_contact",
)


class FocalPointAdminForm(forms.ModelForm):
    class Meta:
        model = FocalPoint
        fields = ["base", *IDENTITY_FIELDS, *FOCALPOINT_FIELDS]

    def clean(self):
        super().clean()
        data = self.cleaned_data
        base = data.get("base") or getattr(self.instance, "base", None)
        if base and data.get("locality") and data.get("consent_on"):
            try:
                services.focalpoint_check(
                    base=base,
                    locality=data["locality"],
                    consent_on=data["consent_on"],
                    phone=data.get("phone", self.instance.phone if self.instance.pk else ""),
                    exclude_pk=self.instance.pk,
                )
            except ValidationError as exc:
                raise ValidationError(exc.messages) from None
        return data


@admin.register(FocalPoint)
class FocalPointAdmin(ScopedAdmin):
    form = FocalPointAdminForm
    list_display = [
        "code",
        "base",
        "locality",
        "community_role",
        "sex",
        "is_active",
        "do_not_call_back",
        "feedback_consent",
        "do_not_contact",
    ]
    list_filter = [
        "is_active",
        "do_not_call_back",
        "feedback_consent",
        "do_not_contact",
        "community_role",
        "sex",
        "base",
    ]
    search_fields = ["code", "locality__name", "base__name"]
    autocomplete_fields = ["base", "locality"]
    list_select_related = ["base", "locality"]
    scope_paths = {
        "base": "base_id",
        "territory": "locality__territory_id",
        "province": "locality__territory__province_id",
    }

    def _identity(self, request, obj) -> bool:
        if obj is None:
            return request.user.has_perm("can.view_focalpoint_identity") and bool(scope_for(request.user).base_ids)
        return selectors.can_see_identity(user=request.user, focal_point=obj)

    def get_fields(self, request, obj=None):
        fields = list(FOCALPOINT_FIELDS)
        if self._identity(request, obj):
            fields = [*IDENTITY_FIELDS, *fields]
        return (["base"] if obj is None else ["code", "base", "is_active"]) + fields

    def get_readonly_fields(self, request, obj=None):
        return ["code", "base", "is_active"] if obj is not None else []

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["fields"] = [f for f in self.get_fields(request, obj) if f not in self.get_readonly_fields(request, obj)]
        return super().get_form(request, obj, change, **kwargs)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is not None and request.method == "GET" and self._identity(request, obj):
            selectors.focalpoint_identity_get(user=request.user, focal_point=obj)  # the form shows it
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        common = {f: data[f] for f in FOCALPOINT_FIELDS}
        if not change:
            saved = services.focalpoint_create(
                user=request.user, base=data["base"], name=data.get("name", ""), phone=data.get("phone", ""), **common
            )
        else:
            current = FocalPoint.objects.get(pk=obj.pk)
            saved = services.focalpoint_update(
                user=request.user,
                focal_point=current,
                name=data.get("name", current.name),
                phone=data.get("phone", current.phone),
                **common,
            )
        obj.pk, obj.code, obj.uid = saved.pk, saved.code, saved.uid

    @admin.action(description=_("Deactivate (history is kept)"))
    def deactivate(self, request, queryset):
        for focal_point in queryset.filter(is_active=True):
            services.focalpoint_deactivate(user=request.user, focal_point=focal_point)

    actions = ["deactivate"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SmsChannel)
class SmsChannelAdmin(ScopedAdmin):
    list_display = ["name", "base", "uid", "is_active", "created_at"]
    list_filter = ["is_active", "base"]
    search_fields = ["name", "base__name"]
    autocomplete_fields = ["base"]
    readonly_fields = ["uid"]
    fields = ["name", "base", "uid", "is_active"]
    scope_paths = {"base": "base_id"}

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        channel, token = services.sms_channel_create(name=obj.name, base=obj.base)
        obj.pk, obj.uid, obj.token_hash = channel.pk, channel.uid, channel.token_hash
        self.message_user(request, _("Gateway token (shown only once): %(token)s") % {"token": token})


def _text_mode(user, alert: Alert) -> str:
    """How the alert's free text shows to ``user``: ``clear`` for the alert's base, ``masked``
    (phone numbers typed in it masked) for everyone else, ``hidden`` for a sexual-violence alert
    outside the base and need-to-know roles."""
    if not selectors.can_see_detail(user=user, alert=alert):
        return "hidden"
    return "clear" if selectors.can_see_sender(user=user, alert=alert) else "masked"


def _masked(model, name: str):
    """A read-only admin column showing ``name`` with its phone numbers masked."""

    @admin.display(description=cast(Field, model._meta.get_field(name)).verbose_name)
    def show(self, obj) -> str:
        return mask_phone_numbers(getattr(obj, name), selectors.phone_mask())

    return show


EVENT_FIELDS = ("at", "kind", "actor", "from_status", "to_status", "note")


class AlertEventInline(ScopedTabularInline):
    model = AlertEvent
    extra = 0
    can_delete = False
    fields = EVENT_FIELDS
    readonly_fields = EVENT_FIELDS
    note_masked = _masked(AlertEvent, "note")

    def get_fields(self, request, obj=None):
        note = {"clear": ["note"], "masked": ["note_masked"], "hidden": []}
        return [*self.fields[:-1], *note[_text_mode(request.user, obj) if obj is not None else "clear"]]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def has_add_permission(self, request, obj=None):
        return False


class AlertAdminForm(forms.ModelForm):
    """New links and values are checked by the service's rules, shown beside the fields."""

    request_user: User | None = None  # set per request by ``AlertAdmin.get_form``

    def clean(self):
        super().clean()
        data = self.cleaned_data
        changes = {name: data[name] for name in self.changed_data if name in data}
        if self.instance.pk is not None and changes:
            assert self.request_user is not None, "set by AlertAdmin.get_form"
            services.alert_update_check(user=self.request_user, alert=self.instance, changes=changes)
        return data


@admin.register(Alert)
class AlertAdmin(ScopedAdmin):
    form = AlertAdminForm
    list_display = [
        "short_id",
        "received_at",
        "base",
        "channel",
        "threat_category",
        "locality",
        "status",
        "needs_triage",
        "escalation_level",
        "outcome",
    ]
    list_filter = [
        "status",
        "channel",
        "threat_category",
        "needs_triage",
        "escalation_level",
        "outcome",
        "sent_at_ignored",
        "base",
    ]
    search_fields = ["uid", "focal_point__code", "locality__name", "base__name"]
    date_hierarchy = "received_at"
    list_select_related = ["base", "locality"]
    autocomplete_fields = ["locality", "focal_point"]
    inlines = [AlertEventInline]
    exclude = ["sender_number"]
    readonly_fields = [
        "uid",
        "idempotency_key",
        "channel",
        "sms_channel",
        "base",
        "status",
        "received_at",
        "sent_at",
        "raw_text",
        "reported_by",
        "acknowledged_at",
        "acknowledged_by",
        "verified_at",
        "verified_by",
        "response_at",
        "response_by",
        "closed_at",
        "closed_by",
        "outcome",
        "escalation_level",
        "escalated_at",
        "notified_at",
        "received_on",
        "review_status",
        "review_round",
        "submitted_at",
        "reviewed_at",
        "sent_at_ignored",
        "text_truncated",
    ]
    scope_paths = {"base": "base_id", "territory": "territory_id", "province": "territory__province_id"}

    description_masked = _masked(Alert, "description")
    raw_text_masked = _masked(Alert, "raw_text")
    verification_note_masked = _masked(Alert, "verification_note")
    response_note_masked = _masked(Alert, "response_note")
    closing_note_masked = _masked(Alert, "closing_note")

    def get_queryset(self, request):
        rule = selectors.alert_protected_rule(user=request.user)  # other bases' sexual-violence alerts
        queryset = super().get_queryset(request)
        return queryset if rule is None else queryset.filter(rule)

    def get_exclude(self, request, obj=None):
        exclude = ["sender_number"]
        if obj is not None and _text_mode(request.user, obj) != "clear":
            exclude += PROTECTED_TEXT
        return exclude

    def get_readonly_fields(self, request, obj=None):
        exclude = self.get_exclude(request, obj)
        fields = [f for f in self.readonly_fields if f not in exclude]
        if obj is not None and _text_mode(request.user, obj) == "masked":
            fields += [f"{name}_masked" for name in PROTECTED_TEXT]  # shown, never edited
        return fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.request_user = request.user
        return form

    def save_model(self, request, obj, form, change):
        changes = {name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data}
        saved = services.alert_update(user=request.user, alert=obj, changes=changes)
        obj.territory_id = saved.territory_id

    def has_add_permission(self, request):
        return False  # alerts come from intake, the browser form or the API

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(ScopedAdmin):
    list_display = ["alert", "recipient", "channel", "level", "status", "attempts", "sent_at"]
    list_filter = ["channel", "status", "level"]
    search_fields = ["alert__uid", "recipient__username"]
    list_select_related = ["alert", "recipient"]
    readonly_fields = [
        "alert",
        "recipient",
        "channel",
        "level",
        "status",
        "attempts",
        "claimed_until",
        "possible_duplicate",
        "sent_at",
        "read_at",
        "error",
    ]
    scope_paths = {
        "base": "alert__base_id",
        "territory": "alert__territory_id",
        "province": "alert__territory__province_id",
    }

    def has_add_permission(self, request):
        return False


@admin.register(StaffPhone)
class StaffPhoneAdmin(ScopedAdmin):
    admin_only = True
    list_display = ["user", "created_at"]
    search_fields = ["user__username", "user__last_name"]
    autocomplete_fields = ["user"]


from . import admin_replies  # noqa: E402, F401 - the reply texts and replies, registered there
