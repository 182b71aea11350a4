"""The login throttle's records and the second-factor devices, in the admin: administrators only.

django-axes and django-otp register admins of their own. They are registered again here as
administrator-only pages cut like every other admin (``monusco.admin_scope``): nobody else sees
who failed to sign in from where, or whose authenticator exists. Devices can be looked at and
removed (a user who lost their phone enrols again at the next sign-in), never added or edited
here: a key is made only by the user's own enrolment. Each removal is written to the audit log.
"""

from __future__ import annotations

from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django_otp.plugins.otp_static.admin import StaticDeviceAdmin, StaticTokenInline
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from monusco.admin_scope import ScopedAdminMixin, ScopedInlineMixin
from monusco.audit import audit_record
from monusco.models import AuditLog


class _AdministratorsOnly(ScopedAdminMixin):
    admin_only = True


class _DeviceAdmin(_AdministratorsOnly):
    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        audit_record(action=AuditLog.Action.DELETE, instance=obj, actor=request.user)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for device in queryset:
            audit_record(action=AuditLog.Action.DELETE, instance=device, actor=request.user)
        super().delete_queryset(request, queryset)


class AccessAttemptAdministratorsAdmin(_AdministratorsOnly, AccessAttemptAdmin):
    pass


class AccessLogAdministratorsAdmin(_AdministratorsOnly, AccessLogAdmin):
    pass


class AccessFailureLogAdministratorsAdmin(_AdministratorsOnly, AccessFailureLogAdmin):
    pass


class TOTPDeviceAdministratorsAdmin(_DeviceAdmin, TOTPDeviceAdmin):
    pass


class StaticTokenAdministratorsInline(ScopedInlineMixin, StaticTokenInline):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class StaticDeviceAdministratorsAdmin(_DeviceAdmin, StaticDeviceAdmin):
    inlines = [StaticTokenAdministratorsInline]


for model, model_admin in [
    (AccessAttempt, AccessAttemptAdministratorsAdmin),
    (AccessLog, AccessLogAdministratorsAdmin),
    (AccessFailureLog, AccessFailureLogAdministratorsAdmin),
    (TOTPDevice, TOTPDeviceAdministratorsAdmin),
    (StaticDevice, StaticDeviceAdministratorsAdmin),
]:
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)
