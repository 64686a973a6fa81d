"""Worker tracker on the mock organisation, offline, end to end."""

import pytest

from graph.models import Edge
from insights.models import WorkerAnalysis
from tests.actors import signed_in


@pytest.fixture
def analysis(seeded):
    response = signed_in("editor").post("/api/workers/analyze")
    assert response.status_code == 201, response.content
    return response.json()


def test_overloads_exactly_rebecca(analysis):
    [entry] = analysis["overloads"]
    assert entry["id"] == "p-10" and entry["count"] == 7 and entry["blocked"] == ["c-04"]


def test_reallocations_move_to_teammates_with_capacity(analysis):
    moves = analysis["reallocation_suggestions"]
    assert len(moves) == 2  # 7 open → back to the limit of 5
    assert all(m["from"]["id"] == "p-10" for m in moves)
    assert all(m["to"]["team_id"] == "t-03" and m["to"]["id"] in {"p-11", "p-12", "p-13"} for m in moves)
    assert "c-04" not in {m["commitment_id"] for m in moves}  # a blocked item is not handed over
    assert len({m["to"]["id"] for m in moves}) == 2  # spread, not piled on one colleague


def test_conflicts_name_contradicting_decisions_and_affected_owners(analysis):
    [conflict] = [c for c in analysis["conflicts"] if c["kind"] == "contradicting_decisions"]
    assert conflict["node_ids"][:2] == ["d-01", "d-02"]
    assert {p["id"] for p in conflict["people"]} >= {"p-02", "p-10"}
    assert conflict["affected_commitments"]["p-10"] == ["c-01", "c-03"]


def test_circular_commitment_dependency_is_a_conflict(seeded):
    Edge.objects.create(id="e-loop", source_id="c-01", target_id="c-02", type="depends_on")
    body = signed_in("editor").post("/api/workers/analyze").json()
    [cycle] = [c for c in body["conflicts"] if c["kind"] == "circular_dependency"]
    assert cycle["node_ids"] == ["c-01", "c-02"] and [p["id"] for p in cycle["people"]] == ["p-10"]


def test_duplicates_and_collaborations(analysis):
    assert [d["node_ids"] for d in analysis["duplicates"]] == [["f-03", "f-04"]]
    collab = analysis["collaboration_recommendations"]
    assert collab and all(r["people"][0]["team_id"] != r["people"][1]["team_id"] for r in collab)
    pairs = {(r["topic_id"], r["people"][0]["id"], r["people"][1]["id"]) for r in collab}
    assert ("tp-01", "p-02", "p-10") in pairs  # both decided about ROS 2, in different teams


def test_analysis_persisted_and_latest(analysis):
    row = WorkerAnalysis.objects.get(id=analysis["id"])
    assert row.overloads[0]["id"] == "p-10"
    latest = signed_in("editor").get("/api/workers/latest").json()
    assert latest["id"] == analysis["id"] and latest["mode"] == "offline"


@pytest.mark.django_db
def test_latest_without_analysis_is_404():
    response = signed_in("editor").get("/api/workers/latest")
    assert response.status_code == 404 and response.json()["error"]["status"] == 404
