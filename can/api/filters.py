from django_filters import rest_framework as filters

from can.models import Alert, AlertChannel, AlertStatus, FocalPoint
from gender.models import ReviewStatus
from monusco.api.auth import api_client_of
from monusco.api.base import ApiFilterSet, uid_filter
from monusco.choices import PROTECTED_THREAT_CATEGORIES, ThreatCategory


class AlertFilter(ApiFilterSet):
    date_from = filters.DateFilter(field_name="received_on", lookup_expr="gte", help_text="Received on or after.")
    date_to = filters.DateFilter(field_name="received_on", lookup_expr="lte", help_text="Received on or before.")
    base = uid_filter("base__uid", "operating base")
    locality = uid_filter("locality__uid", "locality")
    territory = uid_filter("territory__uid", "territory")
    province = uid_filter("territory__province__uid", "province")
    status = filters.ChoiceFilter(choices=AlertStatus.choices)
    channel = filters.ChoiceFilter(choices=AlertChannel.choices)
    threat_category = filters.ChoiceFilter(choices=ThreatCategory.choices, method="filter_threat")
    review_status = filters.ChoiceFilter(choices=ReviewStatus.choices)

    class Meta:
        model = Alert
        fields = [
            "date_from",
            "date_to",
            "base",
            "locality",
            "territory",
            "province",
            "status",
            "channel",
            "threat_category",
            "review_status",
            "updated_since",
        ]

    def filter_threat(self, queryset, name, value):
        if value in PROTECTED_THREAT_CATEGORIES and api_client_of(self.request) is not None:
            return queryset.none()
        return queryset.filter(threat_category=value)


class FocalPointFilter(ApiFilterSet):
    locality = uid_filter("locality__uid", "locality")
    is_active = filters.BooleanFilter()

    class Meta:
        model = FocalPoint
        fields = ["locality", "is_active", "updated_since"]
