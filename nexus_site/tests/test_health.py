"""GET /api/health: database mode and versions, the embedding provider, every app's row counts; and
a 503 that says why when the database is down."""

from graph import services
from tests.spec_tables import NEXUS_TABLES


def test_health_reports_mode_versions_provider_and_counts(api, seeded):
    services.node_create(node_type="fact", label="counted")
    status, body = api.get("/api/health")
    assert status == 200
    assert body["status"] == "ok"
    assert body["database"]["mode"] == "embedded"
    assert body["database"]["pgvector_version"].startswith("0.8")
    assert body["database"]["embedding_column_dimensions"] == 3072
    assert body["embeddings"] == {
        "provider": "hash",
        "model": "local-hash-3072",
        "offline": True,
        "dimensions": 3072,
        "dimensions_match": True,
        "stored_model": "local-hash-3072",
        "stored_models": {"local-hash-3072": 1},
        "matches": True,
        "pending": 88,
    }
    counts = body["counts"]
    assert counts["nodes"] == 89 and counts["edges"] == 176 and counts["node_embeddings"] == 1
    assert counts["mutation_history"] == 1 and counts["immune_scans"] == 1
    assert set(counts) == NEXUS_TABLES


def test_health_answers_503_unavailable_when_the_database_is_down(server_factory):

    # a server whose database does not exist: every connection attempt fails
    server = server_factory(extra_env={"NEXUS_TEST_DATABASE_NAME": "nexus_no_such_database"})
    for token in (None, server.token):  # a token cannot be checked either: still the health answer
        status, body = server.call("GET", "/api/health", token=token)
        assert status == 503
        assert body["status"] == "unavailable"
        assert body["database"]["mode"] == "embedded"
        assert body["error"]["status"] == 503 and body["error"]["code"] == "database_unavailable"
    status, body = server.call("GET", "/api/graph")
    assert status == 503 and body["error"]["code"] == "database_unavailable"
