"""realtime_capture_changes() pairs an UPDATE's old and new rows by the column its trigger names.

Transition tables do not pair rows, so the UPDATE branch joins them on the primary key. Until now
that was always ``id``; tables keyed otherwise (immune_alert_states, by ``fingerprint``) name their
key as the trigger's argument: ``EXECUTE FUNCTION realtime_capture_changes('fingerprint')``. The
existing triggers pass none and keep pairing by ``id``. Everything else is as graph 0003 wrote it.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION realtime_capture_changes() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
  last_id bigint;
  key_column text := CASE WHEN TG_NARGS > 0 THEN TG_ARGV[0] ELSE 'id' END;
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
      -- Transition tables do not pair rows; pair them by the key column (dynamic SQL sees the
      -- transition tables too). A row whose key changed shows as two halves, as before.
      EXECUTE format(
        'WITH ins AS ('
        '  INSERT INTO realtime_changes (table_name, event_type, new_record, old_record)'
        '  SELECT %L, ''UPDATE'','
        '         CASE WHEN n.%I IS NULL THEN NULL ELSE to_jsonb(n) END,'
        '         CASE WHEN o.%I IS NULL THEN NULL ELSE to_jsonb(o) END'
        '  FROM realtime_new_rows n FULL JOIN realtime_old_rows o ON o.%I = n.%I'
        '  RETURNING id)'
        ' SELECT max(id) FROM ins',
        TG_TABLE_NAME, key_column, key_column, key_column, key_column)
      INTO last_id;
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

# graph 0003's definition, for going back (tables keyed otherwise must have lost their triggers first).
PREVIOUS = """
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


class Migration(migrations.Migration):
    dependencies = [("realtime", "0001_initial")]

    operations = [migrations.RunSQL(FUNCTION, reverse_sql=PREVIOUS)]
