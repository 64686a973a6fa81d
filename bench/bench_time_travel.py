"""Time travel: as-of reads and one-week diffs against reading the current graph, and the cost of
version capture on a large insert.

Quick: 2k nodes / 10k edges / 40k versions; --full: 10k nodes / 50k edges / 200k versions. The
history spans a year: every node has 0–26 earlier versions at uniformly random moments (about 13
on average), every live edge started at a random moment, and a fifth as many edges again existed
for a while and were deleted — so a one-week window holds about 2% of the versions. Earlier
versions are written straight into the version tables (a year of transactions cannot be replayed
in a benchmark); the live rows and their open versions come from the capture triggers as usual.

Reads go through the whole Django stack in-process as a viewer (as bench_graph does): GET
/api/graph (baseline), GET /api/graph?as_of=<3 days ago>, GET /api/graph/diff for the last week.
Capture: one INSERT … SELECT of N node rows with the version triggers on, against the same
statement with them disabled (the realtime change-log triggers stay on in both), each in a
transaction that is rolled back. Rows use ids starting with ``bench-tt-``; closed versions left in
the bench database by earlier runs are deleted first so each run measures the stated sizes.
"""

from __future__ import annotations

import json
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import Client
from psycopg.types.json import Jsonb

from graph.models import EDGE_COLUMNS, NODE_COLUMNS

PREFIX = "bench-tt-"
TYPES = ("person", "agent", "team", "decision", "fact", "commitment", "question", "topic")
YEAR = timedelta(days=365)
BENCH_USER = "bench-time-travel-reader"


def _cleanup():
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM nodes WHERE id LIKE %s", [PREFIX + "%"])  # edges cascade
        cursor.execute("DELETE FROM node_versions WHERE NOT upper_inf(valid)")
        cursor.execute("DELETE FROM edge_versions WHERE NOT upper_inf(valid)")


def _iso(moment: datetime) -> str:
    return moment.isoformat()


@transaction.atomic
def _load(n_nodes: int, n_edges: int, n_versions: int) -> int:
    """Live rows by COPY (the triggers open their versions), then a year of earlier versions."""
    rng = random.Random(7)
    now = datetime.now(UTC)
    born = now - YEAR - timedelta(days=1)
    nodes = []
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY nodes ({', '.join(NODE_COLUMNS)}) FROM STDIN") as copy:
            for i in range(n_nodes):
                row = (
                    f"{PREFIX}{i}",
                    TYPES[i % 8],
                    f"Node {i} about subject {i % 97}",
                    f"Division {i % 5}",
                    f"Dept {i % 17}",
                    f"Team {i % 41}",
                    "green",
                    1 + i % 5,
                    rng.uniform(0, 2000),
                    rng.uniform(0, 1400),
                    "active",
                    rng.uniform(0.5, 1.0),
                    30,
                    "doc",
                    f"DOC-{i}",
                    born,
                    now - timedelta(days=i % 60),
                    {"k": i},
                )
                nodes.append(row)
                copy.write_row(row[:-1] + (Jsonb(row[-1]),))
        seen: set[tuple[int, int, str]] = set()
        edges: list[tuple[Any, ...]] = []
        with cursor.cursor.copy(f"COPY edges ({', '.join(EDGE_COLUMNS)}) FROM STDIN") as copy:
            while len(edges) < n_edges:
                s, t, kind = (
                    rng.randrange(n_nodes),
                    rng.randrange(n_nodes),
                    ("about", "member_of", "depends_on")[len(seen) % 3],
                )
                if s == t or (s, t, kind) in seen:
                    continue
                seen.add((s, t, kind))
                edge: tuple[Any, ...] = (
                    f"{PREFIX}e{len(edges)}",
                    f"{PREFIX}{s}",
                    f"{PREFIX}{t}",
                    kind,
                    0.5,
                    False,
                    now - rng.random() * YEAR,
                    {},
                )
                edges.append(edge)
                copy.write_row(edge[:-1] + (Jsonb(edge[-1]),))

        removed_edges = n_edges // 5
        earlier_budget = n_versions - n_nodes - n_edges - removed_edges
        per_node = earlier_budget / n_nodes
        cursor.execute("CREATE TEMP TABLE bench_tt_start (id text PRIMARY KEY, start timestamptz) ON COMMIT DROP")
        written = 0
        with cursor.cursor.copy(f"COPY node_versions ({', '.join(NODE_COLUMNS)}, valid, actor) FROM STDIN") as copy:
            starts = []
            for i, row in enumerate(nodes):
                k = min(rng.randint(0, round(2 * per_node)), earlier_budget - written)
                moments = sorted(now - rng.random() * YEAR for _ in range(k))
                bounds = [born] + moments
                for j in range(k):
                    old = (row[0], row[1], f"{row[2]} (draft {j})") + row[3:16] + (bounds[j], Jsonb({"k": i, "v": j}))
                    copy.write_row(old + (f"[{_iso(bounds[j])},{_iso(bounds[j + 1])})", "bench"))
                written += k
                starts.append((row[0], bounds[-1]))
        with cursor.cursor.copy("COPY bench_tt_start FROM STDIN") as copy:
            for item in starts:
                copy.write_row(item)
        cursor.execute(
            "UPDATE node_versions v SET valid = tstzrange(s.start, NULL) FROM bench_tt_start s "
            "WHERE v.id = s.id AND upper_inf(v.valid)"
        )
        cursor.execute(
            "UPDATE edge_versions SET valid = tstzrange(created_at, NULL) WHERE id LIKE %s AND upper_inf(valid)",
            [PREFIX + "%"],
        )
        with cursor.cursor.copy(f"COPY edge_versions ({', '.join(EDGE_COLUMNS)}, valid, actor) FROM STDIN") as copy:
            for i in range(removed_edges):
                s, t = rng.randrange(n_nodes), rng.randrange(n_nodes)
                start = now - rng.random() * YEAR
                end = start + (now - start) * rng.random()
                copy.write_row(
                    (
                        f"{PREFIX}gone{i}",
                        f"{PREFIX}{s}",
                        f"{PREFIX}{t}",
                        "about",
                        0.5,
                        False,
                        start,
                        Jsonb({}),
                        f"[{_iso(start)},{_iso(end)})",
                        "bench",
                    )
                )
        cursor.execute("ANALYZE nodes; ANALYZE edges; ANALYZE node_versions; ANALYZE edge_versions")
        cursor.execute("SELECT (SELECT count(*) FROM node_versions) + (SELECT count(*) FROM edge_versions)")
        return cursor.fetchone()[0]


def _timed(client, path: str) -> tuple[float, bytes]:
    started = time.perf_counter()
    response = client.get(path)
    body = response.content
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, body[:300]
    return elapsed, body


def _insert_seconds(n_rows: int, *, capture: bool) -> float:
    """One INSERT … SELECT of n_rows nodes, in a transaction rolled back afterwards."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            if not capture:
                cursor.execute("ALTER TABLE nodes DISABLE TRIGGER versions_capture_insert")
            started = time.perf_counter()
            cursor.execute(
                "INSERT INTO nodes (id, type, label, division, x, y, extras) "
                "SELECT %s || 'ins-' || g, 'fact', 'Inserted fact ' || g, 'Division ' || (g %% 5), g %% 2000, g %% 1400, "
                "jsonb_build_object('k', g) FROM generate_series(1, %s) g",
                [PREFIX, n_rows],
            )
            elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    return elapsed


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000


def run(quick: bool) -> dict:
    n_nodes, n_edges, n_versions, n_insert = (
        (2_000, 10_000, 40_000, 30_000) if quick else (10_000, 50_000, 200_000, 100_000)
    )
    repeats = 15 if quick else 11
    host = next((h for h in settings.ALLOWED_HOSTS if h not in ("*",) and not h.startswith(".")), "localhost")
    client = Client(HTTP_HOST=host)
    from common.accounts import services

    get_user_model().objects.filter(username=BENCH_USER).delete()
    client.force_login(services.user_create(username=BENCH_USER, role="viewer"))
    try:
        _cleanup()
        versions = _load(n_nodes, n_edges, n_versions)
        now = datetime.now(UTC)
        as_of_path = f"/api/graph?as_of={_iso(now - timedelta(days=3)).replace('+', '%2B')}"
        diff_path = (
            f"/api/graph/diff?from={_iso(now - timedelta(days=7)).replace('+', '%2B')}"
            f"&to={_iso(now).replace('+', '%2B')}"
        )
        _, body = _timed(client, as_of_path)
        past = json.loads(body)
        _, body = _timed(client, diff_path)
        diff, diff_bytes = json.loads(body), len(body)
        week = sum(len(diff[side][kind]) for side in ("nodes", "edges") for kind in ("added", "removed", "changed"))
        live, past_times, diff_times = [], [], []
        _timed(client, "/api/graph")
        for _ in range(repeats):  # interleaved, so background load hits all alike
            live.append(_timed(client, "/api/graph")[0])
            past_times.append(_timed(client, as_of_path)[0])
            diff_times.append(_timed(client, diff_path)[0])

        with_capture, without = [], []
        _insert_seconds(min(n_insert, 5_000), capture=True)  # warm up
        for _ in range(3):
            without.append(_insert_seconds(n_insert, capture=False))
            with_capture.append(_insert_seconds(n_insert, capture=True))
    finally:
        get_user_model().objects.filter(username=BENCH_USER).delete()
        _cleanup()

    live50, past50, diff50 = (statistics.median(v) * 1000 for v in (live, past_times, diff_times))
    live95, past95, diff95 = (_p(v, 0.95) for v in (live, past_times, diff_times))
    ins_with, ins_without = statistics.median(with_capture), statistics.median(without)
    size = f"{n_nodes:,} nodes / {n_edges:,} edges / {versions:,} versions"
    return {
        "title": f"Time travel ({size})",
        "rows": [
            {
                "metric": "GET /api/graph?as_of (3 days ago) p50 ms",
                "value": round(past50, 1),
                "baseline": round(live50, 1),
                "ratio": round(past50 / live50, 2),
                "target": "≤ 2× GET /api/graph",
                "met": past50 / live50 <= 2.0,
            },
            {
                "metric": "GET /api/graph?as_of p95 ms",
                "value": round(past95, 1),
                "baseline": round(live95, 1),
                "ratio": round(past95 / live95, 2),
                "target": "≤ 2× GET /api/graph",
                "met": past95 / live95 <= 2.0,
            },
            {
                "metric": "as-of graph: nodes / edges",
                "value": f"{len(past['nodes']):,} / {len(past['edges']):,}",
                "baseline": "",
                "ratio": "",
                "target": "",
                "met": "",
            },
            {
                "metric": f"GET /api/graph/diff (one week, {week:,} entries) p50 ms",
                "value": round(diff50, 1),
                "baseline": "",
                "ratio": "",
                "target": "≤ 200 ms",
                "met": diff50 <= 200,
            },
            {
                "metric": "GET /api/graph/diff p95 ms",
                "value": round(diff95, 1),
                "baseline": "",
                "ratio": "",
                "target": "",
                "met": "",
            },
            {
                "metric": "diff response size (bytes)",
                "value": diff_bytes,
                "baseline": "",
                "ratio": "",
                "target": "",
                "met": "",
            },
            {
                "metric": f"INSERT of {n_insert:,} nodes with version capture (s)",
                "value": round(ins_with, 2),
                "baseline": round(ins_without, 2),
                "ratio": round(ins_with / ins_without, 2),
                "target": "≤ 1.5× without",
                "met": ins_with / ins_without <= 1.5,
            },
        ],
    }
