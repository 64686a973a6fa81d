"""POST /api/graph/mutations (all or nothing) and GET /api/graph/history."""

from datetime import timedelta

import pytest
from django.utils import timezone

from common.errors import Conflict
from graph import services
from graph.models import Edge, MutationHistory, Node, NodeEmbedding
from tests.json_api import assert_error


def counts():
    return (Node.objects.count(), Edge.objects.count(), NodeEmbedding.objects.count(), MutationHistory.objects.count())


def test_batch_applies_in_order_and_can_refer_to_earlier_mutations(api, seeded):
    status, body = api.post(
        "/api/graph/mutations",
        {
            "mutations": [
                {"op": "create_node", "id": "tp-99", "type": "topic", "label": "Battery recall"},
                {"op": "create_edge", "source": "f-01", "target": "tp-99", "type": "about"},
                {"op": "update_node", "id": "f-01", "health": "red"},
                {"op": "delete_edge", "id": "e-001"},
                {"op": "delete_node", "id": "q-05"},
            ]
        },
    )
    assert status == 200, body
    ops = [r["op"] for r in body["results"]]
    assert ops == ["create_node", "create_edge", "update_node", "delete_edge", "delete_node"]
    assert body["results"][0]["node"]["id"] == "tp-99"
    assert Edge.objects.filter(source_id="f-01", target_id="tp-99", type="about").exists()
    assert Node.objects.get(id="f-01").health == "red"
    assert not Edge.objects.filter(id="e-001").exists() and not Node.objects.filter(id="q-05").exists()
    assert MutationHistory.objects.count() == 5


@pytest.mark.parametrize(
    "bad, status, field",
    [
        ({"op": "create_node", "type": "planet", "label": "x"}, 400, "mutations[2].type"),
        ({"op": "create_node", "type": "fact"}, 400, "mutations[2].label"),
        ({"op": "create_edge", "source": "p-01", "target": "ghost", "type": "x"}, 400, "mutations[2].target"),
        ({"op": "teleport", "id": "p-01"}, 400, "mutations[2].op"),
        ({"op": "update_node", "id": "ghost", "label": "x"}, 404, None),
        ({"op": "delete_edge", "id": "ghost"}, 404, None),
        ({"op": "create_edge", "source": "p-02", "target": "p-01", "type": "reports_to"}, 409, None),
        ("not an object", 400, "mutations[2]"),
    ],
)
def test_failed_batch_leaves_no_writes_and_no_history(api, seeded, bad, status, field):
    before = counts()
    labels_before = dict(Node.objects.values_list("id", "label"))
    code, body = api.post(
        "/api/graph/mutations",
        {
            "mutations": [
                {"op": "create_node", "id": "f-99", "type": "fact", "label": "should vanish"},
                {"op": "update_node", "id": "p-01", "label": "Renamed CEO"},
                bad,
            ]
        },
    )
    assert_error(code, body, status, field=field)
    if status != 400:
        assert "mutations[2]" in body["error"]["message"]
    assert counts() == before
    assert dict(Node.objects.values_list("id", "label")) == labels_before


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "mutations"),
        ({"mutations": []}, "mutations"),
        ({"mutations": {"op": "x"}}, "mutations"),
        ({"mutations": [], "extra": 1}, "extra"),
    ],
)
def test_batch_shape_errors(api, db, body, field):
    assert_error(*api.post("/api/graph/mutations", body), 400, field=field)


def test_service_failure_inside_outer_transaction_rolls_back_the_mutation_and_its_history(seeded):
    before = counts()
    with pytest.raises(Conflict):
        services.mutations_apply(
            mutations=[
                {"op": "create_edge", "source": "p-05", "target": "t-02", "type": "member_of"},
                {"op": "create_edge", "source": "p-05", "target": "t-02", "type": "member_of"},
            ]
        )
    assert counts() == before


def test_history_records_before_and_after_and_filters(api, db):
    a = services.node_create(node_type="person", label="Ann")
    b = services.node_create(node_type="team", label="Blue")
    edge = services.edge_create(source=a.id, target=b.id, edge_type="member_of")
    services.node_update(node_id=a.id, label="Anne")
    services.node_create(node_type="fact", label="unrelated")

    status, body = api.get("/api/graph/history", node=a.id)
    assert status == 200
    actions = [e["action"] for e in body["results"]]
    assert actions == ["update_node", "create_edge", "create_node"]  # newest first, incl. its edge
    update = body["results"][0]
    assert update["data"]["before"]["label"] == "Ann" and update["data"]["after"]["label"] == "Anne"
    assert body["results"][1]["edge_id"] == edge.id

    status, page = api.get("/api/graph/history", limit=2)
    assert page["count"] == 5 and len(page["results"]) == 2 and page["next"]

    MutationHistory.objects.filter(node_id=b.id).update(created_at=timezone.now() - timedelta(days=3))
    since = (timezone.now() - timedelta(days=1)).isoformat()
    status, recent = api.get("/api/graph/history", since=since)
    assert b.id not in {e["node_id"] for e in recent["results"]} and recent["count"] == 4
    until = (timezone.now() - timedelta(days=2)).isoformat()
    status, old = api.get("/api/graph/history", until=until)
    assert [e["node_id"] for e in old["results"]] == [b.id]


@pytest.mark.parametrize(
    "params, field",
    [
        ({"since": "yesterday"}, "since"),
        ({"until": "2026-13-01"}, "until"),
        ({"limit": "all"}, "limit"),
        ({"since": "2026-11-02T00:00:00Z", "until": "2026-11-01T00:00:00Z"}, "since"),
    ],
)
def test_history_bad_query_is_400(api, db, params, field):
    assert_error(*api.get("/api/graph/history", **params), 400, field=field)
