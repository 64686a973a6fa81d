"""Nodes and edges endpoints: success paths, every error case, and no writes on error."""

import pytest
from django.test import override_settings

from graph.models import Edge, MutationHistory, Node, NodeEmbedding
from tests.json_api import assert_error


def counts():
    return (Node.objects.count(), Edge.objects.count(), NodeEmbedding.objects.count(), MutationHistory.objects.count())


# ── nodes ────────────────────────────────────────────────────────────────────


def test_create_node_generates_id_embeds_and_records_history(api, db):
    status, body = api.post(
        "/api/nodes",
        {"type": "decision", "label": "Adopt ROS 2 Jazzy", "division": "Engineering", "extras": {"rationale": "LTS"}},
    )
    assert status == 201, body
    assert body["id"].startswith("d-") and len(body["id"]) > 4
    assert body["health"] == "green" and body["status"] == "active"  # database defaults
    assert body["freshness_score"] == 1.0 and body["current_freshness"] == pytest.approx(1.0, abs=1e-3)
    embedding = NodeEmbedding.objects.get(node_id=body["id"])
    assert "Adopt ROS 2 Jazzy" in embedding.text_content and "LTS" in embedding.text_content
    assert len(embedding.embedding) == 3072
    history = MutationHistory.objects.get(node_id=body["id"])
    assert history.action == "create_node" and history.data["after"]["label"] == "Adopt ROS 2 Jazzy"


def test_create_node_with_given_id_and_duplicate_id_is_409(api, db):
    assert api.post("/api/nodes", {"id": "p-99", "type": "person", "label": "Ada"})[0] == 201
    before = counts()
    assert_error(*api.post("/api/nodes", {"id": "p-99", "type": "person", "label": "Ada again"}), 409, code="conflict")
    assert counts() == before


@pytest.mark.parametrize(
    "body, field",
    [
        ({"type": "planet", "label": "Mars"}, "type"),
        ({"type": "person"}, "label"),
        ({"type": "person", "label": ""}, "label"),
        ({"label": "no type"}, "type"),
        ({"type": "person", "label": "x", "size": "big"}, "size"),
        ({"type": "person", "label": "x", "freshness_score": 3}, "freshness_score"),
        ({"type": "person", "label": "x", "half_life_days": 0}, "half_life_days"),
        ({"type": "person", "label": "x", "extras": [1, 2]}, "extras"),
        ({"type": "person", "label": "x", "lable": "typo"}, "lable"),
        ({"type": "person", "label": "nul\u0000byte"}, "label"),
        ({"type": "person", "label": "x", "extras": {"note": "nul\u0000"}}, "extras.note"),
    ],
)
def test_create_node_bad_input_is_400_naming_the_field_and_writes_nothing(api, db, body, field):
    before = counts()
    assert_error(*api.post("/api/nodes", body), 400, field=field, code="invalid")
    assert counts() == before


def test_out_of_range_numbers_are_400_not_500(api, db):
    before = counts()
    assert_error(*api.post("/api/nodes", raw='{"type": "fact", "label": "x", "x": 1e999}'), 400, field="x")
    assert_error(
        *api.post("/api/nodes", raw='{"type": "fact", "label": "x", "extras": {"n": 1e999}}'), 400, field="extras"
    )
    assert_error(*api.post("/api/nodes", raw='{"type": "fact", "label": "x", "y": NaN}'), 400)
    assert counts() == before


def test_create_node_body_not_an_object_is_400(api, db):
    assert_error(*api.post("/api/nodes", [1, 2]), 400)


def test_malformed_json_is_400(api, db):
    before = counts()
    assert_error(*api.post("/api/nodes", raw='{"type": "person", "label": '), 400, code="parse_error")
    assert_error(*api.patch("/api/nodes/p-1", raw="{nope"), 400, code="parse_error")
    assert counts() == before


def test_body_over_the_size_limit_is_413(api, db):
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=2_000):
        before = counts()
        body = {"type": "fact", "label": "x" * 5_000}
        assert_error(*api.post("/api/nodes", body), 413, code="payload_too_large")
        assert_error(*api.post("/api/graph/mutations", {"mutations": [body]}), 413)
        assert counts() == before
        assert api.post("/api/nodes", {"type": "fact", "label": "small"})[0] == 201


def test_list_nodes_with_filters_and_paging(api, seeded):
    status, body = api.get("/api/nodes", type="fact", limit=5, offset=0)
    assert status == 200
    assert body["count"] == 14 and len(body["results"]) == 5
    assert all(n["type"] == "fact" and "current_freshness" in n for n in body["results"])
    status, page2 = api.get("/api/nodes", type="fact", limit=5, offset=5)
    assert {n["id"] for n in page2["results"]}.isdisjoint({n["id"] for n in body["results"]})


@pytest.mark.parametrize(
    "params, field",
    [
        ({"limit": "ten"}, "limit"),
        ({"limit": 0}, "limit"),
        ({"offset": -1}, "offset"),
        ({"type": "planet"}, "type"),
    ],
)
def test_list_nodes_wrong_query_types_are_400(api, db, params, field):
    assert_error(*api.get("/api/nodes", **params), 400, field=field)


def test_patch_node_updates_fields_refreshes_freshness_and_reembeds(api, db):
    _, node = api.post("/api/nodes", {"type": "fact", "label": "Pilot is in March", "freshness_score": 0.4})
    old_vector = list(NodeEmbedding.objects.get(node_id=node["id"]).embedding)
    status, body = api.patch(f"/api/nodes/{node['id']}", {"label": "Pilot moved to April", "health": "yellow"})
    assert status == 200, body
    assert body["label"] == "Pilot moved to April" and body["health"] == "yellow"
    assert body["freshness_score"] == 1.0
    assert body["updated_at"] > node["updated_at"]
    embedding = NodeEmbedding.objects.get(node_id=node["id"])
    assert "April" in embedding.text_content and list(embedding.embedding) != old_vector
    entry = MutationHistory.objects.filter(node_id=node["id"], action="update_node").get()
    assert entry.data["before"]["label"] == "Pilot is in March"
    assert entry.data["after"]["label"] == "Pilot moved to April"
    assert {"label", "health", "freshness_score", "updated_at"} <= set(entry.data["changed"])
    # an explicit freshness is kept
    assert api.patch(f"/api/nodes/{node['id']}", {"freshness_score": 0.7})[1]["freshness_score"] == 0.7


def test_patch_errors(api, db):
    _, node = api.post("/api/nodes", {"type": "fact", "label": "x"})
    before = counts()
    assert_error(*api.patch("/api/nodes/missing", {"label": "y"}), 404)
    assert_error(*api.patch(f"/api/nodes/{node['id']}", {"type": "planet"}), 400, field="type")
    assert_error(*api.patch(f"/api/nodes/{node['id']}", {"label": ""}), 400, field="label")
    assert_error(*api.patch(f"/api/nodes/{node['id']}", {"id": "other"}), 400, field="id")
    assert_error(*api.patch(f"/api/nodes/{node['id']}", {"node_id": "x"}), 400, field="node_id")
    assert counts() == before


def test_delete_node_cascades_edges_and_embedding_and_lists_them_in_history(api, db):
    _, a = api.post("/api/nodes", {"type": "person", "label": "A"})
    _, b = api.post("/api/nodes", {"type": "team", "label": "B"})
    _, e1 = api.post("/api/edges", {"source": a["id"], "target": b["id"], "type": "member_of"})
    _, e2 = api.post("/api/edges", {"source": b["id"], "target": a["id"], "type": "leads"})
    status, body = api.delete(f"/api/nodes/{a['id']}")
    assert status == 200
    assert body["deleted"] == a["id"] and set(body["removed_edges"]) == {e1["id"], e2["id"]}
    assert not Node.objects.filter(id=a["id"]).exists()
    assert not Edge.objects.filter(id__in=[e1["id"], e2["id"]]).exists()
    assert not NodeEmbedding.objects.filter(node_id=a["id"]).exists()
    entry = MutationHistory.objects.get(node_id=a["id"], action="delete_node")
    assert entry.data["before"]["label"] == "A" and entry.data["removed_embedding"] is True
    assert {e["id"] for e in entry.data["removed_edges"]} == {e1["id"], e2["id"]}
    assert_error(*api.delete(f"/api/nodes/{a['id']}"), 404)


def test_weird_ids_in_paths_are_404_not_500(api, db):
    for path in ("/api/nodes/a%00b", "/api/edges/a%00b", "/api/nodes/%F0%9F%A6%84", "/api/nodes/" + "x" * 5000):
        status, body = api.get(path)
        assert status == 404, (path, body)
    assert api.delete("/api/edges/a%00b")[0] == 404
    assert api.patch("/api/nodes/a%00b", {"label": "x"})[0] == 404


# ── edges ────────────────────────────────────────────────────────────────────


def test_create_list_get_delete_edge(api, seeded):
    status, edge = api.post(
        "/api/edges",
        {"source": "p-10", "target": "q-04", "type": "answers", "weight": 0.5, "extras": {"note": "follow-up"}},
    )
    assert status == 201, edge
    assert edge["id"].startswith("e-") and edge["weight"] == 0.5 and edge["animated"] is False
    assert MutationHistory.objects.get(edge_id=edge["id"]).data["after"]["source"] == "p-10"
    assert api.get(f"/api/edges/{edge['id']}") == (200, edge)
    status, listed = api.get("/api/edges", node="q-04")
    assert status == 200 and edge["id"] in {e["id"] for e in listed["results"]}
    status, listed = api.get("/api/edges", source="p-10", type="owns")
    assert listed["count"] == 7
    status, body = api.delete(f"/api/edges/{edge['id']}")
    assert status == 200 and body == {"deleted": edge["id"]}
    entry = MutationHistory.objects.get(edge_id=edge["id"], action="delete_edge")
    assert entry.data["before"]["target"] == "q-04"
    assert_error(*api.delete(f"/api/edges/{edge['id']}"), 404)
    assert_error(*api.get("/api/edges", limit="x"), 400, field="limit")


@pytest.mark.parametrize(
    "body, field",
    [
        ({"source": "p-01", "target": "nobody", "type": "reports_to"}, "target"),
        ({"source": "nobody", "target": "p-01", "type": "reports_to"}, "source"),
        ({"source": "p-01", "target": "p-02"}, "type"),
        ({"target": "p-02", "type": "x"}, "source"),
        ({"source": "p-01", "target": "p-02", "type": "x", "weight": "heavy"}, "weight"),
        ({"source": "p-01", "target": "p-02", "type": "x", "colour": "red"}, "colour"),
    ],
)
def test_create_edge_bad_input_is_400_and_writes_nothing(api, seeded, body, field):
    before = counts()
    assert_error(*api.post("/api/edges", body), 400, field=field)
    assert counts() == before


def test_duplicate_edge_is_409(api, seeded):
    before = counts()
    assert_error(
        *api.post("/api/edges", {"source": "p-02", "target": "p-01", "type": "reports_to"}), 409, code="conflict"
    )
    assert_error(*api.post("/api/edges", {"id": "e-001", "source": "p-01", "target": "p-02", "type": "new"}), 409)
    assert counts() == before
