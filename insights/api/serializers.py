"""Request validation and response shapes of the insights API.

``<Thing>In`` validates a request body, ``<Thing>Query`` query parameters, ``<Thing>Out`` documents
a response. ``component_name`` keeps the OpenAPI component names these shapes had before they were
named this way, so the types generated from the schema keep theirs.
"""

from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
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


@extend_schema_serializer(component_name="Notification")
class NotificationOut(serializers.ModelSerializer):
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


class NotificationListQuery(serializers.Serializer):
    person_id = serializers.CharField(required=False, max_length=200)
    acknowledged = serializers.BooleanField(required=False, allow_null=True, default=None)


# ── immune system ───────────────────────────────────────────────────────────
@extend_schema_serializer(component_name="ScanRequest")
class ImmuneScanIn(serializers.Serializer):
    staleness_threshold = serializers.FloatField(required=False, min_value=0.0, max_value=1.0)
    overload_limit = serializers.IntegerField(required=False, min_value=0, max_value=1000)
    unanswered_days = serializers.IntegerField(required=False, min_value=0, max_value=3650)
    duplicate_threshold = serializers.FloatField(required=False, min_value=0.5, max_value=1.0)


@extend_schema_serializer(component_name="AlertState")
class AlertStateOut(serializers.Serializer):
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


@extend_schema_serializer(component_name="Alert")
class AlertOut(serializers.Serializer):
    id = serializers.CharField()
    fingerprint = serializers.CharField(required=False, help_text="agent + the nodes the alert is about")
    evidence = serializers.CharField(required=False, help_text="hash of the facts that raised it")
    action = AlertActionField(required=False, help_text="a suggestion that can be carried out")
    state = AlertStateOut(required=False, help_text="in the alerts list: what people decided")
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


@extend_schema_serializer(component_name="ImmuneScan")
class ImmuneScanOut(serializers.ModelSerializer):
    alerts = AlertOut(many=True)
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


@extend_schema_serializer(component_name="AlertsResponse")
class AlertsOut(serializers.Serializer):
    scan_id = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField(allow_null=True)
    alerts = AlertOut(many=True)
    suppressed = AlertOut(
        many=True,
        help_text="resolved/dismissed findings the scan did not raise again (same evidence), with their state",
    )


@extend_schema_serializer(component_name="AlertStateResponse")
class AlertActionOut(AlertStateOut):
    fingerprint = serializers.CharField()


@extend_schema_serializer(component_name="AlertResolve")
class AlertResolveIn(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


@extend_schema_serializer(component_name="AlertDismiss")
class AlertDismissIn(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


@extend_schema_serializer(component_name="AlertPerson")
class AlertPersonIn(serializers.Serializer):
    person_id = serializers.CharField(max_length=200)


@extend_schema_serializer(component_name="ReallocationApply")
class ReallocationApplyIn(serializers.Serializer):
    commitment_id = serializers.CharField(max_length=200)


class StoredJsonOut(serializers.Serializer):
    """The shape of JSON an analysis stored as it was computed: written out unchanged."""

    def to_representation(self, instance):
        return dict(instance)


@extend_schema_serializer(component_name="WorkerPerson")
class WorkerPersonOut(StoredJsonOut):
    id = serializers.CharField()
    name = serializers.CharField()
    team_id = serializers.CharField(allow_null=True)
    team = serializers.CharField(allow_null=True, help_text="the team's label")


@extend_schema_serializer(component_name="Applied")
class AppliedOut(StoredJsonOut):
    by = serializers.CharField(allow_null=True, help_text="who applied it")
    at = serializers.DateTimeField()


@extend_schema_serializer(component_name="Reallocation")
class ReallocationOut(StoredJsonOut):
    commitment_id = serializers.CharField()
    commitment = serializers.CharField(help_text="the commitment's label")
    reason = serializers.CharField()
    applied = AppliedOut(required=False, help_text="set once an editor applied it")

    def get_fields(self):
        # "from" is a Python keyword: it cannot be a class attribute.
        fields = super().get_fields()
        fields["from"] = WorkerPersonOut(help_text="the overloaded owner")
        fields["to"] = WorkerPersonOut(help_text="the suggested new owner")
        return fields


@extend_schema_serializer(component_name="AppliedReallocation")
class AppliedReallocationOut(ReallocationOut):
    applied = AppliedOut()


# ── critical path ──────────────────────────────────────────────────────────
@extend_schema_serializer(component_name="TaskInput")
class TaskIn(serializers.Serializer):
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


@extend_schema_serializer(component_name="TaskGraphRequest")
class TaskGraphCreateIn(serializers.Serializer):
    tasks = TaskIn(many=True, max_length=MAX_TASKS, allow_empty=False)  # type: ignore[call-arg]  # many=True hands max_length to ListSerializer; the stubs omit it
    base_id = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="the task graph this edits: 409 when another edit replaced it",
    )


@extend_schema_serializer(component_name="ScheduledTask")
class ScheduledTaskOut(serializers.Serializer):
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


@extend_schema_serializer(component_name="TaskGraph")
class TaskGraphOut(serializers.ModelSerializer):
    tasks = ScheduledTaskOut(many=True)
    critical_path = serializers.ListField(child=serializers.CharField())
    project_duration_days = serializers.SerializerMethodField()

    class Meta:
        model = TaskGraph
        fields = ["id", "tasks", "critical_path", "project_duration_days", "active", "created_at"]
        read_only_fields = fields

    def get_project_duration_days(self, obj) -> float:
        return max((t.get("earliest_finish", 0.0) for t in obj.tasks or []), default=0.0)


# ── worker tracker ──────────────────────────────────────────────────────────
@extend_schema_serializer(component_name="Conflict")
class ConflictOut(StoredJsonOut):
    kind = serializers.ChoiceField(choices=["circular_dependency", "contradicting_decisions"])
    node_ids = serializers.ListField(child=serializers.CharField())
    people = WorkerPersonOut(many=True)
    description = serializers.CharField()
    suggested_action = serializers.CharField()
    affected_commitments = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="contradicting decisions: each owner's open commitments on the topic",
    )


@extend_schema_serializer(component_name="Duplicate")
class DuplicateOut(StoredJsonOut):
    node_ids = serializers.ListField(child=serializers.CharField())
    type = serializers.CharField()
    labels = serializers.ListField(child=serializers.CharField())
    similarity = serializers.FloatField()
    method = serializers.CharField(help_text="embedding | text")
    people = WorkerPersonOut(many=True)
    suggested_action = serializers.CharField()


@extend_schema_serializer(component_name="Overload")
class OverloadOut(WorkerPersonOut):
    open_commitments = serializers.ListField(child=serializers.CharField())
    count = serializers.IntegerField()
    limit = serializers.IntegerField()
    blocked = serializers.ListField(child=serializers.CharField())


@extend_schema_serializer(component_name="Collaboration")
class CollaborationOut(StoredJsonOut):
    topic_id = serializers.CharField()
    topic = serializers.CharField()
    people = WorkerPersonOut(many=True)
    reason = serializers.CharField()


@extend_schema_serializer(component_name="WorkerAnalysis")
class WorkerAnalysisOut(serializers.ModelSerializer):
    conflicts = ConflictOut(many=True)
    duplicates = DuplicateOut(many=True)
    overloads = OverloadOut(many=True)
    reallocation_suggestions = ReallocationOut(many=True)
    collaboration_recommendations = CollaborationOut(many=True)
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
class UsageQuery(serializers.Serializer):
    days = serializers.IntegerField(required=False, min_value=1, max_value=3650)


@extend_schema_serializer(component_name="UsageRow")
class UsageRowOut(serializers.Serializer):
    calls = serializers.IntegerField()
    input_tokens = serializers.IntegerField()
    output_tokens = serializers.IntegerField()
    cost_usd = serializers.FloatField()


@extend_schema_serializer(component_name="UsageByModel")
class UsageByModelOut(UsageRowOut):
    model = serializers.CharField()


@extend_schema_serializer(component_name="UsageByTask")
class UsageByTaskOut(UsageRowOut):
    task_type = serializers.CharField()


@extend_schema_serializer(component_name="UsageByDay")
class UsageByDayOut(UsageRowOut):
    day = serializers.DateField()


@extend_schema_serializer(component_name="UsageReport")
class UsageReportOut(serializers.Serializer):
    totals = UsageRowOut()
    by_model = UsageByModelOut(many=True)
    by_task_type = UsageByTaskOut(many=True)
    by_day = UsageByDayOut(many=True)
    cost_per_feature = serializers.DictField(child=serializers.FloatField())
    days = serializers.IntegerField(allow_null=True)


# ── info drop ───────────────────────────────────────────────────────────────
@extend_schema_serializer(component_name="InfoDropRequest")
class InfoDropIn(serializers.Serializer):
    text = serializers.CharField(max_length=INFO_DROP_MAX_CHARS, trim_whitespace=True)
    source = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")  # type: ignore[assignment]  # a field, not the attribute: DRF's metaclass moves it off the class
    author = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


@extend_schema_serializer(component_name="InfoDropItem")
class InfoDropItemOut(serializers.Serializer):
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


@extend_schema_serializer(component_name="Recognised")
class RecognisedOut(serializers.Serializer):
    id = serializers.CharField()
    type = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not the attribute: DRF's metaclass moves it off the class


@extend_schema_serializer(component_name="Notified")
class NotifiedOut(serializers.Serializer):
    notification_id = serializers.IntegerField()
    person_id = serializers.CharField()
    person_name = serializers.CharField(allow_null=True)
    priority = serializers.CharField()
    action_required = serializers.BooleanField()


@extend_schema_serializer(component_name="InfoDropResponse")
class InfoDropOut(serializers.Serializer):
    mode = serializers.ChoiceField(choices=MODE_CHOICES)
    items = InfoDropItemOut(many=True)
    nodes_created = serializers.ListField(child=serializers.CharField())
    nodes_updated = serializers.ListField(child=serializers.CharField())
    edges_created = serializers.ListField(child=serializers.CharField())
    recognised = RecognisedOut(many=True)
    notified = NotifiedOut(many=True)


NotificationPageOut = page_of("NotificationPage", NotificationOut(many=True))
ImmuneScanPageOut = page_of("ImmuneScanPage", ImmuneScanOut(many=True))
