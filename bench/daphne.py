"""A daphne server for a benchmark: on a free port, the demo opt-out (the benchmarks measure
delivery and drawing, not sign-in), its log in bench/results/<name>-daphne.log.tmp."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def daphne_server(name: str, timeout: float = 30.0):
    """Yields the port once daphne listens; stops it afterwards."""
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "NEXUS_AUTH": "open"}
    env.pop("DATABASE_URL", None)
    log_path = ROOT / "bench" / "results" / f"{name}-daphne.log.tmp"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "nexus_site.asgi:application"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                    break
                except OSError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise RuntimeError(f"daphne did not start; see {log_path.relative_to(ROOT)}") from None
                    time.sleep(0.1)
            yield port
        finally:
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
