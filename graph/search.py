"""Semantic search over node embeddings, through ``search_similar_nodes`` (the HNSW halfvec index).

The query text is embedded by the configured provider; the database returns the nearest node ids
with their cosine similarity; the nodes are then loaded in one query with current freshness. A
type filter over-fetches and doubles the fetch until k nodes of that type are found or the index
has nothing more to give.
"""
from __future__ import annotations

from django.db import connection

from graph.models import Node
from graph.selectors import node_values
from nexus_site.embeddings import get_provider

MAX_K = 100
MAX_FETCH = 1000  # search_similar_nodes caps ef_search at 1000


SEARCH_SQL = "SELECT node_id, similarity FROM search_similar_nodes(%b, %s, %s)"


def _vector_type(raw_connection):
    """pgvector's TypeInfo for this connection (fetched once per connection)."""
    info = getattr(raw_connection, "_nexus_vector_info", None)
    if info is None:
        from psycopg.types import TypeInfo

        info = TypeInfo.fetch(raw_connection, "vector")
        raw_connection._nexus_vector_info = info
    return info


def similar_node_ids(*, vector, count: int, threshold: float) -> list[tuple[str, float]]:
    """``search_similar_nodes`` with the query vector sent in pgvector's binary format.

    Django's client-side-binding cursor would inline 3072 floats as text (~1.5 ms to format and
    parse per query); a server-binding psycopg cursor on the same connection sends 12 KB of binary.
    """
    import numpy as np
    import psycopg
    from pgvector.psycopg.vector import register_vector_info

    connection.ensure_connection()
    raw_connection = connection.connection
    with psycopg.Cursor(raw_connection) as cursor:
        register_vector_info(cursor, _vector_type(raw_connection))
        cursor.execute(SEARCH_SQL, [np.asarray(vector, dtype=np.float32), count, threshold])
        return [(row[0], float(row[1])) for row in cursor.fetchall()]


def search_nodes(*, query: str, k: int = 10, threshold: float = 0.0, node_type: str | None = None) -> list[dict]:
    """The k nodes most similar to ``query`` (cosine similarity above ``threshold``), best first.

    Each result: ``{"node": {...node fields, current_freshness}, "similarity": float,
    "current_freshness": float}``.
    """
    k = max(1, min(int(k), MAX_K))
    vector = get_provider().embed([query], task_type="search")[0]
    fetch = k if not node_type else min(max(k * 5, 50), MAX_FETCH)
    while True:
        hits = similar_node_ids(vector=vector, count=fetch, threshold=threshold)
        queryset = Node.objects.filter(id__in=[node_id for node_id, _ in hits])
        if node_type:
            queryset = queryset.filter(type=node_type)
        nodes = {row["id"]: row for row in node_values(queryset)}
        exhausted = len(hits) < fetch or fetch >= MAX_FETCH
        if not node_type or len(nodes) >= k or exhausted:
            break
        fetch = min(fetch * 2, MAX_FETCH)
    results = []
    for node_id, similarity in hits:
        node = nodes.get(node_id)
        if node is not None:
            results.append({"node": node, "similarity": similarity, "current_freshness": node["current_freshness"]})
        if len(results) == k:
            break
    return results
