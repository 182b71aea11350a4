"""The admin's forms. Sex/age counts follow the one rule of ``gender.sadd``, bounded as the API
and the CLA forms bound them."""

from __future__ import annotations

from django import forms
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cla.validators import MAX_COUNT, TOO_MANY
from gender.sadd import BANDS_MESSAGE, SADD_FIELDS, age_band_errors

from .. import selectors
from ..models import JPTMission, MeetingHeld, Recommendation


class SaddFormMixin:
    """Checks the sex/age bands with the rule's own message, and then leaves the database
    constraint on those fields out of the model validation (it would only repeat it)."""

    _bands_invalid = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in SADD_FIELDS:
            if name in self.fields:
                self.fields[name].validators.append(MaxValueValidator(MAX_COUNT, message=TOO_MANY))

    def clean(self):
        cleaned = super().clean()
        if age_band_errors(self.cleaned_data):
            self._bands_invalid = True
            raise forms.ValidationError(BANDS_MESSAGE, code="age_bands")
        return cleaned

    def _get_validation_exclusions(self):
        exclude = super()._get_validation_exclusions()
        if self._bands_invalid:
            exclude.update(SADD_FIELDS)
        return exclude


class MeetingHeldForm(SaddFormMixin, forms.ModelForm):
    class Meta:
        model = MeetingHeld
        fields = ["held_on", "locality", "kind", "with_whom", "notes", *SADD_FIELDS]


class JPTMissionForm(SaddFormMixin, forms.ModelForm):
    request_user = None  # set per request by ``JPTMissionAdmin.get_form``

    class Meta:
        model = JPTMission
        fields = [
            "title",
            "lead",
            "start_date",
            "end_date",
            "localities",
            "bases",
            "objectives",
            "terms_of_reference",
            "summary",
            *SADD_FIELDS,
        ]

    def clean_localities(self):
        localities = self.cleaned_data["localities"]
        user = self.request_user
        if user is not None and not selectors.localities_all_in_scope(user=user, localities=localities):
            raise forms.ValidationError(_("You can only plan missions in the area you cover."))
        return localities


class RecommendationInlineForm(forms.ModelForm):
    update_note = forms.CharField(
        label=gettext_lazy("Follow-up note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("A change of status or a note is added to the follow-up history."),
    )

    class Meta:
        model = Recommendation
        fields = ["text", "responsible", "responsible_detail", "deadline", "follow_up_status"]


class RecommendationForm(forms.ModelForm):
    update_note = RecommendationInlineForm.base_fields["update_note"]

    class Meta:
        model = Recommendation
        fields = ["mission", "text", "responsible", "responsible_detail", "deadline", "follow_up_status"]
