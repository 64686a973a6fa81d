"""Keep Supabase's public API keys away from everything NEXUS stores (issue 7).

On Supabase, PostgREST exposes the ``public`` schema to whoever holds the anon key (every
browser) and to ``authenticated`` (anyone who can sign up with it). Grants decide which tables
they can touch; row-level security decides which rows. Projects created before 2026-10-30 grant
every new table to anon/authenticated by default; newer ones grant nothing. Either way the end
state must be the same, so after every ``migrate`` (post_migrate, so tables added by later
migrations — the realtime change log, Django's own auth/session tables — are covered too):

* every table, view and sequence in the current schema owned by the migrating role: RLS on,
  all privileges revoked from anon and authenticated;
* ``nodes``, ``edges``, ``notifications`` (the Realtime tables): ``GRANT SELECT`` plus a
  read-only ``nexus_public_read`` policy — Realtime delivers a change only to a role that can
  SELECT the row;
* every function owned by the migrating role (not pgvector's): EXECUTE revoked from PUBLIC,
  anon and authenticated (``search_similar_nodes`` would otherwise be callable over
  ``/rest/v1/rpc``), kept for service_role.

Where role ``anon`` does not exist (embedded or plain PostgreSQL) nothing is changed.
"""
from __future__ import annotations

PUBLIC_READ_TABLES = ("nodes", "edges", "notifications")

LOCKDOWN_SQL = """
DO $lockdown$
DECLARE
  r record;
  role_name text;
  api_roles text[] := ARRAY(SELECT rolname::text FROM pg_roles WHERE rolname IN ('anon', 'authenticated'));
  has_service boolean := EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'service_role');
  public_read boolean;
BEGIN
  IF NOT 'anon' = ANY (api_roles) THEN
    RETURN;
  END IF;
  -- Statements only where something differs: this runs after every migrate (and test flush), and
  -- needless GRANT/REVOKE/ALTER would rewrite catalog rows and take locks each time.
  FOR r IN
    SELECT c.oid::regclass AS rel, c.relname, c.relkind, c.relrowsecurity
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = current_schema()
      AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
      AND c.relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)
      AND NOT EXISTS (SELECT 1 FROM pg_depend d
                      WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
  LOOP
    public_read := r.relkind IN ('r', 'p') AND r.relname = ANY (ARRAY[%(public_read)s]);
    FOREACH role_name IN ARRAY api_roles LOOP
      IF r.relkind = 'S' THEN
        IF has_sequence_privilege(role_name, r.rel, 'USAGE, SELECT, UPDATE') THEN
          EXECUTE format('REVOKE ALL ON SEQUENCE %s FROM %I', r.rel, role_name);
        END IF;
      ELSIF has_table_privilege(role_name, r.rel,
                                'INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')
            OR (NOT public_read AND has_table_privilege(role_name, r.rel, 'SELECT')) THEN
        EXECUTE format('REVOKE ALL ON TABLE %s FROM %I', r.rel, role_name);
      END IF;
      IF public_read AND NOT has_table_privilege(role_name, r.rel, 'SELECT') THEN
        EXECUTE format('GRANT SELECT ON TABLE %s TO %I', r.rel, role_name);
      END IF;
    END LOOP;
    IF r.relkind IN ('r', 'p') AND NOT r.relrowsecurity THEN
      EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', r.rel);
    END IF;
    IF public_read AND NOT EXISTS (SELECT 1 FROM pg_policy WHERE polrelid = r.rel
                                   AND polname = 'nexus_public_read') THEN
      EXECUTE format('CREATE POLICY nexus_public_read ON %s FOR SELECT TO %s USING (true)',
                     r.rel, array_to_string(api_roles, ', '));
    END IF;
  END LOOP;

  FOR r IN
    SELECT p.oid::regprocedure AS fn
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = current_schema()
      AND p.proowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)
      AND NOT EXISTS (SELECT 1 FROM pg_depend d
                      WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
  LOOP
    FOREACH role_name IN ARRAY api_roles LOOP
      IF has_function_privilege(role_name, r.fn, 'EXECUTE') THEN
        -- PUBLIC holds EXECUTE on every new function by default; anon gets it through PUBLIC.
        EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC, %I', r.fn, role_name);
      END IF;
    END LOOP;
    IF has_service AND NOT has_function_privilege('service_role', r.fn, 'EXECUTE') THEN
      EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO service_role', r.fn);
    END IF;
  END LOOP;
END
$lockdown$;
""".replace("%(public_read)s", ", ".join(f"'{t}'" for t in PUBLIC_READ_TABLES))


def supabase_roles_present(cursor) -> bool:
    cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anon')")
    return bool(cursor.fetchone()[0])


def lock_down(connection) -> bool:
    """Apply the lockdown on ``connection`` if Supabase's roles exist. Returns whether it ran."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        if not supabase_roles_present(cursor):
            return False  # a cheap check first: post_migrate also fires after every test flush
        cursor.execute(LOCKDOWN_SQL)
    return True


def lock_down_after_migrate(sender, using="default", **kwargs):
    """post_migrate receiver (connected once, for the nexus_site app)."""
    from django.db import connections

    lock_down(connections[using])
