"""The schema generator: request schemas say what validation enforces.

drf-spectacular leaves out some rules DRF applies; here they are added on the request side:
* every CharField rejects NUL and, unless ``allow_blank``, a value empty after trimming (Python's
  ``str.strip``) → a ``pattern`` (and ``minLength: 1``);
* a nested list (``many=True``) with ``allow_empty=False`` / ``max_length`` → ``minItems`` / ``maxItems``;
* a serializer that rejects unknown keys (``rejects_unknown_fields``) → ``additionalProperties: false``.
"""

from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers

# Python's whitespace (what str.strip removes), spelled for an ECMA-262 regex: its \s differs.
_WS = "\\t\\n\\u000b\\f\\r\\u001c-\\u001f \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
NO_NUL = "^[^\\u0000]*$"
NOT_BLANK_NO_NUL = f"^[^\\u0000]*[^\\u0000{_WS}][^\\u0000]*$"


class NexusAutoSchema(AutoSchema):
    _directions: list[str]  # innermost last: drf-spectacular's validator hook is not told the direction

    def _in_direction(self, direction, method, *args):
        self.__dict__.setdefault("_directions", []).append(direction)
        try:
            return method(*args)
        finally:
            self._directions.pop()

    def _insert_field_validators(self, field, schema):
        super()._insert_field_validators(field, schema)
        if getattr(self, "_directions", ["response"])[-1:] != ["request"]:
            return
        if type(field) is not serializers.CharField or not isinstance(schema, dict):
            return
        target = schema["oneOf"][0] if "oneOf" in schema else schema  # allow_blank wraps it
        if target.get("type") != "string" or "pattern" in target or schema.get("readOnly"):
            return
        blank_ok = field.allow_blank or not field.trim_whitespace
        target["pattern"] = NO_NUL if blank_ok else NOT_BLANK_NO_NUL

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = self._in_direction(direction, super()._map_serializer_field, field, direction, bypass_extensions)
        if direction == "request" and isinstance(field, serializers.ListSerializer) and isinstance(schema, dict):
            if not field.allow_empty:
                schema.setdefault("minItems", 1)
            if field.max_length is not None:
                schema.setdefault("maxItems", field.max_length)
        return schema

    def _map_basic_serializer(self, serializer, direction):
        schema = self._in_direction(direction, super()._map_basic_serializer, serializer, direction)
        if direction == "request" and getattr(serializer, "rejects_unknown_fields", False):
            schema["additionalProperties"] = False
        return schema
