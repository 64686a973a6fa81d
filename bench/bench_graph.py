"""GET /api/graph: query count and latency vs one raw SELECT of the same rows + json.dumps.

Quick: 2k nodes / 10k edges; --full: 10k nodes / 50k edges. The request goes through the whole
Django stack in-process (middleware, DRF view, selector; PostgreSQL builds the JSON document with
json_agg in one statement) with Django's test client; the baseline selects the same node and edge
rows (with the same freshness expression) through the same connection and json.dumps them as plain
lists (no dicts: the cheapest possible Python path). Rows use ids starting with ``bench-g-`` and
are deleted afterwards.
"""

from __future__ import annotations

import json
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from psycopg.types.json import Jsonb

PREFIX = "bench-g-"
TYPES = ("person", "agent", "team", "decision", "fact", "commitment", "question", "topic")
NODE_SQL = """
SELECT id, type, label, division, department, team, health, size, x, y, status, freshness_score,
       half_life_days, source_type, source_id, created_at, updated_at, extras,
       CASE WHEN half_life_days IS NULL OR half_life_days <= 0 THEN freshness_score
            ELSE freshness_score * power(0.5::float8, LEAST(GREATEST(EXTRACT(EPOCH FROM (now() - updated_at)), 0)
                 / 86400.0 / half_life_days, 1000)) END
FROM nodes ORDER BY id"""
EDGE_SQL = "SELECT id, source, target, type, weight, animated, created_at, extras FROM edges ORDER BY id"


def _load(n_nodes: int, n_edges: int):
    rng = random.Random(3)
    now = datetime.now(UTC)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(
            "COPY nodes (id, type, label, division, department, team, x, y, freshness_score, half_life_days, "
            "updated_at, extras) FROM STDIN"
        ) as copy:
            for i in range(n_nodes):
                copy.write_row(
                    (
                        f"{PREFIX}{i}",
                        TYPES[i % 8],
                        f"Node {i} about subject {i % 97}",
                        f"Division {i % 5}",
                        f"Dept {i % 17}",
                        f"Team {i % 41}",
                        rng.uniform(0, 2000),
                        rng.uniform(0, 1400),
                        rng.uniform(0.5, 1.0),
                        30,
                        now - timedelta(days=i % 60),
                        Jsonb({"k": i}),
                    )
                )
        seen: set[tuple[int, int, str]] = set()
        with cursor.cursor.copy("COPY edges (id, source, target, type, weight) FROM STDIN") as copy:
            while len(seen) < n_edges:
                s, t, kind = (
                    rng.randrange(n_nodes),
                    rng.randrange(n_nodes),
                    ("about", "member_of", "depends_on")[len(seen) % 3],
                )
                if s == t or (s, t, kind) in seen:
                    continue
                seen.add((s, t, kind))
                copy.write_row((f"{PREFIX}e{len(seen)}", f"{PREFIX}{s}", f"{PREFIX}{t}", kind, 0.5))
        cursor.execute("ANALYZE nodes; ANALYZE edges")


def _cleanup():
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM nodes WHERE id LIKE %s", [PREFIX + "%"])  # edges cascade


BENCH_USER = "bench-graph-reader"


def _bench_user():
    """A viewer to read the graph as (the API is closed without credentials); removed afterwards."""
    from django.contrib.auth import get_user_model

    from common.accounts import services

    get_user_model().objects.filter(username=BENCH_USER).delete()
    return services.user_create(username=BENCH_USER, role="viewer")


def _raw() -> int:
    with connection.cursor() as cursor:
        cursor.execute(NODE_SQL)
        nodes = cursor.fetchall()
        cursor.execute(EDGE_SQL)
        edges = cursor.fetchall()
    return len(json.dumps({"nodes": nodes, "edges": edges}, default=str))


def run(quick: bool) -> dict:
    n_nodes, n_edges = (2_000, 10_000) if quick else (10_000, 50_000)
    repeats = 15 if quick else 11
    host = next((h for h in settings.ALLOWED_HOSTS if h not in ("*",) and not h.startswith(".")), "localhost")
    client = Client(HTTP_HOST=host)
    _cleanup()
    reader = _bench_user()
    client.force_login(reader)
    try:
        _load(n_nodes, n_edges)
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/api/graph")
        assert response.status_code == 200, response.content[:300]
        body = json.loads(response.content)
        assert len(body["nodes"]) >= n_nodes and len(body["edges"]) >= n_edges
        query_count = len(queries.captured_queries)

        api_times, raw_times = [], []
        client.get("/api/graph"), _raw()  # warm caches once
        for _ in range(repeats):  # interleaved, so background load hits both alike
            started = time.perf_counter()
            response = client.get("/api/graph")
            _ = response.content
            api_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            _raw()
            raw_times.append(time.perf_counter() - started)
    finally:
        get_user_model().objects.filter(username=BENCH_USER).delete()
        _cleanup()
    api50, raw50 = statistics.median(api_times) * 1000, statistics.median(raw_times) * 1000
    size = f"{n_nodes:,} nodes / {n_edges:,} edges"
    return {
        "title": "GET /api/graph",
        "rows": [
            {
                "metric": f"queries per GET /api/graph ({size})",
                "value": query_count,
                "baseline": "",
                "ratio": "",
                "target": "≤ 4",
                "met": query_count <= 4,
            },
            {
                "metric": f"GET /api/graph p50 ms ({size})",
                "value": round(api50, 1),
                "baseline": round(raw50, 1),
                "ratio": round(api50 / raw50, 2),
                "target": "≤ 3× raw SELECT + json.dumps",
                "met": api50 / raw50 <= 3.0,
            },
            {
                "metric": "response size (bytes)",
                "value": len(response.content),
                "baseline": "",
                "ratio": "",
                "target": "",
                "met": "",
            },
        ],
    }
