from django.db.models import Exists, OuterRef
from django_filters import rest_framework as filters

from gender.models import ReviewStatus
from gender.selectors.protected import protected_visible_q
from jpt.models import Finding, FollowUpStatus, JPTMission, MissionStatus, Recommendation
from monusco.api.auth import api_client_of
from monusco.api.base import ApiFilterSet
from monusco.choices import ThreatCategory


class MissionFilter(ApiFilterSet):
    date_from = filters.DateFilter(field_name="end_date", lookup_expr="gte", help_text="Missions ending on or after.")
    date_to = filters.DateFilter(
        field_name="start_date", lookup_expr="lte", help_text="Missions starting on or before."
    )
    status = filters.ChoiceFilter(choices=MissionStatus.choices)
    base = filters.UUIDFilter(method="filter_base", help_text="Missions concerning this operating base (its uid).")
    locality = filters.UUIDFilter(method="filter_locality", help_text="Missions to this locality (its uid).")
    territory = filters.UUIDFilter(method="filter_territory", help_text="Missions to this territory (its uid).")
    province = filters.UUIDFilter(method="filter_province", help_text="Missions to this province (its uid).")
    threat_category = filters.ChoiceFilter(
        choices=ThreatCategory.choices, method="filter_threat", help_text="Missions with a finding of this category."
    )
    follow_up_status = filters.ChoiceFilter(
        choices=FollowUpStatus.choices,
        method="filter_follow_up",
        help_text="Missions with a recommendation in this follow-up status.",
    )
    review_status = filters.ChoiceFilter(choices=ReviewStatus.choices)

    class Meta:
        model = JPTMission
        fields = [
            "date_from",
            "date_to",
            "status",
            "base",
            "locality",
            "territory",
            "province",
            "threat_category",
            "follow_up_status",
            "review_status",
            "updated_since",
        ]

    def _through(self, queryset, model, **lookup):
        return queryset.filter(Exists(model.objects.filter(**lookup)))

    def filter_base(self, queryset, name, value):
        return self._through(queryset, JPTMission.bases.through, jptmission_id=OuterRef("pk"), operatingbase__uid=value)

    def filter_locality(self, queryset, name, value):
        return self._through(queryset, JPTMission.localities.through, jptmission_id=OuterRef("pk"), locality__uid=value)

    def filter_territory(self, queryset, name, value):
        return self._through(
            queryset, JPTMission.localities.through, jptmission_id=OuterRef("pk"), locality__territory__uid=value
        )

    def filter_province(self, queryset, name, value):
        return self._through(
            queryset,
            JPTMission.localities.through,
            jptmission_id=OuterRef("pk"),
            locality__territory__province__uid=value,
        )

    def filter_threat(self, queryset, name, value):
        # A sexual-violence finding is found only by the mission's bases and need-to-know roles.
        findings = Finding.objects.filter(mission=OuterRef("pk"), category=value).filter(
            protected_visible_q(
                user=self.request.user,
                category="category",
                base="mission__bases__id",
                for_client=api_client_of(self.request) is not None,
            )
        )
        return queryset.filter(Exists(findings))

    def filter_follow_up(self, queryset, name, value):
        return self._through(queryset, Recommendation, mission=OuterRef("pk"), follow_up_status=value)
