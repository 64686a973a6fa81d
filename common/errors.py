"""Domain errors: what services and providers raise. The API layer maps each to the one JSON error
shape ({"error": {"status", "code", "message", "fields"?}}) in one place; services never raise
DRF's exceptions."""

from __future__ import annotations


class NexusError(Exception):
    status = 400
    code = "error"

    # With ``fields``, the API's message names the first problem ("label: This field is required.")
    # unless a subclass's own message says more.
    explicit_message = True

    def __init__(self, message: str, *, fields: dict[str, list[str]] | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields
        if code:
            self.code = code


class Invalid(NexusError):
    status, code = 400, "invalid"
    explicit_message = False

    def __init__(
        self,
        message: str | None = None,
        *,
        field: str | None = None,
        fields: dict[str, list[str]] | None = None,
        code: str | None = None,
    ):
        if field and not fields:
            fields = {field: [message or "Invalid value."]}
        if message is None:  # the first field's first message, as the API shows it
            name, messages = next(iter((fields or {"": ["Invalid input."]}).items()))
            message = f"{name}: {messages[0]}" if name and name != "non_field_errors" else messages[0]
        super().__init__(message, fields=fields, code=code)

    @classmethod
    def from_detail(cls, detail) -> Invalid:
        """From a validator's nested error detail (a DRF serializer's ``errors``)."""
        return cls(fields=flat_fields(detail))


class NotFound(NexusError):
    status, code = 404, "not_found"


class Conflict(NexusError):
    status, code = 409, "conflict"


class Unavailable(NexusError):
    status, code = 503, "unavailable"


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
