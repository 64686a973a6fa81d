"""Embeddings record their model; a queue of nodes to embed, filled by a trigger; hybrid search.

* ``node_embeddings.model``: the model that made each vector (indexed: "is any vector from another
  model?" is three index probes).
* ``embedding_queue``: a statement-level trigger on nodes (like the realtime change log's) queues
  every inserted node and every node whose embedded text columns changed, whoever wrote it (psql,
  Supabase, ``COPY``). The server drains it in the background (graph/embedding_worker.py);
  ``manage.py embed_pending`` drains it on demand. The function is SECURITY DEFINER, so writers
  that may not touch the queue themselves are still captured, and a failure only warns: queueing can
  never fail a write.
* ``node_search_document`` and its GIN expression index: PostgreSQL full-text search over nodes.
* ``search_hybrid_nodes``: full-text rank and vector rank fused by reciprocal rank fusion.
"""
import nexus_site.db
from django.db import migrations, models

from graph.vector_sql import DOCUMENT_FUNCTION_SQL, TEXT_INDEX_SQL, hybrid_function_sql
from nexus_site.embeddings import embedding_dimensions

TEXT_COLUMNS = "label, type, extras, division, department, team"

QUEUE_FUNCTION = f"""
CREATE OR REPLACE FUNCTION embedding_queue_capture() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
  BEGIN
    IF TG_OP = 'INSERT' THEN
      INSERT INTO embedding_queue (node_id)
      SELECT n.id FROM embedding_new_rows n
      ON CONFLICT (node_id) DO NOTHING;
    ELSE
      INSERT INTO embedding_queue (node_id)
      SELECT n.id FROM embedding_new_rows n LEFT JOIN embedding_old_rows o ON o.id = n.id
      WHERE o.id IS NULL OR ({", ".join("n." + c for c in TEXT_COLUMNS.split(", "))})
                            IS DISTINCT FROM ({", ".join("o." + c for c in TEXT_COLUMNS.split(", "))})
      ON CONFLICT (node_id) DO NOTHING;
    END IF;
  EXCEPTION WHEN OTHERS THEN
    RAISE WARNING 'embedding queue: capture on nodes failed: %', SQLERRM;
  END;
  RETURN NULL;
END
$$;
CREATE TRIGGER embedding_queue_insert AFTER INSERT ON nodes
  REFERENCING NEW TABLE AS embedding_new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION embedding_queue_capture();
CREATE TRIGGER embedding_queue_update AFTER UPDATE ON nodes
  REFERENCING OLD TABLE AS embedding_old_rows NEW TABLE AS embedding_new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION embedding_queue_capture();
"""
DROP_QUEUE_FUNCTION = """
DROP TRIGGER IF EXISTS embedding_queue_insert ON nodes;
DROP TRIGGER IF EXISTS embedding_queue_update ON nodes;
DROP FUNCTION IF EXISTS embedding_queue_capture();
"""

# On Supabase (role anon exists): the queue is private, and hybrid search is for the server and
# service_role only, like search_similar_nodes.
PRIVATE_ON_SUPABASE = """
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anon') THEN
    ALTER TABLE embedding_queue ENABLE ROW LEVEL SECURITY;
    REVOKE ALL ON TABLE embedding_queue FROM anon;
    REVOKE EXECUTE ON FUNCTION search_hybrid_nodes(text, vector, integer, text, double precision,
      double precision, double precision, double precision, integer) FROM PUBLIC, anon;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN
      REVOKE ALL ON TABLE embedding_queue FROM authenticated;
      REVOKE EXECUTE ON FUNCTION search_hybrid_nodes(text, vector, integer, text, double precision,
        double precision, double precision, double precision, integer) FROM authenticated;
    END IF;
  END IF;
END
$$;
"""


def _hybrid_forwards(apps, schema_editor):
    schema_editor.execute(hybrid_function_sql(embedding_dimensions()))


def _hybrid_backwards(apps, schema_editor):
    schema_editor.execute("DROP FUNCTION IF EXISTS search_hybrid_nodes(text, vector, integer, text, double precision, "
                          "double precision, double precision, double precision, integer)")


class Migration(migrations.Migration):
    dependencies = [("graph", "0004_mutation_history_actor")]

    operations = [
        migrations.AddField(
            model_name="nodeembedding", name="model", field=models.TextField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name="nodeembedding", index=models.Index(fields=["model"], name="idx_embeddings_model"),
        ),
        migrations.CreateModel(
            name="EmbeddingQueue",
            fields=[
                ("node_id", models.TextField(primary_key=True, serialize=False)),
                ("queued_at", models.DateTimeField(db_default=nexus_site.db.TransactionNow())),
            ],
            options={"db_table": "embedding_queue"},
        ),
        migrations.RunSQL(QUEUE_FUNCTION, reverse_sql=DROP_QUEUE_FUNCTION),
        migrations.RunSQL(DOCUMENT_FUNCTION_SQL + TEXT_INDEX_SQL + ";",
                          reverse_sql="DROP INDEX IF EXISTS idx_nodes_search_document; "
                                      "DROP FUNCTION IF EXISTS node_search_document(text, text, jsonb, text, text, text);"),
        migrations.RunPython(_hybrid_forwards, _hybrid_backwards),
        migrations.RunSQL(PRIVATE_ON_SUPABASE, reverse_sql=migrations.RunSQL.noop),
    ]
