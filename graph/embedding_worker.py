"""The server's background embedder: drains ``embedding_queue`` about once a second.

One daemon thread per server process, started when the ASGI application loads (``start()``), so
nodes written with psql, a Supabase client or ``COPY`` become searchable within seconds. It works
in its own thread with its own database connection: embedding (a CPU-bound model, or an HTTP call)
never blocks daphne's event loop. Several processes share the queue safely (SKIP LOCKED claims).
Errors are logged and retried with a growing pause; the thread never exits.
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from django.db import connection

from graph.embedding_queue import drain, has_pending

logger = logging.getLogger("nexus.embeddings")

POLL_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 30.0

_started = False
_lock = threading.Lock()


def start() -> bool:
    """Start the embedder once per process (no-op when EMBEDDING_WORKER is off)."""
    global _started
    if not getattr(settings, "EMBEDDING_WORKER", True):
        return False
    with _lock:
        if _started:
            return True
        _started = True
    threading.Thread(target=_run, name="nexus-embedding-worker", daemon=True).start()
    return True


def _run() -> None:
    pause = POLL_SECONDS
    while True:
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
