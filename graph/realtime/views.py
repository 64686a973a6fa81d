"""GET /api/realtime/changes: resume from a cursor."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from common.accounts.permissions import IsViewer
from common.accounts.roles import notification_scope
from common.api import ApiView, validated_query
from graph.realtime import registry, selectors
from graph.realtime.access import Subscriber

MAX_LIMIT = 5000


class ChangesQuery(serializers.Serializer):
    after = serializers.IntegerField(required=False, min_value=0, help_text="last change id the client has")
    tables = serializers.CharField(
        required=False,
        help_text="comma-separated, among the tables GET /api/config lists under realtime.tables; default all",
    )
    limit = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_LIMIT, default=500, help_text=f"1–{MAX_LIMIT}, default 500"
    )

    def validate_tables(self, value):
        known = registry.tables()
        names = tuple(t.strip() for t in value.split(",") if t.strip())
        unknown = sorted(set(names) - set(known))
        if unknown or not names:
            raise serializers.ValidationError(f"tables must be among {', '.join(known)}")
        return names


def _record(help_text: str) -> serializers.DictField:
    # One field instance per name: DRF binds a field to the one name it is declared under.
    return serializers.DictField(help_text=f"{help_text}; carries the change-log id as _change_id")


CHANGE_FIELDS: dict[str, serializers.Field] = {
    "id": serializers.IntegerField(help_text="change-log id: the cursor"),
    "schema": serializers.CharField(),
    "table": serializers.CharField(),
    "commit_timestamp": serializers.CharField(),
    "eventType": serializers.ChoiceField(choices=["INSERT", "UPDATE", "DELETE", "TRUNCATE"]),
    "new": _record("the row after (INSERT, UPDATE); {} for DELETE"),
    "old": _record("the row before (UPDATE, DELETE); {} for INSERT"),
    "errors": serializers.JSONField(allow_null=True),
}
ChangesPageOut = inline_serializer(
    "RealtimeChangesPage",
    {
        "changes": inline_serializer("RealtimeChange", CHANGE_FIELDS, many=True),
        "cursor": serializers.IntegerField(help_text="pass as ?after= next time"),
        "has_more": serializers.BooleanField(),
        "pending": serializers.BooleanField(help_text="stopped before a change a running transaction may still commit"),
    },
)
RealtimeErrorOut = inline_serializer("RealtimeError", {"error": serializers.DictField()})


class ChangesView(ApiView):
    permission_classes = [IsViewer]

    @extend_schema(
        operation_id="realtime_changes",
        summary="Changes after a cursor, in order (resume after a reconnect)",
        description=(
            "Without `after`: no changes, just the current cursor. With `after`: the changes "
            "after it, oldest first, in the realtime event shape plus `id`. 410 "
            "`resync_required` when rows after the cursor were pruned (older than "
            "REALTIME_RETENTION_HOURS) or the cursor is from another database."
        ),
        parameters=[ChangesQuery],
        responses={200: ChangesPageOut, 400: RealtimeErrorOut, 410: RealtimeErrorOut},
    )
    def get(self, request):
        args = validated_query(ChangesQuery, request)
        page = selectors.changes_after(
            after=args.get("after"),
            tables=args.get("tables") or registry.tables(),
            limit=args["limit"],
            subscriber=Subscriber(request.user.get_username() or None, notification_scope(request.user)),
        )
        return Response(
            {
                "changes": [c.payload() for c in page.changes],
                "cursor": page.cursor,
                "has_more": page.has_more,
                "pending": page.held,
            }
        )
