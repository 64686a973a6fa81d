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
from rest_framework.views import exception_handler

from common.errors import Conflict, NexusError, Unavailable
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


def _join(path: str, key) -> str:
    key = str(key)
    if key == "non_field_errors":
        return path or key
    if key.isdigit():  # a list item (ListSerializer / ListField child errors)
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def flat_fields(detail, path: str = "", out: dict | None = None) -> dict[str, list[str]]:
    """Nested serializer errors as one level: {"tasks[0].id": ["..."]}, the documented shape
    (a field path → a list of messages), the same path style as ``mutations[0].op``."""
    out = {} if out is None else out
    if isinstance(detail, dict):
        for key, value in detail.items():
            flat_fields(value, _join(path, key), out)
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            if isinstance(value, (dict, list)):
                flat_fields(value, _join(path, index), out)
            else:
                out.setdefault(path or "non_field_errors", []).append(str(value))
    else:
        out.setdefault(path or "non_field_errors", []).append(str(detail))
    return out


def _from_domain(exc: NexusError) -> exceptions.APIException:
    if exc.fields:
        error = exceptions.ValidationError(exc.fields)
    else:
        error = exceptions.APIException(exc.message, code=exc.code)
        error.detail = exceptions.ErrorDetail(exc.message, code=exc.code)
    error.status_code = exc.status
    return error


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
        exc = _from_domain(domain)
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
