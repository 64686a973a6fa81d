"""SQL for the embedding column's HNSW index and ``search_similar_nodes``, shared by migration 0002
and ``rebuild_embeddings --recreate`` (which rebuilds them at a new EMBEDDING_DIMENSIONS).

Above 2000 dimensions pgvector cannot index ``vector`` with HNSW, so the index is built on the
half-precision cast (halfvec indexes up to 4000 dimensions) and every search orders by exactly
that expression.
"""

HALFVEC_LIMIT = 4000
VECTOR_LIMIT = 2000


def distance_expression(column: str, dims: int) -> str:
    """The expression the HNSW index is built on; queries must order by exactly this."""
    if dims > VECTOR_LIMIT:
        return f"({column}::halfvec({dims}))"
    return column


def index_sql(dims: int) -> str:
    if dims > HALFVEC_LIMIT:  # no HNSW index possible: searches are exact scans
        return "SELECT 1"
    opclass = "halfvec_cosine_ops" if dims > VECTOR_LIMIT else "vector_cosine_ops"
    return (
        f"CREATE INDEX IF NOT EXISTS idx_embeddings_hnsw ON node_embeddings "
        f"USING hnsw ({distance_expression('embedding', dims)} {opclass}) "
        f"WITH (m = 16, ef_construction = 64)"
    )


def search_function_sql(dims: int) -> str:
    column = distance_expression("ne.embedding", dims)
    query = distance_expression("query_embedding", dims)
    # The inner query orders by the indexed expression (so the planner uses HNSW); relaxed_order
    # lets the iterative scan keep going past ef_search, and the outer ORDER BY restores order.
    return f"""
CREATE OR REPLACE FUNCTION search_similar_nodes(
  query_embedding vector({dims}),
  match_count INT DEFAULT 20,
  similarity_threshold FLOAT DEFAULT 0.0
)
RETURNS TABLE (node_id TEXT, similarity FLOAT)
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM set_config('hnsw.ef_search', greatest(40, least(match_count, 1000))::text, true);
  PERFORM set_config('hnsw.iterative_scan', 'relaxed_order', true);
  RETURN QUERY
  WITH candidates AS MATERIALIZED (
    SELECT ne.node_id, {column} <=> {query} AS distance
    FROM node_embeddings ne
    WHERE ne.embedding IS NOT NULL
    ORDER BY {column} <=> {query}
    LIMIT match_count
  )
  SELECT c.node_id, (1 - c.distance)::float AS similarity
  FROM candidates c
  WHERE 1 - c.distance > similarity_threshold
  ORDER BY c.distance
  LIMIT match_count;
END;
$$;
"""


def column_dimensions(cursor) -> int | None:
    """The dimensions of node_embeddings.embedding in the database (None: no such table/column)."""
    cursor.execute(
        "SELECT a.atttypmod FROM pg_attribute a "
        "WHERE a.attrelid = to_regclass('node_embeddings') AND a.attname = 'embedding' AND NOT a.attisdropped"
    )
    row = cursor.fetchone()
    if row is None:
        return None
    return row[0] if row[0] and row[0] > 0 else None
