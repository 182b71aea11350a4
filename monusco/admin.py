from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import AuditLog, Locality, Province, Territory, User, UserScope


class UserScopeInline(admin.TabularInline):
    model = UserScope
    extra = 0
    autocomplete_fields = ["province", "territory"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "first_name", "last_name", "email", "role_names", "is_active", "last_login"]
    list_filter = ["is_active", "is_staff", "is_superuser", "groups", "preferred_language"]
    fieldsets = DjangoUserAdmin.fieldsets + ((_("Preferences"), {"fields": ["preferred_language"]}),)
    inlines = [UserScopeInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description=_("roles"))
    def role_names(self, obj) -> str:
        return ", ".join(group.name for group in obj.groups.all())


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name"]


@admin.register(Territory)
class TerritoryAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "province"]
    list_filter = ["province", "kind"]
    search_fields = ["name", "province__name"]
    autocomplete_fields = ["province"]
    list_select_related = ["province"]


@admin.register(Locality)
class LocalityAdmin(admin.ModelAdmin):
    list_display = ["name", "territory", "province", "latitude", "longitude", "precision"]
    list_filter = ["territory__province", "territory", "precision"]
    search_fields = ["name", "territory__name"]
    autocomplete_fields = ["territory"]
    list_select_related = ["territory__province"]

    @admin.display(description=_("province"), ordering="territory__province__name")
    def province(self, obj) -> str:
        return obj.territory.province.name


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
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
