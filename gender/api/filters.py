from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_field

from gender.models import Review
from gender.registry import reports
from monusco.api.base import ApiFilterSet
from monusco.api.params import StrictFilterSet


def report_type_choices() -> list[tuple[str, str]]:
    return [(slug, slug) for slug in reports.slugs()]


class ReviewFilter(ApiFilterSet):
    # The registry is filled when the apps are ready, before the URLs (and this module) are loaded.
    report_type = extend_schema_field({"type": "string", "enum": reports.slugs()})(
        filters.ChoiceFilter(choices=report_type_choices)
    )
    decision = filters.ChoiceFilter(choices=Review.Decision.choices)
    date_from = filters.DateFilter(field_name="created_at", lookup_expr="date__gte", help_text="Reviewed on or after.")
    date_to = filters.DateFilter(field_name="created_at", lookup_expr="date__lte", help_text="Reviewed on or before.")

    class Meta:
        model = Review
        fields = ["report_type", "decision", "date_from", "date_to", "updated_since"]


class IndicatorFilter(StrictFilterSet):
    """Parameters of the dashboard indicators (not a queryset filter: read by the view)."""

    date_from = filters.DateFilter(help_text="Reports dated on or after.")
    date_to = filters.DateFilter(help_text="Reports dated on or before.")
    province = filters.UUIDFilter(help_text="Only this province (its uid).")
    territory = filters.UUIDFilter(help_text="Only this territory (its uid).")
    base = filters.UUIDFilter(help_text="Only this operating base (its uid).")
    report_type = filters.ChoiceFilter(choices=report_type_choices)
