from django.db.models import Exists, OuterRef
from django_filters import rest_framework as filters

from cla.models import (
    ActionStatus,
    CommunityProtectionPlan,
    MeetingType,
    OperatingBase,
    PlanAction,
    PlanThreat,
    SecurityConcern,
    UrafikiMeeting,
)
from gender.models import ReviewStatus
from gender.selectors.protected import protected_visible_q
from monusco.api.auth import api_client_of
from monusco.api.base import ApiFilterSet, uid_filter
from monusco.choices import ThreatCategory


class BaseFilter(ApiFilterSet):
    kind = filters.ChoiceFilter(choices=OperatingBase.Kind.choices)
    is_open = filters.BooleanFilter(field_name="closed_on", lookup_expr="isnull", help_text="true: bases still open.")
    locality = uid_filter("locality__uid", "locality")
    territory = uid_filter("locality__territory__uid", "territory")
    province = uid_filter("locality__territory__province__uid", "province")

    class Meta:
        model = OperatingBase
        fields = ["kind", "is_open", "locality", "territory", "province", "updated_since"]


def _visible(filterset, queryset, base: str):
    """Children (concerns, threats) the caller may see: a filter on a sexual-violence category
    never tells which record of another base holds one, and never anything to an API client."""
    request = filterset.request
    return queryset.filter(
        protected_visible_q(
            user=request.user, category="category", base=base, for_client=api_client_of(request) is not None
        )
    )


class ReportFilter(ApiFilterSet):
    base = uid_filter("base__uid", "operating base")
    locality = uid_filter("locality__uid", "locality")
    territory = uid_filter("locality__territory__uid", "territory")
    province = uid_filter("locality__territory__province__uid", "province")
    review_status = filters.ChoiceFilter(choices=ReviewStatus.choices)


class MeetingFilter(ReportFilter):
    date_from = filters.DateFilter(field_name="held_on", lookup_expr="gte", help_text="Held on or after.")
    date_to = filters.DateFilter(field_name="held_on", lookup_expr="lte", help_text="Held on or before.")
    meeting_type = filters.ChoiceFilter(choices=MeetingType.choices)
    threat_category = filters.ChoiceFilter(
        choices=ThreatCategory.choices, method="filter_threat", help_text="Meetings that raised this concern."
    )

    class Meta:
        model = UrafikiMeeting
        fields = [
            "date_from",
            "date_to",
            "base",
            "locality",
            "territory",
            "province",
            "meeting_type",
            "review_status",
            "threat_category",
            "updated_since",
        ]

    def filter_threat(self, queryset, name, value):
        concerns = _visible(
            self, SecurityConcern.objects.filter(meeting=OuterRef("pk"), category=value), "meeting__base_id"
        )
        return queryset.filter(Exists(concerns))


class PlanFilter(ReportFilter):
    date_from = filters.DateFilter(field_name="period_end", lookup_expr="gte", help_text="Plans in force on or after.")
    date_to = filters.DateFilter(field_name="period_start", lookup_expr="lte", help_text="Plans in force on or before.")
    threat_category = filters.ChoiceFilter(
        choices=ThreatCategory.choices, method="filter_threat", help_text="Plans holding a threat of this category."
    )
    status = filters.ChoiceFilter(
        choices=ActionStatus.choices, method="filter_action_status", help_text="Plans with an action in this status."
    )

    class Meta:
        model = CommunityProtectionPlan
        fields = [
            "date_from",
            "date_to",
            "base",
            "locality",
            "territory",
            "province",
            "review_status",
            "threat_category",
            "status",
            "updated_since",
        ]

    def filter_threat(self, queryset, name, value):
        threats = _visible(self, PlanThreat.objects.filter(plan=OuterRef("pk"), category=value), "plan__base_id")
        return queryset.filter(Exists(threats))

    def filter_action_status(self, queryset, name, value):
        return queryset.filter(Exists(PlanAction.objects.filter(threat__plan=OuterRef("pk"), status=value)))
