"""GET /api/graph, /api/graph/metadata and node detail: content, filters, freshness, query count."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from graph import selectors, services
from graph.models import Edge, Node
from tests.json_api import assert_error


def test_graph_returns_every_node_edge_and_metadata(api, seeded):
    status, body = api.get("/api/graph")
    assert status == 200
    assert len(body["nodes"]) == Node.objects.count() == 88
    assert len(body["edges"]) == Edge.objects.count() == 176
    assert {"organisation", "divisions"} <= set(body["metadata"])
    node = next(n for n in body["nodes"] if n["id"] == "p-01")
    assert node["label"] == "Eleanor Whitmore"
    assert node["extras"]["role"] == "Chief Executive Officer"
    edge = body["edges"][0]
    assert set(edge) >= {"id", "source", "target", "type", "weight", "animated", "extras"}


def test_graph_query_count_is_constant(api, seeded, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        status, small = api.get("/api/graph")
    assert status == 200
    for i in range(30):
        Node.objects.create(id=f"x-{i}", type="fact", label=f"extra fact {i}")
        Edge.objects.create(id=f"xe-{i}", source_id="p-01", target_id=f"x-{i}", type="about")
    with django_assert_max_num_queries(4):
        status, big = api.get("/api/graph")
    assert len(big["nodes"]) == len(small["nodes"]) + 30
    with django_assert_max_num_queries(4):
        assert api.get("/api/graph", division="Engineering")[0] == 200


def test_graph_filters_select_nodes_and_the_edges_between_them(api, seeded):
    status, body = api.get("/api/graph", type="person", division="Engineering")
    assert status == 200
    ids = {n["id"] for n in body["nodes"]}
    assert ids and all(n["type"] == "person" and n["division"] == "Engineering" for n in body["nodes"])
    assert ids == set(Node.objects.filter(type="person", division="Engineering").values_list("id", flat=True))
    assert body["edges"], "engineers report to engineers"
    assert all(e["source"] in ids and e["target"] in ids for e in body["edges"])
    for name, value in (("team", "Motion Control"), ("department", "Fleet Software"), ("status", "blocked")):
        status, body = api.get("/api/graph", **{name: value})
        assert status == 200 and body["nodes"]
        assert all(n[name] == value for n in body["nodes"])


def test_graph_rejects_bad_filters(api, seeded):
    assert_error(*api.get("/api/graph", type="planet"), 400, field="type")


def test_current_freshness_decays_by_half_life(api, db):
    node = services.node_create(node_type="fact", label="decaying", freshness_score=0.8, half_life_days=10)
    Node.objects.filter(id=node.id).update(updated_at=timezone.now() - timedelta(days=20))
    row = selectors.node_get(node_id=node.id)
    assert row["freshness_score"] == pytest.approx(0.8)
    assert row["current_freshness"] == pytest.approx(0.8 * 0.5**2, rel=1e-3)
    status, body = api.get("/api/graph")
    served = next(n for n in body["nodes"] if n["id"] == node.id)
    assert served["current_freshness"] == pytest.approx(0.2, rel=1e-3)
    assert served["freshness_score"] == pytest.approx(0.8)


def test_planted_stale_facts_have_the_documented_current_freshness(seeded):
    rows = {
        r["id"]: r["current_freshness"]
        for r in selectors.nodes_with_freshness()
        .filter(id__in=["f-05", "f-06", "f-07"])
        .values("id", "current_freshness")
    }
    assert rows["f-05"] == pytest.approx(0.022, abs=0.002)
    assert rows["f-06"] == pytest.approx(0.039, abs=0.002)
    assert rows["f-07"] == pytest.approx(0.053, abs=0.002)


FRESHNESS_SAMPLES = json.loads(
    (Path(__file__).resolve().parents[2] / "frontend" / "src" / "graph" / "freshness-samples.json").read_text()
)["samples"]


@pytest.mark.django_db
def test_freshness_in_sql_and_python_agrees_with_the_samples_the_browser_is_checked_against():
    """One formula in three places (SQL for the API, Python for in-memory nodes, TypeScript for
    rows that arrive live): all three are held to the same samples (reducer.test.ts: TypeScript)."""
    now = datetime(2026, 11, 25, tzinfo=UTC)
    expression = selectors.freshness_sql("%(score)s::float8", "%(updated)s::timestamptz", "%(half)s::int", "%(now)s")
    with connection.cursor() as cursor:
        for sample in FRESHNESS_SAMPLES:
            updated = now - timedelta(days=sample["age_days"])
            params = {"score": sample["score"], "updated": updated, "half": sample["half_life_days"], "now": now}
            cursor.execute(f"SELECT {expression}", params)
            assert cursor.fetchone()[0] == pytest.approx(sample["expected"], abs=1e-9), sample
            node = Node(id="s", type="fact", label="s", freshness_score=sample["score"])
            node.half_life_days, node.updated_at = sample["half_life_days"], updated
            assert selectors.current_freshness(node, now) == pytest.approx(sample["expected"], abs=1e-9), sample


def test_an_unsaved_node_decays_by_the_columns_default_half_life():
    node = Node(id="s", type="fact", label="s")  # every column at its database default (14 days)
    assert selectors.current_freshness(node) == 1.0
    node.updated_at = timezone.now() - timedelta(days=14)
    assert selectors.current_freshness(node) == pytest.approx(0.5)


def test_very_old_node_does_not_underflow(db):
    node = services.node_create(node_type="fact", label="ancient", half_life_days=1)
    Node.objects.filter(id=node.id).update(updated_at=timezone.now() - timedelta(days=5000))
    assert selectors.node_get(node_id=node.id)["current_freshness"] == pytest.approx(0.0)


def test_node_detail_has_neighbours_and_history(api, seeded):
    services.node_update(node_id="p-03", label="Tomasz K.")
    status, body = api.get("/api/nodes/p-03")
    assert status == 200
    assert body["node"]["label"] == "Tomasz K."
    assert {e["id"] for e in body["edges"]} == set(
        Edge.objects.filter(source_id="p-03").values_list("id", flat=True)
    ) | set(Edge.objects.filter(target_id="p-03").values_list("id", flat=True))
    neighbour_ids = {n["id"] for n in body["neighbours"]}
    assert "t-01" in neighbour_ids and "p-03" not in neighbour_ids
    assert body["history"][0]["action"] == "update_node"


def test_node_detail_unknown_is_404(api, db):
    assert_error(*api.get("/api/nodes/nope"), 404, code="not_found")


def test_metadata_endpoint(api, seeded):
    status, body = api.get("/api/graph/metadata")
    assert status == 200
    assert body["metadata"]["organisation"]["name"]
    assert body["counts"]["nodes"] == 88 and body["counts"]["edges"] == 176
    assert body["counts"]["nodes_by_type"]["person"] == 30


@pytest.mark.parametrize("filters", [{}, {"type": "person", "division": "Engineering"}, {"team": "Perception"}])
def test_api_document_matches_the_python_snapshot(api, seeded, filters):
    status, served = api.get("/api/graph", **filters)
    snapshot = selectors.graph_snapshot(
        filters=selectors.NodeFilters(**{("node_type" if k == "type" else k): v for k, v in filters.items()})
    )
    assert status == 200
    assert [n["id"] for n in served["nodes"]] == [n["id"] for n in snapshot["nodes"]]
    assert [e["id"] for e in served["edges"]] == [e["id"] for e in snapshot["edges"]]
    assert set(served["nodes"][0]) == set(snapshot["nodes"][0])
    assert set(served["edges"][0]) == set(snapshot["edges"][0])
    assert served["edges"][0]["source"] == snapshot["edges"][0]["source"]
    assert served["metadata"] == snapshot["metadata"]
    first = served["nodes"][0]
    assert first["current_freshness"] == pytest.approx(snapshot["nodes"][0]["current_freshness"], rel=1e-6)
