from django.db import transaction
from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from can import selectors, selectors_callbacks, services
from can.models import Alert, AlertEvent, FocalPoint
from cla.selectors import base_list
from monusco.api import messages
from monusco.api.auth import api_client_of
from monusco.api.base import ApiView, ApiViewSet, GeoApiViewSet
from monusco.api.renderers import ApiJSONRenderer
from monusco.api.resources import Resource
from monusco.api.selectors import locality_list
from monusco.api.serializers import BASE_REF_CSV, LOCALITY_REF_CSV, hxl_sex_age
from monusco.audit import acting_as
from monusco.scope import scope_for

from .filters import AlertFilter, FocalPointFilter
from .serializers import (
    AlertCreateSerializer,
    AlertMeasureSerializer,
    AlertMeasuresQuery,
    AlertSerializer,
    FocalPointIdentitySerializer,
    FocalPointSerializer,
)


@extend_schema_view(
    list=extend_schema(summary="Alerts in scope", tags=["alerts"]),
    retrieve=extend_schema(summary="One alert, with its history", tags=["alerts"]),
    create=extend_schema(
        summary="Raise an alert (granted clients only)",
        tags=["alerts"],
        request=AlertCreateSerializer,
        responses={
            201: OpenApiResponse(AlertSerializer, description="Created."),
            200: OpenApiResponse(AlertSerializer, description="A repeat of an idempotency key already used."),
        },
    ),
)
class AlertViewSet(GeoApiViewSet):
    """Community alerts and their lifecycle. Sexual-violence alerts are left out for API clients,
    and for signed-in users outside the alert's base without a need to know; sender numbers and
    focal point identities never appear, and phone numbers typed in a description are masked."""

    resource = Resource.ALERTS
    read_permissions = ("can.view_alert",)
    write_permissions = ("can.add_alert",)
    serializer_class = AlertSerializer
    filterset_class = AlertFilter
    ordering = ("-received_at",)
    ordering_fields = ("received_at", "created_at", "updated_at")
    geo_coordinates = ("locality.longitude", "locality.latitude")
    http_method_names = ["get", "post", "head", "options"]
    csv_columns = [
        ("uid", "uid", "#event+id"),
        ("received_at", "received_at", "#date+reported"),
        ("channel", "channel", "#meta+channel"),
        ("threat_category", "threat_category", "#event+type"),
        ("description", "description", "#description"),
        *BASE_REF_CSV,
        *LOCALITY_REF_CSV,
        ("territory.name", "area_territory", "#adm2+name+area"),
        ("province.name", "area_province", "#adm1+name+area"),
        *hxl_sex_age("people_at_risk", "#affected"),
        ("status", "status", "#status"),
        ("acknowledged_at", "acknowledged_at", "#date+acknowledged"),
        ("response_at", "response_at", "#date+response"),
        ("response_type", "response_type", "#response+type"),
        ("closed_at", "closed_at", "#date+closed"),
        ("outcome", "outcome", "#status+outcome"),
        ("updated_at", "updated_at", "#date+updated"),
    ]

    def _alerts(self, alerts):
        return alerts.select_related(
            "base", "locality__territory__province", "territory__province", "focal_point"
        ).prefetch_related(Prefetch("events", queryset=AlertEvent.objects.order_by("at", "id"), to_attr="api_events"))

    def get_queryset(self):
        return self._alerts(selectors.alert_rows(user=self.request.user, for_client=self.client is not None))

    def get_serializer_class(self):
        return AlertCreateSerializer if self.action == "create" else AlertSerializer

    def create(self, request, *args, **kwargs):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        user = request.user
        base = base_list(user=user).filter(uid=values["base"]).first()
        if base is None:
            raise ValidationError({"base": [messages.OUT_OF_SCOPE_PLACE]})
        locality = None
        if values.get("locality"):
            locality = locality_list(user=user).filter(uid=values["locality"]).first()
            if locality is None:
                raise ValidationError({"locality": [messages.OUT_OF_SCOPE_PLACE]})
        with acting_as(user):
            alert, created = services.alert_create(
                user=user,
                base=base,
                locality=locality,
                channel=values["channel"],
                threat_category=values["threat_category"],
                description=values["description"],
                women=values["women"],
                men=values["men"],
                girls=values["girls"],
                boys=values["boys"],
                client_uuid=values["idempotency_key"],
                received_at=values.get("received_at"),
            )
        # The caller's own alert comes back whatever its category (it sent the content itself).
        # (The scope's reading rules would hide it from a client: a sexual-violence alert, say.)
        body = AlertSerializer(
            self._alerts(Alert.objects.filter(pk=alert.pk)).get(), context=self.get_serializer_context()
        ).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


@extend_schema_view(
    list=extend_schema(summary="Focal points of your base (signed-in staff only)", tags=["focal points"]),
    retrieve=extend_schema(
        summary="One focal point, with name and phone when you may see them (each read is logged)",
        tags=["focal points"],
        responses=FocalPointIdentitySerializer,
    ),
)
class FocalPointViewSet(ApiViewSet):
    """Community focal points of the bases you are assigned to. Never available to API clients,
    never exported: JSON only. Lists carry the pseudonymous code; names and phone numbers appear
    only on one focal point at a time, to users allowed to see them, and every such read is logged."""

    resource = "focal_points"
    session_only = True
    read_permissions = ("can.view_focalpoint",)
    serializer_class = FocalPointSerializer
    filterset_class = FocalPointFilter
    renderer_classes = [ApiJSONRenderer]
    ordering = ("code",)
    ordering_fields = ("code", "created_at", "updated_at")
    queryset = FocalPoint.objects.none()

    def get_queryset(self):
        own_bases = sorted(scope_for(self.request.user).base_ids)
        return (
            selectors.focalpoint_list(user=self.request.user)
            .filter(base_id__in=own_bases)
            .select_related("locality__territory__province")
        )

    @transaction.atomic  # reading an identity writes its audit row in the same transaction
    def retrieve(self, request, *args, **kwargs):
        focal_point = self.get_object()
        if selectors.focalpoint_identity_get(user=request.user, focal_point=focal_point) is None:
            return Response(FocalPointSerializer(focal_point).data)
        return Response(FocalPointIdentitySerializer(focal_point).data)


class AlertMeasuresView(ApiView, GenericAPIView):
    """Response times per base and month of receipt, aggregated in the database: alerts and the
    median time to acknowledge; missed calls, how many were called back, the median time to call
    back and how many never were. No alert's details, no sender; an API client's figures leave
    the sexual-violence alerts out, as its alert records do."""

    resource = Resource.ALERTS
    read_permissions = ("can.view_alert",)
    write_permissions = ()
    serializer_class = AlertMeasureSerializer
    pagination_class = None
    filter_backends = []

    def query_parameters(self) -> set[str]:
        return {"format", "base", "month"}

    @extend_schema(
        summary="Response times per base and month",
        tags=["alerts"],
        parameters=[
            OpenApiParameter("base", OpenApiTypes.UUID, description="Only this operating base (its uid)."),
            OpenApiParameter(
                "month",
                OpenApiTypes.STR,
                description="Only this month of receipt, as YYYY-MM (2000 to 2099).",
                pattern=r"^20[0-9]{2}-(0[1-9]|1[0-2])$",  # alerts are dated from 2000 to 2099
            ),
        ],
        responses=AlertMeasureSerializer(many=True),
    )
    def get(self, request, *args, **kwargs):
        query = AlertMeasuresQuery(data=request.query_params.dict())  # a plain dict: "base=" is refused, not skipped
        query.is_valid(raise_exception=True)
        rows = selectors_callbacks.alert_response_times(
            user=request.user,
            base_uid=query.validated_data.get("base"),
            month=query.validated_data.get("month"),
            api=True,
            for_client=api_client_of(request) is not None,
        )
        return Response(self.get_serializer(rows, many=True).data)
