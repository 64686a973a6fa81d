"""The database boundary on a Supabase-shaped database (see tests/supabase_shape.py for what
"Supabase-shaped" means): the public anon key reaches no NEXUS table (nodes and edges, read-only,
with NEXUS_PUBLIC_GRAPH=true); a signed-in Supabase user (role ``authenticated``, claims in
``request.jwt.claims``) reads nodes, edges and the notifications its JWT's app_metadata allows,
and — with a NEXUS role in the JWT — alert states, immune scans and task graphs; nobody writes.

Each test runs against both default-privilege shapes: ``current`` (since 2026-10-30 new tables
are granted to service_role only) and ``legacy`` (older projects grant them to anon too).
"""

import json

import psycopg
import pytest
from psycopg import sql

from nexus_site.supabase.tests.supabase_shape import OWNER, make_supabase_database
from tests.spec_tables import NEXUS_TABLES

MEMBER_TABLES = {"immune_alert_states", "immune_scans", "task_graphs"}  # rows for any NEXUS role
READABLE = {"nodes", "edges", "notifications"} | MEMBER_TABLES  # by authenticated
PUBLIC_GRAPH = {"nodes", "edges"}  # by anon, with NEXUS_PUBLIC_GRAPH=true only


def claims(person_id=None, role=None, **extra) -> str:
    app_metadata = {k: v for k, v in (("nexus_person_id", person_id), ("nexus_role", role)) if v}
    return json.dumps(
        {
            "sub": f"u-{person_id or role}",
            "role": "authenticated",
            "aud": "authenticated",
            "app_metadata": app_metadata,
            **extra,
        }
    )


VIEWER_P01 = claims("p-01", "viewer")
VIEWER_P02 = claims("p-02", "viewer")
EDITOR = claims(role="editor")
ADMIN = claims("p-03", "admin")


@pytest.fixture(scope="module", params=["current", "legacy"])
def supabase_db(request, django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        db = make_supabase_database(request.param)
    yield db
    with psycopg.connect(dbname="postgres", user="postgres", host=db.host, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db.name)))


def tables(conn) -> list[str]:
    rows = conn.execute("""
        SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1""").fetchall()
    return [r[0] for r in rows]


def first_column(conn, table: str) -> str:
    return conn.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
        "AND NOT attisdropped ORDER BY attnum LIMIT 1",
        [table],
    ).fetchone()[0]


def become(conn, role: str, jwt_claims: str | None = None) -> None:
    """What PostgREST and Supabase Realtime do for a request: the role, then the verified claims."""
    conn.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(role)))
    if jwt_claims is not None:
        conn.execute("SELECT set_config('request.jwt.claims', %s, true)", [jwt_claims])


def attempt(conn, role: str, statement, jwt_claims: str | None = None) -> str:
    """Run ``statement`` as ``role`` in a transaction that is always rolled back."""
    try:
        with conn.transaction(force_rollback=True):
            become(conn, role, jwt_claims)
            conn.execute(statement)
        return "allowed"
    except psycopg.errors.InsufficientPrivilege:
        return "denied"
    except psycopg.Error as exc:
        return f"reached the table: {exc.sqlstate} {str(exc).splitlines()[0]}"


def statements(conn, table: str) -> dict:
    t, c = sql.Identifier(table), sql.Identifier(first_column(conn, table))
    return {
        "select": sql.SQL("SELECT * FROM {} LIMIT 1").format(t),
        "insert": sql.SQL("INSERT INTO {} DEFAULT VALUES").format(t),
        "update": sql.SQL("UPDATE {} SET {} = {}").format(t, c, c),
        "delete": sql.SQL("DELETE FROM {}").format(t),
        "truncate": sql.SQL("TRUNCATE {} CASCADE").format(t),
    }


def test_migrations_run_on_supabase_shape(supabase_db):
    assert "supabase.0001_realtime_publication_and_rls... OK" in supabase_db.migrate_output
    with supabase_db.connect() as conn:
        assert conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()[0] is False
        assert (
            conn.execute(
                "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
                "WHERE e.extname = 'vector'"
            ).fetchone()[0]
            == "extensions"
        )
        published = {
            r[0]
            for r in conn.execute("SELECT tablename FROM pg_publication_tables WHERE pubname = 'supabase_realtime'")
        }
        assert published >= READABLE
        assert conn.execute("SELECT count(*) FROM nodes").fetchone()[0] == 88
        assert set(tables(conn)) >= NEXUS_TABLES


def reachable(conn, role: str, jwt_claims: str | None = None) -> dict:
    """{(table, action): outcome} for every table and action that is not denied."""
    names = tables(conn)
    assert set(names) >= NEXUS_TABLES
    outcomes = {
        (t, action): attempt(conn, role, stmt, jwt_claims)
        for t in names
        for action, stmt in statements(conn, t).items()
    }
    return {key: outcome for key, outcome in outcomes.items() if outcome != "denied"}


def test_anon_reaches_no_table_by_default(supabase_db):
    with supabase_db.connect() as conn:
        assert reachable(conn, "anon") == {}


@pytest.mark.parametrize("who", [VIEWER_P01, EDITOR, ADMIN, None], ids=["viewer", "editor", "admin", "no-claims"])
def test_authenticated_reads_graph_and_notifications_and_writes_nothing(supabase_db, who):
    with supabase_db.connect() as conn:
        allowed = reachable(conn, "authenticated", who)
    assert set(allowed) == {(t, "select") for t in READABLE}, allowed


def test_authenticated_sees_every_node_and_edge_anon_none(supabase_db):
    with supabase_db.connect() as conn:
        with conn.transaction(force_rollback=True):
            become(conn, "authenticated", VIEWER_P02)
            assert conn.execute("SELECT count(*) FROM nodes").fetchone()[0] == 88
            assert conn.execute("SELECT count(*) FROM edges").fetchone()[0] > 0
        for table in READABLE:
            assert attempt(conn, "anon", sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))) == "denied"


NOTIFIED = {"p-01": 3, "p-02": 2, "p-05": 1}


def visible_notifications(conn, role: str, jwt_claims: str | None) -> dict:
    """As ``role`` with ``jwt_claims``: {person_id: rows seen} among notifications written for the
    test (as the owner, in a transaction that is rolled back)."""
    with conn.transaction(force_rollback=True):
        for person, n in NOTIFIED.items():
            for i in range(n):
                conn.execute(
                    "INSERT INTO notifications (person_id, summary) VALUES (%s, %s)", [person, f"rls probe {i}"]
                )
        become(conn, role, jwt_claims)
        rows = conn.execute(
            "SELECT person_id, count(*) FROM notifications WHERE summary LIKE 'rls probe %' GROUP BY 1"
        ).fetchall()
    return dict(rows)


@pytest.mark.parametrize(
    "who, expected",
    [
        (VIEWER_P01, {"p-01": 3}),
        (VIEWER_P02, {"p-02": 2}),
        (claims("p-77", "viewer"), {}),  # linked to a person nobody notified
        (claims(role="viewer"), {}),  # linked to no person
        (claims("p-01"), {"p-01": 3}),  # no role claimed: still only their own
        (EDITOR, NOTIFIED),
        (ADMIN, NOTIFIED),
        (claims("p-01", "Editor"), {"p-01": 3}),  # roles are exact
        # user_metadata is editable by the user: it must count for nothing.
        (claims(user_metadata={"nexus_role": "admin", "nexus_person_id": "p-01"}), {}),
        (json.dumps({"sub": "u-x", "role": "authenticated", "nexus_role": "admin", "nexus_person_id": "p-01"}), {}),
    ],
    ids=[
        "viewer-p01",
        "viewer-p02",
        "viewer-unnotified",
        "viewer-unlinked",
        "no-role",
        "editor",
        "admin",
        "role-case",
        "user-metadata",
        "top-level-claims",
    ],
)
def test_authenticated_sees_notifications_per_jwt_app_metadata(supabase_db, who, expected):
    with supabase_db.connect() as conn:
        assert visible_notifications(conn, "authenticated", who) == expected


def test_viewer_never_sees_another_persons_notification(supabase_db):
    with supabase_db.connect() as conn:
        p01 = visible_notifications(conn, "authenticated", VIEWER_P01)
        p02 = visible_notifications(conn, "authenticated", VIEWER_P02)
    assert set(p01) == {"p-01"} and set(p02) == {"p-02"}


@pytest.mark.parametrize(
    "who, sees",
    [
        (VIEWER_P01, True),
        (EDITOR, True),
        (ADMIN, True),
        (claims("p-01"), False),  # a Supabase user NEXUS gave no role
        (claims("p-01", "Viewer"), False),  # roles are exact
        (claims(user_metadata={"nexus_role": "viewer"}), False),
        (None, False),
    ],
    ids=["viewer", "editor", "admin", "no-role", "role-case", "user-metadata", "no-claims"],
)
def test_alert_states_scans_and_plans_are_read_by_users_with_a_nexus_role(supabase_db, who, sees):
    """What Realtime delivers of them: the rows a subscriber may SELECT (every row, as NEXUS's API
    shows them to every viewer), nothing for a Supabase user without a NEXUS role, never to anon."""
    with supabase_db.connect() as conn, conn.transaction(force_rollback=True):
        conn.execute(
            "INSERT INTO immune_alert_states (fingerprint, agent, evidence_hash) VALUES ('rls:probe', 'orphan', 'e')"
        )
        conn.execute("INSERT INTO immune_scans (agents_run) VALUES ('[]')")
        conn.execute("INSERT INTO task_graphs (tasks) VALUES ('[]')")
        become(conn, "authenticated", who)
        counts = {
            t: conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(t))).fetchone()[0]
            for t in MEMBER_TABLES
        }
    assert all(n > 0 for n in counts.values()) if sees else counts == dict.fromkeys(MEMBER_TABLES, 0), counts
    with supabase_db.connect() as conn:
        for table in MEMBER_TABLES:
            stmt = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
            assert attempt(conn, "anon", stmt, EDITOR) == "denied", table


def test_authenticated_without_claims_sees_no_notification_and_no_error(supabase_db):
    """A session where claims were set transaction-locally before reads '' afterwards (not NULL):
    the policy must treat that as nobody, not fail the query."""
    with supabase_db.connect() as conn:
        assert visible_notifications(conn, "authenticated", VIEWER_P01) == {"p-01": 3}
        assert conn.execute("SELECT current_setting('request.jwt.claims', true)").fetchone()[0] == ""
        assert visible_notifications(conn, "authenticated", None) == {}
        assert visible_notifications(conn, "authenticated", "") == {}


def test_anon_cannot_read_notifications(supabase_db):
    with supabase_db.connect() as conn:
        assert attempt(conn, "anon", "SELECT * FROM notifications", VIEWER_P01) == "denied"
        assert attempt(conn, "anon", "SELECT * FROM notifications", EDITOR) == "denied"


@pytest.mark.parametrize("who", [VIEWER_P01, EDITOR, ADMIN], ids=["viewer", "editor", "admin"])
def test_signed_in_roles_and_anon_write_nothing(supabase_db, who):
    with supabase_db.connect() as conn:
        for statement in (
            "INSERT INTO notifications (person_id, summary) VALUES ('p-01', 'x')",
            "UPDATE notifications SET acknowledged = true WHERE person_id = 'p-01'",
            "DELETE FROM notifications WHERE person_id = 'p-01'",
            "INSERT INTO nodes (id, type, label) VALUES ('rls-w', 'person', 'W')",
            "UPDATE nodes SET label = label",
            "DELETE FROM edges",
        ):
            assert attempt(conn, "authenticated", statement, who) == "denied", statement
            assert attempt(conn, "anon", statement) == "denied", statement


@pytest.mark.parametrize("table", sorted(NEXUS_TABLES - READABLE) + ["auth_user", "django_session"])
def test_anon_cannot_read_private_table(supabase_db, table):
    with supabase_db.connect() as conn:
        assert attempt(conn, "anon", sql.SQL("SELECT * FROM {} LIMIT 1").format(sql.Identifier(table))) == "denied"


def test_change_log_table_is_private_when_present(supabase_db):
    with supabase_db.connect() as conn:
        logs = [t for t in tables(conn) if "change" in t and t not in NEXUS_TABLES]
        for table in logs:
            stmt = sql.SQL("SELECT * FROM {} LIMIT 1").format(sql.Identifier(table))
            assert attempt(conn, "anon", stmt) == "denied", table
            assert conn.execute("SELECT relrowsecurity FROM pg_class WHERE oid = %s::regclass", [table]).fetchone()[
                0
            ], table


def test_search_similar_nodes_not_executable_by_api_roles(supabase_db):
    call = "SELECT * FROM search_similar_nodes((SELECT embedding FROM node_embeddings LIMIT 1), 3, 0)"
    with supabase_db.connect() as conn:
        assert attempt(conn, "anon", "SELECT * FROM search_similar_nodes(NULL, 3, 0)") == "denied"
        assert attempt(conn, "authenticated", "SELECT * FROM search_similar_nodes(NULL, 3, 0)") == "denied"
        # The server-side roles keep it: the schema owner and service_role (bypasses RLS).
        assert len(conn.execute(call).fetchall()) == 3
        with conn.transaction(force_rollback=True):
            conn.execute("SET LOCAL ROLE service_role")
            assert len(conn.execute(call).fetchall()) == 3


def test_every_table_has_row_level_security(supabase_db):
    with supabase_db.connect() as conn:
        off = [
            r[0]
            for r in conn.execute(
                "SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND relkind IN ('r','p') AND NOT relrowsecurity"
            )
        ]
        policies = {
            (r[0], r[1]): (r[2], r[3], r[4])
            for r in conn.execute(
                "SELECT tablename, policyname, cmd, permissive, roles::text FROM pg_policies WHERE schemaname = 'public'"
            )
        }
    assert off == []
    assert policies == {
        ("nodes", "nexus_read"): ("SELECT", "PERMISSIVE", "{authenticated}"),
        ("edges", "nexus_read"): ("SELECT", "PERMISSIVE", "{authenticated}"),
        ("notifications", "nexus_notifications_read"): ("SELECT", "PERMISSIVE", "{authenticated}"),
        **{(t, "nexus_members_read"): ("SELECT", "PERMISSIVE", "{authenticated}") for t in MEMBER_TABLES},
    }


def test_owner_keeps_full_access(supabase_db):
    with supabase_db.connect() as conn, conn.transaction(force_rollback=True):
        conn.execute("INSERT INTO nodes (id, type, label) VALUES ('probe-owner', 'person', 'Probe')")
        conn.execute("UPDATE nodes SET label = 'Probe 2' WHERE id = 'probe-owner'")
        conn.execute(
            "INSERT INTO llm_usage (model, input_tokens, output_tokens, cost_usd, task_type) "
            "VALUES ('m', 1, 1, 0, 'probe')"
        )
        assert conn.execute("SELECT count(*) FROM llm_usage").fetchone()[0] >= 1
        assert conn.execute("DELETE FROM nodes WHERE id = 'probe-owner'").rowcount == 1


def test_lockdown_covers_tables_added_by_later_migrations(supabase_db):
    """A table created after the first migrate (legacy shape: granted to anon by default) is
    locked down by the next ``migrate``, even when that migrate applies nothing."""
    with supabase_db.connect(autocommit=True) as conn:
        conn.execute("CREATE TABLE later_table (id int PRIMARY KEY, secret text)")
        try:
            rerun = supabase_db.manage("migrate", "--no-input")
            assert rerun.returncode == 0, rerun.stderr
            assert "No migrations to apply" in rerun.stdout
            assert attempt(conn, "anon", "SELECT * FROM later_table") == "denied"
            assert attempt(conn, "anon", "INSERT INTO later_table VALUES (1, 'x')") == "denied"
            assert conn.execute("SELECT relrowsecurity FROM pg_class WHERE relname = 'later_table'").fetchone()[0]
        finally:
            conn.execute("DROP TABLE later_table")


def test_check_supabase_database_reports_safe_project(supabase_db):
    result = supabase_db.manage("check_supabase")
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "NEXUS_PUBLIC_GRAPH=false: the anon key may read no NEXUS table" in out
    assert "  anon reaches: —\n" in out
    assert (
        "  authenticated reaches: SELECT edges, SELECT immune_alert_states, SELECT immune_scans, "
        "SELECT nodes, SELECT notifications, SELECT task_graphs\n"
    ) in out
    assert (
        "notifications as authenticated, viewer linked to a person: sees nexus-probe-self "
        "(expected nexus-probe-self) — as expected"
    ) in out
    assert "notifications as authenticated, editor: sees nexus-probe-other, nexus-probe-self" in out
    assert (
        "OK: anon reaches no NEXUS table; authenticated reads nodes, edges and its own notifications "
        "(editor and admin: all), and with a NEXUS role immune_alert_states, immune_scans, task_graphs;"
    ) in out
    assert "EXPOSED" not in out and "LEAK" not in out and "MISSING" not in out


def test_check_supabase_database_flags_unsafe_project(supabase_db):
    """Break the lockdown the ways a hand-edited project does, then repair it."""
    breakage = [
        "GRANT INSERT ON llm_usage TO anon",
        "GRANT SELECT ON auth_user TO anon",
        "ALTER TABLE django_session DISABLE ROW LEVEL SECURITY",
        "ALTER TABLE notifications DISABLE ROW LEVEL SECURITY",
        "GRANT EXECUTE ON FUNCTION search_similar_nodes(vector, integer, double precision) TO anon",
    ]
    repair = [
        "REVOKE INSERT ON llm_usage FROM anon",
        "REVOKE SELECT ON auth_user FROM anon",
        "ALTER TABLE django_session ENABLE ROW LEVEL SECURITY",
        "ALTER TABLE notifications ENABLE ROW LEVEL SECURITY",
        "REVOKE EXECUTE ON FUNCTION search_similar_nodes(vector, integer, double precision) FROM anon",
    ]
    with supabase_db.connect(autocommit=True) as conn:
        for statement in breakage:
            conn.execute(statement)
        try:
            result = supabase_db.manage("check_supabase")
        finally:
            for statement in repair:
                conn.execute(statement)
    out = result.stdout
    assert result.returncode == 1, out + result.stderr
    assert "EXPOSED: llm_usage — anon has INSERT" in out
    assert "EXPOSED: auth_user — anon has SELECT" in out
    assert "EXPOSED: search_similar_nodes — anon has EXECUTE" in out
    assert "advisor rls_disabled_in_public: django_session" in out
    assert "advisor policy_exists_rls_disabled: notifications" in out
    assert "advisor sensitive_columns_exposed: auth_user.password" in out
    assert "reach more (or less) than NEXUS expects" in result.stderr
    # Repaired: clean again.
    assert supabase_db.manage("check_supabase").returncode == 0


def broken(supabase_db, breakage: list[str], repair: list[str], public_graph: bool = False):
    """check_supabase's result while ``breakage`` is applied by hand; repaired afterwards."""
    with supabase_db.connect(autocommit=True) as conn:
        for statement in breakage:
            conn.execute(statement)
        try:
            return supabase_db.manage("check_supabase", public_graph=public_graph)
        finally:
            for statement in repair:
                conn.execute(statement)


@pytest.mark.parametrize("public_graph", [False, True], ids=["private-graph", "public-graph"])
def test_check_supabase_flags_anon_select_on_notifications(supabase_db, public_graph):
    if public_graph:
        assert supabase_db.manage("migrate", "--no-input", public_graph=True).returncode == 0
    try:
        result = broken(
            supabase_db,
            ["GRANT SELECT ON notifications TO anon"],
            ["REVOKE SELECT ON notifications FROM anon"],
            public_graph,
        )
        assert result.returncode == 1, result.stdout + result.stderr
        assert "EXPOSED: notifications — anon has SELECT" in result.stdout
        assert supabase_db.manage("check_supabase", public_graph=public_graph).returncode == 0
    finally:
        assert supabase_db.manage("migrate", "--no-input").returncode == 0


def test_check_supabase_flags_authenticated_writes(supabase_db):
    result = broken(
        supabase_db,
        ["GRANT UPDATE ON notifications TO authenticated", "GRANT INSERT ON nodes TO authenticated"],
        ["REVOKE UPDATE ON notifications FROM authenticated", "REVOKE INSERT ON nodes FROM authenticated"],
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "EXPOSED: notifications — authenticated has UPDATE" in result.stdout
    assert "EXPOSED: nodes — authenticated has INSERT" in result.stdout


def test_check_supabase_flags_a_policy_that_shows_others_notifications(supabase_db):
    result = broken(
        supabase_db,
        ["CREATE POLICY team_reads_all ON notifications FOR SELECT TO authenticated USING (true)"],
        ["DROP POLICY team_reads_all ON notifications"],
    )
    out = result.stdout
    assert result.returncode == 1, out + result.stderr
    assert "LEAK: authenticated as viewer linked to a person reads notifications of nexus-probe-other" in out
    assert "advisor notifications_policy_not_nexus: notifications.team_reads_all" in out


def test_column_level_grants_are_reported_and_revoked_by_migrate(supabase_db):
    """A column grant is not a table grant (has_table_privilege says no), but exposes the column."""
    column_privilege = (
        "SELECT has_any_column_privilege('anon', 'auth_user', 'SELECT'), "
        "has_any_column_privilege('authenticated', 'notifications', 'UPDATE')"
    )
    with supabase_db.connect(autocommit=True) as conn:
        conn.execute("GRANT SELECT (username, password) ON auth_user TO anon")
        conn.execute("GRANT UPDATE (acknowledged) ON notifications TO authenticated")
        try:
            result = supabase_db.manage("check_supabase")
            assert result.returncode == 1, result.stdout + result.stderr
            assert "EXPOSED: auth_user — anon has SELECT (columns)" in result.stdout
            assert "EXPOSED: notifications — authenticated has UPDATE (columns)" in result.stdout
            assert "advisor sensitive_columns_exposed: auth_user.password" in result.stdout
            assert supabase_db.manage("migrate", "--no-input").returncode == 0
            assert conn.execute(column_privilege).fetchone() == (False, False)
            assert visible_notifications(conn, "authenticated", VIEWER_P01) == {"p-01": 3}
        finally:
            conn.execute("REVOKE SELECT (username, password) ON auth_user FROM anon")
            conn.execute("REVOKE UPDATE (acknowledged) ON notifications FROM authenticated")
    assert supabase_db.manage("check_supabase").returncode == 0


def test_migrate_restores_an_altered_notifications_policy(supabase_db):
    with supabase_db.connect(autocommit=True) as conn:
        conn.execute("ALTER POLICY nexus_notifications_read ON notifications USING (true)")
        conn.execute("CREATE POLICY team_reads_all ON notifications FOR SELECT TO authenticated USING (true)")
        result = supabase_db.manage("check_supabase")
        assert result.returncode == 1, result.stdout + result.stderr
        assert "advisor nexus_policy_altered: notifications.nexus_notifications_read" in result.stdout
        assert "LEAK: authenticated as viewer linked to a person" in result.stdout
        assert supabase_db.manage("migrate", "--no-input").returncode == 0
        assert visible_notifications(conn, "authenticated", VIEWER_P01) == {"p-01": 3}
        assert conn.execute("SELECT count(*) FROM pg_policies WHERE tablename = 'notifications'").fetchone()[0] == 1
    assert supabase_db.manage("check_supabase").returncode == 0


def test_public_graph_setting_toggles_anon_reads_both_ways(supabase_db):
    try:
        on = supabase_db.manage("migrate", "--no-input", public_graph=True)
        assert on.returncode == 0, on.stderr
        with supabase_db.connect() as conn:
            assert set(reachable(conn, "anon")) == {(t, "select") for t in PUBLIC_GRAPH}
            with conn.transaction(force_rollback=True):
                become(conn, "anon")
                assert conn.execute("SELECT count(*) FROM nodes").fetchone()[0] == 88
                assert conn.execute("SELECT count(*) FROM edges").fetchone()[0] > 0
            assert attempt(conn, "anon", "SELECT * FROM notifications") == "denied"
            assert visible_notifications(conn, "authenticated", VIEWER_P01) == {"p-01": 3}
        check = supabase_db.manage("check_supabase", public_graph=True)
        assert check.returncode == 0, check.stdout + check.stderr
        assert "  anon reaches: SELECT edges, SELECT nodes\n" in check.stdout
        assert "OK: anon reads nodes and edges only" in check.stdout
        # The same database judged with the setting off: anon reaches more than allowed.
        strict = supabase_db.manage("check_supabase")
        assert strict.returncode == 1
        assert "EXPOSED: nodes — anon has SELECT" in strict.stdout
    finally:
        off = supabase_db.manage("migrate", "--no-input")
    assert off.returncode == 0, off.stderr
    with supabase_db.connect() as conn:
        assert reachable(conn, "anon") == {}
        roles = {
            r[0]: r[1]
            for r in conn.execute("SELECT tablename, roles::text FROM pg_policies WHERE policyname = 'nexus_read'")
        }
    assert roles == {"nodes": "{authenticated}", "edges": "{authenticated}"}
    assert supabase_db.manage("check_supabase").returncode == 0


def test_migrate_upgrades_a_database_locked_down_by_the_old_rule(supabase_db):
    """Earlier NEXUS versions granted anon and authenticated every notification
    (policy nexus_public_read USING (true)); the next migrate closes that."""
    old_rule = []
    for table in ("nodes", "edges", "notifications"):
        old_rule += [
            f"GRANT SELECT ON {table} TO anon, authenticated",
            f"CREATE POLICY nexus_public_read ON {table} FOR SELECT TO anon, authenticated USING (true)",
        ]
    old_rule += ["DROP POLICY nexus_notifications_read ON notifications"]
    with supabase_db.connect(autocommit=True) as conn:
        for statement in old_rule:
            conn.execute(statement)
        assert visible_notifications(conn, "authenticated", VIEWER_P01) == NOTIFIED
        before = supabase_db.manage("check_supabase")
        assert before.returncode == 1
        assert "EXPOSED: notifications — anon has SELECT" in before.stdout
        assert "LEAK: authenticated as viewer linked to a person" in before.stdout
        assert "MISSING" not in before.stdout
        assert supabase_db.manage("migrate", "--no-input").returncode == 0
        assert reachable(conn, "anon") == {}
        assert visible_notifications(conn, "authenticated", VIEWER_P01) == {"p-01": 3}
        assert (
            conn.execute("SELECT count(*) FROM pg_policies WHERE policyname = 'nexus_public_read'").fetchone()[0] == 0
        )
    assert supabase_db.manage("check_supabase").returncode == 0


def test_check_supabase_live_probe_leaves_nothing_behind(supabase_db):
    with supabase_db.connect() as conn:
        before = {
            t: conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(t))).fetchone()[0]
            for t in tables(conn)
        }
    assert supabase_db.manage("check_supabase").returncode == 0
    with supabase_db.connect() as conn:
        after = {
            t: conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(t))).fetchone()[0]
            for t in tables(conn)
        }
    assert before == after


def test_owner_role_is_not_superuser_but_can_assume_anon(supabase_db):
    with supabase_db.connect() as conn:
        assert conn.execute("SELECT current_user").fetchone()[0] == OWNER
        assert conn.execute("SELECT pg_has_role(current_user, 'anon', 'MEMBER')").fetchone()[0]


def test_lockdown_changes_nothing_when_already_locked_down(supabase_db):
    """The post-migrate lockdown runs after every migrate (and every test flush): when nothing
    differs it issues no GRANT/REVOKE/ALTER, so catalog rows are not rewritten (xmin unchanged)."""
    catalog = (
        "SELECT c.relname, c.xmin::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' UNION ALL SELECT p.proname, p.xmin::text FROM pg_proc p "
        "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public' "
        "UNION ALL SELECT polname || '@' || polrelid::regclass::text, xmin::text FROM pg_policy"
    )
    with supabase_db.connect() as conn:
        before = sorted(conn.execute(catalog).fetchall())
    rerun = supabase_db.manage("migrate", "--no-input")
    assert rerun.returncode == 0, rerun.stderr
    with supabase_db.connect() as conn:
        after = sorted(conn.execute(catalog).fetchall())
    assert before == after
