"""The realtime change log: table, capture triggers, NOTIFY of ids.

Statement-level AFTER triggers with transition tables on nodes, edges and notifications append one
``realtime_changes`` row per changed row — a 100k-row COPY is one INSERT … SELECT, not 100k trigger
calls — and send ONE ``pg_notify('realtime_changes', <max id>)`` per statement. The payload is the
id, never the row: NOTIFY payloads of 8000 bytes or more raise and would fail the writing statement.
Capture and notify are each wrapped in an exception block, so realtime can never fail a write
(a failure is logged by PostgreSQL as a WARNING and shows up as a gap in the ids).

The function is SECURITY DEFINER with the search_path pinned at creation, so writers that may not
touch the change log themselves (Supabase roles; RLS is on for it there) are still captured.
"""

import django.db.models.functions.datetime
from django.db import migrations, models

TABLES = ("nodes", "edges", "notifications")

FUNCTION = """
CREATE OR REPLACE FUNCTION realtime_capture_changes() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
  last_id bigint;
BEGIN
  BEGIN
    -- Held until this transaction ends: readers seeing a gap in the ids know whether a writer that
    -- may still fill it is running (the key is graph.realtime.models.WRITER_LOCK_KEY).
    PERFORM pg_advisory_xact_lock_shared(1314276431);
    IF TG_OP = 'INSERT' THEN
      WITH ins AS (
        INSERT INTO realtime_changes (table_name, event_type, new_record)
        SELECT TG_TABLE_NAME, 'INSERT', to_jsonb(n) FROM realtime_new_rows n
        RETURNING id)
      SELECT max(id) INTO last_id FROM ins;
    ELSIF TG_OP = 'UPDATE' THEN
      -- Transition tables do not pair rows; pair them by primary key (all three tables use id).
      WITH ins AS (
        INSERT INTO realtime_changes (table_name, event_type, new_record, old_record)
        SELECT TG_TABLE_NAME, 'UPDATE',
               CASE WHEN n.id IS NULL THEN NULL ELSE to_jsonb(n) END,
               CASE WHEN o.id IS NULL THEN NULL ELSE to_jsonb(o) END
        FROM realtime_new_rows n FULL JOIN realtime_old_rows o ON o.id = n.id
        RETURNING id)
      SELECT max(id) INTO last_id FROM ins;
    ELSIF TG_OP = 'DELETE' THEN
      WITH ins AS (
        INSERT INTO realtime_changes (table_name, event_type, old_record)
        SELECT TG_TABLE_NAME, 'DELETE', to_jsonb(o) FROM realtime_old_rows o
        RETURNING id)
      SELECT max(id) INTO last_id FROM ins;
    ELSE  -- TRUNCATE: one row telling clients to reload the table
      INSERT INTO realtime_changes (table_name, event_type)
      VALUES (TG_TABLE_NAME, 'TRUNCATE') RETURNING id INTO last_id;
    END IF;
  EXCEPTION WHEN OTHERS THEN
    RAISE WARNING 'realtime: change capture on % failed: %', TG_TABLE_NAME, SQLERRM;
    RETURN NULL;
  END;
  IF last_id IS NOT NULL THEN
    BEGIN
      PERFORM pg_notify('realtime_changes', last_id::text);
    EXCEPTION WHEN OTHERS THEN
      RAISE WARNING 'realtime: pg_notify failed: %', SQLERRM;
    END;
  END IF;
  RETURN NULL;
END
$$;
"""


def _triggers(table: str) -> str:
    return f"""
CREATE TRIGGER realtime_capture_insert AFTER INSERT ON {table}
  REFERENCING NEW TABLE AS realtime_new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION realtime_capture_changes();
CREATE TRIGGER realtime_capture_update AFTER UPDATE ON {table}
  REFERENCING OLD TABLE AS realtime_old_rows NEW TABLE AS realtime_new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION realtime_capture_changes();
CREATE TRIGGER realtime_capture_delete AFTER DELETE ON {table}
  REFERENCING OLD TABLE AS realtime_old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION realtime_capture_changes();
CREATE TRIGGER realtime_capture_truncate AFTER TRUNCATE ON {table}
  FOR EACH STATEMENT EXECUTE FUNCTION realtime_capture_changes();
"""


def _drop_triggers(table: str) -> str:
    return "".join(
        f"DROP TRIGGER IF EXISTS realtime_capture_{op} ON {table};\n"
        for op in ("insert", "update", "delete", "truncate")
    )


# On Supabase (role anon exists) the change log is private: only the server reads it.
PRIVATE_ON_SUPABASE = """
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anon') THEN
    ALTER TABLE realtime_changes ENABLE ROW LEVEL SECURITY;
    REVOKE ALL ON TABLE realtime_changes FROM anon;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN
      REVOKE ALL ON TABLE realtime_changes FROM authenticated;
    END IF;
  END IF;
END
$$;
"""

FORWARDS = FUNCTION + "".join(_triggers(t) for t in TABLES) + PRIVATE_ON_SUPABASE
BACKWARDS = "".join(_drop_triggers(t) for t in TABLES) + "DROP FUNCTION IF EXISTS realtime_capture_changes();"


class Migration(migrations.Migration):
    dependencies = [
        ("graph", "0002_cascades_hnsw_search"),
        ("insights", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="RealtimeChange",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("table_name", models.TextField()),
                (
                    "event_type",
                    models.TextField(
                        choices=[
                            ("INSERT", "INSERT"),
                            ("UPDATE", "UPDATE"),
                            ("DELETE", "DELETE"),
                            ("TRUNCATE", "TRUNCATE"),
                        ]
                    ),
                ),
                ("new_record", models.JSONField(blank=True, null=True)),
                ("old_record", models.JSONField(blank=True, null=True)),
                ("commit_time", models.DateTimeField(db_default=django.db.models.functions.datetime.Now())),
            ],
            options={
                "db_table": "realtime_changes",
                "ordering": ["id"],
                "indexes": [models.Index(fields=["commit_time"], name="idx_realtime_changes_time")],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("event_type__in", ("INSERT", "UPDATE", "DELETE", "TRUNCATE"))),
                        name="realtime_changes_event_check",
                    )
                ],
            },
        ),
        migrations.RunSQL(FORWARDS, reverse_sql=BACKWARDS),
    ]
