"""Seed loading vs a raw COPY of the same rows (issue: ≥ 50% of raw COPY rows/s at 100k + 300k).

Both load into the same empty tables on the same server in the same run; the seed is measured
end to end (read the JSON files, validate every record, COPY in one transaction).
"""

import json
import random
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.db import connection
from psycopg.types.json import Jsonb

from graph import seed

TYPES = ("person", "agent", "team", "decision", "fact", "commitment", "question", "topic")


def make_graph(n_nodes: int, n_edges: int, rng: random.Random) -> dict:
    nodes = [
        {
            "id": f"n-{i}",
            "type": TYPES[i % len(TYPES)],
            "label": f"Node {i} about subject {i % 97}",
            "division": f"Division {i % 5}",
            "department": f"Dept {i % 17}",
            "team": f"Team {i % 41}",
            "health": "green",
            "size": 1 + i % 5,
            "x": rng.uniform(0, 2000),
            "y": rng.uniform(0, 1400),
            "status": "active",
            "freshness_score": 1.0,
            "half_life_days": 30,
            "source_type": "doc",
            "source_id": f"DOC-{i}",
            "updated_days_ago": i % 30,
            "extras": {"k": i},
        }
        for i in range(n_nodes)
    ]
    edges: list[dict[str, Any]] = []
    seen: set[tuple[int, int, str]] = set()
    while len(edges) < n_edges:
        s, t = rng.randrange(n_nodes), rng.randrange(n_nodes)
        kind = ("about", "member_of", "depends_on")[len(edges) % 3]
        if s == t or (s, t, kind) in seen:
            continue
        seen.add((s, t, kind))
        edges.append(
            {
                "id": f"e-{len(edges)}",
                "source": f"n-{s}",
                "target": f"n-{t}",
                "type": kind,
                "weight": 0.5,
                "animated": False,
                "extras": {},
            }
        )
    return {"nodes": nodes, "edges": edges}


def truncate():
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE nodes, edges, node_embeddings, embedding_queue, node_search_documents, graph_metadata, mutation_history, immune_scans"
        )
        # the bench database only: forget the versions the truncate just closed, so runs do not pile up
        cursor.execute("TRUNCATE node_versions, edge_versions")


def raw_copy(graph: dict) -> float:
    now = datetime.now(UTC)
    node_rows = [
        (
            n["id"],
            n["type"],
            n["label"],
            n["division"],
            n["department"],
            n["team"],
            n["health"],
            n["size"],
            n["x"],
            n["y"],
            n["status"],
            n["freshness_score"],
            n["half_life_days"],
            n["source_type"],
            n["source_id"],
            now,
            now,
            Jsonb(n["extras"]),
        )
        for n in graph["nodes"]
    ]
    edge_rows = [
        (e["id"], e["source"], e["target"], e["type"], e["weight"], e["animated"], now, Jsonb(e["extras"]))
        for e in graph["edges"]
    ]
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cur = cursor.cursor
        with cur.copy(f"COPY nodes ({', '.join(seed.NODE_COLUMNS)}) FROM STDIN") as copy:
            for row in node_rows:
                copy.write_row(row)
        with cur.copy(f"COPY edges ({', '.join(seed.EDGE_COLUMNS)}) FROM STDIN") as copy:
            for edge in edge_rows:
                copy.write_row(edge)
    connection.commit() if not connection.get_autocommit() else None
    return time.perf_counter() - started


def seed_command(data_dir: Path) -> float:
    started = time.perf_counter()
    seed.write_seed_data(seed.load_seed_data(data_dir))
    return time.perf_counter() - started


def run(quick: bool = True) -> dict:
    n_nodes, n_edges = (20_000, 60_000) if quick else (100_000, 300_000)
    graph = make_graph(n_nodes, n_edges, random.Random(42))
    rows = n_nodes + n_edges
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        (data_dir / "graph.json").write_text(json.dumps(graph))
        (data_dir / "hierarchy.json").write_text(json.dumps({"divisions": []}))
        truncate()
        baseline = raw_copy(graph)
        truncate()
        seeded = seed_command(data_dir)
        truncate()
    ratio = (rows / seeded) / (rows / baseline)
    return {
        "title": f"Seed load: {n_nodes:,} nodes + {n_edges:,} edges",
        "rows": [
            {
                "metric": "seed_nexus rows/s (read + validate + COPY)",
                "value": f"{rows / seeded:,.0f}",
                "baseline": f"raw COPY {rows / baseline:,.0f} rows/s",
                "ratio": f"{ratio:.2f}",
                "target": "≥ 0.50",
                "met": ratio >= 0.5,
            }
        ],
    }
