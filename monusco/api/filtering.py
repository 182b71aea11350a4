"""The filter backend of every list (django-filter)."""

from django_filters import rest_framework as filters

# Query parameters that are not filters: with none but these, there is nothing to filter.
_NOT_FILTERS = frozenset({"page_size", "cursor", "ordering", "format"})


class ApiFilterBackend(filters.DjangoFilterBackend):
    """django-filter, minus the cost of building and validating an empty filter form when the
    request names no filter (every filter leaves the queryset as it is when its value is absent)."""

    def filter_queryset(self, request, queryset, view):
        if _NOT_FILTERS.issuperset(request.query_params.keys()):
            return queryset
        return super().filter_queryset(request, queryset, view)
