"""What Supabase's public keys can reach in the database (``check_supabase``, issue 7).

Two kinds of evidence, both from the Django connection (the schema owner):

* the catalog: grants of anon/authenticated on every relation and function of the current
  schema, RLS flags and policies — the findings Supabase's security advisor reports
  (``rls_disabled_in_public``, ``policy_exists_rls_disabled``, ``sensitive_columns_exposed``);
* a live probe: ``SET LOCAL ROLE anon`` inside a transaction that is always rolled back, then
  SELECT / INSERT / UPDATE / DELETE on every table and a call of ``search_similar_nodes``.

Expected: anon and authenticated may SELECT nodes, edges, notifications and nothing else.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from nexus_site.supabase_rls import PUBLIC_READ_TABLES

API_ROLES = ("anon", "authenticated")
TABLE_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")
SENSITIVE_COLUMN = re.compile(
    r"(pass(word)?|secret|token|api_?key|private_?key|ssn|salt|hash|credential|session_data)", re.I)
EXPECTED = frozenset((role, table, "SELECT") for role in API_ROLES for table in PUBLIC_READ_TABLES)


class _Rollback(Exception):
    pass


@dataclass
class AuditReport:
    roles_present: bool
    exposed: set = field(default_factory=set)  # {(role, object, privilege)}
    advisor: list = field(default_factory=list)  # [(lint name, object, detail)]
    probe: dict = field(default_factory=dict)  # {(object, action): "allowed" | "denied" | detail}
    notes: list = field(default_factory=list)

    @property
    def unexpected(self) -> list:
        return sorted(self.exposed - EXPECTED)

    @property
    def missing(self) -> list:
        return sorted(EXPECTED - self.exposed) if self.roles_present else []

    @property
    def ok(self) -> bool:
        return not self.unexpected and not self.advisor and not self.missing


def _relations(cursor) -> list[tuple[str, str, bool]]:
    cursor.execute("""
        SELECT c.relname, c.relkind, c.relrowsecurity
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                          AND d.objid = c.oid AND d.deptype = 'e')
        ORDER BY c.relname""")
    return cursor.fetchall()


def _catalog(cursor, report: AuditReport) -> None:
    cursor.execute("SELECT e.extname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
                   "WHERE n.nspname = current_schema() AND e.extname <> 'plpgsql'")
    for (extension,) in cursor.fetchall():
        # Supabase's advisor warns (extension_in_public): its functions become callable over
        # /rest/v1/rpc. pgvector's are pure functions, so this is a note, not an exposure.
        report.notes.append(f"advisor extension_in_public: {extension} is installed in the exposed schema "
                            "(Supabase installs it in 'extensions' when enabled from the dashboard)")
    cursor.execute("SELECT rolname FROM pg_roles WHERE rolname = ANY(%s)", [list(API_ROLES)])
    roles = [r[0] for r in cursor.fetchall()]
    cursor.execute("SELECT c.relname FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid "
                   "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema()")
    with_policy = {r[0] for r in cursor.fetchall()}
    for name, kind, rls in _relations(cursor):
        if kind == "S":
            for role in roles:
                cursor.execute("SELECT has_sequence_privilege(%s, quote_ident(%s), 'USAGE') "
                               "OR has_sequence_privilege(%s, quote_ident(%s), 'UPDATE')",
                               [role, name, role, name])
                if cursor.fetchone()[0]:
                    report.exposed.add((role, name, "USAGE"))
            continue
        for role in roles:
            for privilege in TABLE_PRIVILEGES:
                cursor.execute("SELECT has_table_privilege(%s, quote_ident(%s), %s)", [role, name, privilege])
                if cursor.fetchone()[0]:
                    report.exposed.add((role, name, privilege))
        if kind in ("r", "p"):
            if not rls:
                report.advisor.append(("rls_disabled_in_public", name,
                                       "row-level security is off: any grant exposes every row"))
                if name in with_policy:
                    report.advisor.append(("policy_exists_rls_disabled", name,
                                           "a policy exists but RLS is off, so it is ignored"))
        readable = any(role for (role, table, p) in report.exposed if table == name and p == "SELECT")
        if readable:
            cursor.execute("SELECT attname FROM pg_attribute WHERE attrelid = quote_ident(%s)::regclass "
                           "AND attnum > 0 AND NOT attisdropped", [name])
            for (column,) in cursor.fetchall():
                if SENSITIVE_COLUMN.search(column):
                    report.advisor.append(("sensitive_columns_exposed", f"{name}.{column}",
                                           "readable with the public anon key"))
    cursor.execute("""
        SELECT p.oid::regprocedure::text, p.proname FROM pg_proc p
        JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = current_schema() AND p.prokind = 'f'
          AND p.prorettype <> 'trigger'::regtype
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                          AND d.objid = p.oid AND d.deptype = 'e')""")
    for signature, proname in cursor.fetchall():
        for role in roles:
            cursor.execute("SELECT has_function_privilege(%s, %s, 'EXECUTE')", [role, signature])
            if cursor.fetchone()[0]:
                report.exposed.add((role, proname, "EXECUTE"))


def _attempt(cursor, sql: str, params=()) -> str:
    """Run one statement under a savepoint: "allowed", "denied" or the error's first line."""
    import psycopg

    cursor.execute("SAVEPOINT nexus_probe")
    try:
        cursor.execute(sql, params)
        outcome = "allowed"
    except psycopg.errors.InsufficientPrivilege:
        outcome = "denied"
    except psycopg.Error as exc:
        # The statement got past the privilege check (e.g. a NOT NULL violation): reachable.
        outcome = f"reachable ({type(exc).__name__}: {str(exc).splitlines()[0]})"
    cursor.execute("ROLLBACK TO SAVEPOINT nexus_probe")
    return outcome


def is_denied(outcome: str) -> bool:
    # A function that does not exist cannot be called either.
    return outcome == "denied" or outcome.startswith("reachable (UndefinedFunction")


def _live_probe(connection, report: AuditReport, role: str = "anon") -> None:
    from django.db import transaction

    raw = connection.connection  # psycopg connection underneath Django's wrapper
    try:
        with transaction.atomic(using=connection.alias):
            with raw.cursor() as cursor:
                names = [n for n, k, _ in _relations(cursor) if k in ("r", "p", "v", "m")]
                first_column = {}
                for name in names:
                    cursor.execute("SELECT attname FROM pg_attribute WHERE attrelid = quote_ident(%s)::regclass "
                                   "AND attnum > 0 AND NOT attisdropped ORDER BY attnum LIMIT 1", [name])
                    first_column[name] = cursor.fetchone()[0]
                cursor.execute("SAVEPOINT nexus_role")
                try:
                    cursor.execute(f"SET LOCAL ROLE {role}")
                except Exception as exc:
                    cursor.execute("ROLLBACK TO SAVEPOINT nexus_role")
                    report.notes.append(f"live probe skipped: cannot SET ROLE {role} ({str(exc).splitlines()[0]})")
                    raise _Rollback from None
                from psycopg import sql as q

                for name in names:
                    table, column = q.Identifier(name), q.Identifier(first_column[name])
                    report.probe[(name, "select")] = _attempt(cursor, q.SQL("SELECT * FROM {} LIMIT 1").format(table))
                    report.probe[(name, "insert")] = _attempt(cursor, q.SQL("INSERT INTO {} DEFAULT VALUES").format(table))
                    report.probe[(name, "update")] = _attempt(
                        cursor, q.SQL("UPDATE {} SET {} = {} WHERE false").format(table, column, column))
                    report.probe[(name, "delete")] = _attempt(cursor, q.SQL("DELETE FROM {} WHERE false").format(table))
                report.probe[("search_similar_nodes", "execute")] = _attempt(
                    cursor, "SELECT * FROM search_similar_nodes(NULL, 1, 0)")
            raise _Rollback  # whatever happened, nothing of the probe is kept
    except _Rollback:
        pass
    for (obj, action), outcome in report.probe.items():
        if is_denied(outcome):
            continue
        privilege = "EXECUTE" if action == "execute" else action.upper()
        report.exposed.add((role, obj, privilege))


def audit_database(connection=None) -> AuditReport:
    """Catalog findings and a rolled-back live probe as anon, on the Django connection."""
    from django.db import connection as default_connection

    connection = connection or default_connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anon')")
        present = cursor.fetchone()[0]
        report = AuditReport(roles_present=present)
        if not present:
            report.notes.append("role anon does not exist here (not a Supabase database): "
                                "nothing is reachable through Supabase's API keys")
            return report
        _catalog(cursor, report)
    _live_probe(connection, report)
    return report
