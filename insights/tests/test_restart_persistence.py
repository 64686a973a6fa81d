"""Against a real daphne process: everything written through the API survives a restart, and
concurrent writes stay consistent."""

import pytest

pytestmark = pytest.mark.slow


def call(server, method, path, body=None):
    return server.call(method, path, body)


def test_insights_and_conversations_persist_across_restart(server_factory, seeded_embedded):
    from insights.llm_usage import record_usage

    first = server_factory()
    status, drop = call(
        first,
        "POST",
        "/api/info-drop",
        {"text": "Kwame will deliver the Halden dispatcher load test by 12 December 2026.", "author": "Isabel Moreno"},
    )
    assert status == 201, (drop, first.log())
    status, tasks = call(
        first,
        "POST",
        "/api/tasks",
        {
            "tasks": [
                {"id": "a", "name": "Design", "duration_days": 2, "depends_on": []},
                {"id": "b", "name": "Build", "duration_days": 3, "depends_on": ["a"]},
            ]
        },
    )
    assert status == 201
    status, scan = call(first, "POST", "/api/immune/scan", {})
    assert status == 201
    status, analysis = call(first, "POST", "/api/workers/analyze")
    assert status == 201
    status, answer = call(first, "POST", "/api/ask", {"question": "Who leads the Perception team?"})
    assert status == 200
    conv = answer["conversation_id"]
    call(first, "POST", "/api/ask", {"question": "What about Motion Control?", "conversation_id": conv})
    notification_id = drop["notified"][0]["notification_id"]
    assert call(first, "POST", f"/api/notifications/{notification_id}/ack")[0] == 200
    record_usage(model="gpt-4o-mini", input_tokens=10, output_tokens=5, task_type="ask")
    first.stop()

    second = server_factory()
    status, current = call(second, "GET", "/api/tasks/current")
    assert status == 200 and current["id"] == tasks["id"] and current["critical_path"] == ["a", "b"]
    status, scans = call(second, "GET", "/api/immune/scans")
    assert scans["results"][0]["id"] == scan["id"] and scans["results"][0]["total_findings"] == scan["total_findings"]
    assert call(second, "GET", "/api/immune/alerts")[1]["scan_id"] == scan["id"]
    assert call(second, "GET", "/api/workers/latest")[1]["id"] == analysis["id"]
    status, history = call(second, "GET", f"/api/conversations/{conv}")
    assert status == 200 and [t["role"] for t in history["turns"]] == ["user", "assistant"] * 2
    assert history["turns"][2]["content"] == "What about Motion Control?"
    status, follow = call(second, "POST", "/api/ask", {"question": "And Perception?", "conversation_id": conv})
    assert status == 200 and follow["conversation_id"] == conv
    status, notes = call(second, "GET", f"/api/notifications?person_id={drop['notified'][0]['person_id']}")
    assert notes["results"][0]["id"] == notification_id and notes["results"][0]["acknowledged"] is True
    status, node = call(second, "GET", "/api/usage")
    assert node["by_task_type"][0]["task_type"] == "ask" and node["totals"]["calls"] == 1
    status, created = call(second, "GET", "/api/notifications?limit=500")
    assert created["count"] == len(drop["notified"])
    from graph.models import Node

    assert Node.objects.get(id=drop["nodes_created"][0]).extras["owner_id"] == "p-11"


def test_concurrent_identical_drops_create_one_set_of_nodes(nexus_server, seeded_embedded):
    from concurrent.futures import ThreadPoolExecutor

    from graph.models import Node

    before = Node.objects.count()
    drop = {
        "text": "Oliver will deliver the dispatcher simulation harness by 2027-01-15. "
        "The Halden site has two loading docks.",
        "author": "Rebecca Holloway",
    }
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: call(nexus_server, "POST", "/api/info-drop", drop), range(4)))
    assert all(status == 201 for status, _ in results), results
    created = [n for _, body in results for n in body["nodes_created"]]
    updated = [n for _, body in results for n in body["nodes_updated"]]
    assert len(created) == 2 and len(updated) == 6 and set(updated) == set(created)
    assert Node.objects.count() == before + 2


def test_concurrent_task_graphs_leave_exactly_one_active(nexus_server):
    from concurrent.futures import ThreadPoolExecutor

    from insights.models import TaskGraph

    def submit(n):
        return call(nexus_server, "POST", "/api/tasks", {"tasks": [{"id": f"t{n}", "name": "x", "duration_days": n}]})

    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(submit, range(6)))
    assert all(status == 201 for status, _ in results)
    assert TaskGraph.objects.filter(active=True).count() == 1 and TaskGraph.objects.count() == 6
