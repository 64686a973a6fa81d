"""Input validation for graph writes, shared by the services (called by other apps too) and the API.

These are DRF serializers used only as validators: ``validate`` raises the domain error
``Invalid`` naming each field, which the API turns into the one JSON error shape (400).
"""

from __future__ import annotations

import json

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from common.errors import Invalid
from graph.models import NODE_TYPES

TEXT_MAX = 10_000
ID_MAX = 200


class StrictSerializer(serializers.Serializer):
    """Rejects keys it does not know, so a typo ("lable") is an error, not silently dropped."""

    rejects_unknown_fields = True  # the schema says additionalProperties: false (the project's schema generator)

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)


class JSONObjectField(serializers.DictField):
    """A JSON object that PostgreSQL's jsonb accepts (no NUL characters, JSON-serialisable)."""

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        try:
            text = json.dumps(value, allow_nan=False)
        except (TypeError, ValueError):
            raise serializers.ValidationError("Must be a JSON object.") from None
        if "\\u0000" in text:
            raise serializers.ValidationError("Null characters are not allowed.")
        return value


def _optional_text(max_length=500):
    return serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=max_length)


class NodeFieldsIn(StrictSerializer):
    type = serializers.ChoiceField(choices=NODE_TYPES, help_text="One of: " + ", ".join(NODE_TYPES))
    label = serializers.CharField(max_length=TEXT_MAX, allow_blank=False)  # type: ignore[assignment]  # a field, not the attribute: DRF's metaclass moves it off the class
    division = _optional_text()
    department = _optional_text()
    team = _optional_text()
    health = _optional_text(50)
    status = _optional_text(50)
    source_type = _optional_text(50)
    source_id = _optional_text()
    size = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=1_000_000)
    x = serializers.FloatField(required=False, allow_null=True)
    y = serializers.FloatField(required=False, allow_null=True)
    freshness_score = serializers.FloatField(required=False, min_value=0.0, max_value=1.0)
    half_life_days = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=1_000_000)
    extras = JSONObjectField(required=False, allow_null=True)


@extend_schema_serializer(component_name="NodeCreateInput")
class NodeCreateIn(NodeFieldsIn):
    id = serializers.CharField(
        required=False,
        allow_null=True,
        max_length=ID_MAX,
        help_text="Generated as '<type prefix>-<short uuid>' when omitted.",
    )


@extend_schema_serializer(component_name="NodeUpdateInput")
class NodeUpdateIn(NodeFieldsIn):
    """A partial update (use with ``partial=True``); the id cannot change."""


@extend_schema_serializer(component_name="EdgeCreateInput")
class EdgeCreateIn(StrictSerializer):
    id = serializers.CharField(
        required=False, allow_null=True, max_length=ID_MAX, help_text="Generated as 'e-<uuid>' when omitted."
    )
    source = serializers.CharField(max_length=ID_MAX)  # type: ignore[assignment]  # a field, not the attribute: DRF's metaclass moves it off the class
    target = serializers.CharField(max_length=ID_MAX)
    type = serializers.CharField(max_length=100)
    weight = serializers.FloatField(required=False, default=1.0)
    animated = serializers.BooleanField(required=False, default=False)
    extras = JSONObjectField(required=False, allow_null=True)


def validate(serializer_class: type[serializers.Serializer], data, *, partial: bool = False) -> dict:
    """The validated data, or ``Invalid`` naming every bad field."""
    if not isinstance(data, dict):
        raise Invalid(fields={"non_field_errors": ["Expected a JSON object."]})
    serializer = serializer_class(data=data, partial=partial)
    if not serializer.is_valid():
        raise Invalid.from_detail(serializer.errors)
    return dict(serializer.validated_data)
