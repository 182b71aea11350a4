"""The meeting form, its concerns and follow-up rows, and the meeting list's filters."""

from django import forms
from django.utils.translation import gettext_lazy as _

from gender.models import ReviewStatus
from gender.sadd import ADULT_BANDS, CHILD_BANDS, SADD_FIELDS, SEX_FIELDS
from monusco.choices import ThreatCategory
from monusco.map_positions import PositionFormMixin
from monusco.models import Locality

from .. import services
from ..models import ActionStatus, AtRiskGroup, MeetingType, ResponsibleActor, StakeholderGroup
from ._common import BLANK, DATE, CountsMixin, FieldForm, RowForm, _add_errors, _planning_date, _version_field

MEETING_PAGE_ORDER = (
    "base",
    "locality",
    "held_on",
    "meeting_type",
    "facilitators",
    "stakeholder_groups",
    *SEX_FIELDS,
    "no_participants",
    "women_consulted_separately",
    *CHILD_BANDS,
    *ADULT_BANDS,
    "topics",
)


class MeetingForm(PositionFormMixin, CountsMixin, FieldForm):
    base = forms.ModelChoiceField(label=_("Base"), queryset=None, empty_label=None)
    locality = forms.ModelChoiceField(label=_("Locality"), queryset=None)
    held_on = forms.DateField(label=_("Date"), widget=DATE)
    meeting_type = forms.ChoiceField(label=_("Type"), choices=MeetingType.choices)
    facilitators = forms.ModelMultipleChoiceField(
        label=_("Facilitating CLAs"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    stakeholder_groups = forms.MultipleChoiceField(
        label=_("Stakeholder groups present"),
        choices=StakeholderGroup.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    women_consulted_separately = forms.BooleanField(label=_("Women were consulted separately"), required=False)
    no_participants = forms.BooleanField(label=_("No participants recorded"), required=False)
    topics = forms.CharField(label=_("Topics discussed"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    client_token = forms.UUIDField(required=False, widget=forms.HiddenInput)
    version = _version_field()

    def __init__(self, *args, bases, facilitators, fixed_base=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._add_count_fields()
        self.fixed_base = fixed_base
        self.fields["base"].queryset = bases
        if fixed_base is not None or len(bases) == 1:
            del self.fields["base"]
        coverage_bases = [fixed_base] if fixed_base is not None else list(bases)
        self.fields["locality"].queryset = (
            Locality.objects.filter(covering_bases__in=coverage_bases).distinct().order_by("name")
        )
        self.fields["facilitators"].queryset = facilitators
        self.fields["facilitators"].label_from_instance = lambda cla: cla.user.get_full_name() or cla.user.username
        self._single_base = bases[0] if fixed_base is None and len(bases) == 1 else None
        self.order_fields(MEETING_PAGE_ORDER)  # the page's order, which the error summary follows

    def chosen_base(self):
        return self.fixed_base or self._single_base or self.cleaned_data.get("base")

    def clean(self):
        data = super().clean()
        _add_errors(
            self,
            services.meeting_errors(
                base=self.chosen_base(),
                locality=data.get("locality"),
                held_on=data.get("held_on"),
                counts=self.counts(),
                no_participants=bool(data.get("no_participants")),
            ),
        )
        return data

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            "locality": data["locality"],
            "held_on": data["held_on"],
            "meeting_type": data["meeting_type"],
            "stakeholder_groups": data["stakeholder_groups"],
            "women_consulted_separately": data["women_consulted_separately"],
            "topics": data["topics"],
            "counts": self.counts(),
            "facilitators": list(data["facilitators"]),
            "no_participants": data["no_participants"],
            "position": self.position(),
        }

    def create_values(self) -> dict:
        return {**self.values(), "base": self.chosen_base(), "client_token": self.cleaned_data.get("client_token")}

    def expected_version(self) -> int:
        """The version the form was opened at; 0 (never a saved version) when the form lacks it."""
        return self.cleaned_data.get("version") or 0

    @staticmethod
    def initial_for(meeting) -> dict:
        initial = {name: getattr(meeting, name) for name in SADD_FIELDS}
        initial.update(
            locality=meeting.locality,
            held_on=meeting.held_on,
            meeting_type=meeting.meeting_type,
            stakeholder_groups=meeting.stakeholder_groups,
            women_consulted_separately=meeting.women_consulted_separately,
            topics=meeting.topics,
            facilitators=list(meeting.facilitators.all()),
            version=meeting.version,
            latitude=meeting.latitude,
            longitude=meeting.longitude,
            position_accuracy=meeting.position_accuracy,
            # Saved with nobody counted: its author confirmed it (the rule of ``services.meeting_errors``).
            no_participants=meeting.total_people == 0,
        )
        return initial


class ConcernForm(RowForm):
    category = forms.ChoiceField(label=_("Threat category"), choices=BLANK + ThreatCategory.choices)
    description = forms.CharField(label=_("What was reported"), widget=forms.Textarea(attrs={"rows": 2}))
    at_risk_groups = forms.MultipleChoiceField(
        label=_("Who is at risk"), choices=AtRiskGroup.choices, required=False, widget=forms.CheckboxSelectMultiple
    )


class FollowUpForm(RowForm):
    action = forms.CharField(label=_("Follow-up action"), widget=forms.Textarea(attrs={"rows": 2}))
    responsible = forms.ChoiceField(label=_("Responsible"), choices=BLANK + ResponsibleActor.choices)
    due_on = forms.DateField(label=_("Due"), required=False, widget=DATE)
    status = forms.ChoiceField(label=_("Status"), choices=ActionStatus.choices, initial=ActionStatus.PLANNED)

    def clean_due_on(self):
        return _planning_date(self, "due_on")


ConcernFormSet = forms.formset_factory(ConcernForm, extra=1, can_delete=True)
FollowUpFormSet = forms.formset_factory(FollowUpForm, extra=1, can_delete=True)


class MeetingFilterForm(FieldForm):
    date_from = forms.DateField(label=_("From"), required=False, widget=DATE)
    date_to = forms.DateField(label=_("To"), required=False, widget=DATE)
    locality = forms.ModelChoiceField(label=_("Locality"), queryset=None, required=False)
    status = forms.ChoiceField(label=_("Status"), choices=BLANK + ReviewStatus.choices, required=False)
    category = forms.ChoiceField(label=_("Threat category"), choices=BLANK + ThreatCategory.choices, required=False)

    def __init__(self, *args, localities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["locality"].queryset = localities
