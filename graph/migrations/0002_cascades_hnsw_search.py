"""Database-side pieces of the graph schema that Django's ORM cannot declare.

* Foreign keys with ON DELETE CASCADE (spec R2/R3), so a delete from psql or Supabase cascades too.
* The HNSW index. The spec's ``USING hnsw (embedding vector_cosine_ops)`` fails above 2000
  dimensions ("column cannot have more than 2000 dimensions for hnsw index"), so for larger
  embeddings we index the half-precision cast (halfvec indexes up to 4000 dimensions) and every
  search orders by exactly that expression. At ≤ 2000 dimensions a plain vector index is used.
* ``search_similar_nodes``: raises ``hnsw.ef_search`` to at least ``match_count`` (ef_search caps
  the number of rows an HNSW scan returns) and turns on pgvector 0.8's iterative scan so a
  similarity threshold cannot starve the result.
"""
from django.conf import settings
from django.db import migrations

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


def _forwards(apps, schema_editor):
    dims = settings.EMBEDDING_DIMENSIONS
    schema_editor.execute(index_sql(dims))
    schema_editor.execute(search_function_sql(dims))


def _backwards(apps, schema_editor):
    schema_editor.execute("DROP FUNCTION IF EXISTS search_similar_nodes(vector, integer, double precision)")
    schema_editor.execute("DROP INDEX IF EXISTS idx_embeddings_hnsw")


CASCADE_FKS = """
ALTER TABLE edges ADD CONSTRAINT edges_source_fkey
  FOREIGN KEY (source) REFERENCES nodes(id) ON DELETE CASCADE;
ALTER TABLE edges ADD CONSTRAINT edges_target_fkey
  FOREIGN KEY (target) REFERENCES nodes(id) ON DELETE CASCADE;
ALTER TABLE node_embeddings ADD CONSTRAINT node_embeddings_node_id_fkey
  FOREIGN KEY (node_id) REFERENCES nodes(id) ON DELETE CASCADE;
"""
DROP_CASCADE_FKS = """
ALTER TABLE node_embeddings DROP CONSTRAINT IF EXISTS node_embeddings_node_id_fkey;
ALTER TABLE edges DROP CONSTRAINT IF EXISTS edges_target_fkey;
ALTER TABLE edges DROP CONSTRAINT IF EXISTS edges_source_fkey;
"""


class Migration(migrations.Migration):
    dependencies = [("graph", "0001_initial")]

    operations = [
        migrations.RunSQL(CASCADE_FKS, reverse_sql=DROP_CASCADE_FKS),
        migrations.RunPython(_forwards, _backwards),
    ]
