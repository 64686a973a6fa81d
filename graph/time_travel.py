"""Time travel reads over ``node_versions`` / ``edge_versions`` (see graph/migrations/0005_versions.py).

A version is valid for ``[lower(valid), upper(valid))`` in transaction time, so "the graph as of t"
is every version whose range contains t — one indexed SQL statement, serialised by PostgreSQL in
the same shape as the live ``/api/graph`` (``current_freshness`` computed as of t, so an as-of read
equals the snapshot a reader would have taken at t). ``graph_metadata`` is not versioned: as-of
reads return the current metadata.
"""

from __future__ import annotations

from datetime import datetime

from django.db import connection, transaction

from graph.models import EDGE_COLUMNS, NODE_COLUMNS
from graph.selectors import ALL_NODES, NodeFilters, freshness_sql, storable_id

NODE_COLS = ", ".join(f"v.{c}" for c in NODE_COLUMNS)
EDGE_JSON = "json_build_object(" + ", ".join(f"'{c}', e.{c}" for c in EDGE_COLUMNS) + ")"
NODE_DOC = "jsonb_build_object(" + ", ".join(f"'{c}', v.{c}" for c in NODE_COLUMNS) + ")"
METADATA_JSON = "(SELECT coalesce(json_object_agg(key, value ORDER BY key), '{}'::json) FROM graph_metadata)"
AS_OF_WORK_MEM = "64MB"


def history_horizon() -> datetime | None:
    """The earliest moment history still answers for (set by compaction), or None: all of it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT horizon FROM graph_version_horizon")
        row = cursor.fetchone()
    return row[0] if row else None


def history_range() -> dict:
    """The moments time travel can answer for: ``earliest`` (the first version still kept, None
    when nothing was ever written) and ``horizon`` (see history_horizon), with the server's now.
    Each min() is one step down the btree on lower(valid)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT least((SELECT min(lower(valid)) FROM node_versions), (SELECT min(lower(valid)) FROM edge_versions)), "
            "(SELECT horizon FROM graph_version_horizon LIMIT 1), now()"
        )
        earliest, horizon, now = cursor.fetchone()
    if earliest is not None and horizon is not None:
        earliest = max(earliest, horizon)
    return {"earliest": earliest, "horizon": horizon, "now": now}


def graph_as_of_json(*, as_of: datetime, filters: NodeFilters = ALL_NODES) -> str:
    """The graph (or the filtered part) as it stood at ``as_of``, as JSON text built in ONE statement.

    With filters, edges are those whose both ends are selected nodes, as for the live graph.
    """
    conditions: list[str] = []
    params: dict[str, datetime | str] = {"t": as_of}
    for column, value in filters.columns().items():  # column names from NodeFilters, never from the request
        conditions.append(f"v.{column} = %({column})s")
        params[column] = value
    node_where = "".join(f" AND {c}" for c in conditions)
    edge_where = " AND e.source IN (SELECT id FROM n) AND e.target IN (SELECT id FROM n)" if conditions else ""
    freshness = freshness_sql("v.freshness_score", "v.updated_at", "v.half_life_days", at="%(t)s::timestamptz")
    sql = (
        f"WITH n AS (SELECT {NODE_COLS}, {freshness} AS current_freshness FROM node_versions v "
        f"WHERE v.valid @> %(t)s::timestamptz{node_where}) "
        "SELECT json_build_object("
        "'nodes', (SELECT coalesce(json_agg(n ORDER BY n.id), '[]'::json) FROM n), "
        f"'edges', (SELECT coalesce(json_agg({EDGE_JSON} ORDER BY e.id), '[]'::json) FROM edge_versions e "
        f"WHERE e.valid @> %(t)s::timestamptz{edge_where}), "
        f"'metadata', {METADATA_JSON})::text"
    )
    # Versions come in no useful order (the live read walks the edges' primary key instead): give
    # the sort by id room to stay in memory rather than spill a 50k-edge graph to disk.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL work_mem = '{AS_OF_WORK_MEM}'")
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _doc(alias: str, columns) -> str:
    return "json_build_object(" + ", ".join(f"'{c}', {alias}.{c}" for c in columns) + ")"


def _diff_part(versions: str, columns, kind: str, names) -> str:
    """One side (nodes or edges) of a diff: JSON {added, removed, changed}. Only rows with a
    version that began or ended within (from, to] can differ; for each, the versions valid at
    ``from`` and at ``to`` are found through the (id, lower(valid)) index and compared column by
    column. Added and removed entries carry the whole row; changed ones the fields that name the
    row (``names``, as after the change) and the changes — the whole row is one as-of read away,
    and a diff stays small. Parameters: t1, t2 (named)."""
    changes = ", ".join(
        f"('{c}', CASE WHEN b.{c} IS DISTINCT FROM a.{c} THEN jsonb_build_object('before', b.{c}, 'after', a.{c}) END)"
        for c in columns
    )
    row_b = ", ".join(f"b.{c}" for c in columns)
    row_a = ", ".join(f"a.{c}" for c in columns)

    def version_at(moment: str, alias: str) -> str:
        return (
            f"LEFT JOIN LATERAL (SELECT version_id, valid FROM {versions} v WHERE v.id = t.id "
            f"AND lower(v.valid) <= %({moment})s ORDER BY lower(v.valid) DESC LIMIT 1) {alias} "
            f"ON {alias}.valid @> %({moment})s::timestamptz"
        )

    def entries(where: str, joins: str, fields: str) -> str:
        return (
            f"(SELECT coalesce(json_agg(json_build_object('id', p.id, 'at', p.at, 'actors', p.actors, "
            f"{fields}) ORDER BY p.id), '[]'::json) FROM pairs p {joins} WHERE {where})"
        )

    named = ", ".join(f"'{c}', a.{c}" for c in names)

    return f"""(
WITH events AS (
  SELECT id, lower(valid) AS at, actor AS who FROM {versions}
   WHERE lower(valid) > %(t1)s AND lower(valid) <= %(t2)s
  UNION ALL
  SELECT id, upper(valid), ended_by FROM {versions}
   WHERE NOT upper_inf(valid) AND upper(valid) > %(t1)s AND upper(valid) <= %(t2)s
), touched AS (
  SELECT id, max(at) AS at, array_agg(DISTINCT who ORDER BY who) FILTER (WHERE who IS NOT NULL) AS actors
    FROM events GROUP BY id
), pairs AS MATERIALIZED (
  SELECT t.id, t.at, coalesce(t.actors, '{{}}') AS actors, vb.version_id AS bid, va.version_id AS aid
    FROM touched t {version_at("t1", "vb")} {version_at("t2", "va")}
)
SELECT json_build_object(
  'added', {entries("p.bid IS NULL", f"JOIN {versions} a ON a.version_id = p.aid", f"'{kind}', {_doc('a', columns)}")},
  'removed', {
        entries("p.aid IS NULL", f"JOIN {versions} b ON b.version_id = p.bid", f"'{kind}', {_doc('b', columns)}")
    },
  'changed', {
        entries(
            f"p.bid <> p.aid AND ({row_b}) IS DISTINCT FROM ({row_a})",
            f"JOIN {versions} b ON b.version_id = p.bid JOIN {versions} a ON a.version_id = p.aid",
            f"{named}, 'changes', (SELECT jsonb_object_agg(c.k, c.v) FROM (VALUES {changes}) c(k, v) WHERE c.v IS NOT NULL)",
        )
    }
))"""


def graph_diff_json(*, from_time: datetime, to_time: datetime) -> str:
    """What changed between two moments, as JSON text built in one statement:
    ``{"from", "to", "nodes": {"added", "removed", "changed"}, "edges": {...}}``.

    Rows are compared on their stored columns (not ``current_freshness``, which decays by itself).
    A row changed and changed back within the window is not reported. ``at`` is the row's latest
    change within the window; ``actors`` who wrote or ended its versions there (where known).
    """
    sql = (
        "SELECT json_build_object('from', %(t1)s::timestamptz, 'to', %(t2)s::timestamptz, "
        f"'nodes', {_diff_part('node_versions', NODE_COLUMNS, 'node', ('type', 'label'))}, "
        f"'edges', {_diff_part('edge_versions', EDGE_COLUMNS, 'edge', ('source', 'target', 'type'))})::text"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, {"t1": from_time, "t2": to_time})
        return cursor.fetchone()[0]


def node_versions(*, node_id: str, limit: int = 100, offset: int = 0) -> dict | None:
    """A node's versions, newest first, each with the fields it changed from the one before;
    None when the node never existed (within the retained history)."""
    if not storable_id(node_id):  # an id text cannot hold (NUL) names no node
        return None
    sql = f"""
SELECT count(*) OVER () AS total, lower(valid), upper(valid), actor, ended_by, doc,
       (SELECT coalesce(jsonb_agg(d.key ORDER BY d.key), '[]'::jsonb) FROM jsonb_each(doc) d
         WHERE prev IS NOT NULL AND d.value IS DISTINCT FROM prev -> d.key) AS changed
  FROM (SELECT valid, actor, ended_by, {NODE_DOC} AS doc,
               lag({NODE_DOC}) OVER (ORDER BY lower(valid), version_id) AS prev, version_id
          FROM node_versions v WHERE v.id = %s) s
 ORDER BY lower(valid) DESC, version_id DESC
 LIMIT %s OFFSET %s"""
    with connection.cursor() as cursor:
        cursor.execute(sql, [node_id, limit, offset])
        rows = cursor.fetchall()
        if not rows and offset:
            cursor.execute("SELECT count(*) FROM node_versions WHERE id = %s", [node_id])
            total = cursor.fetchone()[0]
        else:
            total = rows[0][0] if rows else 0
    if total == 0:
        return None
    import json

    versions = [
        {
            "valid_from": start,
            "valid_to": end,
            "actor": actor,
            "ended_by": ended_by,
            "changed": json.loads(changed) if isinstance(changed, str) else changed,
            "node": json.loads(doc) if isinstance(doc, str) else doc,
        }
        for _, start, end, actor, ended_by, doc, changed in rows
    ]
    return {"id": node_id, "count": total, "versions": versions}
