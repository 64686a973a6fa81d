"""Fixtures shared by every test package.

The suite runs on its own embedded PostgreSQL (nexus_site.test_settings); nothing here reads the
machine's environment. ``nexus_server`` starts a real daphne process on the test database.
"""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.actors import api_token, signed_in
from tests.json_api import Api

ROOT = Path(__file__).resolve().parent


@pytest.fixture
def seeded(db):
    """The mock organisation loaded into the test database (rolled back after the test)."""
    from nexus_site import seed

    seed.write_seed_data(seed.load_seed_data())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    """A daphne process serving NEXUS on the test database, with its log captured."""

    def __init__(self, database_name: str, extra_env: dict | None = None, port: int | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}"
        self.log_path = ROOT / ".nexus" / "test" / f"server-{self.port}.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.env = {
            **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)},
            "DJANGO_SETTINGS_MODULE": "nexus_site.test_settings",
            "NEXUS_TEST_DATABASE_NAME": database_name,
            "PYTHONUNBUFFERED": "1",
            **(extra_env or {}),
        }
        self.proc: subprocess.Popen[bytes] | None = None
        self.token: str | None = None  # sent as "Authorization: Bearer" by call() (see nexus_server)

    def start(self, timeout: float = 30.0):
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port), "nexus_site.asgi:application"],
            cwd=ROOT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"daphne exited early:\n{self.log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"daphne did not listen within {timeout}s:\n{self.log()}")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self._log.close()

    def call(
        self, method: str, path: str, body=None, timeout: float = 30, token: str | None = "default"
    ) -> tuple[int, dict]:
        """One JSON request to this server: (status, decoded body), errors included. Carries the
        server's admin token unless ``token`` names another one (None: no credentials)."""
        import json
        import urllib.error
        import urllib.request

        token = self.token if token == "default" else token
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"{}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@pytest.fixture
def nexus_server(transactional_db, django_db_setup):
    """A real daphne-served NEXUS on the test database. Data written by the test must commit
    (this fixture implies ``transactional_db``)."""
    from django.db import connection

    server = ServerProcess(connection.settings_dict["NAME"]).start()
    server.token = api_token("admin", username="server-admin")
    yield server
    server.stop()


@pytest.fixture
def server_factory(transactional_db, django_db_setup):
    """Start several servers (scale-out tests); all are stopped after the test."""
    from django.db import connection

    started = []

    token = api_token("admin", username="server-admin")

    def start(**kwargs):
        server = ServerProcess(connection.settings_dict["NAME"], **kwargs).start()
        server.token = token
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def editor_client(db):
    """A DRF client with a signed-in editor's session."""
    return signed_in("editor")


@pytest.fixture
def api(db):
    """JSON calls as a signed-in editor, answering (status, body)."""
    return Api(signed_in("editor"))
