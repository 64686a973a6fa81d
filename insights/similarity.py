"""Near-duplicate candidates: stored-embedding similarity (pgvector) and word overlap.

Both avoid comparing every pair once the graph is large: embeddings go through the HNSW index
(k nearest neighbours per node), word overlap through an inverted index of shared words.
"""

from __future__ import annotations

from collections import defaultdict

from django.db import connection

from graph.embeddings import embedding_dimensions, get_provider
from graph.vector_sql import distance_expression

EXACT_PAIRS_UP_TO = 400  # below this many nodes an exact self-join is cheaper than index probes
NEIGHBOURS = 10  # per node, through the HNSW index
COMMON_WORD_SHARE = 0.2  # a word in more than this share of the nodes links no candidates


def embedding_similarities(node_ids: list[str], min_similarity: float = 0.8) -> dict[tuple[str, str], float]:
    """{(a, b): cosine similarity} for pairs (a < b) of the given nodes whose stored embeddings are
    at least ``min_similarity`` alike. Nodes without an embedding, or whose vector another model made
    (before a rebuild catches up), take no part: two models' vectors are not comparable."""
    if len(node_ids) < 2:
        return {}
    ids = list(node_ids)
    model = get_provider().model
    if len(ids) <= EXACT_PAIRS_UP_TO:
        sql = """
            SELECT a.node_id, b.node_id, 1 - (a.embedding <=> b.embedding)
              FROM node_embeddings a
              JOIN node_embeddings b ON a.node_id < b.node_id
             WHERE a.node_id = ANY(%s) AND b.node_id = ANY(%s)
               AND a.embedding IS NOT NULL AND b.embedding IS NOT NULL
               AND a.model = %s AND b.model = %s
               AND 1 - (a.embedding <=> b.embedding) >= %s
        """
        params = [ids, ids, model, model, min_similarity]
    else:
        expr = lambda col: distance_expression(col, embedding_dimensions())  # noqa: E731
        sql = f"""
            SELECT a.node_id, n.node_id, 1 - n.distance
              FROM node_embeddings a
              CROSS JOIN LATERAL (
                    SELECT b.node_id, {expr("b.embedding")} <=> {expr("a.embedding")} AS distance
                      FROM node_embeddings b
                     WHERE b.embedding IS NOT NULL AND b.model = %s
                     ORDER BY {expr("b.embedding")} <=> {expr("a.embedding")}
                     LIMIT {NEIGHBOURS + 1}
              ) n
             WHERE a.node_id = ANY(%s) AND a.embedding IS NOT NULL AND a.model = %s
               AND n.node_id = ANY(%s) AND a.node_id < n.node_id AND 1 - n.distance >= %s
        """
        params = [model, ids, model, ids, min_similarity]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {(a, b): float(sim) for a, b, sim in cursor.fetchall()}


def word_overlap_pairs(texts: dict[str, set[str]], min_overlap: float) -> dict[tuple[str, str], float]:
    """{(a, b): Jaccard overlap} ≥ min_overlap, comparing only nodes that share an uncommon word."""
    index: dict[str, list[str]] = defaultdict(list)
    for node_id, words in texts.items():
        for w in words:
            index[w].append(node_id)
    limit = max(20, int(len(texts) * COMMON_WORD_SHARE))
    candidates: set[tuple[str, str]] = set()
    for ids in index.values():
        if len(ids) > limit:
            continue
        ids.sort()
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                candidates.add((a, b))
    out = {}
    for a, b in candidates:
        ta, tb = texts[a], texts[b]
        score = len(ta & tb) / len(ta | tb) if ta and tb else 0.0
        if score >= min_overlap:
            out[(a, b)] = score
    return out
