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
