"""/api/graph on the wire: gzip when the client accepts it, the compact view for PulseView, and a
canvas move (x/y only) that leaves a node's freshness alone."""

import gzip
import json

from graph.models import Edge, Node
from tests.actors import signed_in
from tests.json_api import assert_error


def test_graph_is_gzipped_only_for_clients_that_accept_it(seeded):
    client = signed_in("viewer")
    plain = client.get("/api/graph")
    assert plain.status_code == 200 and "Content-Encoding" not in plain
    zipped = client.get("/api/graph", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert zipped.status_code == 200 and zipped["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped["Vary"]
    body = json.loads(gzip.decompress(zipped.content))
    assert body == json.loads(plain.content)
    assert len(zipped.content) * 4 < len(plain.content)


def test_compact_view_carries_what_the_drawing_needs_and_nothing_else(api, seeded):
    status, full = api.get("/api/graph")
    status, compact = api.get("/api/graph", view="compact")
    assert status == 200
    assert len(compact["nodes"]) == Node.objects.count() and len(compact["edges"]) == Edge.objects.count()
    node = next(n for n in compact["nodes"] if n["id"] == "p-10")
    assert set(node) == {
        "id",
        "type",
        "label",
        "division",
        "department",
        "team",
        "health",
        "size",
        "x",
        "y",
        "status",
        "current_freshness",
    }
    same = next(n for n in full["nodes"] if n["id"] == "p-10")
    assert {k: node[k] for k in node if k != "current_freshness"} == {
        k: same[k] for k in node if k != "current_freshness"
    }
    assert abs(node["current_freshness"] - same["current_freshness"]) < 1e-3
    assert set(compact["edges"][0]) == {"id", "source", "target", "type", "weight"}
    assert compact["metadata"] == full["metadata"]
    assert compact["view"] == "compact" and "view" not in full
    assert len(json.dumps(compact)) * 2 < len(json.dumps(full))
    # Filters apply as to the full view; an unknown view is a 400 naming the field.
    _, ops = api.get("/api/graph", view="compact", division="Operations")
    assert {n["division"] for n in ops["nodes"]} == {"Operations"}
    assert_error(*api.get("/api/graph", view="tiny"), 400, field="view")


def test_moving_a_node_keeps_its_freshness_but_an_edit_refreshes_it(api, db):
    _, node = api.post("/api/nodes", {"type": "fact", "label": "Pilot is in March", "freshness_score": 0.4})
    status, moved = api.patch(f"/api/nodes/{node['id']}", {"x": 120.5, "y": -40})
    assert status == 200, moved
    assert (moved["x"], moved["y"]) == (120.5, -40)
    assert moved["freshness_score"] == 0.4 and moved["updated_at"] == node["updated_at"]
    _, edited = api.patch(f"/api/nodes/{node['id']}", {"label": "Pilot is in April", "x": 0})
    assert edited["freshness_score"] == 1.0
