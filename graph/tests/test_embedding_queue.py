"""Every node is searchable whoever wrote it: a trigger queues nodes written from anywhere, a
running server embeds them within seconds, `embed_pending` drains on demand, nothing twice."""

import io
import time

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from graph import services
from graph.embedding_queue import drain, pending_count
from graph.embeddings import HashProvider
from graph.models import NodeEmbedding
from graph.search import search_nodes


def _sql(sql, params=None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchall() if cursor.description else None


def _queued() -> set[str]:
    return {row[0] for row in _sql("SELECT node_id FROM embedding_queue")}


@pytest.fixture
def embedded_texts(monkeypatch):
    """Every text the (real) hash provider is asked to embed, in order."""
    seen: list[str] = []
    embed = HashProvider.embed

    def counting(self, texts, *, task_type="embedding"):
        if task_type == "embedding":
            seen.extend(texts)
        return embed(self, texts, task_type=task_type)

    monkeypatch.setattr(HashProvider, "embed", counting)
    return seen


def test_sql_inserts_and_relabels_are_queued_other_updates_are_not(db):
    _sql(
        "INSERT INTO nodes (id, type, label) VALUES ('f-sql-1', 'fact', 'Written with psql'), "
        "('f-sql-2', 'fact', 'Also psql')"
    )
    assert _queued() == {"f-sql-1", "f-sql-2"}
    _sql("DELETE FROM embedding_queue")
    _sql("UPDATE nodes SET x = 10, y = 20, health = 'red', freshness_score = 0.5 WHERE id = 'f-sql-1'")
    assert _queued() == set()  # nothing the embedding reads changed
    _sql("UPDATE nodes SET label = 'Relabelled in psql' WHERE id = 'f-sql-1'")
    _sql("UPDATE nodes SET extras = '{\"notes\": \"new notes\"}' WHERE id = 'f-sql-2'")
    assert _queued() == {"f-sql-1", "f-sql-2"}


def test_copy_queues_every_row(db):
    raw = connection.cursor().cursor
    with raw.copy("COPY nodes (id, type, label) FROM STDIN") as copy:
        for i in range(300):
            copy.write_row((f"f-copy-{i}", "fact", f"Copied fact {i}"))
    assert len(_queued()) == 300


def test_api_writes_embed_in_transaction_and_leave_no_queue_rows(db, embedded_texts):
    node = services.node_create(node_type="fact", label="Gripper firmware 4.2 fixes torque spikes")
    assert _queued() == set()
    services.node_update(node_id=node.id, label="Gripper firmware 4.3 fixes torque spikes")
    assert _queued() == set()
    services.node_update(node_id=node.id, x=5.0, extras={"info_drops": ["d-1"]})  # text unchanged
    assert _queued() == set()
    assert len(embedded_texts) == 2  # create and relabel; the third write changed no embedded text
    assert drain() == 0 and len(embedded_texts) == 2


def test_embed_pending_drains_once_and_the_node_becomes_searchable(db, embedded_texts):
    _sql("INSERT INTO nodes (id, type, label) VALUES ('f-sql-9', 'fact', 'Conveyor belt tension alarm threshold')")
    assert search_nodes(query="conveyor belt tension", k=3, mode="vector") == []
    out = io.StringIO()
    call_command("embed_pending", stdout=out, stderr=io.StringIO())
    assert "Embedded 1 queued node(s); 0 left" in out.getvalue()
    assert embedded_texts == ["Conveyor belt tension alarm threshold (fact)."]
    assert search_nodes(query="conveyor belt tension", k=1, mode="vector")[0]["node"]["id"] == "f-sql-9"
    assert NodeEmbedding.objects.get(node_id="f-sql-9").model == "local-hash-3072"
    call_command("embed_pending", stdout=io.StringIO(), stderr=io.StringIO())
    assert len(embedded_texts) == 1  # not embedded twice


def test_queued_node_with_unchanged_text_is_dequeued_not_re_embedded(db, embedded_texts):
    node = services.node_create(node_type="fact", label="Pallet wrapper film supplier changed")
    _sql("UPDATE nodes SET label = label, team = NULL WHERE id = %s", [node.id])  # same values
    _sql("INSERT INTO embedding_queue (node_id) VALUES (%s)", [node.id])  # e.g. queued by a no-op write
    assert drain() == 0 and pending_count() == 0 and len(embedded_texts) == 1


def test_concurrent_drainers_skip_each_others_rows(transactional_db, embedded_texts):
    _sql(
        "INSERT INTO nodes (id, type, label) SELECT 'f-par-' || i, 'fact', 'Parallel fact ' || i "
        "FROM generate_series(1, 6) i"
    )
    params = connection.get_connection_params()
    with psycopg.connect(**params) as other:  # another server process holding a claim
        claimed = [
            r[0]
            for r in other.execute(
                "SELECT node_id FROM embedding_queue ORDER BY node_id LIMIT 2 FOR UPDATE SKIP LOCKED"
            ).fetchall()
        ]
        assert drain() == 4
        assert _queued() == set(claimed)  # the other drainer's rows are left to it
        other.rollback()
    assert drain() == 2 and pending_count() == 0
    assert len(embedded_texts) == 6 and len(set(embedded_texts)) == 6


def test_a_node_being_deleted_is_skipped_not_deadlocked_on(transactional_db, embedded_texts):
    """A DELETE in another transaction holds the node: the drainer embeds the others without
    waiting (writing the vector first and then waiting on the node deadlocked with the DELETE's
    cascade to that vector), leaves that row queued, and dequeues it once the delete commits."""
    _sql(
        "INSERT INTO nodes (id, type, label) SELECT 'f-del-' || i, 'fact', 'Deleted soon ' || i "
        "FROM generate_series(1, 3) i"
    )
    params = connection.get_connection_params()
    with psycopg.connect(**params) as other:
        other.execute("DELETE FROM nodes WHERE id = 'f-del-2'")  # not committed yet
        started = time.monotonic()
        assert drain() == 2
        assert time.monotonic() - started < 5  # did not wait for the other transaction
        assert _queued() == {"f-del-2"}
        other.commit()
    assert drain() == 0 and _queued() == set()
    assert set(NodeEmbedding.objects.values_list("node_id", flat=True)) >= {"f-del-1", "f-del-3"}
    assert not NodeEmbedding.objects.filter(node_id="f-del-2").exists()


@pytest.mark.slow
def test_running_server_embeds_a_node_inserted_with_sql_within_seconds(server_factory):
    from graph import seed

    seed.write_seed_data(seed.load_seed_data())
    call_command("rebuild_embeddings", stdout=io.StringIO(), stderr=io.StringIO())
    server = server_factory(extra_env={"NEXUS_TEST_EMBEDDING_WORKER": "1"})
    _sql("INSERT INTO nodes (id, type, label) VALUES ('f-psql-1', 'fact', 'Dock door seven sensor is miscalibrated')")
    started = time.monotonic()
    found = None
    while time.monotonic() - started < 10:
        status, body = server.call("GET", "/api/search?q=dock+door+seven+sensor+miscalibrated&k=3&mode=vector")
        assert status == 200, body
        if body["results"] and body["results"][0]["node"]["id"] == "f-psql-1":
            found = time.monotonic() - started
            break
        time.sleep(0.25)
    assert found is not None, server.log()[-2000:]
    assert _queued() == set() and NodeEmbedding.objects.filter(node_id="f-psql-1").exists()


def _niced_backends() -> int:
    import psutil

    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        pids = [row[0] for row in cursor.fetchall()]
    return sum(1 for pid in pids if psutil.pid_exists(pid) and psutil.Process(pid).nice() == 10)


def _embedder_children(server) -> list:
    import psutil

    return [p for p in psutil.Process(server.proc.pid).children() if "embed_pending" in " ".join(p.cmdline())]


@pytest.mark.slow
@pytest.mark.parametrize("ending", ["terminated", "killed"])
def test_the_embedder_runs_beside_the_server_and_ends_with_it(server_factory, ending):
    """Not a thread in daphne (its GIL-holding work would delay every websocket send): one child
    process per server, which does not outlive the server however it ends."""
    import psutil

    server = server_factory(extra_env={"NEXUS_TEST_EMBEDDING_WORKER": "1"})
    children = _embedder_children(server)
    assert len(children) == 1, server.log()[-2000:]
    if ending == "terminated":  # and it yields the CPU to serving, as does its embedded-server backend
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not (children[0].nice() == 10 and _niced_backends()):
            time.sleep(0.2)  # the child lowers its priority once Django is set up, and connects on its first poll
        assert children[0].nice() == 10 and psutil.Process(server.proc.pid).nice() == 0
        assert _niced_backends() == 1
    if ending == "killed":
        server.proc.kill()  # no atexit: the child notices its parent is gone
        server.proc.wait()
    else:
        server.stop()
    gone, alive = psutil.wait_procs(children, timeout=10)
    assert not alive, f"the embedder outlived its server ({ending})"
