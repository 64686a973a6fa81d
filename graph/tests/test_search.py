"""GET /api/search (hybrid by default; vector through search_similar_nodes)."""

import io

import pytest
from django.core.management import call_command
from django.db import connection

from graph.search import search_nodes
from tests.json_api import assert_error


@pytest.fixture
def embedded(seeded):
    call_command("rebuild_embeddings", stdout=io.StringIO(), stderr=io.StringIO())


@pytest.mark.parametrize("mode", ["vector", "hybrid", "text"])
def test_search_finds_the_right_nodes_with_similarity_and_freshness(api, embedded, mode):
    status, body = api.get("/api/search", q="Q4 hiring freeze for engineering", k=3, mode=mode)
    assert status == 200, body
    assert body["mode"] == mode
    ids = [r["node"]["id"] for r in body["results"]]
    assert set(ids[:2]) == {"f-03", "f-04"}  # the planted near-duplicates
    assert body["provider"]["offline"] is True
    scores = [r["score"] for r in body["results"]]
    assert scores == sorted(scores, reverse=True) and scores[-1] > 0
    if mode != "text":
        assert all(0 < r["similarity"] <= 1 for r in body["results"])
    if mode == "vector":
        assert scores == [r["similarity"] for r in body["results"]]
    assert all(r["current_freshness"] == r["node"]["current_freshness"] for r in body["results"])


def test_search_finds_a_node_created_a_moment_ago(api, embedded):
    status, node = api.post("/api/nodes", {"type": "fact", "label": "Gripper firmware 4.2 fixes torque spikes"})
    assert status == 201
    status, body = api.get("/api/search", q="gripper firmware torque", k=1)
    assert body["results"][0]["node"]["id"] == node["id"]
    # and an edit is searchable at once under its new text
    api.patch(f"/api/nodes/{node['id']}", {"label": "Conveyor belt tension alarm threshold"})
    status, body = api.get("/api/search", q="conveyor belt tension", k=1)
    assert body["results"][0]["node"]["id"] == node["id"]


def test_search_type_filter_and_threshold(api, embedded):
    status, body = api.get("/api/search", q="ROS 2 migration", k=3, type="person")
    assert status == 200 and len(body["results"]) == 3
    assert all(r["node"]["type"] == "person" for r in body["results"])
    status, body = api.get("/api/search", q="ROS 2 migration", k=50, threshold=0.3, mode="vector")
    assert body["results"] and all(r["similarity"] > 0.3 for r in body["results"])
    assert len(body["results"]) < 50


@pytest.mark.parametrize(
    "mode, function",
    [("vector", "search_similar_nodes"), ("hybrid", "search_hybrid_nodes"), ("text", "search_hybrid_nodes")],
)
def test_search_goes_through_the_sql_function(embedded, mode, function):
    with connection.cursor() as cursor:
        cursor.execute("SET track_functions = 'pl'")
        cursor.execute(f"SELECT '{function}'::regproc::oid")
        oid = cursor.fetchone()[0]
        cursor.execute("SELECT coalesce(pg_stat_get_xact_function_calls(%s), 0)", [oid])
        before = cursor.fetchone()[0]  # counts not yet flushed from an earlier test may remain
        results = search_nodes(query="warehouse pilot", k=5, mode=mode)
        cursor.execute("SELECT pg_stat_get_xact_function_calls(%s)", [oid])
        assert cursor.fetchone()[0] == before + 1
    assert len(results) == 5


@pytest.mark.parametrize("mode", ["vector", "hybrid"])
def test_search_returns_k_results_when_k_rows_exist(embedded, mode):
    assert len(search_nodes(query="robot", k=60, mode=mode)) == 60


@pytest.mark.parametrize(
    "params, field",
    [
        ({}, "q"),
        ({"q": ""}, "q"),
        ({"q": "   "}, "q"),
        ({"q": "x", "k": "ten"}, "k"),
        ({"q": "x", "k": 0}, "k"),
        ({"q": "x", "k": 101}, "k"),
        ({"q": "x", "threshold": "high"}, "threshold"),
        ({"q": "x", "threshold": 2}, "threshold"),
        ({"q": "x", "type": "planet"}, "type"),
        ({"q": "x", "mode": "fuzzy"}, "mode"),
        ({"q": "x", "freshness": 2}, "freshness"),
    ],
)
def test_search_bad_query_is_400(api, db, params, field):
    assert_error(*api.get("/api/search", **params), 400, field=field)
