"""Graph reads. Each read is a fixed number of queries whatever the graph's size (no N+1).

Current freshness decays from the stored ``freshness_score`` by the node's half-life since
``updated_at``: ``current = freshness_score * 0.5 ** (age_days / half_life_days)``. It is computed
in SQL (an annotation) so filters and orderings can use it; a missing or non-positive half-life
means no decay.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.db.models import F, Field, FloatField, Func, Q, QuerySet
from django.db.models.expressions import DatabaseDefault

from graph import node_references
from graph.models import NODE_COLUMNS, Edge, GraphMetadata, MutationHistory, Node

RECENT_HISTORY = 20
# power(0.5, x) underflows to an error in PostgreSQL past x ≈ 1074; 0.5**1000 is 0 for any display.
MAX_HALF_LIVES = 1000


def freshness_sql(score: str, updated: str, half_life: str, at: str = "now()") -> str:
    """The freshness expression over SQL operands, as of ``at`` (an SQL expression; now() for the
    live graph, the requested moment for an as-of read, so both compute the same numbers)."""
    age_days = f"GREATEST(EXTRACT(EPOCH FROM ({at} - COALESCE({updated}, {at}))), 0)::float8 / 86400.0"
    return (
        f"(CASE WHEN {half_life} IS NULL OR {half_life} <= 0 THEN {score}::float8 "
        f"ELSE {score}::float8 * power(0.5::float8, LEAST({age_days} / {half_life}, {MAX_HALF_LIVES})) END)"
    )


def _column(node: Node, name: str):
    """The node's value of ``name``; for a node built in memory and not saved, the column's
    database default (graph/models.py holds the one default half-life, 14 days)."""
    value = getattr(node, name)
    if isinstance(value, DatabaseDefault):
        field = Node._meta.get_field(name)
        return field.db_default if isinstance(field, Field) else None
    return value


def current_freshness(node: Node, now: datetime | None = None) -> float:
    """``freshness_sql`` in Python, for a node read without the annotation (e.g. built in memory).
    Both, and the browser's copy, are checked against frontend/src/graph/freshness-samples.json."""
    now = now or datetime.now(UTC)
    stored_score = _column(node, "freshness_score")
    score = float(stored_score) if stored_score is not None else 1.0
    half_life = _column(node, "half_life_days")
    if half_life is None or half_life <= 0:
        return score
    updated = _column(node, "updated_at")
    updated = updated if isinstance(updated, datetime) else now
    age_days = max((now - updated).total_seconds() / 86400.0, 0.0)
    return score * 0.5 ** min(age_days / half_life, MAX_HALF_LIVES)


class CurrentFreshness(Func):
    """freshness_score * 0.5 ^ (age_days / half_life_days), evaluated by PostgreSQL."""

    output_field = FloatField()

    def __init__(self, prefix: str = ""):
        super().__init__(F(f"{prefix}freshness_score"), F(f"{prefix}updated_at"), F(f"{prefix}half_life_days"))

    def as_sql(self, compiler, connection, **extra_context):
        parts, params = [], []
        for expression in self.get_source_expressions():
            sql, p = compiler.compile(expression)
            parts.append(sql)
            params.extend(p)
        return freshness_sql(*parts), params


def nodes_with_freshness(queryset: QuerySet | None = None) -> QuerySet:
    """Nodes annotated with ``current_freshness`` (the stored value stays ``freshness_score``)."""
    queryset = Node.objects.all() if queryset is None else queryset
    return queryset.annotate(current_freshness=CurrentFreshness())


@dataclass(frozen=True, kw_only=True)
class NodeFilters:
    """Exact-match filters on a node's columns; None or "" is no filter."""

    node_type: str | None = None
    division: str | None = None
    department: str | None = None
    team: str | None = None
    status: str | None = None

    def columns(self) -> dict[str, str]:
        """The filters that are set, by column name."""
        by_column = {
            "type": self.node_type,
            "division": self.division,
            "department": self.department,
            "team": self.team,
            "status": self.status,
        }
        return {column: value for column, value in by_column.items() if value not in (None, "")}


ALL_NODES = NodeFilters()


def filter_nodes(queryset: QuerySet, filters: NodeFilters) -> QuerySet:
    return queryset.filter(**filters.columns())


def node_values(queryset: QuerySet) -> QuerySet:
    """A lazy values() queryset of node dicts with ``current_freshness`` (sliceable for paging)."""
    return nodes_with_freshness(queryset).values(*NODE_COLUMNS, "current_freshness")


def edge_values(queryset: QuerySet) -> QuerySet:
    # the raw FK columns: no join and no extra query per edge; edge_row() renames them
    return queryset.values("id", "source_id", "target_id", "type", "weight", "animated", "created_at", "extras")


def edge_row(row: dict) -> dict:
    row["source"] = row.pop("source_id")
    row["target"] = row.pop("target_id")
    return row


def _node_rows(queryset: QuerySet) -> list[dict]:
    return list(node_values(queryset))


def _edge_rows(queryset: QuerySet) -> list[dict]:
    return [edge_row(row) for row in edge_values(queryset)]


def graph_metadata() -> dict:
    return {row["key"]: row["value"] for row in GraphMetadata.objects.order_by("key").values("key", "value")}


def graph_snapshot(*, filters: NodeFilters = ALL_NODES) -> dict:
    """The whole graph (or the part the filters select) in three queries: nodes, edges, metadata.

    With filters, edges are those whose both ends are selected nodes (a subquery, not a list).
    """
    nodes_qs, edges_qs = _snapshot_querysets(filters)
    return {"nodes": _node_rows(nodes_qs), "edges": _edge_rows(edges_qs), "metadata": graph_metadata()}


def storable_id(value) -> bool:
    """False for ids PostgreSQL text cannot hold (NUL) or far too long: such ids exist nowhere."""
    return isinstance(value, str) and "\x00" not in value and len(value) <= 1000


def _snapshot_querysets(filters: NodeFilters) -> tuple[QuerySet, QuerySet]:
    nodes_qs = filter_nodes(Node.objects.all(), filters).order_by("id")
    edges_qs = Edge.objects.order_by("id")
    if filters.columns():
        selected = nodes_qs.values("id")
        edges_qs = edges_qs.filter(source_id__in=selected, target_id__in=selected)
    return nodes_qs, edges_qs


EDGE_JSON = (  # the values() subquery names the FK columns source_id/target_id; the API says source/target
    "json_build_object('id', e.id, 'source', e.source_id, 'target', e.target_id, 'type', e.type, "
    "'weight', e.weight, 'animated', e.animated, 'created_at', e.created_at, 'extras', e.extras)"
)


# The compact view: what the first drawing needs, nothing a node's detail panel loads later.
COMPACT_NODE_JSON = (
    "json_build_object('id', n.id, 'type', n.type, 'label', n.label, 'division', n.division, "
    "'department', n.department, 'team', n.team, 'health', n.health, 'size', n.size, 'x', n.x, 'y', n.y, "
    "'status', n.status, 'current_freshness', round(n.current_freshness::numeric, 3))"
)
COMPACT_EDGE_JSON = (
    "json_build_object('id', e.id, 'source', e.source_id, 'target', e.target_id, 'type', e.type, 'weight', e.weight)"
)


def graph_snapshot_json(*, view: str = "full", filters: NodeFilters = ALL_NODES) -> str:
    """``graph_snapshot`` as a JSON document built by PostgreSQL in ONE statement.

    Same nodes/edges/metadata, but serialised by the database (json_agg) and passed through as
    text: no Python object per row, and nodes and edges come from one consistent snapshot.
    ``view="compact"`` keeps only the fields in COMPACT_NODE_JSON / COMPACT_EDGE_JSON.
    """
    from django.db import connection

    nodes_qs, edges_qs = _snapshot_querysets(filters)
    nodes_sql, nodes_params = node_values(nodes_qs).query.sql_with_params()
    edges_sql, edges_params = edge_values(edges_qs).query.sql_with_params()
    node_json, edge_json = (COMPACT_NODE_JSON, COMPACT_EDGE_JSON) if view == "compact" else ("n", EDGE_JSON)
    marker = "'view', 'compact', " if view == "compact" else ""
    sql = (
        f"SELECT json_build_object({marker}"
        f"'nodes', (SELECT coalesce(json_agg({node_json} ORDER BY n.id), '[]'::json) FROM ({nodes_sql}) n), "
        f"'edges', (SELECT coalesce(json_agg({edge_json} ORDER BY e.id), '[]'::json) FROM ({edges_sql}) e), "
        "'metadata', (SELECT coalesce(json_object_agg(key, value ORDER BY key), '{}'::json) FROM graph_metadata)"
        ")::text"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*nodes_params, *edges_params])
        return cursor.fetchone()[0]


def node_get(*, node_id: str) -> dict | None:
    if not storable_id(node_id):
        return None
    rows = _node_rows(Node.objects.filter(id=node_id))
    return rows[0] if rows else None


def node_detail(*, node_id: str) -> dict | None:
    """One node with its edges, its neighbours and its recent history (four queries), or None."""
    node = node_get(node_id=node_id)
    if node is None:
        return None
    edges = _edge_rows(Edge.objects.filter(Q(source_id=node_id) | Q(target_id=node_id)).order_by("id"))
    neighbour_ids = {e["target"] if e["source"] == node_id else e["source"] for e in edges}
    neighbours = _node_rows(Node.objects.filter(id__in=neighbour_ids).order_by("id")) if neighbour_ids else []
    history = list(history_list(node_id=node_id)[:RECENT_HISTORY])
    return {"node": node, "edges": edges, "neighbours": neighbours, "history": history}


def history_list(
    *, node_id: str | None = None, since: datetime | None = None, until: datetime | None = None
) -> QuerySet:
    """Mutation history entries (dicts), newest first; lazy, sliceable. A node's history includes
    its edges' creation/deletion."""
    queryset = MutationHistory.objects.order_by("-created_at", "-id")
    if node_id:
        queryset = queryset.filter(
            Q(node_id=node_id)
            | Q(data__after__source=node_id)
            | Q(data__after__target=node_id)
            | Q(data__before__source=node_id)
            | Q(data__before__target=node_id)
        )
    if since is not None:
        queryset = queryset.filter(created_at__gte=since)
    if until is not None:
        queryset = queryset.filter(created_at__lte=until)
    return queryset.values("id", "action", "node_id", "edge_id", "data", "actor", "created_at")


def nodes_list(*, filters: NodeFilters = ALL_NODES) -> QuerySet:
    """Node dicts (with current freshness) matching the filters, ordered by id; lazy, sliceable."""
    return node_values(filter_nodes(Node.objects.all(), filters).order_by("id"))


def edges_list(
    *,
    source_id: str | None = None,
    target_id: str | None = None,
    edge_type: str | None = None,
    node_id: str | None = None,
) -> QuerySet:
    """Edge rows (map each through ``edge_row``) matching the filters, ordered by id; lazy.
    ``node_id``: edges touching that node, either end."""
    queryset = Edge.objects.order_by("id")
    if source_id:
        queryset = queryset.filter(source_id=source_id)
    if target_id:
        queryset = queryset.filter(target_id=target_id)
    if edge_type:
        queryset = queryset.filter(type=edge_type)
    if node_id:
        queryset = queryset.filter(Q(source_id=node_id) | Q(target_id=node_id))
    return edge_values(queryset)


def edge_get(*, edge_id: str) -> dict | None:
    if not storable_id(edge_id):
        return None
    rows = _edge_rows(Edge.objects.filter(id=edge_id))
    return rows[0] if rows else None


def graph_counts() -> dict:
    """Node and edge totals, and nodes per type, in one query."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM nodes), (SELECT count(*) FROM edges), "
            "(SELECT coalesce(json_object_agg(type, n), '{}') FROM (SELECT type, count(*) n FROM nodes GROUP BY type) t)"
        )
        nodes, edges, by_type = cursor.fetchone()
    if isinstance(by_type, str):
        import json

        by_type = json.loads(by_type)
    return {"nodes": nodes, "edges": edges, "nodes_by_type": dict(sorted(by_type.items()))}


def node_cascade(*, node_id: str) -> dict | None:
    """What deleting a node takes with it (its edges, named by the other end; its embedding and
    search document) and what it leaves pointing at nothing (other nodes' extras that name it,
    accounts linked to it, rows of other apps that name it: node_references), for the confirmation
    an editor reads first; None when it does not exist."""
    from django.db import connection

    from common.accounts.models import Profile

    node = node_get(node_id=node_id)
    if node is None:
        return None
    edges = list(
        Edge.objects.filter(Q(source_id=node_id) | Q(target_id=node_id))
        .order_by("type", "id")
        .values("id", "type", "source_id", "target_id")
    )
    other_ids = {e["target_id"] if e["source_id"] == node_id else e["source_id"] for e in edges}
    others = {row["id"]: row for row in Node.objects.filter(id__in=other_ids).values("id", "label", "type")}
    with connection.cursor() as cursor:
        # An extras value that is the id, or a list holding it (e.g. owner_id, manager_id).
        cursor.execute(
            "SELECT n.id, n.label, n.type, x.key FROM nodes n, jsonb_each(n.extras) x "
            "WHERE jsonb_typeof(n.extras) = 'object' AND n.id <> %s "
            "AND (x.value = to_jsonb(%s::text) OR (jsonb_typeof(x.value) = 'array' AND x.value @> jsonb_build_array(%s::text))) "
            "ORDER BY n.label, n.id, x.key",
            [node_id, node_id, node_id],
        )
        referenced_by = [
            {"id": i, "label": label, "type": kind, "field": key} for i, label, kind, key in cursor.fetchall()
        ]
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM node_embeddings WHERE node_id = %s), "
            "EXISTS (SELECT 1 FROM node_search_documents WHERE node_id = %s)",
            [node_id, node_id],
        )
        has_embedding, has_search_document = cursor.fetchone()
    return {
        "node": {"id": node["id"], "label": node["label"], "type": node["type"]},
        "edges": [
            {
                "id": e["id"],
                "type": e["type"],
                "direction": "out" if e["source_id"] == node_id else "in",
                "other": others.get(e["target_id"] if e["source_id"] == node_id else e["source_id"]),  # type: ignore[arg-type]  # the plugin types Edge's source_id as Node.source_id (nullable)
            }
            for e in edges
        ],
        "embedding": bool(has_embedding),
        "search_document": bool(has_search_document),
        "referenced_by": referenced_by,
        "linked_accounts": Profile.objects.filter(person_id=node_id).count(),
        "kept_rows": [ref for ref in node_references.counts(node_id) if ref["count"]],
    }
