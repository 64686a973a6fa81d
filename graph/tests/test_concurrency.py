"""The database decides duplicate edges, even when 20 clients race (real daphne server)."""

import threading
from concurrent.futures import ThreadPoolExecutor

from graph.models import Edge, MutationHistory, Node


def test_twenty_concurrent_duplicate_edges_give_one_201_and_nineteen_409(nexus_server):
    Node.objects.create(id="p-race-a", type="person", label="Racer A")
    Node.objects.create(id="t-race-b", type="team", label="Race Team")
    body = {"source": "p-race-a", "target": "t-race-b", "type": "member_of"}
    barrier = threading.Barrier(20)

    def attempt(_):
        barrier.wait(timeout=30)
        return nexus_server.call("POST", "/api/edges", body)

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(attempt, range(20)))
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [409] * 19, (statuses, nexus_server.log()[-3000:])
    for status, payload in results:
        if status == 409:
            assert payload["error"]["code"] == "conflict"
            assert "already exists" in payload["error"]["message"]
    assert Edge.objects.filter(source_id="p-race-a", target_id="t-race-b", type="member_of").count() == 1
    assert MutationHistory.objects.filter(action="create_edge").count() == 1  # losers left no history
    assert "Traceback" not in nexus_server.log()


def test_twenty_batches_updating_p_and_q_in_opposite_orders_get_200_or_409_never_503(nexus_server):
    """Opposite lock orders deadlock; the service retries (with jitter), then says 409 conflict."""
    Node.objects.create(id="p-dead-p", type="person", label="P")
    Node.objects.create(id="p-dead-q", type="person", label="Q")
    barrier = threading.Barrier(20)

    def batch(i):
        order = ["p-dead-p", "p-dead-q"] if i % 2 == 0 else ["p-dead-q", "p-dead-p"]
        body = {
            "mutations": [{"op": "update_node", "id": node_id, "label": f"{node_id} by batch {i}"} for node_id in order]
        }
        barrier.wait(timeout=30)
        return nexus_server.call("POST", "/api/graph/mutations", body, timeout=120)

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(batch, range(20)))
    statuses = [status for status, _ in results]
    assert set(statuses) <= {200, 409}, (statuses, [b for s, b in results if s not in (200, 409)][:2])
    assert statuses.count(200) >= 10, statuses  # retries turn most collisions into successes
    for status, body in results:
        if status == 409:
            assert body["error"]["code"] == "conflict" and "try again" in body["error"]["message"]
    # all or nothing: each successful batch wrote both updates, the others nothing
    assert MutationHistory.objects.filter(action="update_node").count() == 2 * statuses.count(200)
    p, q = Node.objects.get(id="p-dead-p"), Node.objects.get(id="p-dead-q")
    assert p.label.split(" by ")[1] in {q.label.split(" by ")[1]} or statuses.count(200) > 1
    assert "Traceback" not in nexus_server.log()


def test_a_write_waiting_on_a_lock_past_the_lock_timeout_is_409_within_seconds(server_factory):
    import time

    import psycopg
    from django.db import connection

    Node.objects.create(id="p-locked", type="person", label="Locked")
    server = server_factory(extra_env={"DATABASE_LOCK_TIMEOUT": "1"})
    params = {k: v for k, v in connection.get_connection_params().items() if k not in ("cursor_factory", "context")}
    with psycopg.connect(**params) as holder:  # another client holds the row lock
        holder.execute("SELECT 1 FROM nodes WHERE id = 'p-locked' FOR UPDATE")
        started = time.monotonic()
        status, body = server.call("PATCH", "/api/nodes/p-locked", {"label": "changed"}, timeout=20)
        elapsed = time.monotonic() - started
        holder.rollback()
    assert status == 409 and body["error"]["code"] == "conflict", body
    assert elapsed < 8, elapsed
    assert Node.objects.get(id="p-locked").label == "Locked"
    assert server.call("PATCH", "/api/nodes/p-locked", {"label": "changed"})[0] == 200


def test_a_deadlock_with_another_client_is_retried_and_the_batch_succeeds(server_factory):
    """Another client (psql, Supabase) locks Q then P while a batch holds P and waits for Q:
    PostgreSQL aborts the batch's transaction (40P01); the service runs it again and it commits."""
    import time

    import psycopg
    from django.db import connection

    Node.objects.create(id="p-dl-p", type="person", label="P")
    Node.objects.create(id="p-dl-q", type="person", label="Q")
    server = server_factory()
    params = {k: v for k, v in connection.get_connection_params().items() if k not in ("cursor_factory", "context")}
    body = {
        "mutations": [
            {"op": "update_node", "id": "p-dl-p", "label": "P2"},
            {"op": "update_node", "id": "p-dl-q", "label": "Q2"},
        ]
    }
    with psycopg.connect(**params) as other, ThreadPoolExecutor(max_workers=1) as pool:
        other.execute("SET deadlock_timeout = '10s'")  # so the server's transaction is the one aborted
        other.execute("SELECT 1 FROM nodes WHERE id = 'p-dl-q' FOR UPDATE")
        pending = pool.submit(server.call, "POST", "/api/graph/mutations", body, 60)
        time.sleep(1.0)  # the batch now holds P and waits for Q
        other.execute("SELECT 1 FROM nodes WHERE id = 'p-dl-p' FOR UPDATE")  # deadlock: the batch is aborted
        other.rollback()
        status, result = pending.result(timeout=60)
    assert status == 200, result
    assert [r["node"]["label"] for r in result["results"]] == ["P2", "Q2"]
    assert "deadlock, retry 1" in server.log()
    assert MutationHistory.objects.filter(action="update_node").count() == 2  # the aborted try left nothing
