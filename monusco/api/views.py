from drf_spectacular.utils import extend_schema, extend_schema_view

from monusco.models import Locality

from .base import GeoApiViewSet
from .filters import LocalityFilter
from .resources import Resource
from .selectors import locality_list
from .serializers import LocalitySerializer


@extend_schema_view(
    list=extend_schema(summary="Localities in scope", tags=["places"]),
    retrieve=extend_schema(summary="One locality", tags=["places"]),
)
class LocalityViewSet(GeoApiViewSet):
    """Places (province > territory > locality) with coordinates. JSON, CSV with HXL, GeoJSON."""

    resource = Resource.LOCALITIES
    gazetteer = True  # public place names: no agreement coarsens them (``geography``)
    read_permissions = ("monusco.view_locality",)
    serializer_class = LocalitySerializer
    filterset_class = LocalityFilter
    ordering = ("name",)
    ordering_fields = ("name", "created_at", "updated_at")
    queryset = Locality.objects.none()
    csv_columns = [
        ("uid", "uid", "#loc+code"),
        ("name", "locality", "#loc+name"),
        ("territory.name", "territory", "#adm2+name"),
        ("province.name", "province", "#adm1+name"),
        ("latitude", "latitude", "#geo+lat"),
        ("longitude", "longitude", "#geo+lon"),
        ("precision", "precision", "#geo+precision"),
        ("updated_at", "updated_at", "#date+updated"),
    ]

    def get_queryset(self):
        return locality_list(user=self.request.user)
