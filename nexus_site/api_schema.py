"""OpenAPI shapes every app's API shares: the JSON error body and a paginated page."""
from rest_framework import serializers


class ErrorBody(serializers.Serializer):
    status = serializers.IntegerField()
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)


class ErrorOut(serializers.Serializer):
    """The one error shape (nexus_site.errors): {"error": {status, code, message, fields?}}."""

    error = ErrorBody()


def page_of(name: str, child: serializers.Serializer) -> type[serializers.Serializer]:
    """Schema of a LimitOffsetPagination page of ``child`` rows."""
    return type(name, (serializers.Serializer,), {
        "count": serializers.IntegerField(),
        "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True),
        "results": child,
    })
