"""Database faults against a real daphne on its own embedded PostgreSQL (a fresh NEXUS_HOME):
a failed start is a 503 that says why and is retried on the next request; a hung (SIGSTOPped)
server gives 503 within seconds and the app recovers on SIGCONT; dbshell starts the server."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, ServerProcess
from nexus_site.database import stop_embedded

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def fresh_home(tmp_path_factory):
    """A NEXUS_HOME of its own (initialised once per module); its server is stopped afterwards."""
    home = tmp_path_factory.mktemp("faults") / "home"
    home.mkdir()
    yield home
    conf = home / "pgdata" / "postgresql.conf"
    if conf.exists():
        conf.chmod(0o600)
    try:
        stop_embedded(home)
    except subprocess.CalledProcessError:
        pass  # already stopped (a test stops it on purpose)


@pytest.fixture
def server_on(fresh_home):
    started = []

    def start(**env):
        # test_settings puts NEXUS_HOME at NEXUS_TEST_HOME; "postgres" is the embedded server's own database
        server = ServerProcess("postgres", extra_env={"NEXUS_TEST_HOME": str(fresh_home), **env}).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


# This home's database holds no users: a token-shaped credential makes every API request look it up
# in the database, which is what an outage must answer with 503 (not 401).
PROBE_TOKEN = "0" * 64


def postmaster_pid(home: Path) -> int:
    return int((home / "pgdata" / "postmaster.pid").read_text().split()[0])


def test_a_failed_embedded_start_is_503_with_the_reason_and_is_retried(fresh_home, server_on):
    server = server_on()
    status, health = server.call("GET", "/api/health", timeout=120)  # starts (and initialises) the server
    assert status == 200 and health["status"] == "ok", health

    assert stop_embedded(fresh_home)
    conf = fresh_home / "pgdata" / "postgresql.conf"
    conf.chmod(0o000)  # the server (its own system user when run as root) cannot read its configuration
    try:
        for _ in range(2):  # every request during the outage, not just the first
            status, body = server.call("GET", "/api/nodes", timeout=60, token=PROBE_TOKEN)
            assert status == 503 and body["error"]["code"] == "database_unavailable", body
        status, health = server.call("GET", "/api/health", timeout=60)
        assert status == 503 and health["status"] == "unavailable", health
        assert "did not start" in health["database"]["reason"], health
        assert "postgresql.conf" in health["database"]["reason"], health
        assert str(fresh_home) not in health["database"]["reason"]  # anonymous: no host paths
    finally:
        conf.chmod(0o600)
    status, health = server.call("GET", "/api/health", timeout=60)  # the next request starts it
    assert status == 200 and health["status"] == "ok", (health, server.log()[-3000:])
    assert "AssertionError" not in server.log() and "Traceback" not in server.log()


def test_a_hung_database_gives_503_within_seconds_and_recovers(fresh_home, server_on):
    server = server_on(DATABASE_CONNECT_TIMEOUT="2")
    assert server.call("GET", "/api/health", timeout=120)[0] == 200
    pid = postmaster_pid(fresh_home)
    os.kill(pid, signal.SIGSTOP)
    try:
        for path in ("/api/nodes", "/api/health"):
            started = time.monotonic()
            status, body = server.call("GET", path, timeout=30, token=PROBE_TOKEN)
            elapsed = time.monotonic() - started
            assert status == 503 and body["error"]["code"] == "database_unavailable", body
            assert elapsed < 6, (path, elapsed)
    finally:
        os.kill(pid, signal.SIGCONT)
    status, health = server.call("GET", "/api/health", timeout=30)
    assert status == 200 and health["status"] == "ok", health
    assert "Traceback" not in server.log()


def test_statement_and_lock_timeouts_reach_the_server(fresh_home, server_on):
    """The embedded database and a configured DATABASE_URL both get the timeouts."""
    code = (
        "import django; django.setup(); from django.conf import settings; from django.db import connection; "
        "c = connection.cursor(); c.execute('SHOW statement_timeout'); s = c.fetchone()[0]; "
        "c.execute('SHOW lock_timeout'); print('TIMEOUTS', settings.NEXUS_DATABASE_MODE, s, c.fetchone()[0])"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "NEXUS_HOME")}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "nexus_site.settings",
            "NEXUS_HOME": str(fresh_home),
            "NEXUS_IGNORE_DOTENV": "1",
            "DATABASE_STATEMENT_TIMEOUT": "7",
            "DATABASE_LOCK_TIMEOUT": "3",
        }
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert "TIMEOUTS embedded 7s 3s" in result.stdout, result.stderr[-2000:]
    socket_dir = (fresh_home / "pgdata" / "postmaster.pid").read_text().splitlines()[4]  # the server is up now
    env["DATABASE_URL"] = f"postgres://postgres@/postgres?host={socket_dir}"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert "TIMEOUTS configured 7s 3s" in result.stdout, result.stderr[-2000:]


def test_dbshell_starts_the_embedded_server_on_a_stopped_home(fresh_home):
    stop_embedded(fresh_home)
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "NEXUS_HOME")}
    env.update(
        {"NEXUS_HOME": str(fresh_home), "NEXUS_IGNORE_DOTENV": "1", "DJANGO_SETTINGS_MODULE": "nexus_site.settings"}
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "dbshell", "--", "-At", "-c", "select 40 + 2"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "42"


def test_dbshell_on_a_fresh_home(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "NEXUS_HOME")}
    env.update(
        {
            "NEXUS_HOME": str(tmp_path / "home"),
            "NEXUS_IGNORE_DOTENV": "1",
            "DJANGO_SETTINGS_MODULE": "nexus_site.settings",
        }
    )
    try:
        result = subprocess.run(
            [sys.executable, "manage.py", "dbshell", "--", "-At", "-c", "select version()"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert result.returncode == 0, result.stderr[-2000:]
        assert result.stdout.startswith("PostgreSQL 18"), result.stdout
    finally:
        stop_embedded(tmp_path / "home")
