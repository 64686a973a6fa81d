"""One JSON error shape for the whole API:

    {"error": {"status": 400, "code": "invalid", "message": "...", "fields": {"label": ["..."]}}}

DRF exceptions, Django's 404/500 handlers under /api/, oversized bodies (413) and database
outages (503) all answer in this shape; nothing under /api/ answers with an HTML traceback.
"""
import logging

from django.conf import settings
from django.db import DatabaseError, IntegrityError, InterfaceError, OperationalError
from django.http import JsonResponse
from rest_framework import exceptions, status
from rest_framework.views import exception_handler

from common.errors import NexusError

logger = logging.getLogger("nexus.api")


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with existing data."
    default_code = "conflict"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


class ServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The database is unavailable; try again shortly."
    default_code = "database_unavailable"


RETRYABLE = {"40P01": "deadlock", "40001": "serialization failure"}
LOCK_NOT_AVAILABLE = "55P03"


def sqlstate(exc: BaseException) -> str | None:
    return getattr(exc.__cause__, "sqlstate", None) or getattr(exc, "sqlstate", None)


def contention_conflict(exc: BaseException) -> Conflict | None:
    """The 409 a contention error stands for (None: not contention)."""
    state = sqlstate(exc)
    if state in RETRYABLE:
        return Conflict(f"The write collided with concurrent writes ({RETRYABLE[state]}) and was not applied; "
                        "try again.")
    if state == LOCK_NOT_AVAILABLE:
        return Conflict("A row this write needs was locked by another write for too long; try again.")
    return None



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
        error.domain_code = exc.code  # a field error keeps its specific code (e.g. "cycle")
    else:
        error = exceptions.APIException(exc.message, code=exc.code)
        error.detail = exceptions.ErrorDetail(exc.message, code=exc.code)
    error.status_code = exc.status
    return error


def api_exception_handler(exc, context):
    if isinstance(exc, NexusError):
        exc = _from_domain(exc)
    if isinstance(exc, IntegrityError):
        exc = Conflict(str(exc).splitlines()[0])
    elif isinstance(exc, OperationalError) and contention_conflict(exc) is not None:
        exc = contention_conflict(exc)  # lost a race (not retried here): 409, never an outage
    elif isinstance(exc, (OperationalError, InterfaceError)):
        logger.warning("database unavailable: %s", str(exc).splitlines()[0] if str(exc) else exc)
        exc = ServiceUnavailable()
    elif isinstance(exc, DatabaseError):
        logger.exception("database error")
        exc = exceptions.APIException("The database rejected the request.")
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
        code = getattr(exc, "domain_code", "invalid")
        first = next(iter(flat.items()), None)
        message = general[0] if general else f"{first[0]}: {first[1][0]}" if first else _first_message(detail)
    else:
        message = _first_message(detail.get("detail", detail) if isinstance(detail, dict) else detail)
    response.data = error_body(response.status_code, code, message, fields)
    return response


def json_404(request, exception=None):
    return error_response(404, "not_found", f"No such endpoint: {request.path}")


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: JSON under /api/ (Django's HTML page elsewhere)."""
    if request.path.startswith("/api/"):
        return error_response(403, "csrf_failed", f"CSRF check failed: {reason}")
    from django.views.csrf import csrf_failure as html_csrf_failure

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
            return error_response(409, "conflict", str(conflict.detail))
        if isinstance(exception, (OperationalError, InterfaceError)):
            logger.warning("database unavailable: %s", str(exception).splitlines()[0] if str(exception) else exception)
            return error_response(503, "database_unavailable", "The database is unavailable; try again shortly.")
        logger.exception("unhandled error on %s", request.path, exc_info=exception)
        return error_response(500, "server_error", "Internal error; it has been logged.")
