"""The realtime tables insights added (insights 0003) join the ``supabase_realtime`` publication,
with REPLICA IDENTITY FULL, as nodes, edges and notifications did in 0001: on Supabase, Realtime
then delivers their changes to signed-in users, whom the lockdown (rls.py) lets read them."""

from django.db import migrations

TABLES = ("immune_alert_states", "immune_scans", "task_graphs")

FORWARDS = f"""
DO $$
DECLARE t text;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = 'supabase_realtime') THEN
    CREATE PUBLICATION supabase_realtime;
  END IF;
  FOREACH t IN ARRAY ARRAY{list(TABLES)} LOOP
    EXECUTE format('ALTER TABLE %I REPLICA IDENTITY FULL', t);
    IF NOT EXISTS (SELECT 1 FROM pg_publication_tables
                   WHERE pubname = 'supabase_realtime' AND schemaname = current_schema() AND tablename = t) THEN
      EXECUTE format('ALTER PUBLICATION supabase_realtime ADD TABLE %I', t);
    END IF;
  END LOOP;
END
$$;
"""

BACKWARDS = f"""
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY{list(TABLES)} LOOP
    EXECUTE format('ALTER TABLE %I REPLICA IDENTITY DEFAULT', t);
    IF EXISTS (SELECT 1 FROM pg_publication_tables
               WHERE pubname = 'supabase_realtime' AND schemaname = current_schema() AND tablename = t) THEN
      EXECUTE format('ALTER PUBLICATION supabase_realtime DROP TABLE %I', t);
    END IF;
  END LOOP;
END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("supabase", "0001_realtime_publication_and_rls"),
        ("insights", "0003_realtime_capture"),
    ]

    operations = [migrations.RunSQL(FORWARDS, reverse_sql=BACKWARDS)]
