"""GET /api/nodes/{id}/cascade: what deleting a node takes with it, before it is deleted."""

from graph.models import Edge, MutationHistory, Node
from tests.actors import signed_in, user_with_role
from tests.json_api import Api, assert_error


def test_cascade_names_each_edge_by_the_other_node_and_the_dangling_references(api, seeded):
    user_with_role("viewer", username="linked", person_id="p-02")
    status, body = api.get("/api/nodes/p-02/cascade")
    assert status == 200, body
    assert body["node"] == {"id": "p-02", "label": Node.objects.get(id="p-02").label, "type": "person"}
    touching = Edge.objects.filter(source_id="p-02") | Edge.objects.filter(target_id="p-02")
    assert {e["id"] for e in body["edges"]} == set(touching.values_list("id", flat=True))
    for e in body["edges"]:
        edge = Edge.objects.get(id=e["id"])
        other = edge.target if edge.source_id == "p-02" else edge.source
        assert e["other"] == {"id": other.id, "label": other.label, "type": other.type}
        assert e["direction"] == ("out" if edge.source_id == "p-02" else "in") and e["type"] == edge.type
    # Every node whose extras name p-02 (a manager, a decider…) is listed with the field.
    expected = {
        (n.id, k)
        for n in Node.objects.exclude(id="p-02")
        for k, v in (n.extras or {}).items()
        if v == "p-02" or (isinstance(v, list) and "p-02" in v)
    }
    assert expected and {(r["id"], r["field"]) for r in body["referenced_by"]} == expected
    assert body["linked_accounts"] == 1
    assert body["search_document"] is True


def test_cascade_lists_a_reference_held_in_a_list(api, seeded):
    Node.objects.filter(id="f-01").update(extras={"reviewers": ["p-03", "p-05"]})
    refs = api.get("/api/nodes/p-05/cascade")[1]["referenced_by"]
    assert {"id": "f-01", "label": Node.objects.get(id="f-01").label, "type": "fact", "field": "reviewers"} in refs


def test_cascade_writes_nothing_and_unknown_is_404(api, seeded):
    before = (Node.objects.count(), Edge.objects.count(), MutationHistory.objects.count())
    assert api.get("/api/nodes/p-02/cascade")[0] == 200
    assert_error(*api.get("/api/nodes/nope/cascade"), 404, code="not_found")
    assert (Node.objects.count(), Edge.objects.count(), MutationHistory.objects.count()) == before


def test_a_viewer_is_refused_the_cascade(seeded):
    assert_error(*Api(signed_in("viewer")).get("/api/nodes/p-02/cascade"), 403)


def test_cascade_counts_the_persons_notifications_and_assigned_alerts_that_stay(api, seeded):
    """They name the person without a foreign key: deleting the node leaves them, so the
    confirmation says how many; a node nothing names that way lists none."""
    from insights.models import ImmuneAlertState, Notification

    Notification.objects.bulk_create(
        [Notification(person_id="p-10", summary=f"n{i}") for i in range(3)] + [Notification(person_id="p-11")]
    )
    ImmuneAlertState.objects.create(
        fingerprint="overload:p-10", agent="overload", assignee_id="p-10", evidence_hash="e"
    )
    body = api.get("/api/nodes/p-10/cascade")[1]
    assert body["kept_rows"] == [
        {
            "table": "notifications",
            "column": "person_id",
            "count": Notification.objects.filter(person_id="p-10").count(),
        },
        {"table": "immune_alert_states", "column": "assignee_id", "count": 1},
    ]
    assert body["kept_rows"][0]["count"] >= 3
    assert api.get("/api/nodes/f-01/cascade")[1]["kept_rows"] == []

    assert api.delete("/api/nodes/p-10")[0] == 200
    assert Notification.objects.filter(person_id="p-10").count() == body["kept_rows"][0]["count"]  # they stayed
