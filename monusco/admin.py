"""Admin for users, roles, geography, the audit log and API clients. Every page is cut to the
user's scope (``monusco.admin_scope``); users, roles, the audit log and API clients are managed by
administrators only."""

import datetime

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .admin_scope import ScopedAdmin, ScopedAdminMixin, ScopedTabularInline
from .api.resources import WRITABLE_RESOURCES, Resource
from .api.services import api_client_prepare, api_client_rotate_key
from .models import (
    ApiAccessLog,
    ApiClient,
    AuditLog,
    DataSharingAgreement,
    Locality,
    Province,
    Territory,
    User,
    UserScope,
)

# The admin is the JPT lead's main door: it carries the site's name, not Django's.
admin.site.site_header = _("MONUSCO field coordination")
admin.site.site_title = _("MONUSCO field coordination")


class UserScopeInline(ScopedTabularInline):
    model = UserScope
    extra = 0
    autocomplete_fields = ["province", "territory"]


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(ScopedAdminMixin, DjangoGroupAdmin):
    """Roles are defined in ``monusco.roles``; only administrators look at the groups."""

    admin_only = True


@admin.register(User)
class UserAdmin(ScopedAdminMixin, DjangoUserAdmin):
    list_display = ["username", "first_name", "last_name", "email", "role_names", "is_active", "last_login"]
    list_filter = ["is_active", "is_staff", "is_superuser", "groups", "preferred_language"]
    fieldsets = (*(DjangoUserAdmin.fieldsets or ()), (_("Preferences"), {"fields": ["preferred_language"]}))
    inlines = [UserScopeInline]
    # A user is in scope through the areas they work in (base assignments add their way in).
    scope_paths = [
        {"territory": "scopes__territory_id", "province": "scopes__province_id"},
        {"province": "scopes__territory__province_id"},
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    # Users who may only *view* users (JPT leads picking team members) get the autocomplete, which
    # shows names alone; the user list and records (emails, roles) stay with those who manage users.
    def get_model_perms(self, request):
        return super().get_model_perms(request) if self.has_change_permission(request) else {}

    def changelist_view(self, request, extra_context=None):
        if not self.has_change_permission(request):
            raise PermissionDenied
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not self.has_change_permission(request):
            raise PermissionDenied
        return super().change_view(request, object_id, form_url, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        if not self.has_change_permission(request):
            raise PermissionDenied
        return super().history_view(request, object_id, extra_context)

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if not self.has_change_permission(request):
            queryset = queryset.filter(is_active=True)
        return queryset, may_have_duplicates

    @admin.display(description=_("roles"))
    def role_names(self, obj) -> str:
        return ", ".join(group.name for group in obj.groups.all())


# Geography: a user sees the places of their scope, and the territories and province holding them.


@admin.register(Province)
class ProvinceAdmin(ScopedAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name"]
    scope_paths = {"province": "id", "territory": "territories__id"}


@admin.register(Territory)
class TerritoryAdmin(ScopedAdmin):
    list_display = ["name", "kind", "province"]
    list_filter = ["province", "kind"]
    search_fields = ["name", "province__name"]
    autocomplete_fields = ["province"]
    list_select_related = ["province"]
    scope_paths = {"territory": "id", "province": "province_id"}


@admin.register(Locality)
class LocalityAdmin(ScopedAdmin):
    list_display = ["name", "territory", "province", "latitude", "longitude", "precision"]
    list_filter = ["territory__province", "territory", "precision"]
    search_fields = ["name", "territory__name"]
    autocomplete_fields = ["territory"]
    list_select_related = ["territory__province"]
    scope_paths = {"territory": "territory_id", "province": "territory__province_id"}

    @admin.display(description=_("province"), ordering="territory__province__name")
    def province(self, obj) -> str:
        return obj.territory.province.name


@admin.register(AuditLog)
class AuditLogAdmin(ScopedAdmin):
    """Administrators only: the trail names who read which protected record."""

    admin_only = True
    list_display = ["at", "actor", "action", "model", "object_pk", "object_repr"]
    list_filter = ["action", "model"]
    search_fields = ["object_pk", "object_repr", "actor__username"]
    date_hierarchy = "at"
    list_select_related = ["actor"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ApiAccessLog)
class ApiAccessLogAdmin(ScopedAdmin):
    """Administrators only: every read of the API by a token client, as it was answered."""

    admin_only = True
    list_display = ["at", "client_name", "endpoint", "status", "rows"]
    list_filter = ["status", "client_name"]
    search_fields = ["client_name", "endpoint"]
    date_hierarchy = "at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ApiClientForm(forms.ModelForm):
    resources = forms.MultipleChoiceField(
        label=_("resources it may read"), choices=Resource.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    write_resources = forms.MultipleChoiceField(
        label=_("resources it may create"),
        choices=[(value, label) for value, label in Resource.choices if value in WRITABLE_RESOURCES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agreement"].required = True  # a client without one is refused: give it one

    class Meta:
        model = ApiClient
        fields = [
            "name",
            "agreement",
            "provinces",
            "territories",
            "resources",
            "write_resources",
            "throttle_rate",
            "is_active",
            "note",
        ]


@admin.register(ApiClient)
class ApiClientAdmin(ScopedAdmin):
    """Token shown once, in a message, when the client is created or its key rotated."""

    admin_only = True
    form = ApiClientForm
    list_display = ["name", "agreement", "key_prefix", "throttle_rate", "is_active", "updated_at"]
    list_filter = ["is_active"]
    list_select_related = ["agreement"]
    search_fields = ["name"]
    autocomplete_fields = ["provinces", "territories"]
    readonly_fields = ["key_prefix", "user"]
    actions = ["rotate_keys"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        key = api_client_prepare(client=obj)
        self.message_user(
            request, _("Token for %(name)s, shown only this once: %(key)s") % {"name": obj.name, "key": key}
        )

    @admin.action(description=_("Issue a new token (the old one stops working)"))
    def rotate_keys(self, request, queryset):
        for client in queryset:
            key = api_client_rotate_key(client=client)
            self.message_user(
                request, _("New token for %(name)s, shown only this once: %(key)s") % {"name": client.name, "key": key}
            )


EXPIRING_DAYS = 30


class AgreementValidityFilter(admin.SimpleListFilter):
    title = _("validity")
    parameter_name = "validity"

    def lookups(self, request, model_admin):
        return [
            ("expiring", _("Expires within %(days)s days") % {"days": EXPIRING_DAYS}),
            ("in_force", _("In force")),
            ("expired", _("Expired")),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "expiring":
            return queryset.filter(
                expires_on__gte=today, expires_on__lte=today + datetime.timedelta(days=EXPIRING_DAYS)
            )
        if self.value() == "in_force":
            return queryset.filter(expires_on__gte=today)
        if self.value() == "expired":
            return queryset.filter(expires_on__lt=today)
        return queryset


class AgreementClientInline(ScopedTabularInline):
    """The clients reading under the agreement; each is edited on its own page."""

    model = ApiClient
    fields = ["name", "key_prefix", "is_active"]
    readonly_fields = ["name", "key_prefix", "is_active"]
    extra = 0
    show_change_link = True
    verbose_name = _("API client under this agreement")
    verbose_name_plural = _("API clients under this agreement")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class AgreementForm(forms.ModelForm):
    resources = forms.MultipleChoiceField(
        label=_("resources it covers"), choices=Resource.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = DataSharingAgreement
        fields = ["partner", "purpose", "signed_on", "expires_on", "resources", "geography", "note"]


@admin.register(DataSharingAgreement)
class DataSharingAgreementAdmin(ScopedAdmin):
    """Agreements, soonest to expire first; the list filter shows those expiring within 30 days."""

    admin_only = True
    form = AgreementForm
    list_display = ["partner", "signed_on", "expires_on", "validity", "geography", "client_count"]
    list_filter = [AgreementValidityFilter, "geography"]
    search_fields = ["partner", "purpose"]
    inlines = [AgreementClientInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(api_client_count=Count("clients"))

    @admin.display(description=_("API clients"), ordering="api_client_count")
    def client_count(self, obj) -> int:
        return obj.api_client_count

    @admin.display(description=_("validity"))
    def validity(self, obj) -> str:
        today = timezone.localdate()
        if obj.expires_on < today:
            return str(_("Expired"))
        if obj.expires_on <= today + datetime.timedelta(days=EXPIRING_DAYS):
            days = (obj.expires_on - today).days
            return ngettext("Expires in %(days)s day", "Expires in %(days)s days", days) % {"days": days}
        return str(_("In force"))
