"""Info Drop + info router, offline, end to end against the real database."""

import pytest

from graph.models import Edge, MutationHistory, Node
from insights.models import Notification
from tests.actors import signed_in

DROP = {
    "text": "Kwame will deliver the Halden dispatcher load test by 12 December 2026. "
    "We decided to standardise on ROS 2 Jazzy for all robots. "
    "Who signs off the Wi-Fi survey for the Halden pilot? "
    "The Perception team measured lidar drift of 2 cm on the AMR-400.",
    "source": "slack #fleet",
    "author": "Isabel Moreno",
}


def post(payload):
    return signed_in("editor").post("/api/info-drop", payload, format="json")


@pytest.fixture
def dropped(seeded_embedded):
    before = {
        "nodes": Node.objects.count(),
        "edges": Edge.objects.count(),
        "history": MutationHistory.objects.count(),
        "notifications": Notification.objects.count(),
    }
    response = post(DROP)
    assert response.status_code == 201, response.content
    return before, response.json()


def by_type(body, kind):
    return [i for i in body["items"] if i["type"] == kind]


def test_info_drop_classifies_and_creates_nodes(dropped):
    _, body = dropped
    assert body["mode"] == "offline"
    assert [i["type"] for i in body["items"]] == ["commitment", "decision", "question", "fact"]
    assert len(body["nodes_created"]) == 4 and body["nodes_updated"] == []
    commitment = Node.objects.get(id=by_type(body, "commitment")[0]["node_id"])
    assert commitment.extras["owner_id"] == "p-11" and commitment.extras["due_date"] == "2026-12-12"
    assert commitment.team == "Fleet Orchestration"
    question = Node.objects.get(id=by_type(body, "question")[0]["node_id"])
    assert question.status == "open" and question.extras["asked_by"] == "p-26"
    recognised = {r["id"] for r in body["recognised"]}
    assert {"p-11", "p-26", "tp-01", "tp-02", "tp-04", "t-02"} <= recognised


def test_info_drop_creates_edges_and_history(dropped):
    before, body = dropped
    c = by_type(body, "commitment")[0]["node_id"]
    d = by_type(body, "decision")[0]["node_id"]
    q = by_type(body, "question")[0]["node_id"]
    f = by_type(body, "fact")[0]["node_id"]
    triples = set(Edge.objects.filter(id__in=body["edges_created"]).values_list("source", "target", "type"))
    assert {
        ("p-11", c, "owns"),
        (c, "tp-02", "about"),
        (d, "tp-01", "about"),
        (d, "p-26", "decided_by"),
        (q, "p-26", "asked_by"),
        (q, "tp-02", "about"),
        (f, "tp-04", "about"),
        (f, "t-02", "mentions"),
    } <= triples
    assert Edge.objects.count() == before["edges"] + len(body["edges_created"])
    actions = MutationHistory.objects.filter(id__gt=0).values_list("action", flat=True)
    assert MutationHistory.objects.count() == before["history"] + 4 + len(body["edges_created"])
    assert list(actions).count("create_node") >= 4


def test_info_router_notifies_the_people_concerned(dropped):
    _, body = dropped
    notified = {n["person_id"]: n for n in body["notified"]}
    # Kwame owns the new commitment: he must confirm it.
    assert notified["p-11"]["action_required"] is True
    # Perception team members hear about the fact that mentions their team.
    assert {"p-06", "p-07", "p-08", "p-09"} <= set(notified)
    # Leads of teams working on ROS 2 get the decision as high priority with an action.
    assert notified["p-03"]["priority"] == "high" and notified["p-03"]["action_required"] is True
    assert "p-26" not in notified  # the author is not notified of their own drop
    row = Notification.objects.get(id=notified["p-11"]["notification_id"])
    assert row.person_name == "Kwame Mensah" and row.suggested_action
    assert row.source_unit["author"] == "Isabel Moreno" and row.source_unit["source"] == "slack #fleet"
    assert by_type(body, "commitment")[0]["node_id"] in row.source_unit["node_ids"]
    assert row.source_unit["text"] == DROP["text"]


def test_second_identical_drop_updates_instead_of_duplicating(dropped):
    _, first = dropped
    counts = (Node.objects.count(), Edge.objects.count(), Notification.objects.count())
    second = post(DROP).json()
    assert second["nodes_created"] == [] and second["edges_created"] == []
    assert sorted(second["nodes_updated"]) == sorted(first["nodes_created"])
    assert (Node.objects.count(), Edge.objects.count(), Notification.objects.count()) == counts
    assert MutationHistory.objects.filter(action="update_node", node_id__in=first["nodes_created"]).count() == 4


def test_near_duplicate_of_existing_node_updates_it(seeded_embedded):
    Node.objects.filter(id="f-08").update(freshness_score=0.5)
    body = post({"text": "AMR-400 battery pack passed UN 38.3 transport certification."}).json()
    assert body["nodes_created"] == [] and body["nodes_updated"] == ["f-08"]
    assert Node.objects.get(id="f-08").freshness_score == 1.0
    reworded = post({"text": "The AMR-400 battery pack has passed UN 38.3 transport certification."}).json()
    assert reworded["nodes_updated"] == ["f-08"], reworded


def test_first_name_recognised_only_when_unambiguous(seeded_embedded):
    Node.objects.create(id="p-99", type="person", label="Kwame Osei")
    body = post({"text": "Kwame will write the pilot report by 2026-12-20."}).json()
    commitment = Node.objects.get(id=body["items"][0]["node_id"])
    assert commitment.extras["owner_id"] is None  # two Kwames: no guess, no author either
    body = post({"text": "Rebecca will write the pilot report by 2026-12-20."}).json()
    assert body["items"][0]["owner"] == "p-10"


@pytest.mark.parametrize(
    "payload, field",
    [
        ({}, "text"),
        ({"text": ""}, "text"),
        ({"text": "x" * 20_001}, "text"),
        ({"text": "ok"}, "text"),
        ({"text": "fine words here", "source": "s" * 201}, "source"),
        ({"text": 5}, "text"),
        ({"text": "Short statement here. " * 51}, "text"),
        ({"text": "fine words", "author": ["x"]}, "author"),
    ],
)
def test_info_drop_bad_input_is_400_and_writes_nothing(seeded, payload, field):
    counts = (Node.objects.count(), Edge.objects.count(), Notification.objects.count())
    response = post(payload)
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    assert (Node.objects.count(), Edge.objects.count(), Notification.objects.count()) == counts


def test_notifications_list_filter_paginate_and_ack(dropped):
    client = signed_in("editor")
    page = client.get("/api/notifications?limit=2").json()
    assert page["count"] == Notification.objects.count() and len(page["results"]) == 2
    mine = client.get("/api/notifications?person_id=p-11").json()["results"]
    assert [n["person_id"] for n in mine] == ["p-11"]
    nid = mine[0]["id"]
    for _ in range(2):  # idempotent
        ack = client.post(f"/api/notifications/{nid}/ack")
        assert ack.status_code == 200 and ack.json()["acknowledged"] is True
    assert client.get("/api/notifications?person_id=p-11&acknowledged=false").json()["count"] == 0
    assert client.get("/api/notifications?person_id=p-11&acknowledged=true").json()["count"] == 1
    assert client.post("/api/notifications/999999/ack").status_code == 404
    assert client.get("/api/notifications?acknowledged=maybe").status_code == 400


def test_drop_contradicting_an_existing_fact_is_flagged_high(seeded_embedded):
    body = post({"text": "The Halden pilot go-live is 2 June 2027.", "author": "Yusuf Karim"}).json()
    [item] = body["items"]
    assert item["type"] == "fact" and item["action"] == "created"
    assert item["conflicts_with"] == ["f-01", "f-02"]
    high = [n for n in body["notified"] if n["priority"] == "high" and n["action_required"]]
    # Leads of the teams working on the Halden pilot must reconcile the dates.
    assert {"p-10", "p-21", "p-26", "p-28"} <= {n["person_id"] for n in high}
    assert "p-27" not in {n["person_id"] for n in body["notified"]}  # the author
    note = Notification.objects.get(person_id="p-21")
    assert "contradicts f-01" in note.suggested_action


def test_info_drop_body_over_the_request_limit_is_413(seeded):
    response = post({"text": "word " * 300_000})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert Notification.objects.count() == 0
