"""Issue 7: on a Supabase-shaped database the public anon key reads nodes, edges, notifications
and nothing else (see tests/supabase_shape.py for what "Supabase-shaped" means).

Each test runs against both default-privilege shapes: ``current`` (since 2026-10-30 new tables
are granted to service_role only) and ``legacy`` (older projects grant them to anon too).
"""
import psycopg
import pytest
from psycopg import sql

from tests.supabase_shape import OWNER, make_supabase_database

READABLE = {"nodes", "edges", "notifications"}
NEXUS_TABLES = {
    "nodes", "edges", "graph_metadata", "node_embeddings", "mutation_history", "notifications",
    "conversations", "task_graphs", "immune_scans", "worker_analyses", "llm_usage",
}


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
    return conn.execute("SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
                        "AND NOT attisdropped ORDER BY attnum LIMIT 1", [table]).fetchone()[0]


def attempt(conn, role: str, statement) -> str:
    """Run ``statement`` as ``role`` in a transaction that is always rolled back."""
    try:
        with conn.transaction(force_rollback=True):
            conn.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(role)))
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
    assert "nexus_site.0001_realtime_publication_and_rls... OK" in supabase_db.migrate_output
    with supabase_db.connect() as conn:
        assert conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()[0] is False
        assert conn.execute("SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
                            "WHERE e.extname = 'vector'").fetchone()[0] == "extensions"
        published = {r[0] for r in conn.execute(
            "SELECT tablename FROM pg_publication_tables WHERE pubname = 'supabase_realtime'")}
        assert READABLE <= published
        assert conn.execute("SELECT count(*) FROM nodes").fetchone()[0] == 88
        assert NEXUS_TABLES <= set(tables(conn))


@pytest.mark.parametrize("role", ["anon", "authenticated"])
def test_api_roles_read_only_the_realtime_tables(supabase_db, role):
    with supabase_db.connect() as conn:
        names = tables(conn)
        assert NEXUS_TABLES <= set(names)
        outcomes = {(t, action): attempt(conn, role, stmt)
                    for t in names for action, stmt in statements(conn, t).items()}
    allowed = {key for key, outcome in outcomes.items() if outcome != "denied"}
    assert allowed == {(t, "select") for t in READABLE}, {k: outcomes[k] for k in allowed}


def test_anon_sees_rows_of_the_realtime_tables(supabase_db):
    with supabase_db.connect() as conn, conn.transaction(force_rollback=True):
        conn.execute("SET LOCAL ROLE anon")
        assert conn.execute("SELECT count(*) FROM nodes").fetchone()[0] == 88
        assert conn.execute("SELECT count(*) FROM edges").fetchone()[0] > 0


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
            assert conn.execute("SELECT relrowsecurity FROM pg_class WHERE oid = %s::regclass",
                                [table]).fetchone()[0], table


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
        off = [r[0] for r in conn.execute(
            "SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND relkind IN ('r','p') AND NOT relrowsecurity")]
        policies = {r[0]: r[1] for r in conn.execute(
            "SELECT tablename, cmd FROM pg_policies WHERE schemaname = 'public'")}
    assert off == []
    assert policies == {t: "SELECT" for t in READABLE}


def test_owner_keeps_full_access(supabase_db):
    with supabase_db.connect() as conn, conn.transaction(force_rollback=True):
        conn.execute("INSERT INTO nodes (id, type, label) VALUES ('probe-owner', 'person', 'Probe')")
        conn.execute("UPDATE nodes SET label = 'Probe 2' WHERE id = 'probe-owner'")
        conn.execute("INSERT INTO llm_usage (model, input_tokens, output_tokens, cost_usd, task_type) "
                     "VALUES ('m', 1, 1, 0, 'probe')")
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
    assert result.returncode == 0, result.stdout + result.stderr
    assert "can read (expected): edges, nodes, notifications" in result.stdout
    assert "OK: the anon key reads nodes, edges, notifications and nothing else" in result.stdout
    assert "EXPOSED" not in result.stdout


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
    assert "reaches more (or less) than NEXUS expects" in result.stderr
    # Repaired: clean again.
    assert supabase_db.manage("check_supabase").returncode == 0


def test_check_supabase_live_probe_leaves_nothing_behind(supabase_db):
    with supabase_db.connect() as conn:
        before = {t: conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(t))).fetchone()[0]
                  for t in tables(conn)}
    assert supabase_db.manage("check_supabase").returncode == 0
    with supabase_db.connect() as conn:
        after = {t: conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(t))).fetchone()[0]
                 for t in tables(conn)}
    assert before == after


def test_owner_role_is_not_superuser_but_can_assume_anon(supabase_db):
    with supabase_db.connect() as conn:
        assert conn.execute("SELECT current_user").fetchone()[0] == OWNER
        assert conn.execute("SELECT pg_has_role(current_user, 'anon', 'MEMBER')").fetchone()[0]


def test_lockdown_changes_nothing_when_already_locked_down(supabase_db):
    """The post-migrate lockdown runs after every migrate (and every test flush): when nothing
    differs it issues no GRANT/REVOKE/ALTER, so catalog rows are not rewritten (xmin unchanged)."""
    catalog = ("SELECT c.relname, c.xmin::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
               "WHERE n.nspname = 'public' UNION ALL SELECT p.proname, p.xmin::text FROM pg_proc p "
               "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public' "
               "UNION ALL SELECT polname || '@' || polrelid::regclass::text, xmin::text FROM pg_policy")
    with supabase_db.connect() as conn:
        before = sorted(conn.execute(catalog).fetchall())
    rerun = supabase_db.manage("migrate", "--no-input")
    assert rerun.returncode == 0, rerun.stderr
    with supabase_db.connect() as conn:
        after = sorted(conn.execute(catalog).fetchall())
    assert before == after
