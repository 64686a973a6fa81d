"""One JSON error shape for the whole API:

    {"error": {"status": 400, "code": "invalid", "message": "...", "fields": {"label": ["..."]}}}

``api_exception_handler`` (DRF's EXCEPTION_HANDLER) is the one place where domain errors
(common.errors), DRF's own exceptions and database errors become that shape. The project's Django
handlers (404/500 under /api/, CSRF, body size) answer in it too (nexus_site.errors).
"""

import logging

from django.db import DatabaseError, IntegrityError, InterfaceError, OperationalError
from django.http import JsonResponse
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler, set_rollback

from common.errors import Conflict, NexusError, Unavailable, flat_fields
from common.retry import contention_conflict

logger = logging.getLogger("nexus.api")

DATABASE_UNAVAILABLE = "The database is unavailable; try again shortly."


def error_body(status_code: int, code: str, message: str, fields: dict | None = None) -> dict:
    body = {"status": status_code, "code": code, "message": message}
    if fields:
        body["fields"] = fields
    return {"error": body}


def error_response(status_code: int, code: str, message: str, fields: dict | None = None):
    return JsonResponse(error_body(status_code, code, message, fields), status=status_code)


def _first_message(detail) -> str:
    if isinstance(detail, dict):
        for key, value in detail.items():
            text = _first_message(value)
            return text if key == "non_field_errors" else f"{key}: {text}"
    if isinstance(detail, list) and detail:
        return _first_message(detail[0])
    return str(detail)


def _domain_response(exc: NexusError) -> Response:
    fields = dict(exc.fields) if exc.fields else None
    message = exc.message
    if fields and not exc.explicit_message:  # the first problem, named, as for a serializer's errors
        general = fields.pop("non_field_errors", None)
        first = next(iter(fields.items()), None)
        if general:
            message = general[0]
        elif first:
            message = f"{first[0]}: {first[1][0]}"
        fields = fields or None
    set_rollback()
    return Response(error_body(exc.status, exc.code, message, fields), status=exc.status)


def _domain_error(exc: Exception) -> NexusError | None:
    """The domain error a database exception stands for (None: not a database error)."""
    if isinstance(exc, IntegrityError):
        return Conflict(str(exc).splitlines()[0])
    if isinstance(exc, OperationalError) and contention_conflict(exc) is not None:
        return contention_conflict(exc)  # lost a race (not retried here): 409, never an outage
    if isinstance(exc, (OperationalError, InterfaceError)):
        logger.warning("database unavailable: %s", str(exc).splitlines()[0] if str(exc) else exc)
        return Unavailable(DATABASE_UNAVAILABLE, code="database_unavailable")
    if isinstance(exc, DatabaseError):
        logger.exception("database error")
        error = NexusError("The database rejected the request.")
        error.status = 500
        return error
    return None


def api_exception_handler(exc, context):
    domain = exc if isinstance(exc, NexusError) else _domain_error(exc)
    if domain is not None:
        return _domain_response(domain)
    response = exception_handler(exc, context)
    if response is None:
        logger.exception("unhandled API error", exc_info=exc)
        return error_response(500, "server_error", "Internal error; it has been logged.")
    detail = response.data
    code = getattr(exc, "default_code", "error")
    if isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        if isinstance(codes, str):
            code = codes
    fields = None
    if isinstance(exc, exceptions.ValidationError) and isinstance(detail, dict):
        flat = flat_fields(detail)
        general = flat.pop("non_field_errors", None)
        fields = flat or None
        code = "invalid"
        first = next(iter(flat.items()), None)
        message = general[0] if general else f"{first[0]}: {first[1][0]}" if first else _first_message(detail)
    else:
        message = _first_message(detail.get("detail", detail) if isinstance(detail, dict) else detail)
    response.data = error_body(response.status_code, code, message, fields)
    return response
