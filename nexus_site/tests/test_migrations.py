"""migrate on a fresh database, a no-op second time, and `migrate <app> zero` reverses cleanly."""

import os
import subprocess
import sys
import uuid

import psycopg
import pytest
from django.db import connection

from conftest import ROOT
from tests.spec_tables import NEXUS_TABLES


def manage(database, *args):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "nexus_site.test_settings", "NEXUS_TEST_DATABASE_NAME": database}
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.fixture
def fresh_database(django_db_setup, django_db_blocker):
    name = f"nexus_mig_{uuid.uuid4().hex[:8]}"
    with django_db_blocker.unblock():
        params = connection.get_connection_params()
    admin = {"host": params["host"], "user": "postgres", "dbname": "postgres", "autocommit": True}
    with psycopg.connect(**admin) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield name, dict(admin, dbname=name)
    with psycopg.connect(**admin) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def schema_state(conninfo):
    with psycopg.connect(**conninfo) as conn:
        tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
        functions = {r[0] for r in conn.execute("SELECT proname FROM pg_proc WHERE proname = 'search_similar_nodes'")}
        published = {
            r[0]
            for r in conn.execute("SELECT tablename FROM pg_publication_tables WHERE pubname = 'supabase_realtime'")
        }
        sequences = {r[0] for r in conn.execute("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'")}
    return tables, functions, published, sequences


def test_migrate_round_trip_on_a_fresh_database(fresh_database):
    name, conninfo = fresh_database
    manage(name, "migrate", "--no-input")
    tables, functions, published, _ = schema_state(conninfo)
    assert tables >= NEXUS_TABLES
    assert functions == {"search_similar_nodes"}
    assert {"nodes", "edges", "notifications"} <= published

    assert "No migrations to apply." in manage(name, "migrate", "--no-input")

    for app in ("supabase", "insights", "conversations", "graph"):
        manage(name, "migrate", app, "zero", "--no-input")
    tables, functions, published, sequences = schema_state(conninfo)
    assert not (NEXUS_TABLES & tables)
    assert not functions and not published
    assert "conversations_seq_seq" not in sequences

    manage(name, "migrate", "--no-input")
    tables, functions, published, _ = schema_state(conninfo)
    assert tables >= NEXUS_TABLES and functions == {"search_similar_nodes"}
    assert {"nodes", "edges", "notifications"} <= published


def test_a_database_migrated_before_realtime_and_supabase_were_apps_migrates_forward(fresh_database):
    """The change log was the graph app's model and the publication migration was nexus_site's;
    such a database (same tables, older migration records) moves on without touching its data."""
    name, conninfo = fresh_database
    manage(name, "migrate", "--no-input")
    manage(name, "migrate", "realtime", "zero", "--no-input")  # graph 0007 goes with it: the graph owns the model
    with psycopg.connect(**conninfo) as conn:  # the records the older code wrote
        conn.execute(
            "UPDATE django_migrations SET app = 'nexus_site' "
            "WHERE app = 'supabase' AND name = '0001_realtime_publication_and_rls'"
        )
        conn.execute("INSERT INTO nodes (id, type, label) VALUES ('before-move', 'topic', 'Written before the move')")
        logged = conn.execute("SELECT count(*) FROM realtime_changes").fetchone()[0]
        assert conn.execute("SELECT app_label FROM django_content_type WHERE model = 'realtimechange'").fetchall() == [
            ("graph",)
        ]
    assert logged >= 1

    out = manage(name, "migrate", "--no-input")
    assert "realtime.0001_initial... OK" in out and "graph.0007_realtime_change_moves_to_realtime... OK" in out
    assert "supabase.0001" not in out  # recorded as applied (it replaces nexus_site 0001), not run again
    assert "No migrations to apply." in manage(name, "migrate", "--no-input")
    assert "No changes detected" in manage(name, "makemigrations", "--check", "--dry-run")
    with psycopg.connect(**conninfo) as conn:
        assert conn.execute("SELECT count(*) FROM realtime_changes").fetchone()[0] == logged
        assert conn.execute("SELECT app_label FROM django_content_type WHERE model = 'realtimechange'").fetchall() == [
            ("realtime",)
        ]
        assert (
            conn.execute(
                "SELECT 1 FROM django_migrations WHERE app = 'supabase' AND name = '0001_realtime_publication_and_rls'"
            ).fetchone()
            is not None
        )
        conn.execute("UPDATE nodes SET label = 'Written after the move' WHERE id = 'before-move'")
        assert conn.execute("SELECT count(*) FROM realtime_changes").fetchone()[0] == logged + 1  # triggers intact


def test_the_change_log_triggers_hold_the_writer_lock_readers_look_for(db):
    """The key is written into the trigger's SQL by a migration; the readers take it from common.locks."""
    from common import locks

    with connection.cursor() as cursor:
        cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = 'realtime_capture_changes'")
        source = cursor.fetchone()[0]
    assert f"pg_advisory_xact_lock_shared({locks.REALTIME_WRITER})" in source
    keys = [value for name, value in vars(locks).items() if name.isupper()]
    assert len(keys) == len(set(keys))
