"""With a configured DATABASE_URL, DATABASE_POOL_MAX_SIZE bounds the connections one
server process opens, however many requests arrive at once (the per-process connection budget of
docs/deploy-supabase.md §7)."""

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest

from conftest import ROOT
from nexus_site.supabase.tests.supabase_shape import socket_dir


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(database: str, host: str, pool_size: int, log_path: Path):
    from django.conf import settings

    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "NEXUS_IGNORE_DOTENV": "1",
        "NEXUS_HOME": str(settings.NEXUS_HOME),
        "DJANGO_SETTINGS_MODULE": "nexus_site.settings",
        "DATABASE_URL": f"postgres://postgres@/{database}?host={host}",
        "DATABASE_POOL_MAX_SIZE": str(pool_size),
        "XDG_RUNTIME_DIR": str(Path(settings.NEXUS_HOME) / "run"),
        # These tests are about connections, not credentials: the demo opt-out keeps requests bare.
        "NEXUS_AUTH": "open",
    }
    if os.environ.get("DATABASE_POOL_TIMEOUT"):
        env["DATABASE_POOL_TIMEOUT"] = os.environ["DATABASE_POOL_TIMEOUT"]
    log = open(log_path, "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "nexus_site.asgi:application"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert proc.poll() is None, log_path.read_text()
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return proc, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("server did not start")


@pytest.mark.django_db
def test_production_pool_bounds_connections_per_process(tmp_path):
    from django.db import connection

    database, host = connection.settings_dict["NAME"], socket_dir()
    proc, url = start_server(database, host, pool_size=3, log_path=tmp_path / "server.log")
    peak, stop = [0], threading.Event()

    def sample():
        with psycopg.connect(dbname="postgres", user="postgres", host=host, autocommit=True) as admin:
            while not stop.is_set():
                n = admin.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
                    "AND application_name NOT LIKE 'pytest%%' AND pid <> pg_backend_pid() "
                    "AND backend_type = 'client backend'",
                    [database],
                ).fetchone()[0]
                peak[0] = max(peak[0], n)
                time.sleep(0.01)

    baseline = None
    with psycopg.connect(dbname="postgres", user="postgres", host=host, autocommit=True) as admin:
        baseline = admin.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND backend_type = 'client backend'", [database]
        ).fetchone()[0]
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:

        def get(_):
            with urllib.request.urlopen(url + "/api/nodes?limit=5", timeout=30) as response:
                return response.status

        with ThreadPoolExecutor(max_workers=16) as workers:
            statuses = list(workers.map(get, range(64)))
    finally:
        stop.set()
        sampler.join()
        proc.terminate()
        proc.wait(10)
    assert statuses == [200] * 64, (tmp_path / "server.log").read_text()[-2000:]
    # The test's own connection (baseline) plus at most the pool's 3.
    assert peak[0] - baseline <= 3, (peak[0], baseline)
    assert peak[0] - baseline >= 1


@pytest.mark.django_db
def test_production_pool_exhausted_answers_503_json(tmp_path, monkeypatch):
    """A request that cannot get a pooled connection in time gets the API's 503, not a traceback."""
    from django.db import connection

    monkeypatch.setenv("DATABASE_POOL_TIMEOUT", "0.001")
    database, host = connection.settings_dict["NAME"], socket_dir()
    proc, url = start_server(database, host, pool_size=1, log_path=tmp_path / "server.log")

    def get(_):
        try:
            with urllib.request.urlopen(url + "/api/nodes?limit=50", timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    try:
        with ThreadPoolExecutor(max_workers=16) as workers:
            results = list(workers.map(get, range(96)))
    finally:
        proc.terminate()
        proc.wait(10)
    statuses = {status for status, _ in results}
    assert statuses <= {200, 503}, statuses
    assert 503 in statuses, "the one-connection pool never ran dry; the test proves nothing"
    body = next(json.loads(b) for s, b in results if s == 503)
    assert body["error"]["status"] == 503
