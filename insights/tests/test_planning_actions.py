"""Editing a task graph from the panel (owners, done, concurrent edits) and applying a worker
analysis' reallocation."""

import pytest
from django.db import connection

from graph.models import Edge, MutationHistory, Node
from insights.models import TaskGraph, WorkerAnalysis
from tests.actors import signed_in

TASKS = [
    {"id": "t1", "name": "Survey the site", "duration_days": 2, "owner": "p-11"},
    {"id": "t2", "name": "Install docks", "duration_days": 3, "depends_on": ["t1"], "owner": "p-12"},
    {"id": "t3", "name": "Train staff", "duration_days": 1, "depends_on": ["t1"]},
]


def test_tasks_keep_owner_and_done_and_edit_from_their_base(seeded):
    client = signed_in("editor")
    first = client.post("/api/tasks", {"tasks": TASKS}, format="json").json()
    assert first["critical_path"] == ["t1", "t2"]
    assert {t["id"]: t["slack"] for t in first["tasks"]} == {"t1": 0, "t2": 0, "t3": 2}
    edited = [{**TASKS[0], "done": True}, *TASKS[1:]]
    second = client.post("/api/tasks", {"tasks": edited, "base_id": first["id"]}, format="json")
    assert second.status_code == 201, second.content
    assert [t["done"] for t in second.json()["tasks"]] == [True, False, False]
    assert client.get("/api/tasks/current").json()["tasks"][0]["owner"] == "p-11"


def test_an_edit_from_a_replaced_graph_is_409_and_writes_nothing(seeded):
    client = signed_in("editor")
    first = client.post("/api/tasks", {"tasks": TASKS}, format="json").json()
    client.post("/api/tasks", {"tasks": TASKS[:1], "base_id": first["id"]}, format="json")
    stale = client.post("/api/tasks", {"tasks": TASKS, "base_id": first["id"]}, format="json")
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "conflict"
    assert TaskGraph.objects.count() == 2


def test_an_owner_must_be_a_person(seeded):
    client = signed_in("editor")
    response = client.post("/api/tasks", {"tasks": [{**TASKS[0], "owner": "c-01"}]}, format="json")
    assert response.status_code == 400
    assert "tasks[0].owner" in response.json()["error"]["fields"]
    assert not TaskGraph.objects.exists()


def test_a_cycle_error_lists_its_members(seeded):
    tasks = [{**TASKS[0], "depends_on": ["t2"]}, TASKS[1]]
    error = signed_in("editor").post("/api/tasks", {"tasks": tasks}, format="json").json()["error"]
    assert error["code"] == "cycle"
    assert set(error["fields"]["cycle"]) == {"t1", "t2"}
    assert not TaskGraph.objects.exists()


@pytest.fixture
def analysis(seeded):
    response = signed_in("editor").post("/api/workers/analyze")
    assert response.status_code == 201
    return response.json()


def apply(client, analysis_id, commitment_id):
    return client.post(f"/api/workers/analyses/{analysis_id}/apply", {"commitment_id": commitment_id}, format="json")


def test_apply_a_reallocation_changes_the_owner_and_records_it(analysis):
    move = analysis["reallocation_suggestions"][0]
    client = signed_in("editor", username="realloc-editor")
    response = apply(client, analysis["id"], move["commitment_id"])
    assert response.status_code == 200, response.content
    assert response.json()["applied"]["by"] == "realloc-editor"
    commitment = Node.objects.get(id=move["commitment_id"])
    assert commitment.extras["owner_id"] == move["to"]["id"]
    owners = set(Edge.objects.filter(target_id=commitment.id, type="owns").values_list("source_id", flat=True))
    assert owners == {move["to"]["id"]}
    assert MutationHistory.objects.filter(node_id=commitment.id, action="update_node", actor="realloc-editor").exists()
    stored = WorkerAnalysis.objects.get(id=analysis["id"]).reallocation_suggestions[0]
    assert stored["applied"]["by"] == "realloc-editor"
    again = apply(client, analysis["id"], move["commitment_id"])
    assert again.status_code == 409


def _counts():
    with connection.cursor() as cursor:
        cursor.execute("SELECT (SELECT count(*) FROM edges), (SELECT count(*) FROM mutation_history)")
        return cursor.fetchone()


def test_apply_refuses_when_the_owner_already_changed(analysis):
    move = analysis["reallocation_suggestions"][0]
    client = signed_in("editor")
    from insights import services

    services.commitment_owner_set(commitment_id=move["commitment_id"], person_id="p-14")
    before = _counts()
    response = apply(client, analysis["id"], move["commitment_id"])
    assert response.status_code == 409 and "no longer owned" in response.json()["error"]["message"]
    assert _counts() == before


@pytest.mark.parametrize(
    "analysis_id, body, status",
    [(None, {"commitment_id": "c-99"}, 404), (999999, {"commitment_id": "c-01"}, 404), (None, {}, 400)],
)
def test_apply_bad_input_is_4xx_and_writes_nothing(analysis, analysis_id, body, status):
    before = _counts()
    response = signed_in("editor").post(
        f"/api/workers/analyses/{analysis_id or analysis['id']}/apply", body, format="json"
    )
    assert response.status_code == status, response.content
    assert _counts() == before


def test_viewer_cannot_apply(analysis):
    move = analysis["reallocation_suggestions"][0]
    before = _counts()
    assert apply(signed_in("viewer"), analysis["id"], move["commitment_id"]).status_code == 403
    assert _counts() == before
