"""PostgreSQL backend that starts the embedded server before its first connection.

Starting lazily (not at settings import) keeps commands that never touch the database fast, and
means every command, the server and the tests get a running server without a separate step.
"""
import threading
from pathlib import Path

from django.db.backends.postgresql import base

from nexus_site.database import server_alive, start_embedded

_servers: dict[str, object] = {}
_start_lock = threading.Lock()  # concurrent first requests must not see a half-started handle


def ensure_embedded_server(nexus_home: str):
    """Start the embedded server for this NEXUS_HOME once per process; return its socket dir."""
    with _start_lock:
        server = _servers.get(nexus_home)
        if server is None or not server_alive(server):
            server = start_embedded(Path(nexus_home))
            _servers[nexus_home] = server
        return str(server.get_postmaster_info().socket_dir)


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self):
        self.settings_dict["HOST"] = ensure_embedded_server(self.settings_dict["NEXUS_HOME"])
        return super().get_connection_params()
