"""The server's background embedder: a child process that drains ``embedding_queue`` about once a second.

Started when the ASGI application loads (``start()``), so nodes written with psql, a Supabase client
or ``COPY`` become searchable within seconds. It is a process, not a thread in the server: embedding
is CPU-bound Python (tokenising, converting vectors) that holds the GIL, and daphne's event loop
gives the GIL up on every socket send, then waits for it back — at thousands of websocket frames a
second that convoy alone made realtime delivery seconds late. The child has its own database
connection, exits when its parent does (it watches the parent's pid), and several processes share
the queue safely (SKIP LOCKED claims). Errors are logged and retried with a growing pause.

It runs at a lower CPU priority (EMBEDDING_WORKER_NICE), and so does its PostgreSQL backend when
that is the embedded server on this machine (the vector index inserts are the backend's work):
search may lag a moment under load, delivery to the browsers does not.
"""

from __future__ import annotations

import atexit
import logging
import os
import subprocess
import sys
import threading
import time

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.backends.signals import connection_created

from graph.embedding_queue import drain, has_pending

logger = logging.getLogger("nexus.embeddings")

POLL_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 30.0

_process: subprocess.Popen | None = None
_lock = threading.Lock()


def start() -> bool:
    """Start this process's embedder child once (no-op when EMBEDDING_WORKER is off)."""
    global _process
    if not getattr(settings, "EMBEDDING_WORKER", True):
        return False
    with _lock:
        if _process is not None and _process.poll() is None:
            return True
        command = [sys.executable, str(settings.BASE_DIR / "manage.py"), "embed_pending", "--watch", "--skip-checks"]
        _process = subprocess.Popen([*command, "--parent", str(os.getpid())], stdin=subprocess.DEVNULL)
        atexit.register(stop)
    return True


def stop() -> None:
    global _process
    with _lock:
        child, _process = _process, None
    if child is None or child.poll() is not None:
        return
    child.terminate()
    try:
        child.wait(5)
    except subprocess.TimeoutExpired:
        child.kill()


def _lower_priority() -> None:
    niceness = int(getattr(settings, "EMBEDDING_WORKER_NICE", 10))
    if niceness <= 0:
        return
    os.nice(niceness)
    if getattr(settings, "NEXUS_DATABASE_MODE", "") in ("embedded", "fallback"):
        # Only the embedded server's backends are this machine's processes (a remote server's pid
        # could name an unrelated local one), and it runs as a user root may renice.
        connection_created.connect(_renice_backend, weak=False, dispatch_uid="embedder-backend-nice")


def _renice_backend(sender, connection, **kwargs) -> None:
    niceness = int(getattr(settings, "EMBEDDING_WORKER_NICE", 10))
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        os.setpriority(os.PRIO_PROCESS, pid, max(os.getpriority(os.PRIO_PROCESS, pid), niceness))
    except (OSError, DatabaseError) as exc:  # not permitted (another user's server): it still works
        logger.debug("embedder: could not lower the database backend's priority (%s)", exc)


def run_forever(parent_pid: int | None = None) -> None:
    """Drain the queue once a second until the parent process (when given) is gone."""
    _lower_priority()
    pause = POLL_SECONDS
    while parent_pid is None or os.getppid() == parent_pid:
        time.sleep(pause)
        try:
            if has_pending():
                done = drain()
                if done:
                    logger.info("embedded %d queued node(s)", done)
            pause = POLL_SECONDS
        except Exception as exc:  # database restarting, embedding service down: try again later
            logger.warning(
                "background embedding failed (%s); retrying",
                str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
            )
            pause = min(max(pause * 2, POLL_SECONDS), MAX_BACKOFF_SECONDS)
            try:
                connection.close()
            except Exception:
                pass
