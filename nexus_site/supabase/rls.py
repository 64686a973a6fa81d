"""Keep Supabase's public API keys away from what NEXUS stores: the database is the boundary.

On Supabase, PostgREST and Realtime act for the anon key (every browser) as role ``anon`` and
for a signed-in Supabase Auth user as role ``authenticated``, with the user's verified JWT claims
in ``request.jwt.claims``. Grants decide which tables those roles touch; row-level security
decides which rows. Projects created before 2026-10-30 grant every new table to anon and
authenticated by default, newer ones grant nothing; either way the end state is the same. After
every ``migrate`` (post_migrate, so tables of later migrations and Django's own are covered too;
toggling ``NEXUS_PUBLIC_GRAPH`` and migrating again changes the grants both ways):

* every table, view and sequence in the current schema owned by the migrating role: RLS on, and
  nothing granted to anon or authenticated, except
* ``nodes``, ``edges``: SELECT and policy ``nexus_read`` (``USING (true)``) for authenticated, and
  for anon too when ``NEXUS_PUBLIC_GRAPH`` is on;
* ``notifications``: SELECT for authenticated, and policy ``nexus_notifications_read``: the rows of
  the person in the JWT's ``app_metadata.nexus_person_id``, every row when
  ``app_metadata.nexus_role`` is ``editor`` or ``admin``. Never anon. Realtime delivers a change to
  a subscriber only when that subscriber may SELECT the row, so this is also what browsers receive;
* the other realtime tables (graph.realtime.registry: immune_alert_states, immune_scans,
  task_graphs): SELECT for authenticated, and policy ``nexus_members_read``: every row for a user
  whose JWT carries a NEXUS role (``app_metadata.nexus_role``), as NEXUS's API shows them to every
  viewer — a Supabase user without a NEXUS role reads none. Never anon;
* any other policy on those tables (such as the old ``nexus_public_read``) is dropped;
* every function owned by the migrating role (not pgvector's): EXECUTE revoked from PUBLIC,
  anon and authenticated (``search_similar_nodes`` would otherwise be callable over
  ``/rest/v1/rpc``), kept for service_role.

No writes for anon or authenticated anywhere: NEXUS writes through its own API. Where role
``anon`` does not exist (embedded or plain PostgreSQL) nothing is changed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from graph.realtime import registry

GRAPH_TABLES = ("nodes", "edges")
NOTIFICATIONS = "notifications"
API_ROLES = ("anon", "authenticated")
PRIVILEGED_ROLES = ("editor", "admin")  # see every notification
NEXUS_ROLES = ("viewer", "editor", "admin")

# PostgREST and Supabase Realtime (per subscriber, when it checks a change against RLS) put the
# caller's verified claims in this setting; Supabase's auth.jwt() reads the same setting. The
# policy reads it directly, not through auth.jwt(), so it works on every database with Supabase's
# roles, with or without the auth schema (self-hosted PostgREST, the test fixture). nullif: after
# a transaction-local set_config the setting reads '' (not NULL) for the rest of the session, and
# ''::jsonb is an error. app_metadata, never user_metadata: users can edit their own user_metadata.
CLAIMS = "nullif(current_setting('request.jwt.claims', true), '')::jsonb"
NOTIFICATIONS_QUAL = (
    f"person_id = (SELECT {CLAIMS} -> 'app_metadata' ->> 'nexus_person_id') "
    f"OR (SELECT {CLAIMS} -> 'app_metadata' ->> 'nexus_role') IN "
    f"({', '.join(repr(r) for r in PRIVILEGED_ROLES)})"
)  # the scalar sub-selects run once per statement, not once per row
MEMBERS_QUAL = f"(SELECT {CLAIMS} -> 'app_metadata' ->> 'nexus_role') IN ({', '.join(repr(r) for r in NEXUS_ROLES)})"


@dataclass(frozen=True)
class Policy:
    table: str
    name: str
    roles: tuple[str, ...]
    qual: str

    @property
    def fingerprint(self) -> str:
        """Which definition NEXUS wrote; kept in the policy's comment (see LOCKDOWN_SQL)."""
        return hashlib.md5(self.qual.encode()).hexdigest()


def public_graph_enabled() -> bool:
    from django.conf import settings

    return bool(getattr(settings, "NEXUS_PUBLIC_GRAPH", False))


def member_tables() -> tuple[str, ...]:
    """The realtime tables beyond the graph and notifications: read by every user with a role."""
    return tuple(t for t in registry.tables() if t not in (*GRAPH_TABLES, NOTIFICATIONS))


def readers(public_graph: bool) -> dict[str, tuple[str, ...]]:
    """Table → the API roles that may SELECT it. Nothing else is granted to them."""
    graph = ("anon", "authenticated") if public_graph else ("authenticated",)
    return {
        **dict.fromkeys(GRAPH_TABLES, graph),
        NOTIFICATIONS: ("authenticated",),
        **dict.fromkeys(member_tables(), ("authenticated",)),
    }


def policies(public_graph: bool) -> list[Policy]:
    graph = readers(public_graph)
    return [
        *(Policy(t, "nexus_read", graph[t], "true") for t in GRAPH_TABLES),
        Policy(NOTIFICATIONS, "nexus_notifications_read", readers(public_graph)[NOTIFICATIONS], NOTIFICATIONS_QUAL),
        *(Policy(t, "nexus_members_read", ("authenticated",), MEMBERS_QUAL) for t in member_tables()),
    ]


def expected_grants(public_graph: bool) -> frozenset:
    """{(role, table, "SELECT")}: everything anon and authenticated may hold."""
    return frozenset((role, table, "SELECT") for table, roles in readers(public_graph).items() for role in roles)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


LOCKDOWN_SQL = """
DO $lockdown$
DECLARE
  r record;
  spec record;
  role_name text;
  api_roles text[] := ARRAY(SELECT rolname::text FROM pg_roles WHERE rolname IN ('anon', 'authenticated'));
  has_service boolean := EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'service_role');
  readers text[] := %(readers)s;  -- 'table:role' pairs that may SELECT
  policies jsonb := %(policies)s;
  policy_keys text[] := ARRAY(SELECT (x->>'tbl') || ':' || (x->>'name') FROM jsonb_array_elements(policies) x);
  may_read boolean;
  rel regclass;
  want_roles text[];
  pol_oid oid;
  pol_ok boolean;
  pol_roles text[];
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
    FOREACH role_name IN ARRAY api_roles LOOP
      may_read := r.relkind IN ('r', 'p') AND (r.relname || ':' || role_name) = ANY (readers);
      -- PUBLIC too: a privilege held through PUBLIC is held by anon.
      IF r.relkind = 'S' THEN
        IF has_sequence_privilege(role_name, r.rel, 'USAGE, SELECT, UPDATE') THEN
          EXECUTE format('REVOKE ALL ON SEQUENCE %%s FROM PUBLIC, %%I', r.rel, role_name);
        END IF;
      ELSIF has_table_privilege(role_name, r.rel, 'INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')
            OR has_any_column_privilege(role_name, r.rel, 'INSERT, UPDATE, REFERENCES')
            OR (NOT may_read AND has_any_column_privilege(role_name, r.rel, 'SELECT')) THEN
        EXECUTE format('REVOKE ALL ON TABLE %%s FROM PUBLIC, %%I', r.rel, role_name);
      END IF;
      IF may_read AND NOT has_table_privilege(role_name, r.rel, 'SELECT') THEN
        EXECUTE format('GRANT SELECT ON TABLE %%s TO %%I', r.rel, role_name);
      END IF;
    END LOOP;
    IF r.relkind IN ('r', 'p') AND NOT r.relrowsecurity THEN
      EXECUTE format('ALTER TABLE %%s ENABLE ROW LEVEL SECURITY', r.rel);
    END IF;
    -- Only NEXUS's policies: another permissive one would widen what a role sees.
    FOR spec IN SELECT polname FROM pg_policy
             WHERE polrelid = r.rel AND NOT (r.relname || ':' || polname) = ANY (policy_keys) LOOP
      EXECUTE format('DROP POLICY %%I ON %%s', spec.polname, r.rel);
    END LOOP;
  END LOOP;

  -- NEXUS's policies. The comment 'nexus <definition fingerprint> <md5 of the stored expression>'
  -- tells whether a policy is the one this code writes, unaltered, on any PostgreSQL version
  -- (which prints expressions its own way); only the roles differ → ALTER POLICY, else recreate.
  FOR spec IN SELECT * FROM jsonb_to_recordset(policies) AS x(tbl text, name text, roles text, qual text, fp text) LOOP
    SELECT c.oid::regclass INTO rel FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = current_schema() AND c.relname = spec.tbl AND c.relkind IN ('r', 'p')
      AND c.relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user);
    CONTINUE WHEN rel IS NULL;
    want_roles := ARRAY(SELECT x FROM unnest(string_to_array(spec.roles, ',')) x WHERE x = ANY (api_roles) ORDER BY 1);
    SELECT pol.oid,
           pol.polcmd = 'r' AND pol.polpermissive AND pol.polwithcheck IS NULL
             AND obj_description(pol.oid, 'pg_policy')
                 IS NOT DISTINCT FROM format('nexus %%s %%s', spec.fp, md5(pg_get_expr(pol.polqual, pol.polrelid))),
           ARRAY(SELECT rolname::text FROM pg_roles WHERE oid = ANY (pol.polroles) ORDER BY 1)
      INTO pol_oid, pol_ok, pol_roles
    FROM pg_policy pol WHERE pol.polrelid = rel AND pol.polname = spec.name;
    IF cardinality(want_roles) = 0 THEN
      IF pol_oid IS NOT NULL THEN
        EXECUTE format('DROP POLICY %%I ON %%s', spec.name, rel);
      END IF;
    ELSIF pol_oid IS NULL OR NOT pol_ok THEN
      IF pol_oid IS NOT NULL THEN
        EXECUTE format('DROP POLICY %%I ON %%s', spec.name, rel);
      END IF;
      EXECUTE format('CREATE POLICY %%I ON %%s AS PERMISSIVE FOR SELECT TO %%s USING (%%s)',
                     spec.name, rel, array_to_string(want_roles, ', '), spec.qual);
      EXECUTE format('COMMENT ON POLICY %%I ON %%s IS %%L', spec.name, rel,
                     (SELECT format('nexus %%s %%s', spec.fp, md5(pg_get_expr(polqual, polrelid)))
                      FROM pg_policy WHERE polrelid = rel AND polname = spec.name));
    ELSIF pol_roles IS DISTINCT FROM want_roles THEN
      EXECUTE format('ALTER POLICY %%I ON %%s TO %%s', spec.name, rel, array_to_string(want_roles, ', '));
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
        EXECUTE format('REVOKE EXECUTE ON FUNCTION %%s FROM PUBLIC, %%I', r.fn, role_name);
      END IF;
    END LOOP;
    IF has_service AND NOT has_function_privilege('service_role', r.fn, 'EXECUTE') THEN
      EXECUTE format('GRANT EXECUTE ON FUNCTION %%s TO service_role', r.fn);
    END IF;
  END LOOP;
END
$lockdown$;
"""


def lockdown_sql(public_graph: bool) -> str:
    pairs = [f"{table}:{role}" for table, roles in readers(public_graph).items() for role in roles]
    spec = [
        {"tbl": p.table, "name": p.name, "roles": ",".join(p.roles), "qual": p.qual, "fp": p.fingerprint}
        for p in policies(public_graph)
    ]
    return LOCKDOWN_SQL % {
        "readers": "ARRAY[" + ", ".join(_literal(x) for x in pairs) + "]::text[]",
        "policies": _literal(json.dumps(spec)) + "::jsonb",
    }


def supabase_roles_present(cursor) -> bool:
    cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anon')")
    return bool(cursor.fetchone()[0])


def lock_down(connection, public_graph: bool | None = None) -> bool:
    """Apply the lockdown on ``connection`` if Supabase's roles exist. Returns whether it ran."""
    if connection.vendor != "postgresql":
        return False
    if public_graph is None:
        public_graph = public_graph_enabled()
    with connection.cursor() as cursor:
        if not supabase_roles_present(cursor):
            return False  # a cheap check first: post_migrate also fires after every test flush
        cursor.execute(lockdown_sql(public_graph))  # no parameters: '%' is sent as written
    return True


def lock_down_after_migrate(sender, using="default", **kwargs):
    """post_migrate receiver (nexus_site.supabase.apps calls it once per migrate)."""
    from django.db import connections

    lock_down(connections[using])
