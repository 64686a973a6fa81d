"""GET /api/config: what the browser needs before it signs in — which realtime transport to use
and how authentication works."""

from django.conf import settings
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from common.accounts.permissions import Public
from common.accounts.roles import auth_settings
from common.api import ApiView
from graph.realtime import registry


def websocket_base(request) -> str:
    scheme = "wss" if request.is_secure() else "ws"
    return f"{scheme}://{request.get_host()}/realtime/v1"


ConfigOut = inline_serializer(
    "Config",
    {
        "realtime": inline_serializer(
            "RealtimeConfig",
            {
                "transport": serializers.ChoiceField(choices=["supabase", "channels"]),
                "url": serializers.CharField(),
                "anon_key": serializers.CharField(required=False),
                "tables": serializers.ListField(child=serializers.CharField()),
            },
        ),
        "changes_url": serializers.CharField(),
        "auth": inline_serializer(
            "ConfigAuth",
            {
                "mode": serializers.ChoiceField(choices=["required", "open"]),
                "provider": serializers.ChoiceField(choices=["django", "supabase"]),
            },
        ),
    },
)


class ConfigView(ApiView):
    permission_classes = [Public]

    @extend_schema(
        operation_id="config",
        summary="Front-end configuration: which realtime transport to use",
        description=(
            "`transport` is `supabase` (with the project URL and the public anon key) when "
            "SUPABASE_URL and SUPABASE_ANON_KEY are set, else `channels` with this server's "
            "Supabase-compatible websocket. The service key is never sent. `tables`: the tables "
            "realtime carries, which the browser subscribes to (one list, kept by the server)."
        ),
        responses={200: ConfigOut},
    )
    def get(self, request):
        if settings.SUPABASE_URL and settings.SUPABASE_ANON_KEY:
            realtime = {"transport": "supabase", "url": settings.SUPABASE_URL, "anon_key": settings.SUPABASE_ANON_KEY}
        else:
            realtime = {"transport": "channels", "url": websocket_base(request)}
        realtime["tables"] = list(registry.tables())
        return Response({"realtime": realtime, "changes_url": "/api/realtime/changes", "auth": auth_settings()})
