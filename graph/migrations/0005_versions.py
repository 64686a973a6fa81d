"""Every version of every node and edge, recorded by the database itself (time travel).

``node_versions`` / ``edge_versions`` hold the row's columns, ``valid`` (a ``tstzrange`` in system
time: the transaction time, ``now()``, at which the version was written and replaced), ``actor``
(who wrote it) and ``ended_by`` (who replaced or deleted it). Both come from the session setting
``nexus.actor`` (``SET LOCAL``; the graph services set it from the current actor), NULL for
writers that do not set it (psql, Supabase clients).

Statement-level AFTER triggers with transition tables, beside the realtime change log, so a
100k-row COPY is one INSERT … SELECT. INSERT opens a version ``[now, ∞)``; UPDATE closes the open
one at now and opens a new one (an UPDATE that leaves a row as it was records nothing); DELETE
closes it; TRUNCATE closes every open version. A version opened in the same transaction (or by a
concurrent transaction that started later but committed first) is replaced rather than closed, so
one transaction leaves one version per row — its final state — and ranges never run backwards.
A rolled-back transaction leaves nothing, as for any write.

Unlike the change log, capture is not wrapped in an exception block: the version tables are the
complete record, so a write that cannot be recorded fails. The functions are SECURITY DEFINER with
the search_path pinned, so writers that may not touch the version tables are still recorded.

Columns are listed explicitly (columns added to nodes/edges later are not versioned until added
here), and rows existing when this migration runs get a version from the migration's time.
"""
from django.db import migrations

NODE_COLUMNS = (
    ("id", "text NOT NULL"), ("type", "text"), ("label", "text"), ("division", "text"),
    ("department", "text"), ("team", "text"), ("health", "text"), ("size", "integer"),
    ("x", "double precision"), ("y", "double precision"), ("status", "text"),
    ("freshness_score", "double precision"), ("half_life_days", "integer"), ("source_type", "text"),
    ("source_id", "text"), ("created_at", "timestamptz"), ("updated_at", "timestamptz"), ("extras", "jsonb"),
)
EDGE_COLUMNS = (
    ("id", "text NOT NULL"), ("source", "text"), ("target", "text"), ("type", "text"),
    ("weight", "double precision"), ("animated", "boolean"), ("created_at", "timestamptz"), ("extras", "jsonb"),
)
TABLES = {"nodes": ("node_versions", NODE_COLUMNS), "edges": ("edge_versions", EDGE_COLUMNS)}


def _table(versions: str, columns) -> str:
    body = ",\n  ".join(f"{name} {kind}" for name, kind in columns)
    return f"""
CREATE TABLE {versions} (
  version_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  {body},
  valid tstzrange NOT NULL CHECK (NOT isempty(valid) AND lower(valid) IS NOT NULL),
  actor text,
  ended_by text
);
CREATE INDEX {versions}_id ON {versions} (id, lower(valid));
CREATE INDEX {versions}_valid ON {versions} USING gist (valid);
-- a diff reads the versions that began or ended within its window: two short range scans
CREATE INDEX {versions}_starts ON {versions} (lower(valid));
CREATE INDEX {versions}_ends ON {versions} (upper(valid)) WHERE NOT upper_inf(valid);
"""


def _function(table: str, versions: str, columns) -> str:
    names = [name for name, _ in columns]
    cols = ", ".join(names)
    o_cols = ", ".join(f"o.{c}" for c in names)
    n_cols = ", ".join(f"n.{c}" for c in names)
    return f"""
CREATE OR REPLACE FUNCTION {versions}_capture() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
  who text := nullif(current_setting('nexus.actor', true), '');
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO {versions} ({cols}, valid, actor)
    SELECT {n_cols}, tstzrange(now(), NULL), who FROM versions_new_rows n;
    RETURN NULL;
  END IF;
  IF TG_OP = 'TRUNCATE' THEN
    DELETE FROM {versions} WHERE upper_inf(valid) AND lower(valid) >= now();
    UPDATE {versions} SET valid = tstzrange(lower(valid), now()), ended_by = who WHERE upper_inf(valid);
    RETURN NULL;
  END IF;
  IF TG_OP = 'DELETE' THEN
    DELETE FROM {versions} v USING versions_old_rows o
     WHERE v.id = o.id AND upper_inf(v.valid) AND lower(v.valid) >= now();
    UPDATE {versions} v SET valid = tstzrange(lower(v.valid), now()), ended_by = who
      FROM versions_old_rows o WHERE v.id = o.id AND upper_inf(v.valid);
    RETURN NULL;
  END IF;
  -- UPDATE: transition tables do not pair rows; pair them by primary key. Rows left as they were
  -- are skipped; a changed id closes the old id's version and opens one for the new id.
  WITH gone AS (
    SELECT o.id FROM versions_old_rows o LEFT JOIN versions_new_rows n ON n.id = o.id
     WHERE n.id IS NULL OR ({o_cols}) IS DISTINCT FROM ({n_cols})
  ), replaced AS (
    DELETE FROM {versions} v USING gone g
     WHERE v.id = g.id AND upper_inf(v.valid) AND lower(v.valid) >= now()
  ), closed AS (
    UPDATE {versions} v SET valid = tstzrange(lower(v.valid), now()), ended_by = who
      FROM gone g WHERE v.id = g.id AND upper_inf(v.valid) AND lower(v.valid) < now()
  )
  INSERT INTO {versions} ({cols}, valid, actor)
  SELECT {n_cols}, tstzrange(now(), NULL), who
    FROM versions_new_rows n LEFT JOIN versions_old_rows o ON o.id = n.id
   WHERE o.id IS NULL OR ({o_cols}) IS DISTINCT FROM ({n_cols});
  RETURN NULL;
END
$$;
"""


def _triggers(table: str, versions: str) -> str:
    return f"""
CREATE TRIGGER versions_capture_insert AFTER INSERT ON {table}
  REFERENCING NEW TABLE AS versions_new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION {versions}_capture();
CREATE TRIGGER versions_capture_update AFTER UPDATE ON {table}
  REFERENCING OLD TABLE AS versions_old_rows NEW TABLE AS versions_new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION {versions}_capture();
CREATE TRIGGER versions_capture_delete AFTER DELETE ON {table}
  REFERENCING OLD TABLE AS versions_old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION {versions}_capture();
CREATE TRIGGER versions_capture_truncate AFTER TRUNCATE ON {table}
  FOR EACH STATEMENT EXECUTE FUNCTION {versions}_capture();
INSERT INTO {versions} ({", ".join(name for name, _ in TABLES[table][1])}, valid)
SELECT {", ".join(name for name, _ in TABLES[table][1])}, tstzrange(now(), NULL) FROM {table};
"""


# How far back history was compacted (one row; none until the first compaction): as-of and diff
# refuse earlier times rather than answer from history that is no longer there.
HORIZON = """
CREATE TABLE graph_version_horizon (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  horizon timestamptz NOT NULL,
  compacted_at timestamptz NOT NULL DEFAULT now()
);
"""

FORWARDS = HORIZON + "".join(
    _table(versions, columns) + _function(table, versions, columns) + _triggers(table, versions)
    for table, (versions, columns) in TABLES.items()
)
BACKWARDS = "".join(
    "".join(f"DROP TRIGGER IF EXISTS versions_capture_{op} ON {table};\n"
            for op in ("insert", "update", "delete", "truncate"))
    + f"DROP FUNCTION IF EXISTS {versions}_capture();\nDROP TABLE IF EXISTS {versions};\n"
    for table, (versions, _) in TABLES.items()
) + "DROP TABLE IF EXISTS graph_version_horizon;"


class Migration(migrations.Migration):
    dependencies = [("graph", "0004_mutation_history_actor")]

    operations = [migrations.RunSQL(FORWARDS, reverse_sql=BACKWARDS)]
