"""Serializers for the graph API: query-parameter validation and the documented response shapes.

Request bodies are validated by graph.validation (shared with the services). Responses are built
from selector dicts; these output serializers exist so the OpenAPI schema describes them.
"""

from rest_framework import serializers

from common.api_schema import ErrorOut, page_of  # noqa: F401  (ErrorOut is used by the views)
from common.pagination import PageQuery
from graph.models import NODE_TYPES
from graph.time_travel import history_horizon

# ── query parameters (wrong types → 400 naming the parameter) ───────────────
# ``source=`` names a parameter the way the selector's argument is named (``type`` → ``node_type``).


class NodeFilterQuery(serializers.Serializer):
    type = serializers.ChoiceField(choices=NODE_TYPES, required=False, source="node_type")
    division = serializers.CharField(required=False, max_length=500)
    department = serializers.CharField(required=False, max_length=500)
    team = serializers.CharField(required=False, max_length=500)
    status = serializers.CharField(required=False, max_length=100)


class NodeListQuery(NodeFilterQuery, PageQuery):
    pass


class EdgeListQuery(PageQuery):
    source = serializers.CharField(required=False, max_length=200, source="source_id")  # type: ignore[assignment]  # a field, not the attribute: DRF's metaclass moves it off the class
    target = serializers.CharField(required=False, max_length=200, source="target_id")
    node = serializers.CharField(required=False, max_length=200, help_text="edges touching this node", source="node_id")
    type = serializers.CharField(required=False, max_length=100, source="edge_type")


class HistoryQuery(PageQuery):
    node = serializers.CharField(
        required=False,
        max_length=200,
        help_text="this node's mutations and its edges' creation/deletion",
        source="node_id",
    )
    since = serializers.DateTimeField(required=False, help_text="ISO 8601; entries at or after (not after `until`)")
    until = serializers.DateTimeField(required=False, help_text="ISO 8601; entries at or before")

    def validate(self, attrs):
        if attrs.get("since") and attrs.get("until") and attrs["since"] > attrs["until"]:
            raise serializers.ValidationError({"since": ["Must not be after 'until'."]})
        return attrs


class SearchQuery(serializers.Serializer):
    q = serializers.CharField(max_length=2000, help_text="the text to search for")
    k = serializers.IntegerField(required=False, default=10, min_value=1, max_value=100)
    threshold = serializers.FloatField(
        required=False,
        default=0.0,
        min_value=-1.0,
        max_value=1.0,
        help_text="minimum cosine similarity of a vector hit",
    )
    type = serializers.ChoiceField(choices=NODE_TYPES, required=False, source="node_type")
    mode = serializers.ChoiceField(
        choices=["hybrid", "vector", "text"],
        required=False,
        default="hybrid",
        help_text="hybrid (default): full-text and vector rankings fused by reciprocal rank fusion "
        "(search_hybrid_nodes); vector: embeddings only (search_similar_nodes); text: "
        "PostgreSQL full-text search only (works while embeddings are being rebuilt)",
    )
    freshness = serializers.FloatField(
        required=False,
        default=0.0,
        min_value=0.0,
        max_value=1.0,
        help_text="hybrid/text: weight of a node's current freshness in its score (0: none, 1: score × freshness)",
    )


class PastMoment(serializers.DateTimeField):
    """An ISO 8601 moment that history can answer for: not in the future, not before the
    compaction horizon (a naive time is read as UTC)."""

    def to_internal_value(self, value):
        from django.utils import timezone

        moment = super().to_internal_value(value)
        if moment > timezone.now():
            raise serializers.ValidationError("Must not be in the future.")
        horizon = history_horizon()
        if horizon is not None and moment < horizon:
            raise serializers.ValidationError(
                f"History before {horizon.isoformat()} was compacted; ask for a later moment."
            )
        return moment


class AsOfQuery(NodeFilterQuery):
    as_of = PastMoment(required=False, help_text="ISO 8601; the graph as it stood then (omit: now)")


class GraphQuery(AsOfQuery):
    view = serializers.ChoiceField(
        choices=["full", "compact"],
        required=False,
        default="full",
        help_text="compact: only what PulseView draws (no extras, timestamps or sources); a node's "
        "details come from /api/nodes/{id}. The full shape with as_of.",
    )


class DiffQuery(serializers.Serializer):
    # "from" is a Python keyword: the field is declared under its query-parameter name below
    to = PastMoment(required=False, help_text="ISO 8601 (default: now)")

    def validate(self, attrs):
        from django.utils import timezone

        attrs.setdefault("to", timezone.now())
        if attrs["from"] > attrs["to"]:
            raise serializers.ValidationError({"from": ["Must not be after 'to'."]})
        return attrs


DiffQuery._declared_fields["from"] = PastMoment(help_text="ISO 8601; changes after this moment")


class VersionsQuery(PageQuery):
    pass


# ── responses ────────────────────────────────────────────────────────────────


class CompactNodeOut(serializers.Serializer):
    """What the first view of the graph draws (?view=compact); NodeOut adds the rest."""

    id = serializers.CharField()
    type = serializers.ChoiceField(choices=NODE_TYPES)
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not the attribute: DRF's metaclass moves it off the class
    division = serializers.CharField(allow_null=True)
    department = serializers.CharField(allow_null=True)
    team = serializers.CharField(allow_null=True)
    health = serializers.CharField(allow_null=True)
    size = serializers.IntegerField(allow_null=True)
    x = serializers.FloatField(allow_null=True)
    y = serializers.FloatField(allow_null=True)
    status = serializers.CharField(allow_null=True)
    current_freshness = serializers.FloatField(allow_null=True, help_text="rounded to 3 decimals")


class NodeOut(CompactNodeOut):
    freshness_score = serializers.FloatField(allow_null=True, help_text="freshness at the last update (stored)")
    half_life_days = serializers.IntegerField(allow_null=True)
    current_freshness = serializers.FloatField(
        allow_null=True, help_text="freshness_score * 0.5 ^ (age_days / half_life_days), computed now"
    )
    source_type = serializers.CharField(allow_null=True)
    source_id = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField(allow_null=True)
    updated_at = serializers.DateTimeField(allow_null=True)
    extras = serializers.DictField(allow_null=True)


class CompactEdgeOut(serializers.Serializer):
    id = serializers.CharField()
    source = serializers.CharField()  # type: ignore[assignment]  # a field, not the attribute: DRF's metaclass moves it off the class
    target = serializers.CharField()
    type = serializers.CharField()
    weight = serializers.FloatField(allow_null=True)


class EdgeOut(CompactEdgeOut):
    animated = serializers.BooleanField(allow_null=True)
    created_at = serializers.DateTimeField(allow_null=True)
    extras = serializers.DictField(allow_null=True)


class HistoryEntryOut(serializers.Serializer):
    id = serializers.IntegerField()
    action = serializers.CharField(help_text="create_node, update_node, delete_node, create_edge or delete_edge")
    node_id = serializers.CharField(allow_null=True)
    edge_id = serializers.CharField(allow_null=True)
    data = serializers.DictField(help_text="before/after row data; delete_node lists removed_edges")  # type: ignore[assignment]  # a field, not the attribute: DRF's metaclass moves it off the class
    actor = serializers.CharField(
        allow_null=True, help_text="username, 'system' or 'anonymous'; null when written outside NEXUS"
    )
    created_at = serializers.DateTimeField(allow_null=True)


class GraphOut(serializers.Serializer):
    nodes = NodeOut(many=True)
    edges = EdgeOut(many=True)
    metadata = serializers.DictField(help_text="graph_metadata rows by key")


class GraphCompactOut(serializers.Serializer):
    view = serializers.ChoiceField(choices=["compact"], help_text="marks the compact shape")
    nodes = CompactNodeOut(many=True)
    edges = CompactEdgeOut(many=True)
    metadata = serializers.DictField(help_text="graph_metadata rows by key")


class NodeDetailOut(serializers.Serializer):
    node = NodeOut()
    edges = EdgeOut(many=True)
    neighbours = NodeOut(many=True)
    history = HistoryEntryOut(many=True)


class NodeDeletedOut(serializers.Serializer):
    deleted = serializers.CharField()
    removed_edges = serializers.ListField(child=serializers.CharField())
    removed_embedding = serializers.BooleanField()


class NodeRefOut(serializers.Serializer):
    id = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not the attribute: DRF's metaclass moves it off the class
    type = serializers.CharField()


class CascadeEdgeOut(serializers.Serializer):
    id = serializers.CharField()
    type = serializers.CharField()
    direction = serializers.ChoiceField(choices=["out", "in"], help_text="out: this node is the source")
    other = NodeRefOut(
        allow_null=True, help_text="the node at the other end; null when it is gone (edges have no foreign key)"
    )


class ReferenceOut(NodeRefOut):
    field = serializers.CharField(help_text="the extras key that holds the deleted node's id")


class KeptRowsOut(serializers.Serializer):
    table = serializers.CharField()
    column = serializers.CharField()
    count = serializers.IntegerField()


class NodeCascadeOut(serializers.Serializer):
    node = NodeRefOut()
    edges = CascadeEdgeOut(many=True, help_text="deleted with the node (ON DELETE CASCADE)")
    embedding = serializers.BooleanField(help_text="its embedding is deleted with it")
    search_document = serializers.BooleanField(help_text="its full-text document is deleted with it")
    referenced_by = ReferenceOut(many=True, help_text="nodes whose extras name it: they stay, the reference dangles")
    linked_accounts = serializers.IntegerField(
        help_text="user accounts linked to it as their person: they stay, unlinked in effect"
    )
    kept_rows = KeptRowsOut(
        many=True,
        help_text="rows of other tables that name it without a foreign key (notifications addressed to the "
        "person, alerts assigned to them): they stay, naming a node that no longer exists",
    )


class EdgeDeletedOut(serializers.Serializer):
    deleted = serializers.CharField()


class MutationIn(serializers.Serializer):
    op = serializers.ChoiceField(choices=["create_node", "update_node", "delete_node", "create_edge", "delete_edge"])
    id = serializers.CharField(required=False, help_text="node/edge id (required for update/delete)")


class MutationBatchIn(serializers.Serializer):
    mutations = MutationIn(  # type: ignore[call-arg]  # many=True hands max_length to ListSerializer; the stubs omit it
        many=True,
        allow_empty=False,
        max_length=1000,
        help_text=(
            "Applied in order, all or nothing. Each mutation is {op, ...fields}: create_node takes the "
            "node fields, update_node id + changed fields, delete_node/delete_edge id, create_edge "
            "source, target, type (+ id, weight, animated, extras)."
        ),
    )


class MutationResultOut(serializers.Serializer):
    op = serializers.CharField()
    node = NodeOut(required=False)
    edge = EdgeOut(required=False)
    deleted = serializers.CharField(required=False)
    removed_edges = serializers.ListField(child=serializers.CharField(), required=False)


class MutationBatchOut(serializers.Serializer):
    results = MutationResultOut(many=True)


class SearchResultOut(serializers.Serializer):
    node = NodeOut()
    similarity = serializers.FloatField(
        help_text="cosine similarity to the query (0 for a text-only hit without a vector, and in text mode)"
    )
    score = serializers.FloatField(
        help_text="the ranking score: cosine in vector mode, the fused reciprocal-rank score in hybrid and text mode"
    )
    text_rank = serializers.FloatField(
        allow_null=True, help_text="full-text rank (ts_rank_cd), null when the words did not match"
    )
    current_freshness = serializers.FloatField(allow_null=True)


class SearchOut(serializers.Serializer):
    query = serializers.CharField()
    k = serializers.IntegerField()
    threshold = serializers.FloatField()
    type = serializers.CharField(allow_null=True)
    mode = serializers.CharField()
    freshness = serializers.FloatField()
    provider = serializers.DictField()
    results = SearchResultOut(many=True)


class MetadataCountsOut(serializers.Serializer):
    nodes = serializers.IntegerField()
    edges = serializers.IntegerField()
    nodes_by_type = serializers.DictField(child=serializers.IntegerField())


class MetadataOut(serializers.Serializer):
    metadata = serializers.DictField(help_text="graph_metadata rows by key")
    counts = MetadataCountsOut()


class NodeVersionOut(serializers.Serializer):
    valid_from = serializers.DateTimeField(help_text="when this version was written (transaction time)")
    valid_to = serializers.DateTimeField(allow_null=True, help_text="when it was replaced or deleted; null: current")
    actor = serializers.CharField(allow_null=True, help_text="who wrote it; null when unknown (psql, Supabase)")
    ended_by = serializers.CharField(allow_null=True, help_text="who replaced or deleted it, where known")
    changed = serializers.ListField(
        child=serializers.CharField(), help_text="fields that differ from the version before"
    )
    node = serializers.DictField(help_text="the node's stored columns in this version")


class NodeVersionsOut(serializers.Serializer):
    id = serializers.CharField()
    count = serializers.IntegerField(help_text="versions in all")
    versions = NodeVersionOut(many=True, help_text="newest first")


class GraphTimelineOut(serializers.Serializer):
    earliest = serializers.DateTimeField(
        allow_null=True,
        help_text=(
            "the first moment with a recorded version (null: nothing recorded yet); as_of and from "
            "accept any moment from here to now"
        ),
    )
    horizon = serializers.DateTimeField(allow_null=True, help_text="history before this was compacted (null: none)")
    now = serializers.DateTimeField(help_text="the server's clock: later moments are refused as future")


class FieldChangeOut(serializers.Serializer):
    before = serializers.JSONField(allow_null=True)
    after = serializers.JSONField(allow_null=True)


class DiffEntryOut(serializers.Serializer):
    id = serializers.CharField()
    at = serializers.DateTimeField(help_text="its latest change within the window")
    actors = serializers.ListField(child=serializers.CharField(), help_text="who changed it, where known")
    node = serializers.DictField(
        required=False, help_text="added/removed nodes: the row after (added) or before (removed)"
    )
    edge = serializers.DictField(required=False, help_text="added/removed edges: the same")
    type = serializers.CharField(required=False, help_text="changed only: the row's type (after)")
    label = serializers.CharField(required=False, help_text="changed nodes: the label (after)")  # type: ignore[assignment]  # a field, not the attribute: DRF's metaclass moves it off the class
    source = serializers.CharField(required=False, help_text="changed edges: source (after)")  # type: ignore[assignment]  # a field, not the attribute: DRF's metaclass moves it off the class
    target = serializers.CharField(required=False, help_text="changed edges: target (after)")
    changes = serializers.DictField(
        child=FieldChangeOut(), required=False, help_text="changed only: {field: {before, after}}"
    )


class DiffSideOut(serializers.Serializer):
    added = DiffEntryOut(many=True)
    removed = DiffEntryOut(many=True)
    changed = DiffEntryOut(many=True)


class GraphDiffOut(serializers.Serializer):
    # "from" is a keyword; the field is added below under its JSON name
    to = serializers.DateTimeField()
    nodes = DiffSideOut()
    edges = DiffSideOut()


GraphDiffOut._declared_fields["from"] = serializers.DateTimeField()


NodePageOut = page_of("NodePageOut", NodeOut(many=True))
EdgePageOut = page_of("EdgePageOut", EdgeOut(many=True))
HistoryPageOut = page_of("HistoryPageOut", HistoryEntryOut(many=True))
