"""Alert states, immune scans and task graphs on the realtime change log.

The same statement-level capture triggers graph 0003 put on nodes, edges and notifications, so a
second open page sees an alert resolved, a scan run or a plan edited without reloading.
immune_alert_states is keyed by ``fingerprint``: its UPDATE trigger names that column, by which
realtime_capture_changes() pairs old and new rows (realtime 0002). These tables are registered
for realtime in insights.realtime; the Supabase publication takes them in supabase 0002.
"""

from django.db import migrations

TABLES = (("immune_alert_states", "fingerprint"), ("immune_scans", None), ("task_graphs", None))


def _triggers(table: str, key: str | None) -> str:
    update_args = f"'{key}'" if key else ""
    return f"""
CREATE TRIGGER realtime_capture_insert AFTER INSERT ON {table}
  REFERENCING NEW TABLE AS realtime_new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION realtime_capture_changes();
CREATE TRIGGER realtime_capture_update AFTER UPDATE ON {table}
  REFERENCING OLD TABLE AS realtime_old_rows NEW TABLE AS realtime_new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION realtime_capture_changes({update_args});
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


class Migration(migrations.Migration):
    dependencies = [
        ("insights", "0002_immune_alert_states"),
        ("realtime", "0002_capture_pairs_by_key_column"),
    ]

    operations = [
        migrations.RunSQL(
            "".join(_triggers(t, k) for t, k in TABLES),
            reverse_sql="".join(_drop_triggers(t) for t, _ in TABLES),
        )
    ]
