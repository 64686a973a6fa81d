"""Realtime: commit-to-client latency and loss through a real daphne server.

N websocket clients (raw Phoenix frames over Node's ``ws``, bench/realtime_clients.mjs, in two
processes, so the clients themselves are not the bottleneck) join ``postgres_changes`` on nodes INSERT while a writer commits single-row
inserts at a fixed rate. Latency = client receive time − writer's commit-returned time (both
CLOCK_MONOTONIC, system-wide). The floor, in the same run: a bare psycopg LISTEN client on the
trigger's NOTIFY (what any Postgres-based design gets before fan-out).

Full: 100 clients, 200 changes/s, 30 s. Quick: 20 clients, 100 changes/s, 5 s.
Context only: Supabase publishes p95 184 ms for 500 clients at 64 changes/s (their benchmark).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing as mp
import os
import subprocess
import threading
import time
from pathlib import Path

from bench.daphne import daphne_server
from bench.quiet_db import vacuum_and_checkpoint

ROOT = Path(__file__).resolve().parent.parent
CLIENTS_JS = ROOT / "bench" / "realtime_clients.mjs"
TARGET_P99_MS = 20.0


@contextlib.contextmanager
def _stopping(procs: list, stop):
    """Stops the client and listener processes when the measurement ends, however it ends."""
    try:
        yield
    finally:
        stop.set()
        for p in procs:
            p.join(timeout=10)
            if p.is_alive():
                p.terminate()


@contextlib.contextmanager
def _closing(groups: list):
    try:
        yield
    finally:
        for group in groups:
            group.close()


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


# ── clients ──
class NodeClients:
    """One ``node bench/realtime_clients.mjs`` process holding ``count`` clients, and what it reports."""

    def __init__(self, ws_url: str, count: int, changes: int):
        self.proc = subprocess.Popen(
            ["node", str(CLIENTS_JS), ws_url, str(count), str(changes)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        self.joined = 0
        self.frames = 0
        self.tallies: list[list[float]] = []  # per client, per change: receive time, 0 missing, -1 twice
        self.finished = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            kind, _, rest = line.rstrip("\n").partition(" ")
            if kind == "ready":
                self.joined += 1
            elif kind == "count":
                self.frames = int(rest)
            elif kind == "result":
                self.tallies.append(json.loads(rest))
            elif kind == "done":
                break
        self.finished.set()

    def collect(self) -> list[list[float]]:
        assert self.proc.stdin is not None
        self.proc.stdin.write("stop\n")
        self.proc.stdin.flush()
        if not self.finished.wait(60):
            raise RuntimeError("the benchmark's websocket clients did not report")
        return self.tallies

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


def _listen_worker(conninfo: dict, ready, stop, results):
    import psycopg

    async def main():
        got: dict[int, float] = {}
        async with await psycopg.AsyncConnection.connect(autocommit=True, **conninfo) as conn:
            await conn.execute("LISTEN realtime_changes")
            ready.put(1)
            while not stop.is_set():
                async for notify in conn.notifies(timeout=0.5):
                    got[int(notify.payload)] = time.monotonic()
        results.put(got)

    asyncio.run(main())


def run(quick: bool, *, clients: int | None = None, rate: int | None = None, seconds: int | None = None) -> dict:
    import psycopg

    from graph.realtime.bridge import connection_kwargs

    sizes = (20, 100, 5) if quick else (100, 200, 30)
    clients, rate, seconds = clients or sizes[0], rate or sizes[1], seconds or sizes[2]
    workers = 2  # Node processes: one per core
    conninfo = connection_kwargs(may_start_embedded=True)
    ctx = mp.get_context("spawn")
    ready, results, stop = ctx.Queue(), ctx.Queue(), ctx.Event()
    procs: list[mp.process.BaseProcess] = []
    groups: list[NodeClients] = []
    with daphne_server("realtime") as port, _stopping(procs, stop), _closing(groups):
        procs.append(ctx.Process(target=_listen_worker, args=(conninfo, ready, stop, results)))
        procs[0].start()
        ready.get(timeout=60)
        for i in range(workers):
            share = clients // workers + (1 if i < clients % workers else 0)
            groups.append(NodeClients(f"ws://127.0.0.1:{port}", share, rate * seconds))
        deadline = time.monotonic() + 60
        while sum(g.joined for g in groups) < clients:
            if time.monotonic() > deadline or any(g.proc.poll() is not None for g in groups):
                raise RuntimeError(f"only {sum(g.joined for g in groups)} of {clients} websocket clients joined")
            time.sleep(0.1)
        time.sleep(0.5)

        commit_at: list[float] = []  # by change: when the writer's commit returned
        total = rate * seconds
        with psycopg.connect(**conninfo, autocommit=True) as writer:
            writer.execute("DELETE FROM nodes WHERE id LIKE 'bench-rt-%'")
            vacuum_and_checkpoint(writer)
            started = time.monotonic()
            for i in range(total):
                slot = started + i / rate
                pause = slot - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                node_id = f"bench-rt-{i}"
                writer.execute("INSERT INTO nodes (id, type, label) VALUES (%s, 'fact', 'bench')", (node_id,))
                commit_at.append(time.monotonic())
            achieved_rate = total / (time.monotonic() - started)
            # Let the tail arrive: wait until nothing more comes for 5 s (what is missing then is lost).
            last, quiet_since, give_up = -1, time.monotonic(), time.monotonic() + 180
            while time.monotonic() - quiet_since < 5.0 and time.monotonic() < give_up:
                now_count = sum(g.frames for g in groups)
                if now_count != last:
                    last, quiet_since = now_count, time.monotonic()
                time.sleep(0.2)
            stop.set()
            collected: list = [results.get(timeout=60) for _ in procs]
            collected += [g.collect() for g in groups]
            id_map = dict(
                writer.execute(
                    "SELECT id, new_record->>'id' FROM realtime_changes WHERE event_type = 'INSERT' "
                    "AND new_record->>'id' LIKE 'bench-rt-%%'"
                ).fetchall()
            )
            writer.execute("DELETE FROM nodes WHERE id LIKE 'bench-rt-%'")

    latencies, lost, duplicates, per_client = [], 0, 0, []
    floor = []
    for item in collected:
        if isinstance(item, dict):  # the LISTEN floor: change id → time
            for change_id, at in item.items():
                inserted = id_map.get(change_id)
                if inserted is not None:
                    floor.append((at - commit_at[int(inserted.removeprefix("bench-rt-"))]) * 1000)
            continue
        for tally in item:
            per_client.append(sum(1 for got in tally if got != 0))
            for got, at in zip(tally, commit_at):
                if got == 0:
                    lost += 1
                elif got == -1:
                    duplicates += 1
                else:
                    latencies.append((got - at) * 1000)
    p50, p99 = _percentile(latencies, 0.5), _percentile(latencies, 0.99)
    f50, f99 = _percentile(floor, 0.5), _percentile(floor, 0.99)

    def ratio(a, b):
        return round(a / b, 1) if b and b > 0 else ""

    return {
        "title": f"Realtime commit-to-client latency ({clients} websocket clients, {rate} changes/s, {seconds} s)",
        "rows": [
            {
                "metric": "p50 latency (ms)",
                "value": round(p50, 2),
                "baseline": round(f50, 2),
                "ratio": ratio(p50, f50),
                "target": "",
                "met": "",
            },
            {
                "metric": "p99 latency (ms)",
                "value": round(p99, 2),
                "baseline": round(f99, 2),
                "ratio": ratio(p99, f99),
                "target": f"<= {TARGET_P99_MS:g}",
                "met": p99 <= TARGET_P99_MS,
            },
            {"metric": "messages lost", "value": lost, "baseline": "", "ratio": "", "target": 0, "met": lost == 0},
            {
                "metric": "messages duplicated",
                "value": duplicates,
                "baseline": "",
                "ratio": "",
                "target": 0,
                "met": duplicates == 0,
            },
            {
                "metric": "messages delivered",
                "value": len(latencies),
                "baseline": f"{total} × {clients}",
                "ratio": "",
                "target": "",
                "met": "",
            },
            {
                "metric": "write rate achieved (changes/s)",
                "value": round(achieved_rate, 1),
                "baseline": rate,
                "ratio": "",
                "target": "",
                "met": "",
            },
        ],
        "received_per_client_min_max": [min(per_client, default=0), max(per_client, default=0)],
        "notes": (
            "baseline = a bare psycopg LISTEN client on the same NOTIFYs (the floor). Server, clients "
            f"and PostgreSQL share this machine ({os.cpu_count()} CPUs, load average "
            f"{os.getloadavg()[0]:.1f} at the end). Context only: Supabase publishes p95 184 ms for "
            "500 clients at 64 changes/s."
        ),
    }
