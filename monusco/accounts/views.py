"""Signing in: the password page, the second step, enrolment, recovery codes, and the page where a
user sees and manages their second factor."""

from base64 import b32encode
from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from . import services
from .forms import CodeForm, SetupCodeForm
from .policy import second_factor_required
from .selectors import Step, recovery_codes_left, second_step, user_devices

CODES_TO_SHOW = "_recovery_codes_to_show"


def _next_url(request: HttpRequest) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return reverse("home")


def _with_next(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


class LoginView(auth_views.LoginView):
    """The password step. A user with a second factor goes on to the code (or to enrolment)."""

    redirect_authenticated_user = True

    def get_success_url(self):
        url = super().get_success_url()
        step = second_step(self.request.user, self.request.session)
        if step is Step.VERIFY:
            return _with_next("accounts:two_factor_verify", url)
        if step is Step.ENROL:
            return _with_next("accounts:two_factor_setup", url)
        return url


def _throttled_message(locked_until) -> str:
    return _("Too many wrong codes. Wait until %(time)s, then try again.") % {
        "time": time_format(timezone.localtime(locked_until), "H:i:s")
    }


@never_cache
@sensitive_post_parameters("otp_token")
@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """The second step: a code from the authenticator, or a recovery code."""
    next_url = _next_url(request)
    step = second_step(request.user, request.session)
    if step is Step.ENROL:
        return redirect(_with_next("accounts:two_factor_setup", next_url))
    if step is not Step.VERIFY:
        return redirect(next_url)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = services.second_factor_verify(user=request.user, code=form.cleaned_data["otp_token"])
        if result.device is not None:  # result.ok
            otp_login(request, result.device)
            if result.device.model_label() == "otp_static.staticdevice":
                messages.warning(request, _("You signed in with a recovery code; it cannot be used again."))
                if user_devices(request.user).totp_pk is None:  # the authenticator was removed: set up a new one
                    return redirect(_with_next("accounts:two_factor_setup", next_url))
            return redirect(next_url)
        if result.locked_until:
            form.add_error(None, _throttled_message(result.locked_until))
        else:
            form.add_error(
                None,
                _(
                    "This code is not right. Type the code your authenticator app shows now, "
                    "or one of your recovery codes."
                ),
            )
    return render(request, "registration/two_factor_verify.html", {"form": form, "next": next_url})


def _qr_svg(url: str) -> str:
    """The otpauth URL as an inline SVG QR code, drawn here: the secret never leaves the server."""
    qr = segno.make(url, error="m")
    return mark_safe(qr.svg_inline(scale=4, border=2, omitsize=True, svgclass="qr-code", lineclass=None))


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@never_cache
@sensitive_post_parameters("otp_token")
@login_required
def setup(request: HttpRequest) -> HttpResponse:
    """Enrolment: the QR code and the secret of a pending authenticator, then a code from it."""
    next_url = _next_url(request)
    step = second_step(request.user, request.session)
    if step is Step.VERIFY:
        # Replacing an authenticator is for a session that passed the second step.
        return redirect(_with_next("accounts:two_factor_verify", next_url))
    device = services.totp_enrolment_start(user=request.user)
    form = SetupCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result, codes = services.totp_enrolment_confirm(user=request.user, code=form.cleaned_data["otp_token"])
        if result.ok:
            otp_login(request, result.device)
            request.session[CODES_TO_SHOW] = codes
            messages.success(request, _("Two-step login is on."))
            return redirect(_with_next("accounts:two_factor_recovery_codes", next_url))
        if result.locked_until:
            form.add_error(None, _throttled_message(result.locked_until))
        else:
            form.add_error(
                None,
                _(
                    "This code is not right. Check that the phone's time is correct, and type "
                    "the code the app shows now."
                ),
            )
    device.user = request.user  # config_url names the account (the issuer is OTP_TOTP_ISSUER)
    return render(
        request,
        "registration/two_factor_setup.html",
        {
            "form": form,
            "next": next_url,
            "qr_svg": _qr_svg(device.config_url),
            "secret": _grouped(b32encode(device.bin_key).decode()),
            "required": second_factor_required(request.user),
        },
    )


@never_cache
@login_required
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """The recovery codes just made, shown once (GET); a new set (POST)."""
    next_url = _next_url(request)
    if request.method == "POST":
        if user_devices(request.user).totp_pk is None:
            return redirect("accounts:two_factor")
        request.session[CODES_TO_SHOW] = services.recovery_codes_regenerate(user=request.user)
        return redirect(_with_next("accounts:two_factor_recovery_codes", next_url))
    codes = request.session.pop(CODES_TO_SHOW, None)
    return render(request, "registration/two_factor_recovery_codes.html", {"codes": codes, "next": next_url})


@never_cache
@login_required
def manage(request: HttpRequest) -> HttpResponse:
    """The user's second factor: on or off, a new phone, new recovery codes, and (where the role
    allows) turning it off."""
    return render(
        request,
        "registration/two_factor.html",
        {
            "enabled": user_devices(request.user).totp_pk is not None,
            "codes_left": recovery_codes_left(request.user),
            "required": second_factor_required(request.user),
        },
    )


@require_POST
@login_required
def disable(request: HttpRequest) -> HttpResponse:
    if services.second_factor_disable(user=request.user):
        messages.success(request, _("Two-step login is off."))
    return redirect("accounts:two_factor")


@require_POST
@login_required
def new_phone(request: HttpRequest) -> HttpResponse:
    """Start over with a new authenticator; the current one keeps working until the new one is confirmed."""
    services.totp_enrolment_restart(user=request.user)
    return redirect("accounts:two_factor_setup")
