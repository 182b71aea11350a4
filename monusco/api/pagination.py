"""Cursor pagination for every list: stable under inserts, no COUNT, ``page_size`` up to 500."""

import re

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from . import messages


class ApiCursorPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = "-created_at"
    invalid_cursor_message = messages.INVALID_CURSOR  # type: ignore[assignment]  # lazy: translated per request
    cursor_query_description = "Opaque cursor taken from the next or previous link."
    page_size_query_description = "Results per page: 50 unless given, at most 500."

    def get_page_size(self, request) -> int:
        """``page_size`` as a whole number from 1 (DRF ignores a bad one); above 500, 500."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not re.fullmatch(r"[0-9]+", raw) or int(raw) < 1:
            raise ValidationError({self.page_size_query_param: [messages.BAD_PAGE_SIZE]})
        return min(int(raw), self.max_page_size)

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
        return parameters

    def get_ordering(self, request, queryset, view) -> tuple[str, ...]:
        # The integer key breaks ties so every page is deterministic; it never reaches the cursor,
        # which holds the value of the first ordering field only.
        ordering = tuple(super().get_ordering(request, queryset, view))
        if not any(field.lstrip("-") in ("id", "pk") for field in ordering):
            ordering += ("-id" if ordering[0].startswith("-") else "id",)
        return ordering

    def get_paginated_response(self, data) -> Response:
        response = super().get_paginated_response(data)
        links = [
            f'<{url}>; rel="{rel}"'
            for rel, url in (("next", self.get_next_link()), ("prev", self.get_previous_link()))
            if url
        ]
        if links:
            response["Link"] = ", ".join(links)
        return response
