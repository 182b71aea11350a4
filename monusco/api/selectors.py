"""Scoped reads the API needs that no app provides."""

from django.db.models import QuerySet

from monusco.models import Locality
from monusco.scope import scope_for


def locality_list(*, user) -> QuerySet[Locality]:
    """Localities in scope: in the user's provinces or territories, or covered by their bases."""
    scope = scope_for(user)
    queryset = Locality.objects.select_related("territory__province")
    if scope.everything:
        return queryset
    in_scope = scope.filter(
        Locality.objects.all(), base="covering_bases__id", territory="territory_id", province="territory__province_id"
    )
    return queryset.filter(pk__in=in_scope.values("pk"))
