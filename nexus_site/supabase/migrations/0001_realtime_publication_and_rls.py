"""Realtime publication, replica identity and, on Supabase, row-level security.

* ``supabase_realtime`` is created if missing (there is no CREATE PUBLICATION IF NOT EXISTS) and
  nodes, edges, notifications are added, with REPLICA IDENTITY FULL so UPDATE/DELETE events carry
  the old row.
* Where Supabase's ``anon`` role exists: RLS on every NEXUS table and nothing granted to anon or
  authenticated (so the public anon key can neither read nor write anything through Supabase's
  REST API), and ``search_similar_nodes`` not executable by them.

What anon and authenticated may then read (nodes and edges; notifications per person, for
authenticated only; the graph for anon only with ``NEXUS_PUBLIC_GRAPH``), and the same lockdown
for Django's own tables and tables of later migrations, is applied by ``nexus_site.supabase.rls``
after every ``migrate`` (post_migrate) — it depends on a setting, which a migration must not.
"""

from django.db import migrations

REALTIME_TABLES = ("nodes", "edges", "notifications")
PRIVATE_TABLES = (
    "graph_metadata",
    "node_embeddings",
    "mutation_history",
    "conversations",
    "task_graphs",
    "immune_scans",
    "worker_analyses",
    "llm_usage",
)

FORWARDS = f"""
DO $$
DECLARE t text;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = 'supabase_realtime') THEN
    CREATE PUBLICATION supabase_realtime;
  END IF;
  FOREACH t IN ARRAY ARRAY{list(REALTIME_TABLES)} LOOP
    EXECUTE format('ALTER TABLE %I REPLICA IDENTITY FULL', t);
    IF NOT EXISTS (SELECT 1 FROM pg_publication_tables
                   WHERE pubname = 'supabase_realtime' AND schemaname = current_schema() AND tablename = t) THEN
      EXECUTE format('ALTER PUBLICATION supabase_realtime ADD TABLE %I', t);
    END IF;
  END LOOP;

  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anon') THEN
    FOREACH t IN ARRAY ARRAY{list(REALTIME_TABLES + PRIVATE_TABLES)} LOOP
      EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
      EXECUTE format('REVOKE ALL ON TABLE %I FROM anon', t);
      IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN
        EXECUTE format('REVOKE ALL ON TABLE %I FROM authenticated', t);
      END IF;
    END LOOP;
    REVOKE EXECUTE ON FUNCTION search_similar_nodes(vector, integer, double precision) FROM PUBLIC;
    REVOKE EXECUTE ON FUNCTION search_similar_nodes(vector, integer, double precision) FROM anon;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN
      REVOKE EXECUTE ON FUNCTION search_similar_nodes(vector, integer, double precision) FROM authenticated;
    END IF;
  END IF;
END
$$;
"""

BACKWARDS = f"""
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY{list(REALTIME_TABLES + PRIVATE_TABLES)} LOOP
    EXECUTE format('DROP POLICY IF EXISTS nexus_public_read ON %I', t);  -- the policy of earlier versions
    EXECUTE format('DROP POLICY IF EXISTS nexus_read ON %I', t);
    EXECUTE format('DROP POLICY IF EXISTS nexus_notifications_read ON %I', t);
    EXECUTE format('ALTER TABLE %I DISABLE ROW LEVEL SECURITY', t);
  END LOOP;
  FOREACH t IN ARRAY ARRAY{list(REALTIME_TABLES)} LOOP
    EXECUTE format('ALTER TABLE %I REPLICA IDENTITY DEFAULT', t);
    IF EXISTS (SELECT 1 FROM pg_publication_tables
               WHERE pubname = 'supabase_realtime' AND schemaname = current_schema() AND tablename = t) THEN
      EXECUTE format('ALTER PUBLICATION supabase_realtime DROP TABLE %I', t);
    END IF;
  END LOOP;
  -- Drop the publication only where NEXUS created it (not on Supabase) and nothing else uses it.
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'supabase_admin')
     AND NOT EXISTS (SELECT 1 FROM pg_publication_tables WHERE pubname = 'supabase_realtime') THEN
    DROP PUBLICATION IF EXISTS supabase_realtime;
  END IF;
END
$$;
"""


class Migration(migrations.Migration):
    # Applied as nexus_site 0001 before the Supabase integration was an app of its own.
    replaces = [("nexus_site", "0001_realtime_publication_and_rls")]
    dependencies = [
        ("graph", "0002_cascades_hnsw_search"),
        ("insights", "0001_initial"),
        ("conversations", "0001_initial"),
    ]

    operations = [migrations.RunSQL(FORWARDS, reverse_sql=BACKWARDS)]
