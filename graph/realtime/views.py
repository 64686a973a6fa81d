"""GET /api/realtime/changes (resume from a cursor) and GET /api/config (which realtime to use)."""
from django.conf import settings
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from graph.realtime import selectors
from graph.realtime.models import REALTIME_TABLES
from common.accounts.permissions import IsViewer, Public
from common.accounts.roles import auth_settings, notification_scope
from common.api import ApiView

MAX_LIMIT = 5000


class ResyncRequired(exceptions.APIException):
    status_code = status.HTTP_410_GONE
    default_detail = ("The cursor is older than the retained change log (or from another database); "
                      "reload the graph and start from the cursor GET /api/realtime/changes returns.")
    default_code = "resync_required"


class ChangesQuery(serializers.Serializer):
    after = serializers.IntegerField(required=False, min_value=0, help_text="last change id the client has")
    tables = serializers.CharField(required=False, default=",".join(REALTIME_TABLES),
                                   help_text="comma-separated: nodes,edges,notifications")
    limit = serializers.IntegerField(required=False, min_value=1, max_value=MAX_LIMIT, default=500,
                                     help_text=f"1–{MAX_LIMIT}, default 500")

    def validate_tables(self, value):
        names = tuple(t.strip() for t in value.split(",") if t.strip())
        unknown = sorted(set(names) - set(REALTIME_TABLES))
        if unknown or not names:
            raise serializers.ValidationError(f"tables must be among {', '.join(REALTIME_TABLES)}")
        return names


_record = serializers.DictField(help_text="row; carries the change-log id as _change_id")
CHANGE_FIELDS = {
    "id": serializers.IntegerField(help_text="change-log id: the cursor"),
    "schema": serializers.CharField(), "table": serializers.CharField(),
    "commit_timestamp": serializers.CharField(),
    "eventType": serializers.ChoiceField(choices=["INSERT", "UPDATE", "DELETE", "TRUNCATE"]),
    "new": _record, "old": _record,
    "errors": serializers.JSONField(allow_null=True),
}
ChangesPageSerializer = inline_serializer("RealtimeChangesPage", {
    "changes": inline_serializer("RealtimeChange", CHANGE_FIELDS, many=True),
    "cursor": serializers.IntegerField(help_text="pass as ?after= next time"),
    "has_more": serializers.BooleanField(),
    "pending": serializers.BooleanField(help_text="stopped before a change a running transaction may still commit"),
})
ErrorSerializer = inline_serializer("RealtimeError", {"error": serializers.DictField()})


class ChangesView(ApiView):
    permission_classes = [IsViewer]
    @extend_schema(
        operation_id="realtime_changes",
        summary="Changes after a cursor, in order (resume after a reconnect)",
        description=("Without `after`: no changes, just the current cursor. With `after`: the changes "
                     "after it, oldest first, in the realtime event shape plus `id`. 410 "
                     "`resync_required` when rows after the cursor were pruned (older than "
                     "REALTIME_RETENTION_HOURS) or the cursor is from another database."),
        parameters=[ChangesQuery],
        responses={200: ChangesPageSerializer, 400: ErrorSerializer, 410: ErrorSerializer},
    )
    def get(self, request):
        query = ChangesQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        args = query.validated_data
        try:
            page = selectors.changes_after(after=args.get("after"), tables=args["tables"], limit=args["limit"],
                                           notification_scope=notification_scope(request.user))
        except selectors.ResyncRequired:
            raise ResyncRequired() from None
        return Response({
            "changes": [c.payload() for c in page.changes], "cursor": page.cursor,
            "has_more": page.has_more, "pending": page.held,
        })


def websocket_base(request) -> str:
    scheme = "wss" if request.is_secure() else "ws"
    return f"{scheme}://{request.get_host()}/realtime/v1"


class ConfigView(ApiView):
    permission_classes = [Public]
    @extend_schema(
        operation_id="config",
        summary="Front-end configuration: which realtime transport to use",
        description=("`transport` is `supabase` (with the project URL and the public anon key) when "
                     "SUPABASE_URL and SUPABASE_ANON_KEY are set, else `channels` with this server's "
                     "Supabase-compatible websocket. The service key is never sent."),
        responses={200: inline_serializer("Config", {
            "realtime": inline_serializer("RealtimeConfig", {
                "transport": serializers.ChoiceField(choices=["supabase", "channels"]),
                "url": serializers.CharField(),
                "anon_key": serializers.CharField(required=False),
            }),
            "changes_url": serializers.CharField(),
            "auth": inline_serializer("ConfigAuth", {
                "mode": serializers.ChoiceField(choices=["required", "open"]),
                "provider": serializers.ChoiceField(choices=["django", "supabase"]),
            }),
        })},
    )
    def get(self, request):
        if settings.SUPABASE_URL and settings.SUPABASE_ANON_KEY:
            realtime = {"transport": "supabase", "url": settings.SUPABASE_URL, "anon_key": settings.SUPABASE_ANON_KEY}
        else:
            realtime = {"transport": "channels", "url": websocket_base(request)}
        return Response({"realtime": realtime, "changes_url": "/api/realtime/changes", "auth": auth_settings()})

