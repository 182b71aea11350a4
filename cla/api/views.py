from django.db.models import FloatField, Prefetch, TextField
from django.db.models.functions import Cast
from drf_spectacular.utils import extend_schema, extend_schema_view

from cla import selectors
from cla.models import (
    CommunityProtectionPlan,
    MeetingFollowUp,
    OperatingBase,
    PlanAction,
    PlanThreat,
    SecurityConcern,
    UrafikiMeeting,
)
from gender.selectors.protected import NEED_TO_KNOW, protected_visible_q
from monusco.api.base import ApiViewSet, GeoApiViewSet
from monusco.api.columns import ChildRows, UUIDText
from monusco.api.resources import Resource
from monusco.api.serializers import BASE_REF_CSV, LOCALITY_REF_CSV, hxl_sex_age
from monusco.choices import PROTECTED_THREAT_CATEGORIES
from monusco.models import Locality
from monusco.scope import scope_for

from .filters import BaseFilter, MeetingFilter, PlanFilter
from .serializers import (
    CONCERN_FIELDS,
    FOLLOW_UP_FIELDS,
    MEETING_COLUMNS,
    BaseSerializer,
    MeetingSerializer,
    PlanSerializer,
)

_LOCALITY = "locality__territory__province"


def _protected_mode(view) -> tuple[bool, frozenset[int] | None]:
    """How a reader sees sexual-violence concerns and threats: ``(hide_all, own_bases)``. API
    clients and readers with neither a base nor a need to know see none (``hide_all``); need-to-
    know roles see every one (``own_bases`` None); base users see those of their own bases."""
    user = view.request.user
    if view.client is None and user.has_perm(NEED_TO_KNOW):
        return False, None
    own = scope_for(user).base_ids if view.client is None else frozenset()
    return not own, own


@extend_schema_view(
    list=extend_schema(summary="Operating bases in scope", tags=["bases"]),
    retrieve=extend_schema(summary="One operating base", tags=["bases"]),
)
class BaseViewSet(GeoApiViewSet):
    """Company and temporary operating bases, open and closed, with the localities they cover."""

    resource = Resource.BASES
    read_permissions = ("cla.view_operatingbase",)
    serializer_class = BaseSerializer
    filterset_class = BaseFilter
    queryset = OperatingBase.objects.none()
    ordering = ("name",)
    ordering_fields = ("name", "opened_on", "created_at", "updated_at")
    geo_coordinates = ("locality.longitude", "locality.latitude")
    csv_columns = [
        ("uid", "uid", "#org+id"),
        ("code", "code", "#org+code"),
        ("name", "name", "#org+name"),
        ("kind", "kind", "#org+type"),
        ("parent.code", "parent", "#org+code+parent"),
        ("contingent", "contingent", "#org+contingent"),
        *LOCALITY_REF_CSV,
        ("coverage", "coverage", "#loc+name+covered"),
        ("opened_on", "opened_on", "#date+opened"),
        ("closed_on", "closed_on", "#date+closed"),
        ("handed_over_on", "handed_over_on", "#date+handover"),
        ("handed_over_to", "handed_over_to", "#org+handover"),
        ("is_open", "is_open", "#status+open"),
    ]

    def get_queryset(self):
        return (
            selectors.base_list(user=self.request.user)
            .select_related(_LOCALITY, "parent")
            .prefetch_related(Prefetch("coverage", queryset=Locality.objects.order_by("name"), to_attr="api_coverage"))
        )


@extend_schema_view(
    list=extend_schema(summary="Community meetings in scope", tags=["meetings"]),
    retrieve=extend_schema(summary="One community meeting", tags=["meetings"]),
)
class MeetingViewSet(ApiViewSet):
    """Urafiki and other community meetings, with participants by sex and age, security concerns
    and follow-up actions."""

    resource = Resource.MEETINGS
    read_permissions = ("cla.view_urafikimeeting",)
    serializer_class = MeetingSerializer
    filterset_class = MeetingFilter
    queryset = UrafikiMeeting.objects.none()
    # Newest first by default: the indexed ``created_at`` keeps the first page cheap at any size.
    ordering = ("-created_at",)
    ordering_fields = ("held_on", "created_at", "updated_at")
    csv_columns = [
        ("uid", "uid", "#meta+id"),
        ("held_on", "held_on", "#date"),
        ("meeting_type", "meeting_type", "#activity+type"),
        *BASE_REF_CSV,
        *LOCALITY_REF_CSV,
        *hxl_sex_age("participants", "#reached"),
        ("women_consulted_separately", "women_consulted_separately", "#indicator+women_separately"),
        ("stakeholder_groups", "stakeholder_groups", "#group+stakeholders"),
        ("concerns.category", "concern_categories", "#event+type"),
        ("follow_ups.status", "follow_up_statuses", "#status+follow_up"),
        ("review_status", "review_status", "#status+review"),
        ("updated_at", "updated_at", "#date+updated"),
    ]

    def get_queryset(self):
        return self.built_once_per_caller(self.meeting_rows, self.client is not None)

    def get_serializer_context(self) -> dict:
        # Sexual-violence concerns: left out in SQL for readers who see none; dropped per row, by
        # the meeting's base, for base users without a need to know.
        hide_all, own_bases = _protected_mode(self)
        return {**super().get_serializer_context(), "protected_only_of_bases": None if hide_all else own_bases}

    def meeting_rows(self):
        # Rows as dicts: the meeting table is the big one, and a page of 100 builds no model instance.
        # Each row brings its concerns and follow-ups as JSON text (one query for the page), parsed
        # by orjson in the serializer, its UUIDs as text and its coordinates as floats.
        hide_all, _own_bases = _protected_mode(self)
        hidden = ("category", PROTECTED_THREAT_CATEGORIES) if hide_all else None
        return selectors.meeting_list(user=self.request.user).values(
            *MEETING_COLUMNS,
            uid_text=UUIDText("uid"),
            base_uid=UUIDText("base__uid"),
            locality_uid=UUIDText("locality__uid"),
            locality_latitude=Cast("locality__latitude", FloatField()),
            locality_longitude=Cast("locality__longitude", FloatField()),
            stakeholder_groups_json=Cast("stakeholder_groups", TextField()),
            concerns_json=ChildRows(SecurityConcern, "meeting", CONCERN_FIELDS, exclude=hidden),
            follow_ups_json=ChildRows(MeetingFollowUp, "meeting", FOLLOW_UP_FIELDS),
        )


@extend_schema_view(
    list=extend_schema(summary="Community protection plans in scope", tags=["plans"]),
    retrieve=extend_schema(summary="One community protection plan", tags=["plans"]),
)
class PlanViewSet(ApiViewSet):
    """Community protection plans, each with its threats and their actions."""

    resource = Resource.PLANS
    read_permissions = ("cla.view_communityprotectionplan",)
    serializer_class = PlanSerializer
    filterset_class = PlanFilter
    queryset = CommunityProtectionPlan.objects.none()
    ordering = ("-period_start",)
    ordering_fields = ("period_start", "created_at", "updated_at")
    csv_columns = [
        ("uid", "uid", "#meta+id"),
        ("period_start", "period_start", "#date+start"),
        ("period_end", "period_end", "#date+end"),
        ("review_on", "review_on", "#date+review"),
        ("version", "version", "#meta+version"),
        *BASE_REF_CSV,
        *LOCALITY_REF_CSV,
        *hxl_sex_age("consulted", "#reached"),
        ("threats.category", "threat_categories", "#event+type"),
        ("threats.actions.status", "action_statuses", "#status+action"),
        ("review_status", "review_status", "#status+review"),
        ("updated_at", "updated_at", "#date+updated"),
    ]

    def get_queryset(self):
        threats = (
            PlanThreat.objects.filter(
                protected_visible_q(
                    user=self.request.user,
                    category="category",
                    base="plan__base_id",
                    for_client=self.client is not None,
                )
            )
            .order_by("id")
            .prefetch_related(
                Prefetch("actions", queryset=PlanAction.objects.order_by("deadline", "id"), to_attr="api_actions")
            )
        )
        return (
            selectors.plan_list(user=self.request.user)
            .select_related(_LOCALITY)
            .prefetch_related(Prefetch("threats", queryset=threats, to_attr="api_threats"))
        )
