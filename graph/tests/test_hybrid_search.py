"""Hybrid search: PostgreSQL full-text rank and vector rank fused by reciprocal rank fusion in
search_hybrid_nodes, with an optional freshness weight; /api/search?mode=vector|text|hybrid."""

import io

import pytest
from django.core.management import call_command
from django.db import connection

from graph import services
from graph.search import search_nodes


def _sql(sql, params=None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchall() if cursor.description else None


@pytest.fixture
def embedded(seeded):
    call_command("rebuild_embeddings", stdout=io.StringIO(), stderr=io.StringIO())


def test_text_mode_finds_words_without_any_vector(api, embedded):
    # written with SQL and not embedded yet: full-text search finds it, vector search cannot
    _sql(
        "INSERT INTO nodes (id, type, label, extras) VALUES ('f-txt-1', 'fact', 'Dock door seven', "
        '\'{"notes": "The proximity sensors were miscalibrated during the retrofit"}\')'
    )
    status, body = api.get("/api/search", q="which sensors are miscalibrated?", mode="text", k=3)
    assert status == 200 and body["results"][0]["node"]["id"] == "f-txt-1"
    assert body["results"][0]["text_rank"] > 0 and body["results"][0]["similarity"] == 0.0
    status, body = api.get("/api/search", q="which sensors are miscalibrated?", mode="vector", k=10)
    assert "f-txt-1" not in [r["node"]["id"] for r in body["results"]]
    # stemmed: "sensor" matches "sensors"
    status, body = api.get("/api/search", q="sensor", mode="text", k=3)
    assert body["results"][0]["node"]["id"] == "f-txt-1"


def test_hybrid_fuses_both_rankings_by_reciprocal_rank(api, embedded):
    _sql("INSERT INTO nodes (id, type, label) VALUES ('f-txt-2', 'fact', 'Miscalibrated dock sensors')")
    status, body = api.get("/api/search", q="miscalibrated", k=3)
    assert status == 200 and body["mode"] == "hybrid"
    assert "f-txt-2" in [r["node"]["id"] for r in body["results"]]  # by its words alone: it has no vector
    # f-03's own vector as the query: f-03 leads the vector ranking, f-txt-2 the text ranking
    rows = _sql(
        "SELECT node_id, score, vector_position, text_position FROM search_hybrid_nodes(%s, "
        "(SELECT embedding FROM node_embeddings WHERE node_id = 'f-03'), 10)",
        ["miscalibrated dock sensors"],
    )
    by_id = {r[0]: r for r in rows}
    assert by_id["f-03"][2:] == (1, None) and by_id["f-txt-2"][2:] == (None, 1)
    assert by_id["f-03"][1] == pytest.approx(1 / 61) == by_id["f-txt-2"][1]
    both = [r for r in rows if r[2] and r[3]]  # in both rankings: above either list's leader alone
    assert both and all(r[1] > 1 / 61 for r in both)
    for _node_id, score, vpos, tpos in rows:
        assert score == pytest.approx((1 / (60 + vpos) if vpos else 0) + (1 / (60 + tpos) if tpos else 0))
    assert [r[1] for r in rows] == sorted((r[1] for r in rows), reverse=True)


def test_freshness_weight_prefers_fresh_nodes(api, embedded):
    stale = services.node_create(node_id="f-aaa-stale", node_type="fact", label="Forklift charger firmware rollout")
    fresh = services.node_create(node_id="f-zzz-fresh", node_type="fact", label="Forklift charger firmware rollout")
    _sql("UPDATE nodes SET freshness_score = 0.1 WHERE id = %s", [stale.id])
    for mode in ("hybrid", "text"):
        plain = [r["node"]["id"] for r in search_nodes(query="forklift charger firmware", k=10, mode=mode)]
        weighted = [
            r["node"]["id"]
            for r in search_nodes(query="forklift charger firmware", k=10, mode=mode, freshness_weight=1.0)
        ]
        assert plain[:2] == [stale.id, fresh.id]  # a tie, broken by id
        assert weighted[0] == fresh.id and (stale.id not in weighted or weighted.index(stale.id) > 1)
    status, body = api.get("/api/search", q="forklift charger firmware", k=2, freshness=1.0)
    assert status == 200 and body["freshness"] == 1.0 and body["results"][0]["node"]["id"] == fresh.id


def test_search_documents_follow_every_write_in_the_same_statement(api, embedded):
    _sql("INSERT INTO nodes (id, type, label) VALUES ('f-txt-3', 'fact', 'Shrink wrap supplier changed')")
    _sql("UPDATE nodes SET label = 'Stretch film vendor switched' WHERE id = 'f-txt-3'")
    assert search_nodes(query="shrink wrap", k=5, mode="text") == []
    assert search_nodes(query="stretch film", k=1, mode="text")[0]["node"]["id"] == "f-txt-3"
    _sql("DELETE FROM nodes WHERE id = 'f-txt-3'")
    assert _sql("SELECT count(*) FROM node_search_documents WHERE node_id = 'f-txt-3'") == [(0,)]
    assert _sql("SELECT count(*) FROM node_search_documents") == _sql("SELECT count(*) FROM nodes")


def test_full_text_search_uses_the_gin_index(embedded):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT node_id FROM node_search_documents WHERE document @@ to_tsquery('simple', 'lidar')"
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "idx_node_search_documents" in plan


def test_rpc_callers_get_text_only_search_with_defaults(embedded):
    rows = _sql("SELECT node_id, vector_position, text_position FROM search_hybrid_nodes('lidar supplier lead time')")
    assert rows[0][0] == "f-07" and rows[0][1] is None and rows[0][2] == 1


def test_type_filter_applies_in_every_mode(api, embedded):
    for mode in ("hybrid", "text", "vector"):
        status, body = api.get("/api/search", q="ROS 2 migration", k=3, type="person", mode=mode)
        assert status == 200 and body["results"], mode
        assert all(r["node"]["type"] == "person" for r in body["results"])


@pytest.mark.parametrize("freshness", [1e-310, 5e-324, 1.0])
def test_tiny_weights_and_freshness_never_underflow(api, embedded, freshness):
    # PostgreSQL raises an error when a float product underflows to zero; found by schemathesis
    _sql("UPDATE nodes SET freshness_score = 1e-300, updated_at = now() - interval '3000 days' WHERE id = 'f-03'")
    status, body = api.get("/api/search", q="Q4 hiring freeze for engineering", k=5, freshness=freshness)
    assert status == 200, body
    rows = _sql(
        "SELECT node_id FROM search_hybrid_nodes('hiring freeze', NULL, 5, NULL, %s, 0, 1e-320, 1, 0)", [freshness]
    )
    assert rows
