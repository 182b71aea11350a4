"""Cursor pagination for every list: stable under inserts, no COUNT, ``page_size`` up to 500."""

from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from . import messages


class ApiCursorPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = "-created_at"
    invalid_cursor_message = messages.INVALID_CURSOR
    cursor_query_description = "Opaque cursor taken from the next or previous link."
    page_size_query_description = "Results per page: 50 unless given, at most 500."

    def get_ordering(self, request, queryset, view) -> tuple[str, ...]:
        # The integer key breaks ties so every page is deterministic; it never reaches the cursor,
        # which holds the value of the first ordering field only.
        ordering = tuple(super().get_ordering(request, queryset, view))
        if not any(field.lstrip("-") in ("id", "pk") for field in ordering):
            ordering += ("-id" if ordering[0].startswith("-") else "id",)
        return ordering

    def get_paginated_response(self, data) -> Response:
        response = super().get_paginated_response(data)
        links = [f'<{url}>; rel="{rel}"' for rel, url in (("next", self.get_next_link()), ("prev", self.get_previous_link())) if url]
        if links:
            response["Link"] = ", ".join(links)
        return response
