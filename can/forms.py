"""Browser forms. They only parse input; the rules live in ``can.services``."""

from __future__ import annotations

import uuid
from typing import Any, cast

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cla.models import OperatingBase
from cla.validators import COUNT_ERROR_MESSAGES, MAX_COUNT
from monusco.choices import Sex, ThreatCategory
from monusco.crypto import normalize_phone
from monusco.map_positions import PositionFormMixin
from monusco.models import Locality
from monusco.scope import scope_for

from .models import AlertChannel, CallbackResult, CommunityRole, Outcome, ResponseType, SenderLanguage


def _user_bases(user):
    scope = scope_for(user)
    qs = OperatingBase.objects.filter(closed_on__isnull=True)
    return qs if scope.everything else qs.filter(pk__in=sorted(scope.base_ids))


def _count(label, **kwargs) -> forms.IntegerField:
    """People at risk: bounded as the API and the CLA forms bound them."""
    return forms.IntegerField(
        label=label, min_value=0, max_value=MAX_COUNT, error_messages=COUNT_ERROR_MESSAGES, **kwargs
    )


def _model_choice(form: forms.Form, name: str) -> forms.ModelChoiceField[Any]:
    """A ``ModelChoiceField`` of ``form``, to set its queryset (``fields`` is typed as plain fields)."""
    return cast("forms.ModelChoiceField[Any]", form.fields[name])


def _with_blank(choices, label) -> list[tuple[str, Any]]:
    """``choices`` after an empty first choice: nothing of substance is chosen in advance."""
    return [("", label), *choices]


def clean_phone_field(value: str) -> str:
    """A phone number typed in a form, in E.164 (``+243812345678``), or ``""`` when left empty;
    not a phone number (``abc-not-a-phone``) is refused. Numbers without a country code are
    DR Congo's (``monusco.crypto.normalize_phone``, the rule the services and the intake use)."""
    value = (value or "").strip()
    if not value:
        return ""
    number = normalize_phone(value)
    if not number:
        raise forms.ValidationError(_("Enter a valid phone number."), code="invalid_phone")
    return number


def _covered_localities(bases):
    return Locality.objects.filter(covering_bases__in=bases).distinct().order_by("name")


class AlertForm(PositionFormMixin):
    """An alert received by phone, radio or in person, logged by a CLA."""

    client_uuid = forms.UUIDField(widget=forms.HiddenInput)
    channel = forms.ChoiceField(
        label=_("Received by"),
        choices=[(c.value, c.label) for c in (AlertChannel.PHONE_CALL, AlertChannel.RADIO, AlertChannel.IN_PERSON)],
    )
    base = forms.ModelChoiceField(label=_("Base"), queryset=OperatingBase.objects.none())
    locality = forms.ModelChoiceField(label=_("Locality"), queryset=Locality.objects.none(), required=False)
    threat_category = forms.ChoiceField(
        label=_("Threat"), choices=_with_blank(ThreatCategory.choices, _("Choose the threat"))
    )
    description = forms.CharField(
        label=_("What is happening"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )
    sender = forms.CharField(label=_("Caller's phone (optional)"), required=False, max_length=30)
    women = _count(_("Women at risk"), initial=0)
    men = _count(_("Men at risk"), initial=0)
    girls = _count(_("Girls at risk"), initial=0)
    boys = _count(_("Boys at risk"), initial=0)

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("client_uuid", uuid.uuid4())
        super().__init__(*args, **kwargs)
        bases = _user_bases(user)
        _model_choice(self, "base").queryset = bases
        _model_choice(self, "locality").queryset = _covered_localities(bases)
        if len(bases) == 1:
            self.fields["base"].initial = bases[0]

    def clean_sender(self):
        return clean_phone_field(self.cleaned_data["sender"])


class CorrectionForm(forms.Form):
    """A closed alert the gender office returned: what the review may ask to put right."""

    threat_category = forms.ChoiceField(label=_("Threat"), choices=ThreatCategory.choices)
    locality = forms.ModelChoiceField(label=_("Locality"), queryset=Locality.objects.none(), required=False)
    description = forms.CharField(
        label=_("What is happening"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000, required=False
    )
    women = _count(_("Women at risk"))
    men = _count(_("Men at risk"))
    girls = _count(_("Girls at risk"))
    boys = _count(_("Boys at risk"))

    def __init__(self, *args, alert, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "threat_category": alert.threat_category,
                "locality": alert.locality_id,
                "description": alert.description,
                "women": alert.women,
                "men": alert.men,
                "girls": alert.girls,
                "boys": alert.boys,
            },
        )
        super().__init__(*args, **kwargs)
        _model_choice(self, "locality").queryset = (
            Locality.objects.filter(Q(covering_bases=alert.base_id) | Q(territory_id=alert.territory_id))
            .distinct()
            .order_by("name")
        )


class VerifyForm(forms.Form):
    note = forms.CharField(label=_("How it was verified"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
    locality = forms.ModelChoiceField(label=_("Locality"), queryset=Locality.objects.none(), required=False)
    threat_category = forms.ChoiceField(
        label=_("Threat"), choices=[("", _("(unchanged)")), *ThreatCategory.choices], required=False
    )

    def __init__(self, *args, alert, **kwargs):
        super().__init__(*args, **kwargs)
        _model_choice(self, "locality").queryset = (
            Locality.objects.filter(Q(covering_bases=alert.base_id) | Q(territory_id=alert.territory_id))
            .distinct()
            .order_by("name")
        )


class DispatchForm(forms.Form):
    response_type = forms.ChoiceField(label=_("Response"), choices=ResponseType.choices)
    note = forms.CharField(
        label=_("Details"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=5000
    )


class CloseForm(forms.Form):
    """Closing an alert: the outcome is chosen by the duty officer, never preset, and the close
    is confirmed in a second step (``confirm``)."""

    outcome = forms.ChoiceField(label=_("Outcome"), choices=_with_blank(Outcome.choices, _("Choose the outcome")))
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=5000)


class FocalPointForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    locality = forms.ModelChoiceField(label=_("Locality"), queryset=Locality.objects.none())
    community_role = forms.ChoiceField(
        label=_("Role in the community"), choices=_with_blank(CommunityRole.choices, _("Choose the role"))
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=_with_blank(Sex.choices, _("Choose the sex")))
    consent_on = forms.DateField(
        label=_("Consent given on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    do_not_call_back = forms.BooleanField(label=_("Do not call back"), required=False)
    language = forms.ChoiceField(
        label=_("Language of replies"),
        choices=_with_blank(SenderLanguage.choices, _("Guess from each SMS")),
        required=False,
    )
    feedback_consent = forms.BooleanField(
        label=_("Agrees to hear back"),
        required=False,
        help_text=_("An SMS when their alert is received, acknowledged and closed. Never its details."),
    )
    do_not_contact = forms.BooleanField(
        label=_("Do not contact"), required=False, help_text=_("No SMS is ever sent to this focal point.")
    )

    def __init__(self, *args, bases, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("consent_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        _model_choice(self, "locality").queryset = _covered_localities(bases)

    def clean_phone(self):
        return clean_phone_field(self.cleaned_data["phone"])


class FocalPointCreateForm(FocalPointForm):
    base = forms.ModelChoiceField(label=_("Base"), queryset=OperatingBase.objects.none())
    field_order = [
        "base",
        "name",
        "phone",
        "locality",
        "community_role",
        "sex",
        "consent_on",
        "do_not_call_back",
        "language",
        "feedback_consent",
        "do_not_contact",
    ]

    def __init__(self, *args, user, **kwargs):
        bases = _user_bases(user)
        super().__init__(*args, bases=bases, **kwargs)
        _model_choice(self, "base").queryset = bases
        if len(bases) == 1:
            self.fields["base"].initial = bases[0]


class MoveForm(forms.Form):
    base = forms.ModelChoiceField(label=_("New base"), queryset=OperatingBase.objects.none())

    def __init__(self, *args, focal_point, **kwargs):
        super().__init__(*args, **kwargs)
        _model_choice(self, "base").queryset = OperatingBase.objects.filter(closed_on__isnull=True).exclude(
            pk=focal_point.base_id
        )


class CallbackForm(forms.Form):
    """One call-back attempt. When the caller was reached, the CLA writes the alert's account from
    the call: threat, place, what is happening, people at risk."""

    result = forms.ChoiceField(label=_("Result of the call"), choices=CallbackResult.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000)
    seen_failures = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=1000)
    threat_category = forms.ChoiceField(
        label=_("Threat"), choices=_with_blank(ThreatCategory.choices, _("Choose the threat")), required=False
    )
    locality = forms.ModelChoiceField(label=_("Locality"), queryset=Locality.objects.none(), required=False)
    description = forms.CharField(
        label=_("What the caller said"), widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=5000
    )
    women = _count(_("Women at risk"), initial=0, required=False)
    men = _count(_("Men at risk"), initial=0, required=False)
    girls = _count(_("Girls at risk"), initial=0, required=False)
    boys = _count(_("Boys at risk"), initial=0, required=False)

    def __init__(self, *args, alert, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("seen_failures", alert.callback_failures)
        super().__init__(*args, **kwargs)
        _model_choice(self, "locality").queryset = (
            Locality.objects.filter(Q(covering_bases=alert.base_id) | Q(territory_id=alert.territory_id))
            .distinct()
            .order_by("name")
        )

    def clean(self):
        data = super().clean() or {}
        for name in ("women", "men", "girls", "boys"):
            if data.get(name) is None:
                data[name] = 0
        if data.get("result") == CallbackResult.REACHED:
            if not data.get("threat_category"):
                self.add_error("threat_category", _("Choose the threat the caller described."))
            if not (data.get("description") or "").strip():
                self.add_error("description", _("Write what the caller said."))
        return data
