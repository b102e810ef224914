"""The default pagination of list endpoints: a cursor, and `limit` items a page."""

from __future__ import annotations

import re

from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError


class CursorPagination(pagination.CursorPagination):
    """Opaque `next` and `previous` links that stay right while rows are added, newest first by id.
    `limit` asks for 1 to 500 items a page (default 50); anything else is a 400 naming the field. An
    endpoint ordered otherwise subclasses this with its own `ordering`, ending in a unique field."""

    page_size = 50
    max_page_size = 500
    page_size_query_param = "limit"
    page_size_query_description = "Items per page: 1 to 500 (default 50)."
    ordering = "-pk"

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not re.fullmatch(r"[0-9]{1,6}", raw) or not 1 <= int(raw) <= self.max_page_size:
            raise ValidationError({self.page_size_query_param: [
                f"Must be a whole number from 1 to {self.max_page_size}; got {raw[:20]!r}."]})
        return int(raw)

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise ValidationError({self.cursor_query_param: [
                "Not a cursor this API gave out: follow the next or previous link as it is."]}) from None
