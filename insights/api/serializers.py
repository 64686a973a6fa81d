"""Request validation and response shapes of the insights API."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.api_schema import page_of
from insights.models import ImmuneScan, Notification, TaskGraph, WorkerAnalysis

MODE_CHOICES = [("offline", "offline"), ("llm", "llm")]
INFO_DROP_MAX_CHARS = 20_000
MAX_TASKS = 2_000


# ── notifications ───────────────────────────────────────────────────────────
@extend_schema_field(
    {
        "type": "object",
        "nullable": True,
        "description": "what the notification came from (an info drop, an alert); node_ids: the nodes it is about",
        "properties": {"node_ids": {"type": "array", "items": {"type": "string"}}},
        "additionalProperties": True,
    }
)
class SourceUnitField(serializers.JSONField):
    pass


class NotificationSerializer(serializers.ModelSerializer):
    source_unit = SourceUnitField(read_only=True, allow_null=True)

    class Meta:
        model = Notification
        fields = [
            "id",
            "person_id",
            "person_name",
            "priority",
            "action_required",
            "suggested_action",
            "summary",
            "source_unit",
            "acknowledged",
            "created_at",
        ]
        read_only_fields = fields  # a response shape: every field is always there


class NotificationQuerySerializer(serializers.Serializer):
    person_id = serializers.CharField(required=False, max_length=200)
    acknowledged = serializers.BooleanField(required=False, allow_null=True, default=None)


# ── immune system ───────────────────────────────────────────────────────────
class ScanRequestSerializer(serializers.Serializer):
    staleness_threshold = serializers.FloatField(required=False, min_value=0.0, max_value=1.0)
    overload_limit = serializers.IntegerField(required=False, min_value=0, max_value=1000)
    unanswered_days = serializers.IntegerField(required=False, min_value=0, max_value=3650)
    duplicate_threshold = serializers.FloatField(required=False, min_value=0.5, max_value=1.0)


class AlertStateSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=["open", "resolved", "dismissed"])
    reason = serializers.CharField(allow_null=True)
    assignee_id = serializers.CharField(allow_null=True, help_text="the person node responsible")
    actor = serializers.CharField(allow_null=True, help_text="who acted last")
    updated_at = serializers.DateTimeField(allow_null=True)


def _action(kind: str, **ids: str) -> dict:
    return {
        "type": "object",
        "properties": {
            "kind": {"type": "string", "enum": [kind]},
            **{k: {"type": "string", "description": d} for k, d in ids.items()},
        },
        "required": ["kind", *ids],
    }


@extend_schema_field(
    {
        "oneOf": [
            _action("set_owner", commitment_id="the commitment without an owner"),
            _action("reallocate", person_id="the overloaded person"),
            _action("reverify", node_id="the stale node to mark re-verified"),
            _action("supersede", node_id="the node to mark superseded", keep_id="the node that stays"),
        ]
    }
)
class AlertActionField(serializers.DictField):
    """What POST .../apply carries out (or, for reallocate, where to look): one of four kinds."""


class AlertSerializer(serializers.Serializer):
    id = serializers.CharField()
    fingerprint = serializers.CharField(required=False, help_text="agent + the nodes the alert is about")
    evidence = serializers.CharField(required=False, help_text="hash of the facts that raised it")
    action = AlertActionField(required=False, help_text="a suggestion that can be carried out")
    state = AlertStateSerializer(required=False, help_text="in the alerts list: what people decided")
    agent = serializers.CharField()
    severity = serializers.ChoiceField(choices=["low", "medium", "high"])
    title = serializers.CharField()
    description = serializers.CharField()
    node_ids = serializers.ListField(child=serializers.CharField())
    suggested_action = serializers.CharField()
    pair = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="contradiction / duplicate: the two node ids"
    )
    person_id = serializers.CharField(required=False, help_text="overload: the person")
    commitment_ids = serializers.ListField(child=serializers.CharField(), required=False)
    freshness = serializers.FloatField(required=False, help_text="staleness: current freshness")
    similarity = serializers.FloatField(required=False, help_text="duplicate: similarity score")
    method = serializers.CharField(required=False, help_text="duplicate: embedding | text")

    def to_representation(self, instance):
        return dict(instance)  # stored alerts are already JSON; keep every agent-specific key


class ImmuneScanSerializer(serializers.ModelSerializer):
    alerts = AlertSerializer(many=True)
    by_agent = serializers.DictField(child=serializers.JSONField())
    agents_run = serializers.ListField(child=serializers.CharField())
    mode = serializers.SerializerMethodField()
    summary = serializers.SerializerMethodField()

    class Meta:
        model = ImmuneScan
        fields = [
            "id",
            "agents_run",
            "total_findings",
            "alerts_generated",
            "alerts",
            "by_agent",
            "summary",
            "created_at",
            "mode",
        ]
        read_only_fields = fields

    def get_mode(self, obj) -> str:
        # The agents are rule-based in every mode; "llm" means the model wrote the summary.
        return ((obj.by_agent or {}).get("_summary") or {}).get("mode", "offline")

    def get_summary(self, obj) -> str:
        return ((obj.by_agent or {}).get("_summary") or {}).get("text", "")


class AlertsResponseSerializer(serializers.Serializer):
    scan_id = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField(allow_null=True)
    alerts = AlertSerializer(many=True)
    suppressed = AlertSerializer(
        many=True,
        help_text="resolved/dismissed findings the scan did not raise again (same evidence), with their state",
    )


class AlertStateResponseSerializer(AlertStateSerializer):
    fingerprint = serializers.CharField()


class AlertResolveSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class AlertDismissSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class AlertPersonSerializer(serializers.Serializer):
    person_id = serializers.CharField(max_length=200)


class ReallocationApplySerializer(serializers.Serializer):
    commitment_id = serializers.CharField(max_length=200)


class StoredJsonSerializer(serializers.Serializer):
    """The shape of JSON an analysis stored as it was computed: written out unchanged."""

    def to_representation(self, instance):
        return dict(instance)


class WorkerPersonSerializer(StoredJsonSerializer):
    id = serializers.CharField()
    name = serializers.CharField()
    team_id = serializers.CharField(allow_null=True)
    team = serializers.CharField(allow_null=True, help_text="the team's label")


class AppliedSerializer(StoredJsonSerializer):
    by = serializers.CharField(allow_null=True, help_text="who applied it")
    at = serializers.DateTimeField()


class ReallocationSerializer(StoredJsonSerializer):
    commitment_id = serializers.CharField()
    commitment = serializers.CharField(help_text="the commitment's label")
    reason = serializers.CharField()
    applied = AppliedSerializer(required=False, help_text="set once an editor applied it")

    def get_fields(self):
        # "from" is a Python keyword: it cannot be a class attribute.
        fields = super().get_fields()
        fields["from"] = WorkerPersonSerializer(help_text="the overloaded owner")
        fields["to"] = WorkerPersonSerializer(help_text="the suggested new owner")
        return fields


class AppliedReallocationSerializer(ReallocationSerializer):
    applied = AppliedSerializer()


# ── task scheduler ──────────────────────────────────────────────────────────
class TaskInputSerializer(serializers.Serializer):
    id = serializers.CharField(max_length=200)
    name = serializers.CharField(max_length=500)
    duration_days = serializers.FloatField(max_value=100_000)
    depends_on = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, default=list, max_length=MAX_TASKS
    )
    owner = serializers.CharField(
        max_length=200, required=False, allow_null=True, allow_blank=True, default=None, help_text="a person node id"
    )
    done = serializers.BooleanField(required=False, default=False)


class TaskGraphRequestSerializer(serializers.Serializer):
    tasks = TaskInputSerializer(many=True, max_length=MAX_TASKS, allow_empty=False)  # type: ignore[call-arg]  # many=True hands max_length to ListSerializer; the stubs omit it
    base_id = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="the task graph this edits: 409 when another edit replaced it",
    )


class ScheduledTaskSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    duration_days = serializers.FloatField()
    depends_on = serializers.ListField(child=serializers.CharField())
    owner = serializers.CharField(allow_null=True)
    done = serializers.BooleanField(required=False)
    earliest_start = serializers.FloatField()
    earliest_finish = serializers.FloatField()
    latest_start = serializers.FloatField()
    latest_finish = serializers.FloatField()
    slack = serializers.FloatField()
    critical = serializers.BooleanField()


class TaskGraphSerializer(serializers.ModelSerializer):
    tasks = ScheduledTaskSerializer(many=True)
    critical_path = serializers.ListField(child=serializers.CharField())
    project_duration_days = serializers.SerializerMethodField()

    class Meta:
        model = TaskGraph
        fields = ["id", "tasks", "critical_path", "project_duration_days", "active", "created_at"]
        read_only_fields = fields

    def get_project_duration_days(self, obj) -> float:
        return max((t.get("earliest_finish", 0.0) for t in obj.tasks or []), default=0.0)


# ── worker tracker ──────────────────────────────────────────────────────────
class ConflictSerializer(StoredJsonSerializer):
    kind = serializers.ChoiceField(choices=["circular_dependency", "contradicting_decisions"])
    node_ids = serializers.ListField(child=serializers.CharField())
    people = WorkerPersonSerializer(many=True)
    description = serializers.CharField()
    suggested_action = serializers.CharField()
    affected_commitments = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="contradicting decisions: each owner's open commitments on the topic",
    )


class DuplicateSerializer(StoredJsonSerializer):
    node_ids = serializers.ListField(child=serializers.CharField())
    type = serializers.CharField()
    labels = serializers.ListField(child=serializers.CharField())
    similarity = serializers.FloatField()
    method = serializers.CharField(help_text="embedding | text")
    people = WorkerPersonSerializer(many=True)
    suggested_action = serializers.CharField()


class OverloadSerializer(WorkerPersonSerializer):
    open_commitments = serializers.ListField(child=serializers.CharField())
    count = serializers.IntegerField()
    limit = serializers.IntegerField()
    blocked = serializers.ListField(child=serializers.CharField())


class CollaborationSerializer(StoredJsonSerializer):
    topic_id = serializers.CharField()
    topic = serializers.CharField()
    people = WorkerPersonSerializer(many=True)
    reason = serializers.CharField()


class WorkerAnalysisSerializer(serializers.ModelSerializer):
    conflicts = ConflictSerializer(many=True)
    duplicates = DuplicateSerializer(many=True)
    overloads = OverloadSerializer(many=True)
    reallocation_suggestions = ReallocationSerializer(many=True)
    collaboration_recommendations = CollaborationSerializer(many=True)
    mode = serializers.SerializerMethodField()

    class Meta:
        model = WorkerAnalysis
        fields = [
            "id",
            "conflicts",
            "duplicates",
            "overloads",
            "reallocation_suggestions",
            "collaboration_recommendations",
            "created_at",
            "mode",
        ]
        read_only_fields = fields

    def get_mode(self, obj) -> str:
        return "offline"  # rule-based graph analysis in every mode


# ── usage ───────────────────────────────────────────────────────────────────
class UsageQuerySerializer(serializers.Serializer):
    days = serializers.IntegerField(required=False, min_value=1, max_value=3650)


class UsageRowSerializer(serializers.Serializer):
    calls = serializers.IntegerField()
    input_tokens = serializers.IntegerField()
    output_tokens = serializers.IntegerField()
    cost_usd = serializers.FloatField()


class UsageByModelSerializer(UsageRowSerializer):
    model = serializers.CharField()


class UsageByTaskSerializer(UsageRowSerializer):
    task_type = serializers.CharField()


class UsageByDaySerializer(UsageRowSerializer):
    day = serializers.DateField()


class UsageReportSerializer(serializers.Serializer):
    totals = UsageRowSerializer()
    by_model = UsageByModelSerializer(many=True)
    by_task_type = UsageByTaskSerializer(many=True)
    by_day = UsageByDaySerializer(many=True)
    cost_per_feature = serializers.DictField(child=serializers.FloatField())
    days = serializers.IntegerField(allow_null=True)


# ── info drop ───────────────────────────────────────────────────────────────
class InfoDropRequestSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=INFO_DROP_MAX_CHARS, trim_whitespace=True)
    source = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")  # type: ignore[assignment]  # a field, not the attribute: DRF's metaclass moves it off the class
    author = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class InfoDropItemSerializer(serializers.Serializer):
    node_id = serializers.CharField()
    type = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not the attribute: DRF's metaclass moves it off the class
    action = serializers.ChoiceField(choices=["created", "updated"])
    similarity = serializers.FloatField(allow_null=True, help_text="updated: how close the statement was to the node")
    owner = serializers.CharField(allow_null=True)
    due_date = serializers.CharField(allow_null=True)
    people = serializers.ListField(child=serializers.CharField())
    teams = serializers.ListField(child=serializers.CharField())
    topics = serializers.ListField(child=serializers.CharField())
    conflicts_with = serializers.ListField(child=serializers.CharField(), help_text="nodes the statement contradicts")


class RecognisedSerializer(serializers.Serializer):
    id = serializers.CharField()
    type = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not the attribute: DRF's metaclass moves it off the class


class NotifiedSerializer(serializers.Serializer):
    notification_id = serializers.IntegerField()
    person_id = serializers.CharField()
    person_name = serializers.CharField(allow_null=True)
    priority = serializers.CharField()
    action_required = serializers.BooleanField()


class InfoDropResponseSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(choices=MODE_CHOICES)
    items = InfoDropItemSerializer(many=True)
    nodes_created = serializers.ListField(child=serializers.CharField())
    nodes_updated = serializers.ListField(child=serializers.CharField())
    edges_created = serializers.ListField(child=serializers.CharField())
    recognised = RecognisedSerializer(many=True)
    notified = NotifiedSerializer(many=True)


NotificationPageSerializer = page_of("NotificationPage", NotificationSerializer(many=True))
ImmuneScanPageSerializer = page_of("ImmuneScanPage", ImmuneScanSerializer(many=True))
