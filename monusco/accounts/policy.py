"""Who must use a second factor, and how long a session lasts.

Accounts that can see protected or sexual-violence data (administrators, gender reviewers, JPT
leads, managers, duty officers, and every superuser) must sign in with a code from an authenticator
app. A CLA may choose to: once a CLA has a device, the code is asked at every login too.
"""

from django.conf import settings

from monusco.roles import Role

SECOND_FACTOR_ROLES = frozenset(
    {
        Role.ADMINISTRATOR.value,
        Role.GENDER_REVIEWER.value,
        Role.JPT_LEAD.value,
        Role.MANAGER.value,
        Role.DUTY_OFFICER.value,
    }
)


def second_factor_required(user) -> bool:
    """True when the user's role requires a second factor. Reads the flag loaded with the user
    (``backends.AccountBackend``) when there is one, else asks the database."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    loaded = getattr(user, "otp_role_required", None)
    if loaded is not None:
        return bool(loaded)
    return user.groups.filter(name__in=SECOND_FACTOR_ROLES).exists()


def idle_limit_seconds(user) -> int | None:
    """Seconds without a request after which the session ends; ``None`` for no idle limit."""
    return settings.SESSION_IDLE_MINUTES * 60 if second_factor_required(user) else None


def lifetime_seconds(user) -> int:
    """Seconds after signing in after which the session ends, whatever the activity."""
    return settings.SESSION_LIFETIME_HOURS * 3600
