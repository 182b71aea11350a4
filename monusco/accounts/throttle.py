"""The login throttle, on django-axes' database handler (it needs no cache, so it works on the
laptop's SQLite as on PostgreSQL).

- A username is locked after ``LOGIN_FAILURE_LIMIT`` wrong passwords, from any address.
- An address is locked after ``LOGIN_IP_FAILURE_LIMIT`` wrong passwords, for any username: higher,
  because a base's staff often share one address.
- Both last ``LOGIN_COOLOFF_MINUTES`` after the last failure; a right password during the lock is
  refused too. An administrator can lift a lock in the admin (Axes, access attempts).
"""

import ipaddress

from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.shortcuts import render
from django.utils.translation import ngettext


class LoginThrottleHandler(AxesDatabaseHandler):
    """Axes compares one count with one limit (``AXES_FAILURE_LIMIT``, the username's). An address
    that reached its own, higher limit counts as having reached it."""

    def get_failures(self, request, credentials=None) -> int:
        by_username, by_address = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        if by_address >= settings.LOGIN_IP_FAILURE_LIMIT:
            return max(by_username, settings.AXES_FAILURE_LIMIT)
        return by_username

    def reset_user_attempts(self, request, credentials=None) -> int:
        """A right password clears the failures made against that username only, never the
        address's count: signing in to one's own account must not reset an attack on others."""
        username = (credentials or {}).get(settings.AXES_USERNAME_FORM_FIELD) or request.POST.get("username")
        if not username:
            return 0
        count, _deleted = AccessAttempt.objects.filter(username=username).delete()
        return count


def client_ip(request) -> str | None:
    """The client's address: the ``TRUSTED_PROXY_COUNT``-th from the right of X-Forwarded-For
    behind that many proxies (each appends the address it saw), else the connection's address."""
    remote = request.META.get("REMOTE_ADDR")
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.headers.get("x-forwarded-for", "")
    if proxies > 0 and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            candidate = hops[-proxies]
            try:
                return str(ipaddress.ip_address(candidate))
            except ValueError:
                pass
    return remote


def lockout_message() -> str:
    minutes = settings.LOGIN_COOLOFF_MINUTES
    return ngettext(
        "Too many wrong passwords. For your security, signing in is blocked for %(minutes)d minute "
        "for this account or this connection. Try again later, or ask an administrator to unlock it.",
        "Too many wrong passwords. For your security, signing in is blocked for %(minutes)d minutes "
        "for this account or this connection. Try again later, or ask an administrator to unlock it.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(request, original_response=None, credentials=None):
    """The login page again, with the lock explained, answered 429."""
    from django.contrib.auth.forms import AuthenticationForm

    form = AuthenticationForm(request, initial={"username": (credentials or {}).get("username", "")})
    return render(
        request,
        "registration/login.html",
        {"form": form, "locked_out": lockout_message(), "next": request.POST.get("next", "")},
        status=429,
    )
