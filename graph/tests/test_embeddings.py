"""The embedding provider (offline and OpenAI via a local stand-in), the size check, rebuild_embeddings."""

import io
import json

import numpy as np
import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from graph import services
from graph.checks import embedding_dimensions_check
from graph.embeddings import EmbeddingUnavailable, HashProvider, LocalProvider, embedding_dimensions, get_provider
from graph.models import Node, NodeEmbedding
from graph.vector_sql import column_dimensions
from insights.models import LlmUsage
from tests.http_stand_in import JsonHandler, StandInServer


def cosine(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


# ── offline provider ────────────────────────────────────────────────────────


@override_settings(OPENAI_API_KEY="", EMBEDDING_PROVIDER="", EMBEDDING_OFFLINE_PROVIDER="local")
def test_local_model_is_the_default_without_a_key():
    provider = get_provider()
    assert isinstance(provider, LocalProvider)
    assert provider.offline is True and provider.name == "local" and provider.model == "all-MiniLM-L6-v2"
    assert provider.dimensions == 384 == embedding_dimensions()


@override_settings(OPENAI_API_KEY="sk-test-not-real", EMBEDDING_PROVIDER="")
def test_openai_is_the_default_with_a_key():
    assert get_provider().name == "openai" and embedding_dimensions() == 3072


@pytest.mark.parametrize("name, cls, dims", [("local", LocalProvider, 384), ("hash", HashProvider, 3072)])
def test_embedding_provider_picks_explicitly_even_with_a_key(name, cls, dims):
    with override_settings(OPENAI_API_KEY="sk-test-not-real", EMBEDDING_PROVIDER=name):
        assert isinstance(get_provider(), cls) and embedding_dimensions() == dims


def test_unknown_embedding_provider_is_a_configuration_error():
    from django.core.exceptions import ImproperlyConfigured

    with (
        override_settings(EMBEDDING_PROVIDER="word2vec"),
        pytest.raises(ImproperlyConfigured, match="local, openai, hash"),
    ):
        get_provider()


def test_hash_vectors_are_deterministic_normalised_and_related_texts_are_close():
    provider = HashProvider(3072)
    a, b, c, a2 = provider.embed(
        [
            "Q4 hiring freeze applies to all of engineering",
            "Engineering hiring is frozen for Q4",
            "Warehouse robot battery charging schedule",
            "Q4 hiring freeze applies to all of engineering",
        ]
    )
    assert a == a2 and len(a) == 3072
    assert np.linalg.norm(a) == pytest.approx(1.0)
    assert cosine(a, b) > cosine(a, c) + 0.2
    assert cosine(a, c) < 0.2
    assert len(HashProvider(64).embed(["x"])[0]) == 64
    assert np.linalg.norm(provider.embed([""])[0]) == pytest.approx(1.0)  # no zero vector


# ── OpenAI through a local HTTP stand-in (tests never reach OpenAI) ──────────


class _StandIn(JsonHandler):
    requests: list = []
    fail_with: int | None = None

    def do_POST(self):
        body = self.read_json()
        type(self).requests.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization")})
        if type(self).fail_with:
            return self.send_json(type(self).fail_with)
        dims = body["dimensions"]
        data = [
            {"object": "embedding", "index": i, "embedding": [(i + 1) / dims] * dims} for i in range(len(body["input"]))
        ][::-1]  # out of order on purpose
        self.send_json(
            200,
            {
                "data": data,
                "model": body["model"],
                "usage": {"prompt_tokens": 7 * len(body["input"]), "total_tokens": 7},
            },
        )


@pytest.fixture
def openai_stand_in():
    _StandIn.requests = []
    _StandIn.fail_with = None
    with StandInServer(_StandIn, "/v1") as server:
        yield server.url, _StandIn


def test_openai_stand_in_gets_model_and_dimensions_and_usage_is_recorded(db, openai_stand_in):
    url, handler = openai_stand_in
    with override_settings(
        OPENAI_API_KEY="sk-test-not-real",
        OPENAI_BASE_URL=url,
        EMBEDDING_MODEL="text-embedding-3-large",
        EMBEDDING_DIMENSIONS=3072,
    ):
        provider = get_provider()
        assert provider.name == "openai" and provider.offline is False
        vectors = provider.embed(["alpha", "beta"], task_type="search")
    request = handler.requests[0]
    assert request["path"] == "/v1/embeddings"
    assert request["body"]["model"] == "text-embedding-3-large"
    assert request["body"]["dimensions"] == 3072
    assert request["body"]["input"] == ["alpha", "beta"]
    assert request["auth"] == "Bearer sk-test-not-real"
    assert vectors[0][0] == pytest.approx(1 / 3072) and vectors[1][0] == pytest.approx(2 / 3072)  # by index
    usage = LlmUsage.objects.get()
    assert usage.model == "text-embedding-3-large" and usage.input_tokens == 14
    assert usage.output_tokens == 0 and usage.task_type == "search"


def test_openai_stand_in_embeds_a_created_node_in_the_same_transaction(api, openai_stand_in):
    url, handler = openai_stand_in
    with override_settings(OPENAI_API_KEY="sk-test-not-real", OPENAI_BASE_URL=url):
        status, node = api.post("/api/nodes", {"type": "fact", "label": "Pilot starts in March"})
    assert status == 201
    assert handler.requests[0]["body"]["input"][0].startswith("Pilot starts in March")
    assert NodeEmbedding.objects.get(node_id=node["id"]).embedding[0] == pytest.approx(1 / 3072)


def test_openai_stand_in_failure_is_503_and_writes_nothing(api, openai_stand_in):
    url, handler = openai_stand_in
    handler.fail_with = 500
    with override_settings(OPENAI_API_KEY="sk-test-not-real", OPENAI_BASE_URL=url):
        status, body = api.post("/api/nodes", {"type": "fact", "label": "never stored"})
    assert status == 503 and body["error"]["code"] == "embedding_unavailable"
    assert "sk-test" not in json.dumps(body)
    assert not Node.objects.exists() and not NodeEmbedding.objects.exists()


def test_openai_stand_in_unreachable_raises_embedding_unavailable(db):
    with (
        override_settings(
            OPENAI_API_KEY="sk-test-not-real", OPENAI_BASE_URL="http://127.0.0.1:9/v1", OPENAI_TIMEOUT_SECONDS=2
        ),
        pytest.raises(EmbeddingUnavailable),
    ):
        get_provider().embed(["x"])


# ── the size check and rebuild_embeddings ───────────────────────────────────


def test_dimension_mismatch_check_names_the_fix(db):
    assert embedding_dimensions_check() == []
    with override_settings(EMBEDDING_DIMENSIONS=1536):
        [error] = embedding_dimensions_check()
    assert error.id == "graph.E001"
    assert "vector(3072)" in error.msg and "1536" in error.msg
    assert "python manage.py rebuild_embeddings --recreate" in error.hint


def test_rebuild_missing_only_embeds_only_missing_nodes(seeded):
    assert not NodeEmbedding.objects.exists()  # the seed loads rows with COPY, not through services
    out = io.StringIO()
    call_command("rebuild_embeddings", missing_only=True, stdout=out, stderr=io.StringIO())
    assert NodeEmbedding.objects.count() == 88 and "Embedded 88 node(s)" in out.getvalue()
    assert "offline" in out.getvalue()
    NodeEmbedding.objects.filter(node_id="p-01").delete()
    out = io.StringIO()
    call_command("rebuild_embeddings", missing_only=True, stdout=out, stderr=io.StringIO())
    assert "Embedded 1 node(s)" in out.getvalue() and NodeEmbedding.objects.count() == 88
    out = io.StringIO()
    call_command("rebuild_embeddings", missing_only=True, stdout=out, stderr=io.StringIO())
    assert "nothing to do" in out.getvalue()


def test_rebuild_all_uses_copy_and_keeps_the_index(seeded):
    call_command("rebuild_embeddings", stdout=io.StringIO(), stderr=io.StringIO())
    assert NodeEmbedding.objects.count() == 88
    text = NodeEmbedding.objects.get(node_id="p-01").text_content
    assert "Eleanor Whitmore" in text and "Chief Executive Officer" in text
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'idx_embeddings_hnsw'")
        assert "halfvec(3072)" in cursor.fetchone()[0]


def test_rebuild_recreate_changes_the_column_size(seeded):
    # DDL is transactional in PostgreSQL: the test's rollback restores vector(3072).
    with override_settings(EMBEDDING_DIMENSIONS=256):
        with pytest.raises(Exception, match="--recreate"):
            call_command("rebuild_embeddings", stdout=io.StringIO(), stderr=io.StringIO())
        out = io.StringIO()
        call_command("rebuild_embeddings", recreate=True, stdout=out, stderr=io.StringIO())
        assert "vector(256)" in out.getvalue()
        with connection.cursor() as cursor:
            assert column_dimensions(cursor) == 256
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'idx_embeddings_hnsw'")
            assert "vector_cosine_ops" in cursor.fetchone()[0]
        assert embedding_dimensions_check() == []
        assert len(NodeEmbedding.objects.get(node_id="f-03").embedding) == 256
        from graph.search import search_nodes

        top = search_nodes(query="Q4 hiring freeze engineering", k=2)
        assert {r["node"]["id"] for r in top} == {"f-03", "f-04"}
        node = services.node_create(node_type="topic", label="Lidar calibration drift")
        assert search_nodes(query="lidar calibration", k=1)[0]["node"]["id"] == node.id


def test_seed_nexus_embeds_the_seeded_nodes(db):
    out = io.StringIO()
    call_command("seed_nexus", stdout=out, stderr=io.StringIO())
    assert NodeEmbedding.objects.count() == Node.objects.count() == 88
    assert "Embedded 88 node(s)" in out.getvalue()
