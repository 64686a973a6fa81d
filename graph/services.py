"""Graph writes. Each mutation and its mutation_history row commit in one transaction, so a failed
mutation leaves neither; a batch is all-or-nothing.

Errors are the domain errors of common.errors, which the API layer maps to its one JSON error
shape: a bad field is an ``Invalid`` naming it (400), an unknown id ``NotFound`` (404), a duplicate
``Conflict`` (409).
Uniqueness is decided by the database: inserts run inside a savepoint and a unique violation is
turned into a 409 — never check-then-insert, which races.
"""

from __future__ import annotations

import json
import uuid
from typing import Any, TypedDict, Unpack

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from common.actor import current_actor
from common.errors import Conflict, Invalid, NexusError, NotFound
from common.retry import retrying_atomic
from graph.embedding_store import dequeue, embed_nodes, node_text, stored_text
from graph.models import NODE_COLUMNS, Edge, MutationHistory, Node, NodeEmbedding
from graph.selectors import storable_id
from graph.validation import EdgeCreateIn, NodeCreateIn, NodeUpdateIn, validate

TYPE_PREFIX = {
    "person": "p",
    "agent": "a",
    "team": "t",
    "decision": "d",
    "fact": "f",
    "commitment": "c",
    "question": "q",
    "topic": "tp",
}
MAX_BATCH = 1000


class NodeFields(TypedDict, total=False):
    """A node's columns other than its id, type and label (checked by NodeCreateIn / NodeUpdateIn)."""

    division: str | None
    department: str | None
    team: str | None
    health: str | None
    status: str | None
    source_type: str | None
    source_id: str | None
    size: int | None
    x: float | None
    y: float | None
    freshness_score: float
    half_life_days: int | None
    extras: dict[str, Any] | None


class NodeChanges(NodeFields, total=False):
    """The columns an update may set: any of NodeFields, the type and the label. ``id`` may be
    given only as the node's own id (an API body can carry it); it never changes."""

    type: str
    label: str
    id: str | None


def new_node_id(node_type: str) -> str:
    return f"{TYPE_PREFIX.get(node_type, 'n')}-{uuid.uuid4().hex[:12]}"


def new_edge_id() -> str:
    return f"e-{uuid.uuid4().hex}"


def _json_safe(data: dict) -> dict:
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def node_data(node: Node) -> dict:
    return _json_safe({name: getattr(node, name) for name in NODE_COLUMNS})


def edge_data(edge: Edge) -> dict:
    return _json_safe({field.column: getattr(edge, field.attname) for field in Edge._meta.concrete_fields})


def _stamp_actor() -> None:
    """Name the current actor to the database for this transaction: the version-capture triggers
    record it with every node and edge version they write (writers that do not set it get NULL)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('nexus.actor', %s, true)", [current_actor() or ""])


def _record(action: str, *, node_id: str | None = None, edge_id: str | None = None, data: dict) -> None:
    MutationHistory.objects.create(action=action, node_id=node_id, edge_id=edge_id, data=data, actor=current_actor())


def _constraint(exc: IntegrityError) -> str:
    diag = getattr(exc.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None) or ""


def _id_given(value) -> bool:
    return value not in (None, "")


# ── nodes ────────────────────────────────────────────────────────────────────


@retrying_atomic
def node_create(*, node_type: str, label: str, node_id: str | None = None, **fields: Unpack[NodeFields]) -> Node:
    _stamp_actor()
    data = validate(NodeCreateIn, {"type": node_type, "label": label, "id": node_id, **fields})
    node_id = data.pop("id", None)
    node_id = node_id if _id_given(node_id) else new_node_id(data["type"])
    if data.get("extras") is None:
        data.pop("extras", None)
    try:
        with transaction.atomic():  # savepoint: the primary key decides duplicates
            node = Node.objects.create(id=node_id, **data)
    except IntegrityError as exc:
        if _constraint(exc) == "nodes_pkey":
            raise Conflict(f"A node with id {node_id!r} already exists.") from None
        raise
    node.refresh_from_db()  # database defaults (health, status, timestamps, extras…)
    embed_nodes([node])
    _record("create_node", node_id=node.id, data={"after": node_data(node)})
    return node


def _locked_node(node_id: str) -> Node:
    node = Node.objects.select_for_update().filter(id=str(node_id)).first() if storable_id(str(node_id)) else None
    if node is None:
        raise NotFound(f"No node with id {node_id!r}.")
    return node


@retrying_atomic
def node_update(*, node_id: str, **changes: Unpack[NodeChanges]) -> Node:
    _stamp_actor()
    if "id" in changes and changes.pop("id") not in (node_id, None):
        raise Invalid(fields={"id": ["A node's id cannot be changed."]})
    data = validate(NodeUpdateIn, changes, partial=True)
    node = _locked_node(node_id)
    before = node_data(node)
    for name, value in data.items():
        setattr(node, name, {} if name == "extras" and value is None else value)
    # An edit is fresh information: the clock restarts and freshness goes back to full. Moving a
    # node on the canvas (only x/y) is layout, not information: its freshness is left alone.
    if not set(data) <= {"x", "y"}:
        node.updated_at = timezone.now()
        node.freshness_score = data.get("freshness_score", 1.0)
    node.save()
    node.refresh_from_db()
    if stored_text(node.id) != node_text(node):
        embed_nodes([node])
    else:  # same text (e.g. only extras the embedding ignores changed): nothing to embed later either
        dequeue([node.id])
    after = node_data(node)
    changed = sorted(name for name in after if after[name] != before.get(name))
    _record("update_node", node_id=node.id, data={"before": before, "after": after, "changed": changed})
    return node


@retrying_atomic
def node_delete(*, node_id: str) -> dict:
    _stamp_actor()
    node = _locked_node(node_id)
    before = node_data(node)
    edges = [
        edge_data(edge) for edge in Edge.objects.filter(source_id=node.id) | Edge.objects.filter(target_id=node.id)
    ]
    had_embedding = NodeEmbedding.objects.filter(node_id=node.id).exists()
    Node.objects.filter(id=node.id).delete()  # edges and embedding go by ON DELETE CASCADE
    _record(
        "delete_node",
        node_id=node.id,
        data={
            "before": before,
            "removed_edges": edges,
            "removed_embedding": had_embedding,
        },
    )
    return {"deleted": node.id, "removed_edges": [edge["id"] for edge in edges], "removed_embedding": had_embedding}


# ── edges ────────────────────────────────────────────────────────────────────


@retrying_atomic
def edge_create(
    *,
    source: str,
    target: str,
    edge_type: str,
    edge_id: str | None = None,
    weight: float = 1.0,
    animated: bool = False,
    extras: dict | None = None,
) -> Edge:
    _stamp_actor()
    data = validate(
        EdgeCreateIn,
        {
            "source": source,
            "target": target,
            "type": edge_type,
            "id": edge_id,
            "weight": weight,
            "animated": animated,
            "extras": extras,
        },
    )
    edge_id = data["id"] if _id_given(data.get("id")) else new_edge_id()
    known = set(Node.objects.filter(id__in=[data["source"], data["target"]]).values_list("id", flat=True))
    missing = {end: [f"No node with id {data[end]!r}."] for end in ("source", "target") if data[end] not in known}
    if missing:
        raise Invalid(fields=missing)
    try:
        with transaction.atomic():  # savepoint: the unique index decides, also under concurrency
            edge = Edge.objects.create(
                id=edge_id,
                source_id=data["source"],
                target_id=data["target"],
                type=data["type"],
                weight=data["weight"],
                animated=data["animated"],
                extras=data.get("extras") or {},
            )
    except IntegrityError as exc:
        name = _constraint(exc)
        if name == "idx_edges_unique":
            raise Conflict(f"An edge {data['source']} -{data['type']}-> {data['target']} already exists.") from None
        if name == "edges_pkey":
            raise Conflict(f"An edge with id {edge_id!r} already exists.") from None
        if name in ("edges_source_fkey", "edges_target_fkey"):  # the node was deleted meanwhile
            end = name.split("_")[1]
            raise Invalid(fields={end: [f"No node with id {data[end]!r}."]}) from None
        raise
    edge.refresh_from_db()
    _record("create_edge", edge_id=edge.id, data={"after": edge_data(edge)})
    return edge


@retrying_atomic
def edge_delete(*, edge_id: str) -> dict:
    _stamp_actor()
    edge = Edge.objects.select_for_update().filter(id=str(edge_id)).first() if storable_id(str(edge_id)) else None
    if edge is None:
        raise NotFound(f"No edge with id {edge_id!r}.")
    before = edge_data(edge)
    Edge.objects.filter(id=edge.id).delete()
    _record("delete_edge", edge_id=edge.id, data={"before": before})
    return {"deleted": edge.id}


# ── batches ──────────────────────────────────────────────────────────────────


def _op_create_node(fields: dict) -> dict:
    if "type" not in fields or "label" not in fields:
        raise Invalid(fields={name: ["This field is required."] for name in ("type", "label") if name not in fields})
    node_type, node_id = fields.pop("type"), fields.pop("id", None)
    return {"node": node_data(node_create(node_type=node_type, node_id=node_id, **fields))}


def _op_update_node(fields: dict) -> dict:
    if "id" not in fields:
        raise Invalid(fields={"id": ["This field is required."]})
    node_id = fields.pop("id")
    return {"node": node_data(node_update(node_id=node_id, **fields))}


def _op_delete_node(fields: dict) -> dict:
    if set(fields) != {"id"}:
        raise Invalid(fields={"id": ["delete_node takes exactly one field, id."]})
    return node_delete(node_id=fields["id"])


def _op_create_edge(fields: dict) -> dict:
    missing = [name for name in ("source", "target", "type") if name not in fields]
    if missing:
        raise Invalid(fields={name: ["This field is required."] for name in missing})
    edge_type, edge_id = fields.pop("type"), fields.pop("id", None)
    return {"edge": edge_data(edge_create(edge_type=edge_type, edge_id=edge_id, **fields))}


def _op_delete_edge(fields: dict) -> dict:
    if set(fields) != {"id"}:
        raise Invalid(fields={"id": ["delete_edge takes exactly one field, id."]})
    return edge_delete(edge_id=fields["id"])


OPERATIONS = {
    "create_node": _op_create_node,
    "update_node": _op_update_node,
    "delete_node": _op_delete_node,
    "create_edge": _op_create_edge,
    "delete_edge": _op_delete_edge,
}


def _prefixed(index: int, exc: NexusError) -> NexusError:
    """The same error, with the failing mutation's position in its message and field names."""
    where = f"mutations[{index}]"
    if isinstance(exc, Invalid):
        fields = exc.fields or {"non_field_errors": [exc.message]}
        return Invalid(
            fields={where if key == "non_field_errors" else f"{where}.{key}": value for key, value in fields.items()},
            code=exc.code,
        )
    return type(exc)(f"{where}: {exc.message}", code=exc.code)


def _lock_in_id_order(mutations: list) -> None:
    """Lock the existing nodes a batch updates or deletes, in id order, before applying it: two
    batches touching P and Q in opposite orders then queue instead of deadlocking."""
    ids = sorted(
        {
            m["id"]
            for m in mutations
            if isinstance(m, dict)
            and m.get("op") in ("update_node", "delete_node")
            and isinstance(m.get("id"), str)
            and storable_id(m["id"])
        }
    )
    if ids:
        list(Node.objects.select_for_update().filter(id__in=ids).order_by("id").values_list("id", flat=True))


@retrying_atomic
def mutations_apply(*, mutations: list[dict]) -> list[dict]:
    """Apply ``[{"op": "create_node"|"update_node"|"delete_node"|"create_edge"|"delete_edge", ...fields}]``
    in order, all or nothing. Later mutations may refer to nodes created earlier in the batch."""
    if not isinstance(mutations, list) or not mutations:
        raise Invalid(fields={"mutations": ["Expected a non-empty list of mutations."]})
    if len(mutations) > MAX_BATCH:
        raise Invalid(fields={"mutations": [f"At most {MAX_BATCH} mutations per batch."]})
    _lock_in_id_order(mutations)
    results = []
    for index, mutation in enumerate(mutations):
        if not isinstance(mutation, dict):
            raise Invalid(fields={f"mutations[{index}]": ["Expected an object."]})
        fields = dict(mutation)
        op = fields.pop("op", None)
        if not isinstance(op, str) or op not in OPERATIONS:  # [1] or {} is not even hashable
            raise Invalid(fields={f"mutations[{index}].op": [f"Expected one of: {', '.join(OPERATIONS)}."]})
        try:
            result = OPERATIONS[op](fields)
        except TypeError:  # an argument the operation does not take
            raise Invalid(fields={f"mutations[{index}]": [f"Unexpected fields for {op}."]}) from None
        except NexusError as exc:
            raise _prefixed(index, exc) from None
        results.append({"op": op, **result})
    return results
