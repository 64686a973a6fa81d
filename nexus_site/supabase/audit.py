"""What Supabase's API roles can reach in the database (``check_supabase``).

Two kinds of evidence, both from the Django connection (the schema owner):

* the catalog: grants of anon/authenticated on every relation and function of the current
  schema, RLS flags and policies — the findings Supabase's security advisor reports
  (``rls_disabled_in_public``, ``policy_exists_rls_disabled``, ``sensitive_columns_exposed``),
  and whether the notifications policies are the ones NEXUS writes;
* a live probe inside one transaction that is always rolled back: two probe notifications are
  inserted (as the owner), then as ``anon`` and as ``authenticated`` (with a viewer's JWT claims)
  SELECT / INSERT / UPDATE / DELETE on every table and a call of ``search_similar_nodes``, and
  as ``authenticated`` with several users' claims: whose probe notifications each one sees.

Expected (``nexus_site.supabase.rls``): authenticated reads nodes, edges and notifications (a
viewer its own person's rows, editor and admin every row) and the other realtime tables (rows only
for a JWT with a NEXUS role); anon reads nothing, or nodes and edges
with ``NEXUS_PUBLIC_GRAPH``; no writes and no ``search_similar_nodes`` for either.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field

from nexus_site.supabase.rls import API_ROLES, NOTIFICATIONS, expected_grants, policies, public_graph_enabled

TABLE_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")
SENSITIVE_COLUMN = re.compile(
    r"(pass(word)?|secret|token|api_?key|private_?key|ssn|salt|hash|credential|session_data)", re.I
)
# Columns the pattern names that hold no secret, each with the reason it may be read.
NOT_SENSITIVE = {
    # a digest of the alert's facts (its nodes and their fields, which every reader sees), kept to
    # tell whether they changed since someone resolved or dismissed the alert
    "immune_alert_states.evidence_hash",
}

PROBE_SELF, PROBE_OTHER = "nexus-probe-self", "nexus-probe-other"
PROBE_PEOPLE = (PROBE_SELF, PROBE_OTHER)


def jwt_claims(app_metadata: dict, **extra) -> str:
    """Claims as PostgREST and Realtime put them in ``request.jwt.claims`` for a signed-in user."""
    return json.dumps(
        {
            "sub": "nexus-probe-user",
            "role": "authenticated",
            "aud": "authenticated",
            "app_metadata": app_metadata,
            **extra,
        }
    )


VIEWER_CLAIMS = jwt_claims({"nexus_person_id": PROBE_SELF, "nexus_role": "viewer"})
# (who, claims, whose probe notifications they must see — no more, no less)
NOTIFICATION_CASES: tuple[tuple[str, str, set[str]], ...] = (
    ("viewer linked to a person", VIEWER_CLAIMS, {PROBE_SELF}),
    ("viewer linked to nobody", jwt_claims({"nexus_role": "viewer"}), set()),
    ("editor", jwt_claims({"nexus_role": "editor"}), set(PROBE_PEOPLE)),
    ("admin", jwt_claims({"nexus_role": "admin", "nexus_person_id": PROBE_OTHER}), set(PROBE_PEOPLE)),
    # Users can edit their own user_metadata: it must count for nothing.
    (
        "user claiming admin in user_metadata",
        jwt_claims({}, user_metadata={"nexus_role": "admin", "nexus_person_id": PROBE_OTHER}),
        set(),
    ),
)


class _Rollback(Exception):
    pass


@dataclass
class AuditReport:
    roles_present: bool
    public_graph: bool = False
    roles: list = field(default_factory=list)  # the API roles that exist here
    exposed: set = field(default_factory=set)  # {(role, object, privilege)}
    advisor: list = field(default_factory=list)  # [(lint name, object, detail)]
    probe: dict = field(default_factory=dict)  # {(role, object, action): "allowed" | "denied" | detail}
    notifications: dict = field(default_factory=dict)  # {who: (seen person ids, expected) | error text}
    policies: list = field(default_factory=list)  # [(table, policy, roles, expression)]
    notes: list = field(default_factory=list)

    @property
    def expected(self) -> frozenset:
        return frozenset(g for g in expected_grants(self.public_graph) if g[0] in self.roles)

    @property
    def unexpected(self) -> list:
        return sorted(self.exposed - self.expected)

    @property
    def missing(self) -> list:
        return sorted(self.expected - self.exposed) if self.roles_present else []

    @property
    def leaks(self) -> list:
        """[(who, person ids seen that are not theirs to see)]"""
        return [
            (who, sorted(r[0] - r[1]))
            for who, r in self.notifications.items()
            if not isinstance(r, str) and r[0] - r[1]
        ]

    @property
    def blind(self) -> list:
        """[(who, person ids whose notifications they should see but do not)] or an error."""
        out: list[tuple[str, str | list[str]]] = []
        for who, result in self.notifications.items():
            if isinstance(result, str):
                out.append((who, result))
            elif result[1] - result[0]:
                out.append((who, sorted(result[1] - result[0])))
        return out

    @property
    def ok(self) -> bool:
        return not (self.unexpected or self.advisor or self.missing or self.leaks or self.blind)


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
    cursor.execute(
        "SELECT e.extname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE n.nspname = current_schema() AND e.extname <> 'plpgsql'"
    )
    for (extension,) in cursor.fetchall():
        # Supabase's advisor warns (extension_in_public): its functions become callable over
        # /rest/v1/rpc. pgvector's are pure functions, so this is a note, not an exposure.
        report.notes.append(
            f"advisor extension_in_public: {extension} is installed in the exposed schema "
            "(Supabase installs it in 'extensions' when enabled from the dashboard)"
        )
    roles = report.roles
    cursor.execute(
        "SELECT c.relname FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema()"
    )
    with_policy = {r[0] for r in cursor.fetchall()}
    for name, kind, rls in _relations(cursor):
        if kind == "S":
            for role in roles:
                cursor.execute(
                    "SELECT has_sequence_privilege(%s, quote_ident(%s), 'USAGE') "
                    "OR has_sequence_privilege(%s, quote_ident(%s), 'UPDATE')",
                    [role, name, role, name],
                )
                if cursor.fetchone()[0]:
                    report.exposed.add((role, name, "USAGE"))
            continue
        for role in roles:
            for privilege in TABLE_PRIVILEGES:
                cursor.execute("SELECT has_table_privilege(%s, quote_ident(%s), %s)", [role, name, privilege])
                if cursor.fetchone()[0]:
                    report.exposed.add((role, name, privilege))
            for privilege in ("SELECT", "INSERT", "UPDATE", "REFERENCES"):  # column-level grants too
                cursor.execute(
                    "SELECT has_any_column_privilege(%s, quote_ident(%s), %s) "
                    "AND NOT has_table_privilege(%s, quote_ident(%s), %s)",
                    [role, name, privilege, role, name, privilege],
                )
                if cursor.fetchone()[0]:
                    report.exposed.add((role, name, f"{privilege} (columns)"))
        if kind in ("r", "p") and not rls:
            report.advisor.append(
                ("rls_disabled_in_public", name, "row-level security is off: any grant exposes every row")
            )
            if name in with_policy:
                report.advisor.append(
                    ("policy_exists_rls_disabled", name, "a policy exists but RLS is off, so it is ignored")
                )
        readable = any(role for (role, table, p) in report.exposed if table == name and p.startswith("SELECT"))
        if readable:
            cursor.execute(
                "SELECT attname FROM pg_attribute WHERE attrelid = quote_ident(%s)::regclass "
                "AND attnum > 0 AND NOT attisdropped",
                [name],
            )
            for (column,) in cursor.fetchall():
                if SENSITIVE_COLUMN.search(column) and f"{name}.{column}" not in NOT_SENSITIVE:
                    report.advisor.append(
                        ("sensitive_columns_exposed", f"{name}.{column}", "readable with Supabase's API keys")
                    )
    _policies(cursor, report)
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


def _policies(cursor, report: AuditReport) -> None:
    """NEXUS's policies must be the ones it writes; nobody else's may widen notifications."""
    wanted = {(p.table, p.name): p for p in policies(report.public_graph)}
    cursor.execute("""
        SELECT c.relname, pol.polname, pol.polcmd, pol.polpermissive,
               ARRAY(SELECT CASE WHEN r = 0 THEN 'public' ELSE r::regrole::text END
                     FROM unnest(pol.polroles) r ORDER BY 1),
               obj_description(pol.oid, 'pg_policy'),
               pg_get_expr(pol.polqual, pol.polrelid)
        FROM pg_policy pol JOIN pg_class c ON c.oid = pol.polrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema() ORDER BY 1, 2""")
    for table, name, cmd, permissive, roles, comment, expression in cursor.fetchall():
        report.policies.append((table, name, list(roles), expression))
        spec = wanted.get((table, name))
        if spec is not None:
            stored = hashlib.md5((expression or "").encode()).hexdigest()
            if cmd != "r" or not permissive or comment != f"nexus {spec.fingerprint} {stored}":
                report.advisor.append(
                    (
                        "nexus_policy_altered",
                        f"{table}.{name}",
                        f"not the policy NEXUS writes (USING ({expression})); `migrate` restores it",
                    )
                )
        elif table == NOTIFICATIONS and permissive and cmd in ("r", "*"):
            report.advisor.append(
                (
                    "notifications_policy_not_nexus",
                    f"{table}.{name}",
                    f"for {', '.join(roles)} USING ({expression}): widens whose notifications "
                    "a role reads; `migrate` drops it",
                )
            )


def _savepoint(cursor, sql, params=()):
    """Run one statement under a savepoint: ("allowed", rows) or ("denied" | error text, None)."""
    import psycopg

    cursor.execute("SAVEPOINT nexus_probe")
    rows = None
    try:
        cursor.execute(sql, params)
        outcome = "allowed"
        rows = cursor.fetchall() if cursor.description else []
    except psycopg.errors.InsufficientPrivilege:
        outcome = "denied"
    except psycopg.Error as exc:
        # The statement got past the privilege check (e.g. a NOT NULL violation): reachable.
        outcome = f"reachable ({type(exc).__name__}: {str(exc).splitlines()[0]})"
    cursor.execute("ROLLBACK TO SAVEPOINT nexus_probe")
    return outcome, rows


def _attempt(cursor, sql, params=()) -> str:
    return _savepoint(cursor, sql, params)[0]


def is_denied(outcome: str) -> bool:
    # A function that does not exist cannot be called either.
    return outcome == "denied" or outcome.startswith("reachable (UndefinedFunction")


def _insert_probe_notifications(cursor) -> bool:
    """As the owner, kept until the probe's transaction is rolled back."""
    import psycopg

    cursor.execute("SAVEPOINT nexus_seed")
    try:
        cursor.execute(
            "INSERT INTO notifications (person_id, summary) VALUES (%s, %s), (%s, %s)",
            [PROBE_SELF, "check_supabase probe (rolled back)", PROBE_OTHER, "check_supabase probe (rolled back)"],
        )
    except psycopg.Error:
        cursor.execute("ROLLBACK TO SAVEPOINT nexus_seed")
        return False
    cursor.execute("RELEASE SAVEPOINT nexus_seed")
    return True


def _become(cursor, role: str, claims: str | None = None) -> None:
    cursor.execute(f"SET LOCAL ROLE {role}")
    cursor.execute("SELECT set_config('request.jwt.claims', %s, true)", [claims or ""])


def _live_probe(connection, report: AuditReport) -> None:
    from django.db import transaction
    from psycopg import sql as q

    raw = connection.connection  # psycopg connection underneath Django's wrapper
    try:
        with transaction.atomic(using=connection.alias):
            with raw.cursor() as cursor:
                names = [n for n, k, _ in _relations(cursor) if k in ("r", "p", "v", "m")]
                first_column = {}
                for name in names:
                    cursor.execute(
                        "SELECT attname FROM pg_attribute WHERE attrelid = quote_ident(%s)::regclass "
                        "AND attnum > 0 AND NOT attisdropped ORDER BY attnum LIMIT 1",
                        [name],
                    )
                    first_column[name] = cursor.fetchone()[0]
                seeded = NOTIFICATIONS in names and _insert_probe_notifications(cursor)
                if not seeded and "authenticated" in report.roles:
                    report.notes.append("could not insert probe notifications; per-person visibility not probed")
                for role in report.roles:
                    cursor.execute("SAVEPOINT nexus_role")
                    try:
                        _become(cursor, role, VIEWER_CLAIMS if role == "authenticated" else None)
                    except Exception as exc:
                        cursor.execute("ROLLBACK TO SAVEPOINT nexus_role")
                        report.notes.append(f"live probe skipped: cannot SET ROLE {role} ({str(exc).splitlines()[0]})")
                        continue
                    for name in names:
                        table, column = q.Identifier(name), q.Identifier(first_column[name])
                        report.probe[(role, name, "select")] = _attempt(
                            cursor, q.SQL("SELECT * FROM {} LIMIT 1").format(table)
                        )
                        report.probe[(role, name, "insert")] = _attempt(
                            cursor, q.SQL("INSERT INTO {} DEFAULT VALUES").format(table)
                        )
                        report.probe[(role, name, "update")] = _attempt(
                            cursor, q.SQL("UPDATE {} SET {} = {} WHERE false").format(table, column, column)
                        )
                        report.probe[(role, name, "delete")] = _attempt(
                            cursor, q.SQL("DELETE FROM {} WHERE false").format(table)
                        )
                    report.probe[(role, "search_similar_nodes", "execute")] = _attempt(
                        cursor, "SELECT * FROM search_similar_nodes(NULL, 1, 0)"
                    )
                    if role == "authenticated" and seeded:
                        for who, claims, expected in NOTIFICATION_CASES:
                            _become(cursor, role, claims)
                            outcome, rows = _savepoint(
                                cursor,
                                "SELECT DISTINCT person_id FROM notifications WHERE person_id = ANY(%s)",
                                [list(PROBE_PEOPLE)],
                            )
                            report.notifications[who] = (
                                ({r[0] for r in rows}, expected)
                                if rows is not None
                                else f"cannot read notifications ({outcome})"
                            )
                    cursor.execute("RESET ROLE")
            raise _Rollback  # whatever happened, nothing of the probe is kept
    except _Rollback:
        pass
    for (role, obj, action), outcome in report.probe.items():
        if is_denied(outcome):
            continue
        privilege = "EXECUTE" if action == "execute" else action.upper()
        report.exposed.add((role, obj, privilege))


def audit_database(connection=None, public_graph: bool | None = None) -> AuditReport:
    """Catalog findings and a rolled-back live probe as anon and authenticated, on the Django connection."""
    from django.db import connection as default_connection

    connection = connection or default_connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolname FROM pg_roles WHERE rolname = ANY(%s) ORDER BY 1", [list(API_ROLES)])
        roles = [r[0] for r in cursor.fetchall()]
        report = AuditReport(
            roles_present="anon" in roles,
            roles=roles,
            public_graph=public_graph_enabled() if public_graph is None else public_graph,
        )
        if not report.roles_present:
            report.notes.append(
                "role anon does not exist here (not a Supabase database): "
                "nothing is reachable through Supabase's API keys"
            )
            return report
        _catalog(cursor, report)
    _live_probe(connection, report)
    return report
