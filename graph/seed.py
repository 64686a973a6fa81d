"""Loading the graph part of mock_data/ (graph.json, hierarchy.json, history.json) into the database.

The seed of the whole house (the graph plus the other apps' files) is nexus_site.seed.

Validation happens first and completely, so a bad file writes nothing; every message names the
file, the record and the field. The rules are the API's (graph.validation: node types, lengths,
ranges), read off its serializer fields once and checked without a serializer per row — a seed of
100,000 nodes must stay close to the speed of COPY. Writing is one transaction. Rows go in with COPY: straight into
the tables when they are empty, otherwise through a temporary staging table merged with
``ON CONFLICT DO NOTHING`` — which is also what makes a second run a no-op.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from psycopg.types.json import Jsonb
from tqdm import tqdm

from common.actor import SYSTEM
from graph.models import EDGE_COLUMNS, NODE_COLUMNS, NODE_TYPES
from graph.validation import EdgeCreateIn, NodeCreateIn

DEFAULT_DATA_DIR = settings.BASE_DIR / "mock_data"

NODE_DEFAULTS = {"health": "green", "size": 1, "status": "active", "freshness_score": 1.0, "half_life_days": 14}
PROGRESS_MIN_ROWS = 5_000  # show a progress bar only when a step is long enough to need one


class SeedError(Exception):
    """A bad input file: the message names the file, the record and the field."""


@dataclass
class SeedData:
    nodes: list[dict]
    edges: list[dict]
    metadata: dict
    counts: dict = field(default_factory=dict)
    # Earlier versions for the version tables: node id → [(start, row as it was)], oldest first,
    # and node id → when its current version began (see history.json and _write_history).
    earlier_versions: dict = field(default_factory=dict)
    current_since: dict = field(default_factory=dict)


@dataclass
class SeedResult:
    nodes: int = 0
    edges: int = 0
    metadata: int = 0


# ── reading and validation ───────────────────────────────────────────────────


def read_json(path: Path):
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SeedError(f"{path.name}: file not found in {path.parent}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SeedError(f"{path.name}: malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None


def locate(file: str, kind: str, index: int, record) -> str:
    rid = record.get("id") if isinstance(record, dict) else None
    return f"{file}: {kind}[{index}]" + (f" (id {rid!r})" if rid is not None else "")


def require_text(where: str, record: dict, name: str) -> str:
    value = record.get(name)
    if not isinstance(value, str) or not value.strip():
        raise SeedError(f"{where}: field {name!r} is missing or empty")
    return value


_NODE_RULES = NodeCreateIn().fields
_EDGE_RULES = EdgeCreateIn().fields


def _number(where: str, record: dict, name: str, *, integer=False, rules=None):
    value = record.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (integer and not float(value).is_integer()):
        raise SeedError(f"{where}: field {name!r} must be {'an integer' if integer else 'a number'}, got {value!r}")
    value = int(value) if integer else float(value)
    field = (rules or {}).get(name)
    low, high = getattr(field, "min_value", None), getattr(field, "max_value", None)
    if (low is not None and value < low) or (high is not None and value > high):
        raise SeedError(f"{where}: field {name!r} must be between {low} and {high}, got {value!r}")
    return value


def _text_fits(where: str, record: dict, rules, names) -> None:
    for name in names:
        value, limit = record.get(name), getattr(rules.get(name), "max_length", None)
        if isinstance(value, str) and limit is not None and len(value) > limit:
            raise SeedError(f"{where}: field {name!r} is longer than {limit} characters")


def _validate_nodes(file: str, nodes, now: datetime) -> list[dict]:
    if not isinstance(nodes, list):
        raise SeedError(f"{file}: field 'nodes' must be a list")
    seen: dict[str, int] = {}
    rows = []
    for i, record in enumerate(nodes):
        where = locate(file, "nodes", i, record)
        if not isinstance(record, dict):
            raise SeedError(f"{where}: must be an object")
        node_id = require_text(where, record, "id")
        if node_id in seen:
            raise SeedError(f"{where}: field 'id': duplicate id (first used by nodes[{seen[node_id]}])")
        seen[node_id] = i
        node_type = record.get("type")
        if node_type not in NODE_TYPES:
            raise SeedError(
                f"{where}: field 'type': unknown node type {node_type!r} (expected one of {', '.join(NODE_TYPES)})"
            )
        require_text(where, record, "label")
        _text_fits(
            where,
            record,
            _NODE_RULES,
            ("id", "label", "division", "department", "team", "health", "status", "source_type", "source_id"),
        )
        extras = record.get("extras", {})
        if extras is not None and not isinstance(extras, dict):
            raise SeedError(f"{where}: field 'extras' must be an object")
        age = _number(where, record, "updated_days_ago") or 0.0
        updated_at = now - timedelta(days=age)
        row = {name: record.get(name, NODE_DEFAULTS.get(name)) for name in NODE_COLUMNS}
        for name in ("size", "half_life_days"):
            row[name] = (
                _number(where, record, name, integer=True, rules=_NODE_RULES) if name in record else NODE_DEFAULTS[name]
            )
        for name in ("x", "y", "freshness_score"):
            if name in record:
                row[name] = _number(where, record, name, rules=_NODE_RULES)
        row.update(created_at=updated_at, updated_at=updated_at, extras=extras or {})
        rows.append(row)
    return rows


def _validate_edges(file: str, edges, node_ids: set[str]) -> list[dict]:
    if not isinstance(edges, list):
        raise SeedError(f"{file}: field 'edges' must be a list")
    seen_ids: dict[str, int] = {}
    seen_triples: dict[tuple, int] = {}
    rows = []
    for i, record in enumerate(edges):
        where = locate(file, "edges", i, record)
        if not isinstance(record, dict):
            raise SeedError(f"{where}: must be an object")
        edge_id = require_text(where, record, "id")
        if edge_id in seen_ids:
            raise SeedError(f"{where}: field 'id': duplicate id (first used by edges[{seen_ids[edge_id]}])")
        seen_ids[edge_id] = i
        for end in ("source", "target"):
            if require_text(where, record, end) not in node_ids:
                raise SeedError(f"{where}: field {end!r}: no node with id {record[end]!r}")
        edge_type = require_text(where, record, "type")
        _text_fits(where, record, _EDGE_RULES, ("id", "source", "target", "type"))
        triple = (record["source"], record["target"], edge_type)
        if triple in seen_triples:
            raise SeedError(
                f"{where}: duplicate edge {triple} (same source, target and type as edges[{seen_triples[triple]}])"
            )
        seen_triples[triple] = i
        extras = record.get("extras", {})
        if extras is not None and not isinstance(extras, dict):
            raise SeedError(f"{where}: field 'extras' must be an object")
        rows.append(
            {
                "id": edge_id,
                "source": record["source"],
                "target": record["target"],
                "type": edge_type,
                "weight": _number(where, record, "weight") if "weight" in record else 1.0,
                "animated": bool(record.get("animated", False)),
                "extras": extras or {},
            }
        )
    return rows


HISTORY_FIELDS = set(NODE_COLUMNS) - {"id", "type", "created_at", "updated_at"}


def _history(data_dir: Path, nodes: list[dict], now: datetime) -> tuple[dict, dict]:
    """history.json (optional): the past of the organisation, as earlier node versions.

    ``known_since_days_ago`` {type: days}: nodes of that type were in NEXUS that long, unchanged
    until their last update; ``nodes`` {id: {"versions": [{"days_ago", field overrides…}],
    "current_since_days_ago"}}: explicit earlier versions (``extras`` overrides merge into the
    node's extras). Returns (earlier versions by id, current-version start by id) and sets each
    node's ``created_at`` to its first appearance.
    """
    file = "history.json"
    if not (data_dir / file).exists():
        return {}, {}
    history = read_json(data_dir / file)
    if not isinstance(history, dict):
        raise SeedError(f"{file}: must be an object")
    known_since = history.get("known_since_days_ago", {})
    explicit = history.get("nodes", {})
    if not isinstance(known_since, dict) or not isinstance(explicit, dict):
        raise SeedError(f"{file}: 'known_since_days_ago' and 'nodes' must be objects")
    for node_type in known_since:
        if node_type not in NODE_TYPES:
            raise SeedError(f"{file}: known_since_days_ago: unknown node type {node_type!r}")
        _number(f"{file}: known_since_days_ago", known_since, node_type)
    by_id = {row["id"]: row for row in nodes}
    for node_id in explicit:
        if node_id not in by_id:
            raise SeedError(f"{file}: nodes: no node with id {node_id!r} in graph.json")
    earlier, since = {}, {}
    for row in nodes:
        spec = explicit.get(row["id"], {})
        where = f"{file}: nodes[{row['id']!r}]"
        current_days = (now - row["updated_at"]).total_seconds() / 86400
        if "current_since_days_ago" in spec:
            current_days = _number(where, spec, "current_since_days_ago")
        versions = spec.get("versions")
        if versions is None:
            days = known_since.get(row["type"])
            versions = [{"days_ago": days}] if days is not None and days > current_days else []
        if not isinstance(versions, list):
            raise SeedError(f"{where}: field 'versions' must be a list")
        starts, previous = [], None
        for i, version in enumerate(versions):
            vwhere = f"{where}.versions[{i}]"
            if not isinstance(version, dict) or _number(vwhere, version, "days_ago") is None:
                raise SeedError(f"{vwhere}: must be an object with 'days_ago'")
            days = float(version["days_ago"])
            if days <= current_days or (previous is not None and days >= previous):
                raise SeedError(
                    f"{vwhere}: field 'days_ago': versions must be oldest first and older than "
                    f"the current one ({current_days:g} days ago)"
                )
            previous = days
            unknown = sorted(set(version) - HISTORY_FIELDS - {"days_ago"})
            if unknown:
                raise SeedError(f"{vwhere}: field {unknown[0]!r} cannot be versioned here")
            start = now - timedelta(days=days)
            old = {**row, **{k: v for k, v in version.items() if k not in ("days_ago", "extras")}, "updated_at": start}
            if "extras" in version:
                old["extras"] = {**(row["extras"] or {}), **version["extras"]}
            starts.append((start, old))
        first_days = max([current_days] + [float(v["days_ago"]) for v in versions])
        row["created_at"] = now - timedelta(days=first_days)
        for _, old in starts:
            old["created_at"] = row["created_at"]
        if starts:
            earlier[row["id"]] = starts
        if "current_since_days_ago" in spec:
            since[row["id"]] = now - timedelta(days=current_days)
    return earlier, since


def load_seed_data(data_dir: Path = DEFAULT_DATA_DIR, *, now: datetime | None = None) -> SeedData:
    """Read and validate every file; raise SeedError on the first problem."""
    now = now or datetime.now(UTC)
    graph = read_json(data_dir / "graph.json")
    if not isinstance(graph, dict):
        raise SeedError("graph.json: must be an object with 'nodes' and 'edges'")
    nodes = _validate_nodes("graph.json", graph.get("nodes"), now)
    earlier, since = _history(data_dir, nodes, now)
    edges = _validate_edges("graph.json", graph.get("edges", []), {n["id"] for n in nodes})
    first_seen = {n["id"]: n["created_at"] for n in nodes}
    for edge in edges:  # an edge enters the graph with the later of its two ends
        edge["created_at"] = max(first_seen[edge["source"]], first_seen[edge["target"]])

    hierarchy = read_json(data_dir / "hierarchy.json")
    if not isinstance(hierarchy, dict) or not isinstance(hierarchy.get("divisions"), list):
        raise SeedError("hierarchy.json: field 'divisions' must be a list")

    return SeedData(nodes=nodes, edges=edges, metadata=hierarchy, earlier_versions=earlier, current_since=since)


# ── writing ──────────────────────────────────────────────────────────────────


def _count(cursor, table: str) -> int:
    cursor.execute(f"SELECT count(*) FROM {table}")
    return cursor.fetchone()[0]


def _copy_rows(cursor, table: str, columns: tuple, rows: list[dict], label: str) -> int:
    """COPY rows into table (a real table when it is empty, else a staging table) and merge."""
    if not rows:
        return 0
    direct = _count(cursor, table) == 0
    target = table if direct else f"seed_{table}"
    if not direct:
        cursor.execute(f"CREATE TEMP TABLE {target} (LIKE {table} INCLUDING DEFAULTS) ON COMMIT DROP")
    column_list = ", ".join(columns)
    pg_cursor = cursor.cursor  # the psycopg cursor under Django's wrapper
    with (
        tqdm(total=len(rows), desc=label, unit="rows", disable=len(rows) < PROGRESS_MIN_ROWS) as bar,
        pg_cursor.copy(f"COPY {target} ({column_list}) FROM STDIN") as copy,
    ):
        for n, row in enumerate(rows, 1):
            copy.write_row([Jsonb(row[c]) if c == "extras" else row[c] for c in columns])
            if n % 10_000 == 0:
                bar.update(10_000)
        bar.update(len(rows) % 10_000)
    if direct:
        return len(rows)
    cursor.execute(f"INSERT INTO {table} ({column_list}) SELECT {column_list} FROM {target} ON CONFLICT DO NOTHING")
    return cursor.rowcount


def _history_is_fresh(cursor) -> bool:
    """A first seed: no graph rows and no version history at all."""
    cursor.execute(
        "SELECT NOT EXISTS (SELECT 1 FROM nodes) AND NOT EXISTS (SELECT 1 FROM edges) "
        "AND NOT EXISTS (SELECT 1 FROM node_versions) AND NOT EXISTS (SELECT 1 FROM edge_versions)"
    )
    return cursor.fetchone()[0]


def _capture_inserts(cursor, enabled: bool) -> None:
    """Switch the version-capture INSERT triggers (inside the seed's transaction only)."""
    for table in ("nodes", "edges"):
        cursor.execute(f"ALTER TABLE {table} {'ENABLE' if enabled else 'DISABLE'} TRIGGER versions_capture_insert")


def _write_history(cursor, data: SeedData) -> None:
    """Give a first seed its past, in place of the versions the capture triggers would have opened
    at now: each row's current version starts when it was last recorded, and history.json's earlier
    versions precede it. One INSERT … SELECT per table (the triggers were off during the COPY)."""
    node_columns, edge_columns = ", ".join(NODE_COLUMNS), ", ".join(EDGE_COLUMNS)
    cursor.execute(
        f"INSERT INTO node_versions ({node_columns}, valid, actor) "
        f"SELECT {node_columns}, tstzrange(least(coalesce(updated_at, now()), now()), NULL), %s FROM nodes",
        [SYSTEM],
    )
    cursor.execute(
        f"INSERT INTO edge_versions ({edge_columns}, valid, actor) "
        f"SELECT {edge_columns}, tstzrange(least(coalesce(created_at, now()), now()), NULL), %s FROM edges",
        [SYSTEM],
    )
    for node_id, start in data.current_since.items():
        cursor.execute(
            "UPDATE node_versions SET valid = tstzrange(least(%s, now()), NULL) WHERE id = %s AND upper_inf(valid)",
            [start, node_id],
        )
    if not data.earlier_versions:
        return
    cursor.execute(
        "SELECT id, lower(valid) FROM node_versions WHERE upper_inf(valid) AND id = ANY(%s)",
        [list(data.earlier_versions)],
    )
    current_start = dict(cursor.fetchall())
    column_list = ", ".join(NODE_COLUMNS)
    with cursor.cursor.copy(f"COPY node_versions ({column_list}, valid, actor) FROM STDIN") as copy:
        for node_id, versions in data.earlier_versions.items():
            if node_id not in current_start:
                continue
            ends = [start for start, _ in versions[1:]] + [current_start[node_id]]
            for (start, row), end in zip(versions, ends):
                copy.write_row(
                    [Jsonb(row[c]) if c == "extras" else row[c] for c in NODE_COLUMNS]
                    + [f"[{start.isoformat()},{end.isoformat()})", SYSTEM]
                )


def reset_graph(*, forget_history: bool = False) -> None:
    """Empty the graph tables. Their versions are closed (the graph as it was stays readable), or
    with ``forget_history`` deleted too, so the next seed writes its past again."""
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE nodes, edges, node_embeddings, embedding_queue, node_search_documents, graph_metadata, mutation_history"
        )
        if forget_history:
            cursor.execute("TRUNCATE node_versions, edge_versions, graph_version_horizon")


@transaction.atomic
def write_seed_data(data: SeedData, *, reset: bool = False, forget_history: bool = False) -> SeedResult:
    with connection.cursor() as cursor:  # versions written by the seed name it as their actor
        cursor.execute("SELECT set_config('nexus.actor', %s, true)", [SYSTEM])
    if reset:
        reset_graph(forget_history=forget_history)
    result = SeedResult()
    with connection.cursor() as cursor:
        # A first seed writes the organisation's past; later ones (over existing history, or after
        # --reset) start their rows now, recorded by the triggers: history only ever moves forwards.
        first = _history_is_fresh(cursor)
        if first:
            _capture_inserts(cursor, enabled=False)
        result.nodes = _copy_rows(cursor, "nodes", NODE_COLUMNS, data.nodes, "nodes")
        result.edges = _copy_rows(cursor, "edges", EDGE_COLUMNS, data.edges, "edges")
        if first:
            _capture_inserts(cursor, enabled=True)
            _write_history(cursor, data)
        for key, value in data.metadata.items():
            cursor.execute(
                "INSERT INTO graph_metadata (key, value) VALUES (%s, %s) ON CONFLICT (key) DO NOTHING",
                [key, Jsonb(value)],  # type: ignore[list-item]  # psycopg adapts Jsonb; the stubs list plain values
            )
            result.metadata += cursor.rowcount
    return result


def database_is_empty() -> bool:
    with connection.cursor() as cursor:
        return _count(cursor, "nodes") == 0
