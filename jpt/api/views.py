from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view

from cla.models import OperatingBase
from jpt import selectors
from jpt.models import JPTMission, Recommendation
from monusco.api.base import ApiViewSet
from monusco.api.resources import Resource
from monusco.api.serializers import hxl_sex_age

from .filters import MissionFilter
from .serializers import MissionSerializer


@extend_schema_view(
    list=extend_schema(summary="JPT missions in scope", tags=["missions"]),
    retrieve=extend_schema(summary="One JPT mission, with its recommendations", tags=["missions"]),
)
class MissionViewSet(ApiViewSet):
    """Joint Protection Team missions: area, dates, team composition, people met by sex and age,
    and recommendations with their follow-up."""

    resource = Resource.MISSIONS
    read_permissions = ("jpt.view_jptmission",)
    serializer_class = MissionSerializer
    filterset_class = MissionFilter
    queryset = JPTMission.objects.none()
    ordering = ("-start_date",)
    ordering_fields = ("start_date", "created_at", "updated_at")
    csv_columns = [
        ("uid", "uid", "#activity+id"),
        ("title", "title", "#activity+name"),
        ("status", "status", "#status"),
        ("start_date", "start_date", "#date+start"),
        ("end_date", "end_date", "#date+end"),
        ("localities.name", "localities", "#loc+name"),
        ("localities.territory", "territories", "#adm2+name"),
        ("bases", "bases", "#org+code"),
        ("team_size", "team_size", "#indicator+team"),
        ("women_on_team", "women_on_team", "#indicator+team+f"),
        *hxl_sex_age("people_met", "#reached"),
        ("recommendations.follow_up_status", "recommendation_statuses", "#status+recommendation"),
        ("overdue_recommendations", "overdue_recommendations", "#indicator+overdue"),
        ("review_status", "review_status", "#status+review"),
        ("updated_at", "updated_at", "#date+updated"),
    ]

    def get_queryset(self):
        return selectors.mission_list(user=self.request.user).prefetch_related(
            Prefetch("bases", queryset=OperatingBase.objects.order_by("code"), to_attr="api_bases"),
            Prefetch(
                "recommendations",
                queryset=Recommendation.objects.order_by("deadline", "id"),
                to_attr="api_recommendations",
            ),
        )
