"""The signed-in user is loaded with what the second step needs, in the same query.

Every request of a signed-in user loads the user row (``AuthenticationMiddleware``); the second step
also needs the user's confirmed devices and whether the role requires them. Loading them as
subqueries of that one query keeps a page's query count the same as before the second step existed
(django-otp's own middleware reads the device in a query of its own on every request).
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Exists, OuterRef, Subquery
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .policy import SECOND_FACTOR_ROLES


def with_second_factor(queryset):
    """Annotate users with ``otp_totp_pk`` and ``otp_static_pk`` (their confirmed authenticator and
    recovery-code devices, or ``None``), ``otp_has_codes`` (an unused recovery code is left) and
    ``otp_role_required`` (a role that requires a second factor)."""
    user_model = queryset.model
    return queryset.annotate(
        otp_totp_pk=Subquery(
            TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True).order_by("pk").values("pk")[:1]
        ),
        otp_static_pk=Subquery(
            StaticDevice.objects.filter(user=OuterRef("pk"), confirmed=True).order_by("pk").values("pk")[:1]
        ),
        otp_has_codes=Exists(StaticToken.objects.filter(device__user=OuterRef("pk"), device__confirmed=True)),
        otp_role_required=Exists(
            user_model.groups.through.objects.filter(user_id=OuterRef("pk"), group__name__in=SECOND_FACTOR_ROLES)
        ),
    )


class AccountBackend(ModelBackend):
    """Django's model backend, loading the session's user with ``with_second_factor``."""

    def get_user(self, user_id):
        user = with_second_factor(get_user_model()._default_manager.filter(pk=user_id)).first()
        return user if user is not None and self.user_can_authenticate(user) else None
