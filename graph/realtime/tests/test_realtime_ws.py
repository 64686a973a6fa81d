"""The Supabase Realtime-compatible websocket against real daphne servers on the test database.

Clients: supabase-py's ``realtime`` package, @supabase/supabase-js under Node (subprocess), and a
raw websocket for protocol edge cases. Writes are plain SQL on their own connection — like psql or
another server would write — so what is tested is the database → trigger → bridge → socket path.
"""

import asyncio
import json
import os
import queue
import subprocess
import threading
import time
from pathlib import Path

import psycopg
import pytest
import websockets
from django.conf import settings

from conftest import ROOT
from graph.realtime.bridge import connection_kwargs

JS_DIR = ROOT / "tests" / "realtime_js"
pytestmark = pytest.mark.slow


# ── helpers ─────────────────────────────────────────────────────────────────
def sql(statement: str, params=None) -> None:
    """Run SQL on a fresh autocommit connection (another writer, like psql)."""
    with psycopg.connect(**connection_kwargs(may_start_embedded=True), autocommit=True) as conn:
        conn.execute(statement, params)


def sql_in_one_transaction(statements: list[tuple[str, tuple]]) -> None:
    with psycopg.connect(**connection_kwargs(may_start_embedded=True)) as conn, conn.transaction():
        for statement, params in statements:
            conn.execute(statement, params)


async def asql(statement: str, params=None) -> None:
    await asyncio.to_thread(sql, statement, params)


def node_insert(node_id: str, label: str = "n", extras: dict | None = None):
    return (
        "INSERT INTO nodes (id, type, label, extras) VALUES (%s, 'fact', %s, %s)",
        (node_id, label, json.dumps(extras or {})),
    )


class RawClient:
    """A bare Phoenix-protocol client: frames in, frames out, nothing hidden."""

    def __init__(self, ws, vsn2: bool):
        self.ws, self.vsn2, self.ref = ws, vsn2, 0
        self.backlog: list[dict] = []

    @classmethod
    async def connect(cls, server, vsn="2.0.0", *, token: str | None = "default", **connect_options):
        """Connects with the server's admin token as ``apikey`` unless ``token`` names another (None: none)."""
        token = server.token if token == "default" else token
        query = f"vsn={vsn}" + (f"&apikey={token}" if token else "")
        ws = await websockets.connect(
            f"{server.ws_url}/realtime/v1/websocket?{query}", max_size=None, **connect_options
        )
        return cls(ws, vsn.startswith("2."))

    async def send(self, topic, event, payload, join_ref=None):
        self.ref += 1
        ref = str(self.ref)
        if self.vsn2:
            await self.ws.send(json.dumps([join_ref, ref, topic, event, payload]))
        else:
            await self.ws.send(
                json.dumps({"join_ref": join_ref, "ref": ref, "topic": topic, "event": event, "payload": payload})
            )
        return ref

    async def recv(self, timeout=10.0) -> dict:
        raw = json.loads(await asyncio.wait_for(self.ws.recv(), timeout))
        if isinstance(raw, list):
            raw = dict(zip(("join_ref", "ref", "topic", "event", "payload"), raw))
        return raw

    async def reply_to(self, ref, timeout=10.0) -> dict:
        while True:
            message = await self.recv(timeout)
            if message["event"] == "phx_reply" and message["ref"] == ref:
                return message
            self.backlog.append(message)

    async def join(self, topic, bindings, **payload):
        ref = await self.send(topic, "phx_join", {"config": {"postgres_changes": bindings}, **payload}, join_ref="1")
        return await self.reply_to(ref)

    async def changes(self, count, timeout=20.0) -> list[dict]:
        """The next ``count`` postgres_changes payloads (ids + data)."""
        found = [m["payload"] for m in self.backlog if m["event"] == "postgres_changes"]
        self.backlog = [m for m in self.backlog if m["event"] != "postgres_changes"]
        deadline = time.monotonic() + timeout
        while len(found) < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                message = await self.recv(remaining)
            except TimeoutError:
                break
            if message["event"] == "postgres_changes":
                found.append(message["payload"])
        return found

    async def close(self):
        await self.ws.close()


def http_get(url: str) -> tuple[int, dict]:
    from urllib.error import HTTPError
    from urllib.request import urlopen

    try:
        with urlopen(url, timeout=10) as response:
            return response.status, json.loads(response.read())
    except HTTPError as error:
        return error.code, json.loads(error.read())


def cursor_of(data: dict) -> int:
    record = data.get("record") or data["old_record"]
    return record["_change_id"]


class NodeSubscriber:
    """`node subscribe.mjs` (unmodified supabase-js) as a subprocess printing JSON lines."""

    def __init__(self, server, bindings, seconds=60, token: str | None = None):
        self.proc = subprocess.Popen(
            ["node", "subscribe.mjs", server.url, json.dumps(bindings), str(seconds)],
            cwd=JS_DIR,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "NEXUS_TOKEN": token or server.token or ""},
        )
        self.lines: queue.Queue = queue.Queue()
        self.seen: list[dict] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            try:
                self.lines.put(json.loads(line))
            except ValueError:
                self.lines.put({"stderr": line})

    def wait_for(self, predicate, timeout=20.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                item = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            self.seen.append(item)
            if predicate(item):
                return item
        raise AssertionError(f"node client: condition not met; saw {self.seen[-10:]}")

    def events(self, count, timeout=20.0):
        found = [s for s in self.seen if "event" in s]
        deadline = time.monotonic() + timeout
        while len(found) < count and time.monotonic() < deadline:
            try:
                item = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            self.seen.append(item)
            if "event" in item:
                found.append(item)
        return found

    def stop(self):
        self.proc.kill()
        self.proc.wait()


@pytest.fixture
def node_client(nexus_server):
    if not (JS_DIR / "node_modules" / "@supabase" / "supabase-js").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=JS_DIR, check=True)
    started = []

    def start(bindings, server=None, seconds=60, token=None):
        client = NodeSubscriber(server or nexus_server, bindings, seconds, token)
        started.append(client)
        client.wait_for(lambda item: item.get("status") is not None)
        assert client.seen[-1]["status"] == "SUBSCRIBED", client.seen
        return client

    yield start
    for client in started:
        client.stop()


# ── supabase-js (Node) ─────────────────────────────────────────────────────
def test_supabase_js_receives_insert_update_delete_for_nodes_and_edges(nexus_server, node_client):
    client = node_client(
        [
            {"event": "*", "schema": "public", "table": "nodes"},
            {"event": "*", "schema": "public", "table": "edges"},
        ]
    )
    sql_in_one_transaction([node_insert("js-a"), node_insert("js-b")])
    sql("INSERT INTO edges (id, source, target, type) VALUES ('js-e', 'js-a', 'js-b', 'relates')")
    sql("UPDATE nodes SET label = 'renamed' WHERE id = 'js-a'")
    sql("UPDATE edges SET weight = 2.5 WHERE id = 'js-e'")
    sql("DELETE FROM nodes WHERE id = 'js-a'")  # cascades: the edge goes too

    got = client.events(7)
    seen = [(e["event"]["table"], e["event"]["eventType"], (e["event"]["new"] or e["event"]["old"])["id"]) for e in got]
    assert seen == [
        ("nodes", "INSERT", "js-a"),
        ("nodes", "INSERT", "js-b"),
        ("edges", "INSERT", "js-e"),
        ("nodes", "UPDATE", "js-a"),
        ("edges", "UPDATE", "js-e"),
        ("nodes", "DELETE", "js-a"),
        ("edges", "DELETE", "js-e"),
    ], client.seen
    update = got[3]["event"]
    assert update["old"]["label"] == "n" and update["new"]["label"] == "renamed"
    assert got[4]["event"]["new"]["weight"] == 2.5 and got[4]["event"]["old"]["weight"] == 1
    assert got[5]["event"]["old"]["label"] == "renamed" and got[5]["event"]["new"] == {}
    assert [e["binding"] for e in got] == [0, 0, 1, 0, 1, 0, 1]
    cursors = [(e["event"]["new"] or e["event"]["old"])["_change_id"] for e in got]
    assert cursors == sorted(cursors) and len(set(cursors)) == 7
    assert any("system" in s and s["system"]["message"] == "Subscribed to PostgreSQL" for s in client.seen)


def test_supabase_js_filtered_notifications_only_that_person(nexus_server, node_client):
    client = node_client(
        [
            {"event": "*", "schema": "public", "table": "notifications", "filter": "person_id=eq.p-12"},
            {"event": "INSERT", "schema": "public", "table": "notifications", "filter": "person_id=in.(p-13,p-14)"},
        ]
    )
    for person in ("p-11", "p-12", "p-13", "p-12", "p-99"):
        sql("INSERT INTO notifications (person_id, summary) VALUES (%s, %s)", (person, f"for {person}"))
    sql("UPDATE notifications SET acknowledged = true WHERE person_id = 'p-12'")
    got = client.events(5)
    pairs = [(e["binding"], e["event"]["eventType"], e["event"]["new"]["person_id"]) for e in got]
    assert pairs == [
        (0, "INSERT", "p-12"),
        (1, "INSERT", "p-13"),
        (0, "INSERT", "p-12"),
        (0, "UPDATE", "p-12"),
        (0, "UPDATE", "p-12"),
    ], client.seen
    assert got[-1]["event"]["new"]["acknowledged"] is True and got[-1]["event"]["old"]["acknowledged"] is False
    assert client.events(7, timeout=1.5)[6:] == []  # nothing for anybody else


# ── supabase-py ─────────────────────────────────────────────────────────────
async def test_supabase_py_realtime_client_receives_changes_and_filters(nexus_server):
    from realtime import AsyncRealtimeClient

    received: list[tuple[str, dict]] = []
    states = []
    client = AsyncRealtimeClient(f"{nexus_server.url}/realtime/v1", token=nexus_server.token, auto_reconnect=False)
    await client.connect()
    channel = client.channel("py-test")
    channel.on_postgres_changes("*", table="nodes", schema="public", callback=lambda p: received.append(("nodes", p)))
    channel.on_postgres_changes("*", table="edges", schema="public", callback=lambda p: received.append(("edges", p)))
    channel.on_postgres_changes(
        "*",
        table="notifications",
        schema="public",
        filter="person_id=eq.p-12",
        callback=lambda p: received.append(("p-12", p)),
    )
    await channel.subscribe(lambda state, err: states.append((str(state), err)))
    assert states and "SUBSCRIBED" in states[-1][0], states

    await asql(*node_insert("py-a"))
    await asql(*node_insert("py-b"))
    await asql("INSERT INTO edges (id, source, target, type) VALUES ('py-e', 'py-a', 'py-b', 'x')")
    await asql("UPDATE nodes SET label = 'new label' WHERE id = 'py-a'")
    await asql("INSERT INTO notifications (person_id) VALUES ('p-12'), ('p-13')")
    await asql("DELETE FROM edges WHERE id = 'py-e'")
    await asql("DELETE FROM nodes WHERE id = 'py-b'")

    deadline = time.monotonic() + 15
    while len(received) < 7 and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)  # anything extra (p-13) would have arrived by now
    await client.close()
    summary = [
        (name, p["data"]["type"], (p["data"].get("record") or p["data"].get("old_record"))["id"])
        for name, p in received
    ]
    assert summary[:4] == [
        ("nodes", "INSERT", "py-a"),
        ("nodes", "INSERT", "py-b"),
        ("edges", "INSERT", "py-e"),
        ("nodes", "UPDATE", "py-a"),
    ], summary
    assert summary[4][:2] == ("p-12", "INSERT") and received[4][1]["data"]["record"]["person_id"] == "p-12"
    assert summary[5:] == [("edges", "DELETE", "py-e"), ("nodes", "DELETE", "py-b")], summary
    update = received[3][1]["data"]
    assert update["old_record"]["label"] == "n" and update["record"]["label"] == "new label"
    assert update["record"]["_change_id"] == update["old_record"]["_change_id"]
    assert {"name": "extras", "type": "jsonb"} in update["columns"]


# ── volume, size, scale-out ────────────────────────────────────────────────
async def test_thousand_changes_in_one_transaction_reach_every_client_in_order(nexus_server):
    clients = [await RawClient.connect(nexus_server, vsn) for vsn in ("2.0.0", "2.0.0", "1.0.0", "1.0.0")]
    for c in clients:
        reply = await c.join("realtime:bulk", [{"event": "INSERT", "schema": "public", "table": "nodes"}])
        assert reply["payload"]["status"] == "ok"
    statements = [node_insert(f"bulk-{i:04d}", extras={"i": i}) for i in range(500)]
    statements.append(
        (  # and 500 more in a single multi-row statement (one trigger call)
            "INSERT INTO nodes (id, type, label, extras) "
            "SELECT 'bulk-' || lpad(g::text, 4, '0'), 'fact', 'n', jsonb_build_object('i', g) "
            "FROM generate_series(500, 999) g",
            (),
        )
    )
    await asyncio.to_thread(sql_in_one_transaction, statements)
    for c in clients:
        got = await c.changes(1000, timeout=30)
        assert [g["data"]["record"]["extras"]["i"] for g in got] == list(range(1000))
        cursors = [cursor_of(g["data"]) for g in got]
        assert cursors == sorted(cursors) and len(set(cursors)) == 1000
        await c.close()


async def test_twenty_kilobyte_row_is_written_and_delivered(nexus_server):
    client = await RawClient.connect(nexus_server)
    await client.join("realtime:big", [{"event": "*", "schema": "public", "table": "nodes"}])
    blob = "x" * 20_000
    await asql(*node_insert("big-1", extras={"blob": blob}))  # NOTIFY carries the id, not the row
    [change] = await client.changes(1)
    assert change["data"]["record"]["extras"]["blob"] == blob
    await client.close()


async def test_two_server_processes_every_client_gets_every_change_exactly_once(server_factory):
    servers = [server_factory(), server_factory()]
    clients = []
    for server in servers:
        for _ in range(2):
            client = await RawClient.connect(server)
            assert (await client.join("realtime:scale", [{"event": "*", "schema": "public", "table": "*"}]))["payload"][
                "status"
            ] == "ok"
            clients.append(client)
    for i in range(30):
        await asql(*node_insert(f"scale-{i}"))
    await asql("INSERT INTO notifications (person_id) SELECT 'p-' || g FROM generate_series(1, 20) g")
    for client in clients:
        got = await client.changes(50, timeout=20)
        assert len(got) == 50
        cursors = [cursor_of(g["data"]) for g in got]
        assert len(set(cursors)) == 50 and cursors == sorted(cursors)
        assert await client.changes(1, timeout=0.5) == []  # and nothing twice
        await client.close()


# ── protocol edges ─────────────────────────────────────────────────────────
async def test_malformed_frames_and_unknown_events_get_error_replies_and_server_keeps_serving(nexus_server):
    client = await RawClient.connect(nexus_server)
    await client.ws.send("this is not json")
    reply = await client.recv()
    assert reply["event"] == "phx_reply" and reply["payload"]["status"] == "error"
    assert "malformed" in reply["payload"]["response"]["reason"]
    await client.ws.send(json.dumps([1, 2, 3]))
    assert (await client.recv())["payload"]["status"] == "error"
    await client.ws.send(b"\x00\xff binary")
    assert (await client.recv())["payload"]["status"] == "error"

    cases = [
        ("phoenix", "explode", {}, "unknown event"),
        ("lobby", "phx_join", {}, "unknown topic"),
        ("realtime:x", "broadcast", {"event": "hi"}, "unmatched topic"),
        (
            "realtime:x",
            "phx_join",
            {"config": {"postgres_changes": [{"event": "UPSERT", "schema": "public", "table": "nodes"}]}},
            "invalid event",
        ),
        (
            "realtime:x",
            "phx_join",
            {"config": {"postgres_changes": [{"event": "*", "schema": "public", "table": "secrets"}]}},
            "unknown table",
        ),
        (
            "realtime:x",
            "phx_join",
            {
                "config": {
                    "postgres_changes": [{"event": "*", "schema": "public", "table": "nodes", "filter": "nope=eq.1"}]
                }
            },
            "no column",
        ),
        (
            "realtime:x",
            "phx_join",
            {
                "config": {
                    "postgres_changes": [{"event": "*", "schema": "public", "table": "nodes", "filter": "id=match.x"}]
                }
            },
            "operator",
        ),
        ("realtime:x", "phx_join", {"config": {"postgres_changes": "all"}}, "must be a list"),
    ]
    for topic, event, payload, reason in cases:
        ref = await client.send(topic, event, payload)
        reply = await client.reply_to(ref)
        assert reply["payload"]["status"] == "error", (topic, event, reply)
        assert reason in reply["payload"]["response"]["reason"], (reason, reply)

    ref = await client.send("phoenix", "heartbeat", {})
    assert (await client.reply_to(ref))["payload"] == {"status": "ok", "response": {}}
    joined = await client.join(
        "realtime:ok", [{"event": "*", "schema": "public", "table": "nodes", "filter": "id=eq.still-1"}]
    )
    assert joined["payload"]["response"]["postgres_changes"] == [
        {"id": 1, "event": "*", "schema": "public", "table": "nodes", "filter": "id=eq.still-1"}
    ]
    ref = await client.send("realtime:ok", "access_token", {"access_token": "whatever"})
    assert (await client.reply_to(ref))["payload"]["status"] == "ok"
    await asql(*node_insert("still-0"))
    await asql(*node_insert("still-1"))
    [change] = await client.changes(1)
    assert change["ids"] == [1] and change["data"]["record"]["id"] == "still-1"
    ref = await client.send("realtime:ok", "phx_leave", {})
    assert (await client.reply_to(ref))["payload"]["status"] == "ok"
    await asql(*node_insert("still-2"))
    assert await client.changes(1, timeout=1.0) == []
    await client.close()
    assert "Traceback" not in nexus_server.log()


# ── reconnects ─────────────────────────────────────────────────────────────
async def test_disconnected_client_resumes_with_its_cursor_and_gets_exactly_what_it_missed(nexus_server):
    client = await RawClient.connect(nexus_server)
    await client.join("realtime:resume", [{"event": "*", "schema": "public", "table": "*"}])
    await asql(*node_insert("res-0"))
    [first] = await client.changes(1)
    cursor = cursor_of(first["data"])
    await client.close()

    await asql(*node_insert("res-1"))
    await asql("UPDATE nodes SET label = 'changed' WHERE id = 'res-0'")
    await asql("INSERT INTO notifications (person_id) VALUES ('p-1')")
    await asql("DELETE FROM nodes WHERE id = 'res-1'")

    def get(**params):
        from urllib.parse import urlencode

        return asyncio.to_thread(nexus_server.call, "GET", f"/api/realtime/changes?{urlencode(params)}")

    status, body = await get(after=cursor)
    assert status == 200, body
    assert [(c["table"], c["eventType"]) for c in body["changes"]] == [
        ("nodes", "INSERT"),
        ("nodes", "UPDATE"),
        ("notifications", "INSERT"),
        ("nodes", "DELETE"),
    ]
    ids = [c["id"] for c in body["changes"]]
    assert ids[0] > cursor and ids == sorted(ids) and body["cursor"] == ids[-1]
    assert body["changes"][1]["old"]["label"] == "n" and body["changes"][1]["new"]["label"] == "changed"
    assert body["changes"][1]["new"]["_change_id"] == ids[1]
    status, again = await get(after=body["cursor"])
    assert status == 200 and again["changes"] == [] and again["cursor"] == body["cursor"]
    status, only_nodes = await get(after=cursor, tables="nodes")
    assert [c["table"] for c in only_nodes["changes"]] == ["nodes"] * 3


def test_database_restart_bridge_recovers_and_clients_miss_nothing(nexus_server):
    """Synchronous on purpose: this process's own Django connection is closed and reopened here."""
    from django.db import close_old_connections, connection

    from nexus_site.database import start_embedded, stop_embedded

    loop = asyncio.new_event_loop()
    run = loop.run_until_complete
    try:
        clients = [run(RawClient.connect(nexus_server)) for _ in range(3)]
        for c in clients:
            run(c.join("realtime:restart", [{"event": "*", "schema": "public", "table": "nodes"}]))
        sql(*node_insert("before"))
        for c in clients:
            assert len(run(c.changes(1))) == 1

        home = Path(settings.NEXUS_HOME)
        connection.close()
        assert stop_embedded(home)
        # Heartbeats are still answered while the database is down: the server itself is fine.
        ref = run(clients[0].send("phoenix", "heartbeat", {}))
        assert run(clients[0].reply_to(ref))["payload"]["status"] == "ok"
        time.sleep(1.5)
        start_embedded(home)
        close_old_connections()  # this process's own connection recovers too

        for i in range(5):  # written right after the restart, possibly before the bridge is back
            sql(*node_insert(f"after-{i}"))
        for c in clients:
            got = run(c.changes(5, timeout=30))
            assert [g["data"]["record"]["id"] for g in got] == [f"after-{i}" for i in range(5)]
            run(c.close())
        assert "reconnected; catching up" in nexus_server.log()
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM nodes WHERE id LIKE 'after-%%'")
            assert cursor.fetchone()[0] == 5
    finally:
        loop.close()


async def test_out_of_commit_order_ids_are_delivered_in_order_and_rollbacks_do_not_stall(nexus_server):
    client = await RawClient.connect(nexus_server)
    await client.join("realtime:order", [{"event": "INSERT", "schema": "public", "table": "nodes"}])

    def interleave(commit_slow: bool):
        slow = psycopg.connect(**connection_kwargs(may_start_embedded=True))
        try:
            slow.execute(*node_insert("slow" if commit_slow else "doomed"))  # takes the lower id
            sql(*node_insert("fast" if commit_slow else "fast2"))  # commits first
            time.sleep(0.5)  # the bridge has seen "fast" and must hold it back
            slow.commit() if commit_slow else slow.rollback()
        finally:
            slow.close()

    await asyncio.to_thread(interleave, True)
    got = await client.changes(2)
    assert [g["data"]["record"]["id"] for g in got] == ["slow", "fast"]
    assert cursor_of(got[0]["data"]) < cursor_of(got[1]["data"])

    started = time.monotonic()
    await asyncio.to_thread(interleave, False)
    [fast2] = await client.changes(1)
    assert fast2["data"]["record"]["id"] == "fast2" and time.monotonic() - started < 5
    await client.close()


async def test_listener_starts_with_the_first_websocket_and_is_one_connection_per_process(nexus_server):
    def listeners() -> int:
        with psycopg.connect(**connection_kwargs(may_start_embedded=True), autocommit=True) as conn:
            return conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'nexus-realtime' "
                "AND datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchall()[0][0]

    status, _ = await asyncio.to_thread(http_get, f"{nexus_server.url}/api/config")
    assert status == 200 and await asyncio.to_thread(listeners) == 0  # HTTP alone starts nothing
    clients = [await RawClient.connect(nexus_server) for _ in range(5)]
    for c in clients:
        await c.join("realtime:lazy", [{"event": "*", "schema": "public", "table": "edges"}])
    assert await asyncio.to_thread(listeners) == 1
    for c in clients:
        await c.close()


async def test_bridge_prunes_changes_older_than_retention(nexus_server):
    for i in range(3):
        await asql(*node_insert(f"old-{i}"))
    await asql("UPDATE realtime_changes SET commit_time = now() - interval '30 hours'")

    def count() -> int:
        with psycopg.connect(**connection_kwargs(may_start_embedded=True), autocommit=True) as conn:
            return conn.execute("SELECT count(*) FROM realtime_changes").fetchall()[0][0]

    assert await asyncio.to_thread(count) >= 3
    client = await RawClient.connect(nexus_server)  # starts the bridge, which prunes (24 h default)
    deadline = time.monotonic() + 10
    while await asyncio.to_thread(count) > 1 and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    assert await asyncio.to_thread(count) == 1  # only the newest is kept
    await client.close()
