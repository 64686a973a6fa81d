"""Stored vectors record their model; search never compares two models' vectors; the startup
check, /api/health and `rebuild_embeddings --if-stale` (what `make run` runs) see and fix a switch."""

import io

import pytest
from django.core import checks
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from graph import services
from graph.checks import embedding_dimensions_check
from graph.embeddings import LocalProvider, get_provider
from graph.models import NodeEmbedding
from graph.search import hybrid_hits, search_nodes
from tests.json_api import assert_error

LASER = "How long do we wait for laser scanner parts from our vendor?"
FIX = "python manage.py rebuild_embeddings --recreate"


def _rebuild(**options):
    out = io.StringIO()
    call_command("rebuild_embeddings", stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


@pytest.fixture
def hash_384_then_local(seeded):
    """Seeded and embedded by the hash provider at 384 dimensions (the local model's size, so the
    column fits both and only the model column tells them apart), then switched to local."""
    with override_settings(EMBEDDING_PROVIDER="hash", EMBEDDING_DIMENSIONS=384):
        _rebuild(recreate=True)
        assert set(NodeEmbedding.objects.values_list("model", flat=True)) == {"local-hash-384"}
    with override_settings(EMBEDDING_PROVIDER="local"):
        assert isinstance(get_provider(), LocalProvider)
        yield


@pytest.mark.parametrize("mode", ["vector", "hybrid"])
def test_search_refuses_to_compare_another_models_vectors(api, hash_384_then_local, mode):
    status, body = api.get("/api/search", q=LASER, k=5, mode=mode)
    assert_error(status, body, 503, code="embeddings_stale")
    assert FIX in body["error"]["message"] and "all-MiniLM-L6-v2" in body["error"]["message"]


def test_text_search_still_answers_while_vectors_are_stale(api, hash_384_then_local):
    status, body = api.get("/api/search", q="lidar supplier lead time", k=3, mode="text")
    assert status == 200 and body["results"][0]["node"]["id"] == "f-07"


def test_health_names_stored_and_configured_models(api, hash_384_then_local):
    status, body = api.get("/api/health")
    assert status == 200
    embeddings = body["embeddings"]
    assert embeddings["model"] == "all-MiniLM-L6-v2" and embeddings["dimensions_match"] is True
    assert embeddings["stored_model"] == "local-hash-384" and embeddings["stored_models"] == {"local-hash-384": 88}
    assert embeddings["matches"] is False and embeddings["fix"] == FIX


def test_startup_check_names_the_rebuild_command(hash_384_then_local):
    messages = embedding_dimensions_check()
    assert [m.id for m in messages] == ["graph.W002"] and messages[0].level == checks.WARNING
    assert "local-hash-384 (88)" in messages[0].msg and FIX in messages[0].hint


def test_sql_function_never_returns_another_models_vectors(hash_384_then_local):
    # a node written after the switch gets a local vector; the 88 hash vectors stay until the rebuild
    node = services.node_create(node_type="fact", label="Laser scanner parts take six weeks from the vendor")
    assert NodeEmbedding.objects.get(node_id=node.id).model == "all-MiniLM-L6-v2"
    vector = get_provider().embed([LASER])[0]
    rows = hybrid_hits(
        query=LASER,
        vector=vector,
        model="all-MiniLM-L6-v2",
        count=20,
        threshold=-1.0,
        freshness_weight=0.0,
        text_weight=0.0,
    )
    assert [row[0] for row in rows] == [node.id]  # the only vector of the configured model
    with connection.cursor() as cursor:  # what a Supabase RPC caller gets with model_name
        cursor.execute(
            "SELECT node_id, vector_position FROM search_hybrid_nodes(%s, %s::vector, 20, %s)",
            [LASER, str(vector), "all-MiniLM-L6-v2"],
        )
        vector_hits = [r[0] for r in cursor.fetchall() if r[1] is not None]
    assert vector_hits == [node.id]


def test_rebuild_if_stale_re_embeds_and_search_finds_the_right_node(api, hash_384_then_local):
    out = _rebuild(if_stale=True)
    assert "re-embedding every node" in out and "Embedded 88 node(s)" in out
    assert set(NodeEmbedding.objects.values_list("model", flat=True)) == {"all-MiniLM-L6-v2"}
    for mode in ("vector", "hybrid"):
        status, body = api.get("/api/search", q=LASER, k=5, mode=mode)
        assert status == 200, body
        assert "f-07" in [r["node"]["id"] for r in body["results"]]
    assert api.get("/api/health")[1]["embeddings"]["matches"] is True
    assert embedding_dimensions_check() == []
    assert "nothing to do" in _rebuild(if_stale=True)  # and a second run does nothing


def test_provider_with_another_size_is_an_error_until_rebuilt(api, seeded):
    _rebuild()  # hash at 3072, the test database's column
    with override_settings(EMBEDDING_PROVIDER="local"):
        messages = embedding_dimensions_check()
        assert [m.id for m in messages] == ["graph.E001"] and FIX in messages[0].hint
        assert_error(*api.get("/api/search", q=LASER, mode="hybrid"), 503, code="embeddings_stale")
        # writes keep working: the node waits in the queue for the rebuild
        status, node = api.post("/api/nodes", {"type": "fact", "label": "Laser scanner parts are back-ordered"})
        assert status == 201
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM embedding_queue WHERE node_id = %s", [node["id"]])
            assert cursor.fetchone()[0] == 1
        out = _rebuild(if_stale=True)
        assert "Recreated node_embeddings.embedding as vector(384)" in out
        assert NodeEmbedding.objects.count() == 89 and embedding_dimensions_check() == []
        ids = [r["node"]["id"] for r in search_nodes(query=LASER, k=5)]
        assert "f-07" in ids and node["id"] in ids
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM embedding_queue")
            assert cursor.fetchone()[0] == 0
