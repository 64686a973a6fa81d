"""Domain errors: what services and providers raise. The API layer maps each to the one JSON error
shape ({"error": {"status", "code", "message", "fields"?}}) in one place; services never raise
DRF's exceptions."""
from __future__ import annotations


class NexusError(Exception):
    status = 400
    code = "error"

    def __init__(self, message: str, *, fields: dict[str, list[str]] | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields
        if code:
            self.code = code


class Invalid(NexusError):
    status, code = 400, "invalid"

    def __init__(self, message: str, *, field: str | None = None, fields: dict[str, list[str]] | None = None,
                 code: str | None = None):
        if field and not fields:
            fields = {field: [message]}
        super().__init__(message, fields=fields, code=code)


class NotFound(NexusError):
    status, code = 404, "not_found"


class Conflict(NexusError):
    status, code = 409, "conflict"


class Unavailable(NexusError):
    status, code = 503, "unavailable"
