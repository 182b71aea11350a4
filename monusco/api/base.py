"""The base of every ``/api/v1/`` endpoint: token or session, scoped, paginated, filtered."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from django.db import DatabaseError, transaction
from django.utils.decorators import method_decorator
from django_filters import rest_framework as filters
from rest_framework import mixins, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from .. import replica
from . import messages
from .access_log import record_read
from .agreements import check_geography_filters, geography_of
from .auth import api_client_of
from .filtering import ApiFilterBackend
from .geography import coarsen
from .negotiation import ApiContentNegotiation
from .ordering import ApiOrderingFilter
from .pagination import ApiCursorPagination
from .params import PAGING_PARAMETERS, StrictFilterSet, check_query
from .parsers import ApiJSONParser
from .permissions import ResourcePermission
from .renderers import ApiJSONRenderer, GeoJSONRenderer, HXLCSVRenderer

if TYPE_CHECKING:  # a mixin of DRF's APIView: typed as one, without changing the class order
    from rest_framework.views import APIView as _ViewBase
else:
    _ViewBase = object


class ApiView(_ViewBase):
    """What every ``/api/v1/`` view shares: JSON bodies (``parsers``), ``?format=`` checked
    (``negotiation``), each query parameter it knows given once and no NUL byte (``params``), and
    errors always as JSON, whatever format was asked for. A token client sees places no finer than
    its data-sharing agreement allows, in every format (``geography``), and may not filter by a
    finer place (``agreements``); ``gazetteer`` views (the list of places itself) are left as they are.
    Each read by a token client is written to the access log (``access_log``)."""

    parser_classes = [ApiJSONParser]
    content_negotiation_class = ApiContentNegotiation
    gazetteer = False

    def query_parameters(self) -> set[str]:
        return {"format"}

    _replica_reads = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # format, authentication, permissions, throttles
        client = api_client_of(request)
        if client is not None and request.method in ("GET", "HEAD"):
            # A token client's reads come from the read replica when it is fit (monusco/replica.py).
            self._replica_reads = replica.begin_reads(client.user)
        check_query(request.query_params, self.query_parameters())
        if not self.gazetteer:
            check_geography_filters(api_client_of(request), request.query_params)

    def handle_exception(self, exc):
        if self._replica_reads is not None and isinstance(exc, DatabaseError):
            # The replica failed mid-read: read again from the primary, never an error page.
            replica.end_reads(self._replica_reads)
            self._replica_reads = None
            replica.mark_down()
            handler = getattr(self, (self.request.method or "get").lower())
            try:
                return handler(self.request, *self.args, **self.kwargs)
            except Exception as again:  # noqa: BLE001 - answered as any error of the view
                return super().handle_exception(again)
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        replica.end_reads(self._replica_reads)
        self._replica_reads = None
        if isinstance(response, Response) and response.status_code >= 400:
            request.accepted_renderer = ApiJSONRenderer()
            request.accepted_media_type = ApiJSONRenderer.media_type
        elif isinstance(response, Response) and response.data is not None and not self.gazetteer:
            response.data = coarsen(response.data, geography_of(api_client_of(request)))
        client = api_client_of(request)
        if client is not None and request.method in ("GET", "HEAD"):
            record_read(
                client=client,
                endpoint=request.path,
                query_params=request.query_params,
                status=response.status_code,
                data=getattr(response, "data", None),
            )
        return super().finalize_response(request, response, *args, **kwargs)


# Outside ATOMIC_REQUESTS: a page's reads need no transaction (no BEGIN/COMMIT per page), and
# writes are services, each in its own. A view whose read also writes (an audit row for protected
# data) puts that action in ``transaction.atomic`` itself.
@method_decorator(transaction.non_atomic_requests, name="dispatch")
class ApiViewSet(ApiView, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Subclasses set ``resource``, ``read_permissions`` (Django permissions a session user needs),
    ``ordering``, ``ordering_fields``, ``filterset_class``, ``csv_columns`` and ``get_queryset``
    (a scoped selector)."""

    permission_classes = [ResourcePermission]
    pagination_class = ApiCursorPagination
    filter_backends = [ApiFilterBackend, ApiOrderingFilter]
    renderer_classes = [ApiJSONRenderer, HXLCSVRenderer]
    lookup_field = "uid"
    resource: str = ""
    read_permissions: tuple[str, ...] = ()
    write_permissions: tuple[str, ...] = ()
    session_only = False
    csv_columns: list[tuple[str, str, str]] = []

    def query_parameters(self) -> set[str]:
        names = set(PAGING_PARAMETERS)
        filterset_class = getattr(self, "filterset_class", None)
        if filterset_class is not None:
            names.update(filterset_class.base_filters)
        return names

    @property
    def client(self):
        """The API client calling, or None for a signed-in browser session."""
        return api_client_of(self.request)

    def built_once_per_caller(self, build, *key):
        """``build()`` (a queryset), built once per user object and cloned for each use: once per
        request for a browser session, but reused by a token client for as long as its user object
        is (the client cache window, see ``auth``). Building a big ``values()`` queryset through a
        selector costs more than a page's SQL does; it is lazy, so nothing read goes stale."""
        user: Any = self.request.user
        built = getattr(user, "_api_querysets", None)
        if built is None:
            built = user._api_querysets = {}
        key = (type(self).__name__, *key)
        queryset = built.get(key)
        if queryset is None:
            queryset = built[key] = build()
        return queryset.all()

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "client": self.client}

    def get_object(self):
        try:
            uid = uuid.UUID(str(self.kwargs[self.lookup_field]))
        except ValueError:
            raise NotFound(messages.NOT_FOUND) from None
        obj = self.filter_queryset_for_detail(self.get_queryset()).filter(uid=uid).first()
        if obj is None:
            raise NotFound(messages.NOT_FOUND)
        self.check_object_permissions(self.request, obj)
        return obj

    def filter_queryset_for_detail(self, queryset):
        return queryset


class GeoApiViewSet(ApiViewSet):
    renderer_classes = [ApiJSONRenderer, HXLCSVRenderer, GeoJSONRenderer]
    geo_coordinates: tuple[str, str] = ("longitude", "latitude")


class ApiFilterSet(StrictFilterSet):
    updated_since = filters.IsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        help_text=(
            "Only records changed at or after this time, for incremental sync: RFC 3339 with an offset "
            "(2026-11-01T08:00:00Z), between the years 1 and 9999 once in UTC."
        ),
    )


def uid_filter(field_name: str, what: str) -> filters.UUIDFilter:
    return filters.UUIDFilter(field_name=field_name, help_text=f"Only records of this {what} (its uid).")
