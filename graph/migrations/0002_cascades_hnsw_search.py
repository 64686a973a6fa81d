"""Database-side pieces of the graph schema that Django's ORM cannot declare.

* Foreign keys with ON DELETE CASCADE, so a delete from psql or Supabase cascades too.
* The HNSW index. A plain ``USING hnsw (embedding vector_cosine_ops)`` fails above 2000
  dimensions ("column cannot have more than 2000 dimensions for hnsw index"), so for larger
  embeddings we index the half-precision cast (halfvec indexes up to 4000 dimensions) and every
  search orders by exactly that expression. At ≤ 2000 dimensions a plain vector index is used.
* ``search_similar_nodes``: raises ``hnsw.ef_search`` to at least ``match_count`` (ef_search caps
  the number of rows an HNSW scan returns) and turns on pgvector 0.8's iterative scan so a
  similarity threshold cannot starve the result.
"""

from django.db import migrations

from graph.embeddings import embedding_dimensions
from graph.vector_sql import (  # noqa: F401  (the helpers used to live here)
    HALFVEC_LIMIT,
    VECTOR_LIMIT,
    distance_expression,
    index_sql,
    search_function_sql,
)


def _forwards(apps, schema_editor):
    dims = embedding_dimensions()
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
