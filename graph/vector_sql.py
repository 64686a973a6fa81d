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
    # lets the iterative scan keep going past ef_search, and the outer ORDER BY restores order. It
    # sorts by similarity, not by c.distance: PostgreSQL 17+ would take the CTE's ORDER BY distance
    # as already done and skip the sort, and relaxed_order rows are only nearly in order.
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
  ORDER BY 2 DESC, 1
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


# ── full-text search and hybrid search ───────────────────────────────────────
# The text a node is searched by: the same fields node_text() embeds, weighted label > extras > place.
# A trigger stores it in node_search_documents (GIN-indexed) whenever those columns change.
TEXT_EXTRAS = ("role", "skills", "mission", "rationale", "description", "kind", "source", "summary", "notes")
DOCUMENT_ARGS = "n.label, n.type, n.extras, n.division, n.department, n.team"

DOCUMENT_FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION node_search_document(
  label text, type text, extras jsonb, division text, department text, team text
) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT setweight(to_tsvector('english'::regconfig, coalesce(label, '')), 'A')
      || setweight(to_tsvector('english'::regconfig, concat_ws(' ', {", ".join(f"extras->>'{k}'" for k in TEXT_EXTRAS)})), 'B')
      || setweight(to_tsvector('english'::regconfig, concat_ws(' ', type, division, department, team)), 'C')
$$;
"""


# Freshness as graph.selectors.CurrentFreshness computes it, kept clear of float underflow (which
# PostgreSQL raises as an error): below 1e-9, or past 30 half-lives (~1e-9), it counts as 0.
_FRESHNESS = (
    "(CASE WHEN coalesce(n.freshness_score, 1) < 1e-9 THEN 0::float8 "
    "ELSE least(coalesce(n.freshness_score, 1), 1)::float8 * (CASE WHEN n.half_life_days IS NULL "
    "OR n.half_life_days <= 0 THEN 1::float8 ELSE power(0.5::float8, LEAST("
    "GREATEST(EXTRACT(EPOCH FROM (now() - COALESCE(n.updated_at, now()))), 0)::float8 / 86400.0 "
    "/ n.half_life_days, 30)) END) END)"
)


def hybrid_function_sql(dims: int) -> str:
    """``search_hybrid_nodes``: full-text rank and vector rank fused by reciprocal rank fusion.

    Each ranking contributes ``weight / (rrf_k + position)``; ``freshness_weight`` (0..1) scales the
    fused score by ``(1 - w) + w * current_freshness``. The query text's words are OR-ed (a node
    matching more of them ranks higher) so a question in a user's own words still matches.
    ``model_name`` keeps vectors of other models out; a NULL ``query_embedding`` is text only.
    """
    column = distance_expression("ne.embedding", dims)
    query = distance_expression("query_embedding", dims)
    return f"""
CREATE OR REPLACE FUNCTION search_hybrid_nodes(
  query_text text,
  query_embedding vector({dims}) DEFAULT NULL,
  match_count int DEFAULT 20,
  model_name text DEFAULT NULL,
  freshness_weight float DEFAULT 0.0,
  similarity_threshold float DEFAULT 0.0,
  vector_weight float DEFAULT 1.0,
  text_weight float DEFAULT 1.0,
  rrf_k int DEFAULT 60
)
RETURNS TABLE (node_id text, score float, similarity float, text_rank float,
               vector_position int, text_position int)
LANGUAGE plpgsql AS $$
DECLARE
  pool int := least(greatest(match_count * 3, 50), 1000);  -- candidates taken from each ranking
  words tsquery;
  -- weights rounded to 6 places and k at least 1: no float underflow (an error in PostgreSQL)
  -- or division by zero whatever a caller passes
  fw float := round(least(greatest(coalesce(freshness_weight, 0), 0), 1)::numeric, 6);
  vw float := round(greatest(coalesce(vector_weight, 1), 0)::numeric, 6);
  tw float := round(greatest(coalesce(text_weight, 1), 0)::numeric, 6);
  k int := greatest(coalesce(rrf_k, 60), 1);
BEGIN
  PERFORM set_config('hnsw.ef_search', pool::text, true);
  PERFORM set_config('hnsw.iterative_scan', 'relaxed_order', true);
  -- the query's stemmed, stop-word-free lexemes, OR-ed ('simple' keeps them as they are)
  SELECT to_tsquery('simple', string_agg(quote_literal(lexeme), ' | ')) INTO words
  FROM unnest(to_tsvector('english', coalesce(query_text, '')));
  RETURN QUERY
  WITH vec AS MATERIALIZED (
    SELECT ne.node_id, {column} <=> {query} AS distance
    FROM node_embeddings ne
    WHERE query_embedding IS NOT NULL AND vw > 0 AND ne.embedding IS NOT NULL
      AND (model_name IS NULL OR ne.model = model_name)
    ORDER BY {column} <=> {query}
    LIMIT pool
  ), vec_ranked AS (
    -- by similarity, not v.distance: the CTE's relaxed-order rows must really be sorted (see above)
    SELECT v.node_id, (1 - v.distance)::float AS sim,
           (row_number() OVER (ORDER BY (1 - v.distance) DESC, v.node_id))::int AS pos
    FROM vec v WHERE 1 - v.distance > similarity_threshold
  ), txt AS MATERIALIZED (
    SELECT d.node_id, ts_rank_cd(d.document, words)::float AS rank
    FROM node_search_documents d
    WHERE words IS NOT NULL AND tw > 0 AND d.document @@ words
    ORDER BY 2 DESC, 1
    LIMIT pool
  ), txt_ranked AS (
    SELECT t.node_id, t.rank, (row_number() OVER (ORDER BY t.rank DESC, t.node_id))::int AS pos FROM txt t
  ), fused AS (
    SELECT coalesce(v.node_id, t.node_id) AS id, v.sim, t.rank, v.pos AS vpos, t.pos AS tpos,
           coalesce(vw / (k + v.pos), 0) + coalesce(tw / (k + t.pos), 0) AS rrf
    FROM vec_ranked v FULL JOIN txt_ranked t ON t.node_id = v.node_id
  )
  SELECT f.id,
         (CASE WHEN fw = 0 THEN f.rrf ELSE f.rrf * ((1 - fw) + fw * {_FRESHNESS}) END)::float,
         coalesce(f.sim, CASE WHEN query_embedding IS NULL THEN NULL
                              ELSE (SELECT (1 - ({column} <=> {query}))::float FROM node_embeddings ne
                                    WHERE ne.node_id = f.id AND (model_name IS NULL OR ne.model = model_name)) END),
         f.rank, f.vpos, f.tpos
  FROM fused f JOIN nodes n ON n.id = f.id
  ORDER BY 2 DESC, 1
  LIMIT match_count;
END;
$$;
"""
