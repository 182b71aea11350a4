from django.db.models import Case, Count, IntegerField, OuterRef, Q, Subquery, UUIDField, Value, When
from django.db.models.functions import Coalesce
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from gender.models import Review, ReviewAnswer
from gender.registry import reports
from gender.selectors.dashboard import gender_dashboard
from gender.selectors.places import base_id, place_id
from gender.selectors.protected import protected_visible_q
from gender.selectors.reports import DashboardFilters, report_queryset
from monusco.api.auth import api_client_of
from monusco.api.base import ApiView, ApiViewSet
from monusco.api.resources import Resource
from monusco.models import Province, Territory

from .filters import IndicatorFilter, ReviewFilter, report_type_choices
from .serializers import IndicatorsSerializer, ReviewSerializer


def _answers(answer: str):
    counts = (
        ReviewAnswer.objects.filter(review=OuterRef("pk"), answer=answer)
        .order_by()
        .values("review")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), Value(0))


def review_list(*, user, for_client: bool):
    """Reviews of the reports in scope, with the report's uid and the answer counts, in one query.
    A review of a report whose one threat category is protected (a sexual-violence alert) is
    listed only to the report's base and need-to-know roles, never to API clients."""
    in_scope = Q(pk__in=[])
    report_uid = []
    for report_type in reports.all():
        scoped = report_queryset(user=user, report_type=report_type)
        path = report_type.threat_path
        if path and "__" not in path:
            scoped = scoped.filter(
                protected_visible_q(user=user, category=path, base=report_type.base_path, for_client=for_client)
            )
        in_scope |= Q(report_type=report_type.slug, object_id__in=scoped.values("pk"))
        uid = report_type.model._default_manager.filter(pk=OuterRef("object_id")).values("uid")[:1]
        report_uid.append(When(report_type=report_type.slug, then=Subquery(uid)))
    return (
        Review.objects.filter(in_scope)
        .select_related("checklist")
        .annotate(
            report_uid=Case(*report_uid, default=None, output_field=UUIDField()),
            n_yes=_answers(ReviewAnswer.Answer.YES),
            n_partly=_answers(ReviewAnswer.Answer.PARTLY),
            n_no=_answers(ReviewAnswer.Answer.NO),
            n_na=_answers(ReviewAnswer.Answer.NOT_APPLICABLE),
        )
    )


@extend_schema_view(
    list=extend_schema(summary="Gender reviews of the reports in scope", tags=["reviews"]),
    retrieve=extend_schema(summary="One gender review", tags=["reviews"]),
)
class ReviewViewSet(ApiViewSet):
    """Each review round of a report by the gender office: decision, checklist answers counted."""

    resource = Resource.REVIEWS
    read_permissions = ("gender.view_review",)
    serializer_class = ReviewSerializer
    filterset_class = ReviewFilter
    queryset = Review.objects.none()
    ordering = ("-created_at",)
    ordering_fields = ("created_at", "updated_at")
    csv_columns = [
        ("uid", "uid", "#meta+id"),
        ("report_type", "report_type", "#meta+report_type"),
        ("report_uid", "report_uid", "#meta+report_id"),
        ("round", "round", "#meta+round"),
        ("decision", "decision", "#status+decision"),
        ("checklist_version", "checklist_version", "#meta+checklist_version"),
        ("answers.yes", "answers_yes", "#indicator+answers+yes"),
        ("answers.partly", "answers_partly", "#indicator+answers+partly"),
        ("answers.no", "answers_no", "#indicator+answers+no"),
        ("answers.na", "answers_na", "#indicator+answers+na"),
        ("submitted_at", "submitted_at", "#date+submitted"),
        ("reviewed_at", "reviewed_at", "#date+reviewed"),
        ("days_to_review", "days_to_review", "#indicator+days_to_review"),
    ]

    def get_queryset(self):
        return review_list(user=self.request.user, for_client=self.client is not None)


class IndicatorsView(ApiView, GenericAPIView):
    """The gender dashboard's indicators for the caller's scope, aggregated in the database.
    Sexual-violence alerts count only in the sexual-violence figures, which add up base-month cells
    of whole months: a cell of fewer than 5 alerts, or a figure under 5 within one, enters no total,
    so no subtraction reveals it; a total with nothing to show is null."""

    resource = Resource.INDICATORS
    read_permissions = ("gender.view_dashboard",)
    write_permissions = ()
    serializer_class = IndicatorsSerializer
    pagination_class = None
    filter_backends = []

    def query_parameters(self) -> set[str]:
        return {"format", *IndicatorFilter.base_filters}

    @extend_schema(
        summary="Dashboard indicators in scope",
        tags=["indicators"],
        parameters=[
            OpenApiParameter("date_from", OpenApiTypes.DATE, description="Reports dated on or after."),
            OpenApiParameter("date_to", OpenApiTypes.DATE, description="Reports dated on or before."),
            OpenApiParameter("province", OpenApiTypes.UUID, description="Only this province (its uid)."),
            OpenApiParameter("territory", OpenApiTypes.UUID, description="Only this territory (its uid)."),
            OpenApiParameter("base", OpenApiTypes.UUID, description="Only this operating base (its uid)."),
            OpenApiParameter("report_type", OpenApiTypes.STR, enum=[slug for slug, _ in report_type_choices()]),
        ],
    )
    def get(self, request, *args, **kwargs):
        params = IndicatorFilter(request.query_params, queryset=Review.objects.none())
        if not params.is_valid():
            raise ValidationError(params.errors)
        values = params.form.cleaned_data
        filters = DashboardFilters(
            date_from=values.get("date_from"),
            date_to=values.get("date_to"),
            province_id=place_id(Province, values.get("province")),
            territory_id=place_id(Territory, values.get("territory")),
            base_id=base_id(values.get("base")),
            report_type=values.get("report_type") or "",
        )
        data = gender_dashboard(user=request.user, filters=filters)
        return Response(self.get_serializer(data, context={"client": api_client_of(request)}).data)
