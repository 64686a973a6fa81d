"""The base of every NEXUS API view: DRF's APIView that also records who is asking, so the
services' audit trail (``mutation_history.actor``) names the user behind each write; and the
parse helpers every view validates its input with."""

from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.views import APIView

from common.actor import begin_acting, end_acting

ANONYMOUS = "anonymous"  # NEXUS_AUTH=open: nobody signed in


def actor_name(user) -> str:
    return user.get_username() if user is not None and user.is_authenticated else ANONYMOUS


class ApiView(APIView):
    records_actor = True  # False for views that never write (and must answer without the database)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authentication, permissions, throttles
        if self.records_actor:
            self._actor_token = begin_acting(actor_name(request.user))

    def finalize_response(self, request, response, *args, **kwargs):
        token = getattr(self, "_actor_token", None)
        if token is not None:
            end_acting(token)
            self._actor_token = None
        return super().finalize_response(request, response, *args, **kwargs)


# The parse step of every view: a query string or a JSON body through its input serializer. A bad
# value is DRF's ValidationError, which the exception handler turns into the one 400 naming it.


def json_object(request) -> dict:
    """The request body, which must be a JSON object (a list, a string or nothing is a 400)."""
    if not isinstance(request.data, dict):
        raise ValidationError({"non_field_errors": ["Expected a JSON object."]})
    return request.data


def validated_body(serializer_class: type[serializers.Serializer], request) -> dict:
    """The JSON object body checked by ``serializer_class`` (an ``...In``)."""
    serializer = serializer_class(data=json_object(request))
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def validated_query(serializer_class: type[serializers.Serializer], request) -> dict:
    """The query parameters checked by ``serializer_class`` (a ``...Query``). A parameter given
    twice counts once, with its last value."""
    serializer = serializer_class(data=request.query_params.dict())
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
