"""Embeddings record their model; a queue of nodes to embed, filled by a trigger; hybrid search.

* ``node_embeddings.model``: the model that made each vector (indexed: "is any vector from another
  model?" is three index probes).
* ``embedding_queue``: a statement-level trigger on nodes (like the realtime change log's) queues
  every inserted node and every node whose embedded text columns changed, whoever wrote it (psql,
  Supabase, ``COPY``). The server drains it in the background (graph/embedding_worker.py);
  ``manage.py embed_pending`` drains it on demand. The function is SECURITY DEFINER, so writers
  that may not touch the queue themselves are still captured, and a failure only warns: queueing can
  never fail a write.
* ``node_search_documents``: each node's full-text document (``node_search_document()``), GIN
  indexed, kept current by a trigger in the writing statement itself (so text search never lags).
  Stored rather than an expression index: ranking a query that matches thousands of nodes then
  reads their documents instead of re-parsing their text.
* ``search_hybrid_nodes``: full-text rank and vector rank fused by reciprocal rank fusion.
* ``search_similar_nodes`` re-created: its final sort is now really done (PostgreSQL 17+ skipped
  it as already satisfied by the relaxed-order HNSW candidates, which are only nearly in order).
"""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models

import common.db
from graph.embeddings import embedding_dimensions
from graph.vector_sql import DOCUMENT_ARGS, DOCUMENT_FUNCTION_SQL, hybrid_function_sql, search_function_sql

TEXT_COLUMNS = "label, type, extras, division, department, team"

QUEUE_FUNCTION = """
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
      WHERE o.id IS NULL OR (n.label, n.type, n.extras, n.division, n.department, n.team)
                            IS DISTINCT FROM (o.label, o.type, o.extras, o.division, o.department, o.team)
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
CHANGED = f"""({", ".join("n." + c for c in TEXT_COLUMNS.split(", "))})
                            IS DISTINCT FROM ({", ".join("o." + c for c in TEXT_COLUMNS.split(", "))})"""

DOCUMENT_TRIGGER = f"""
CREATE OR REPLACE FUNCTION node_search_capture() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
  BEGIN
    IF TG_OP = 'INSERT' THEN
      INSERT INTO node_search_documents (node_id, document)
      SELECT n.id, node_search_document({DOCUMENT_ARGS}) FROM search_new_rows n
      ON CONFLICT (node_id) DO UPDATE SET document = EXCLUDED.document;
    ELSE
      INSERT INTO node_search_documents (node_id, document)
      SELECT n.id, node_search_document({DOCUMENT_ARGS})
      FROM search_new_rows n LEFT JOIN search_old_rows o ON o.id = n.id
      WHERE o.id IS NULL OR {CHANGED}
      ON CONFLICT (node_id) DO UPDATE SET document = EXCLUDED.document;
    END IF;
  EXCEPTION WHEN OTHERS THEN
    RAISE WARNING 'node search documents: capture on nodes failed: %', SQLERRM;
  END;
  RETURN NULL;
END
$$;
CREATE TRIGGER node_search_insert AFTER INSERT ON nodes
  REFERENCING NEW TABLE AS search_new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION node_search_capture();
CREATE TRIGGER node_search_update AFTER UPDATE ON nodes
  REFERENCING OLD TABLE AS search_old_rows NEW TABLE AS search_new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION node_search_capture();
ALTER TABLE node_search_documents ADD CONSTRAINT node_search_documents_node_id_fkey
  FOREIGN KEY (node_id) REFERENCES nodes(id) ON DELETE CASCADE;
INSERT INTO node_search_documents (node_id, document)
  SELECT n.id, node_search_document({DOCUMENT_ARGS}) FROM nodes n;
"""
DROP_DOCUMENT_TRIGGER = """
DROP TRIGGER IF EXISTS node_search_insert ON nodes;
DROP TRIGGER IF EXISTS node_search_update ON nodes;
DROP FUNCTION IF EXISTS node_search_capture();
ALTER TABLE node_search_documents DROP CONSTRAINT IF EXISTS node_search_documents_node_id_fkey;
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
    ALTER TABLE node_search_documents ENABLE ROW LEVEL SECURITY;
    REVOKE ALL ON TABLE embedding_queue, node_search_documents FROM anon;
    REVOKE EXECUTE ON FUNCTION search_hybrid_nodes(text, vector, integer, text, double precision,
      double precision, double precision, double precision, integer) FROM PUBLIC, anon;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN
      REVOKE ALL ON TABLE embedding_queue, node_search_documents FROM authenticated;
      REVOKE EXECUTE ON FUNCTION search_hybrid_nodes(text, vector, integer, text, double precision,
        double precision, double precision, double precision, integer) FROM authenticated;
    END IF;
  END IF;
END
$$;
"""


def _hybrid_forwards(apps, schema_editor):
    schema_editor.execute(hybrid_function_sql(embedding_dimensions()))
    schema_editor.execute(search_function_sql(embedding_dimensions()))  # CREATE OR REPLACE: grants kept


def _hybrid_backwards(apps, schema_editor):
    schema_editor.execute(
        "DROP FUNCTION IF EXISTS search_hybrid_nodes(text, vector, integer, text, double precision, "
        "double precision, double precision, double precision, integer)"
    )


class Migration(migrations.Migration):
    dependencies = [("graph", "0005_versions")]

    operations = [
        migrations.AddField(
            model_name="nodeembedding",
            name="model",
            field=models.TextField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name="nodeembedding",
            index=models.Index(fields=["model"], name="idx_embeddings_model"),
        ),
        migrations.CreateModel(
            name="EmbeddingQueue",
            fields=[
                ("node_id", models.TextField(primary_key=True, serialize=False)),
                ("queued_at", models.DateTimeField(db_default=common.db.TransactionNow())),
            ],
            options={"db_table": "embedding_queue"},
        ),
        migrations.RunSQL(QUEUE_FUNCTION, reverse_sql=DROP_QUEUE_FUNCTION),
        migrations.CreateModel(
            name="NodeSearchDocument",
            fields=[
                (
                    "node",
                    models.OneToOneField(
                        db_column="node_id",
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="search_document",
                        serialize=False,
                        to="graph.node",
                    ),
                ),
                ("document", django.contrib.postgres.search.SearchVectorField()),
            ],
            options={
                "db_table": "node_search_documents",
                "indexes": [
                    django.contrib.postgres.indexes.GinIndex(fields=["document"], name="idx_node_search_documents")
                ],
            },
        ),
        migrations.RunSQL(
            DOCUMENT_FUNCTION_SQL,
            reverse_sql="DROP FUNCTION IF EXISTS node_search_document(text, text, jsonb, text, text, text);",
        ),
        migrations.RunSQL(DOCUMENT_TRIGGER, reverse_sql=DROP_DOCUMENT_TRIGGER),
        migrations.RunPython(_hybrid_forwards, _hybrid_backwards),
        migrations.RunSQL(PRIVATE_ON_SUPABASE, reverse_sql=migrations.RunSQL.noop),
    ]
