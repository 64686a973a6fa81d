"""Search over nodes: ``hybrid`` (default), ``vector`` or ``text``.

* ``vector``: the query embedded by the configured provider, ``search_similar_nodes`` (HNSW).
* ``text``: PostgreSQL full-text search (``node_search_document``'s GIN index), through
  ``search_hybrid_nodes`` with no query vector.
* ``hybrid``: ``search_hybrid_nodes``: both rankings fused by reciprocal rank fusion, with an
  optional freshness weight.

Vectors of two models are never compared: when any stored vector was made by another model than
the configured one (or the column has another size), vector and hybrid search answer 503 naming
the rebuild command; text search still works. The nodes are loaded in one query with current
freshness. A type filter over-fetches and doubles the fetch until k nodes of that type are found.
"""

from __future__ import annotations

from django.db import connection

from graph.embedding_store import binary_vector_cursor, other_models_stored
from graph.embeddings import EmbeddingUnavailable, get_provider
from graph.models import Node
from graph.selectors import node_values
from graph.vector_sql import column_dimensions

MAX_K = 100
MAX_FETCH = 1000  # search_similar_nodes caps ef_search at 1000
MODES = ("hybrid", "vector", "text")
REBUILD = "python manage.py rebuild_embeddings --recreate"

SEARCH_SQL = "SELECT node_id, similarity FROM search_similar_nodes(%b, %s, %s)"
HYBRID_SQL = "SELECT node_id, score, similarity, text_rank FROM search_hybrid_nodes(%s, %b, %s, %s, %s, %s, %s, %s)"


class EmbeddingsStale(EmbeddingUnavailable):
    """The stored vectors were made by another model (or fit another size) than the configured one."""

    code = "embeddings_stale"


def _run(sql: str, params: list) -> list[tuple]:
    """``sql`` with its vectors sent in pgvector's binary format (Django's client-side-binding cursor
    would inline 3072 floats as text, ~1.5 ms to format and parse per query)."""
    with binary_vector_cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def similar_node_ids(*, vector, count: int, threshold: float) -> list[tuple[str, float]]:
    import numpy as np

    rows = _run(SEARCH_SQL, [np.asarray(vector, dtype=np.float32), count, threshold])
    return [(row[0], float(row[1])) for row in rows]


def hybrid_hits(
    *,
    query: str,
    vector,
    model: str | None,
    count: int,
    threshold: float,
    freshness_weight: float,
    vector_weight: float = 1.0,
    text_weight: float = 1.0,
) -> list[tuple]:
    """``search_hybrid_nodes`` rows: (node_id, score, similarity or None, text rank or None)."""
    import numpy as np

    embedding = None if vector is None else np.asarray(vector, dtype=np.float32)
    return _run(HYBRID_SQL, [query, embedding, count, model, freshness_weight, threshold, vector_weight, text_weight])


def ensure_comparable(provider) -> None:
    """503 unless every stored vector is the configured model's, in a column of its size."""
    with connection.cursor() as cursor:
        column = column_dimensions(cursor)
    if column is not None and column != provider.dimensions:
        raise EmbeddingsStale(
            f"Stored embeddings are vector({column}) but {provider.name} {provider.model} makes "
            f"vector({provider.dimensions}); run `{REBUILD}`. Text search (mode=text) still works."
        )
    if other_models_stored(provider.model):
        raise EmbeddingsStale(
            f"Some stored embeddings were made by another model than {provider.name} {provider.model}; "
            f"search will not compare them. Run `{REBUILD}` (`make run` does it). "
            "Text search (mode=text) still works."
        )


def search_nodes(
    *,
    query: str,
    k: int = 10,
    threshold: float = 0.0,
    node_type: str | None = None,
    mode: str = "hybrid",
    freshness_weight: float = 0.0,
) -> list[dict]:
    """The k best nodes for ``query``, best first.

    Each result: ``{"node": {...node fields, current_freshness}, "similarity": float (cosine; 0.0
    for a text-only hit without a vector), "score": float (the ranking's score: cosine in vector
    mode, the fused RRF score otherwise), "text_rank": float | None, "current_freshness": float}``.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    k = max(1, min(int(k), MAX_K))
    vector, model = None, None
    if mode != "text":
        provider = get_provider()
        ensure_comparable(provider)
        vector = provider.embed([query], task_type="search")[0]
        model = provider.model
    fetch = k if not node_type else min(max(k * 5, 50), MAX_FETCH)
    while True:
        if mode == "vector":
            hits = [
                (node_id, sim, sim, None)
                for node_id, sim in similar_node_ids(vector=vector, count=fetch, threshold=threshold)
            ]
        else:
            hits = hybrid_hits(
                query=query,
                vector=vector,
                model=model,
                count=fetch,
                threshold=threshold,
                freshness_weight=freshness_weight,
            )
        queryset = Node.objects.filter(id__in=[hit[0] for hit in hits])
        if node_type:
            queryset = queryset.filter(type=node_type)
        nodes = {row["id"]: row for row in node_values(queryset)}
        exhausted = len(hits) < fetch or fetch >= MAX_FETCH
        if not node_type or len(nodes) >= k or exhausted:
            break
        fetch = min(fetch * 2, MAX_FETCH)
    results = []
    for node_id, score, similarity, text_rank in hits:
        node = nodes.get(node_id)
        if node is not None:
            results.append(
                {
                    "node": node,
                    "similarity": float(similarity or 0.0),
                    "score": float(score),
                    "text_rank": None if text_rank is None else float(text_rank),
                    "current_freshness": node["current_freshness"],
                }
            )
        if len(results) == k:
            break
    return results
