"""The project's Django-level answers under /api/, in the API's one JSON error shape
(common.api_errors): unknown paths (404), server errors (500), CSRF failures, oversized bodies
(413) and database outages that happen outside DRF (503). Nothing under /api/ answers with an
HTML traceback.
"""

import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError

from common.api_errors import DATABASE_UNAVAILABLE, error_response
from common.retry import contention_conflict

logger = logging.getLogger("nexus.api")


def json_404(request, exception=None):
    return error_response(404, "not_found", f"No such endpoint: {request.path}")


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: JSON under /api/ (Django's HTML page elsewhere)."""
    if request.path.startswith("/api/"):
        return error_response(403, "csrf_failed", f"CSRF check failed: {reason}")
    from django.views.csrf import csrf_failure as html_csrf_failure  # only on the non-API path

    return html_csrf_failure(request, reason=reason)


def json_500(request):
    return error_response(500, "server_error", "Internal error; it has been logged.")


class ApiGuardMiddleware:
    """Answers oversized bodies with 413 and database outages with 503 on /api/ paths."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/"):
            return self.get_response(request)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return error_response(400, "invalid_header", "Content-Length is not a number.")
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit and length > limit:
            return error_response(413, "payload_too_large", f"The request body is over the {limit}-byte limit.")
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not request.path.startswith("/api/"):
            return None
        conflict = contention_conflict(exception) if isinstance(exception, OperationalError) else None
        if conflict is not None:
            return error_response(409, "conflict", conflict.message)
        if isinstance(exception, (OperationalError, InterfaceError)):
            logger.warning("database unavailable: %s", str(exception).splitlines()[0] if str(exception) else exception)
            return error_response(503, "database_unavailable", DATABASE_UNAVAILABLE)
        logger.exception("unhandled error on %s", request.path, exc_info=exception)
        return error_response(500, "server_error", "Internal error; it has been logged.")
