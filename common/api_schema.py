"""OpenAPI shapes every app's API shares: the JSON error body and a paginated page."""

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers


@extend_schema_serializer(component_name="ErrorBody")  # the name the generated types know
class ErrorBodyOut(serializers.Serializer):
    status = serializers.IntegerField()
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)  # type: ignore[assignment]  # a field, not the attribute: DRF's metaclass moves it off the class


class ErrorOut(serializers.Serializer):
    """The one error shape (common.api_errors): {"error": {status, code, message, fields?}}."""

    error = ErrorBodyOut()


def page_of(name: str, child: serializers.Serializer) -> type[serializers.Serializer]:
    """Schema of a LimitOffsetPagination page of ``child`` rows."""
    return type(
        name,
        (serializers.Serializer,),
        {
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": child,
        },
    )


# Answers any operation can give, whatever its view declares: access control (401 without
# credentials, 403 without the role or without the CSRF token of a session), the ASGI guard (414,
# and 400 for a bad Content-Length), the body-size limit (413), a database outage (503).
_COMMON_ERRORS = {
    "400": "invalid request (fields named) or a malformed header",
    "401": "no or invalid credentials",
    "403": "the role does not allow it, or the session's CSRF token is missing",
    "414": "query string over MAX_QUERY_STRING_BYTES",
    "503": "database unavailable",
}
_BODY_ERRORS = {"413": "body over MAX_REQUEST_BYTES"}
_THROTTLED = {"/api/ask", "/api/info-drop", "/api/immune/scan", "/api/auth/login"}
_NO_DATABASE = {"/api/config", "/api/schema/"}


def add_common_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: document the shared error answers on every operation."""
    error_ref = {"$ref": "#/components/schemas/ErrorOut"}
    result.setdefault("components", {}).setdefault("schemas", {})
    if "ErrorOut" not in result["components"]["schemas"]:
        return result
    for path, operations in result.get("paths", {}).items():
        for _method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            extra = dict(_COMMON_ERRORS)
            if path in _NO_DATABASE:
                extra.pop("503")
            if "requestBody" in operation:
                extra.update(_BODY_ERRORS)
            if path in _THROTTLED:
                extra["429"] = "too many requests (throttle or sign-in lockout)"
            for code, description in extra.items():
                operation["responses"].setdefault(
                    code, {"description": description, "content": {"application/json": {"schema": error_ref}}}
                )
    return result
