"""The one pagination of every list endpoint: ``limit``/``offset`` with bounds, checked strictly.

DRF's LimitOffsetPagination silently falls back to the default on a bad ``limit`` and hands any
``offset`` to the database (``?offset=9223372036854775808`` is "bigint out of range"); here a value
outside the bounds is a 400 naming the parameter, and the OpenAPI schema carries the same bounds
(``PageQuery`` is both the validator and the documented parameters).
"""

from django.conf import settings
from rest_framework import serializers
from rest_framework.pagination import LimitOffsetPagination


class PageQuery(serializers.Serializer):
    limit = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=settings.API_PAGE_MAX_LIMIT,
        help_text=f"page size (default {settings.REST_FRAMEWORK['PAGE_SIZE']}, at most {settings.API_PAGE_MAX_LIMIT})",
    )
    offset = serializers.IntegerField(
        required=False, min_value=0, max_value=settings.API_PAGE_MAX_OFFSET, help_text="rows to skip"
    )


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    max_limit = settings.API_PAGE_MAX_LIMIT

    def paginate_queryset(self, queryset, request, view=None):
        names = (self.limit_query_param, self.offset_query_param)
        query = PageQuery(data={k: v for k, v in request.query_params.items() if k in names})
        query.is_valid(raise_exception=True)
        self._validated = query.validated_data
        return super().paginate_queryset(queryset, request, view)

    def get_limit(self, request):
        return self._validated.get("limit", self.default_limit)

    def get_offset(self, request):
        return self._validated.get("offset", 0)


def paginate(view, request, rows, mapper=None, *, page_mapper=None):
    """The one way a list endpoint pages: one page of ``rows`` (a queryset or list) as a Response.
    ``mapper`` turns each row into JSON; ``page_mapper`` the whole page at once (one query for the
    page instead of one per row)."""
    paginator = BoundedLimitOffsetPagination()
    page = paginator.paginate_queryset(rows, request, view=view)
    if mapper is not None:
        page = [mapper(row) for row in page]
    if page_mapper is not None:
        page = page_mapper(page)
    return paginator.get_paginated_response(page)


def page_window(query: dict) -> dict[str, int]:
    """``limit`` and ``offset`` of a validated ``PageQuery`` with the defaults filled in, for a read
    that pages in its own SQL and answers in its own shape (a node's versions)."""
    return {"limit": query.get("limit", settings.REST_FRAMEWORK["PAGE_SIZE"]), "offset": query.get("offset", 0)}
