"""The schema as designed: names, columns, types, defaults, constraints, cascades, HNSW index."""

import json
import random

import pytest
from django.conf import settings
from django.db import IntegrityError, connection, transaction

# (table, column) → (data_type, nullable, default contains) for the columns with database defaults.
SPEC_COLUMNS = {
    "nodes": {
        "id": ("text", "NO", None),
        "type": ("text", "NO", None),
        "label": ("text", "NO", None),
        "division": ("text", "YES", None),
        "department": ("text", "YES", None),
        "team": ("text", "YES", None),
        "health": ("text", "YES", "'green'"),
        "size": ("integer", "YES", "1"),
        "x": ("double precision", "YES", None),
        "y": ("double precision", "YES", None),
        "status": ("text", "YES", "'active'"),
        "freshness_score": ("double precision", "YES", "1"),
        "half_life_days": ("integer", "YES", "14"),
        "source_type": ("text", "YES", None),
        "source_id": ("text", "YES", None),
        "created_at": ("timestamp with time zone", "YES", "now()"),
        "updated_at": ("timestamp with time zone", "YES", "now()"),
        "extras": ("jsonb", "YES", "'{}'"),
    },
    "edges": {
        "id": ("text", "NO", None),
        "source": ("text", "NO", None),
        "target": ("text", "NO", None),
        "type": ("text", "NO", None),
        "weight": ("double precision", "YES", "1"),
        "animated": ("boolean", "YES", "false"),
        "created_at": ("timestamp with time zone", "YES", "now()"),
        "extras": ("jsonb", "YES", "'{}'"),
    },
    "graph_metadata": {
        "key": ("text", "NO", None),
        "value": ("jsonb", "NO", None),
        "updated_at": ("timestamp with time zone", "YES", "now()"),
    },
    "node_embeddings": {
        "node_id": ("text", "NO", None),
        "text_content": ("text", "NO", None),
        "embedding": ("USER-DEFINED", "YES", None),
        "created_at": ("timestamp with time zone", "YES", "now()"),
        # the model that made the vector (search never mixes two models)
        "model": ("text", "YES", None),
    },
    "mutation_history": {
        "id": ("bigint", "NO", None),
        "action": ("text", "NO", None),
        "node_id": ("text", "YES", None),
        "edge_id": ("text", "YES", None),
        "data": ("jsonb", "NO", "'{}'"),
        "created_at": ("timestamp with time zone", "YES", "now()"),
        # who made the change (null for writes from outside NEXUS)
        "actor": ("text", "YES", None),
    },
    "notifications": {
        "id": ("bigint", "NO", None),
        "person_id": ("text", "NO", None),
        "person_name": ("text", "YES", None),
        "priority": ("text", "YES", "'medium'"),
        "action_required": ("boolean", "YES", "false"),
        "suggested_action": ("text", "YES", None),
        "summary": ("text", "YES", None),
        "source_unit": ("jsonb", "YES", None),
        "acknowledged": ("boolean", "YES", "false"),
        "created_at": ("timestamp with time zone", "YES", "now()"),
    },
    "conversations": {
        "id": ("text", "NO", None),
        "role": ("text", "NO", None),
        "content": ("text", "NO", None),
        "seq": ("integer", "NO", "nextval('conversations_seq_seq"),
        "created_at": ("timestamp with time zone", "YES", "now()"),
    },
    "task_graphs": {
        "id": ("bigint", "NO", None),
        "tasks": ("jsonb", "NO", "'[]'"),
        "critical_path": ("jsonb", "NO", "'[]'"),
        "active": ("boolean", "YES", "true"),
        "created_at": ("timestamp with time zone", "YES", "now()"),
    },
    "immune_scans": {
        "id": ("bigint", "NO", None),
        "agents_run": ("jsonb", "NO", "'[]'"),
        "total_findings": ("integer", "YES", "0"),
        "alerts_generated": ("integer", "YES", "0"),
        "alerts": ("jsonb", "NO", "'[]'"),
        "by_agent": ("jsonb", "NO", "'{}'"),
        "created_at": ("timestamp with time zone", "YES", "now()"),
    },
    "worker_analyses": {
        "id": ("bigint", "NO", None),
        "conflicts": ("jsonb", "YES", "'[]'"),
        "duplicates": ("jsonb", "YES", "'[]'"),
        "overloads": ("jsonb", "YES", "'[]'"),
        "reallocation_suggestions": ("jsonb", "YES", "'[]'"),
        "collaboration_recommendations": ("jsonb", "YES", "'[]'"),
        "created_at": ("timestamp with time zone", "YES", "now()"),
    },
    "llm_usage": {
        "id": ("bigint", "NO", None),
        "model": ("text", "NO", None),
        "input_tokens": ("integer", "NO", None),
        "output_tokens": ("integer", "NO", None),
        "cost_usd": ("double precision", "NO", None),
        "task_type": ("text", "NO", None),
        "created_at": ("timestamp with time zone", "YES", "now()"),
    },
}
SPEC_INDEXES = {
    "idx_nodes_type",
    "idx_nodes_division",
    "idx_nodes_status",
    "idx_edges_source",
    "idx_edges_target",
    "idx_edges_type",
    "idx_edges_unique",
    "idx_embeddings_hnsw",
    "idx_mutations_node",
    "idx_mutations_time",
    "idx_notifications_person",
    "idx_notifications_ack",
    "idx_conversations_id",
    "idx_usage_model",
    "idx_usage_task",
    "idx_usage_time",
}


def _sql(query, params=None):
    """Run SQL on Django's connection; jsonb comes back as text there, so decode it."""
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        if not cursor.description:
            return None
        json_columns = {i for i, col in enumerate(cursor.description) if col.type_code == 3802}  # jsonb oid
        return [
            tuple(json.loads(v) if i in json_columns and isinstance(v, str) else v for i, v in enumerate(row))
            for row in cursor.fetchall()
        ]


@pytest.mark.django_db
@pytest.mark.parametrize("table", sorted(SPEC_COLUMNS))
def test_table_columns_types_nullability_and_defaults_match_spec(table):
    rows = _sql(
        "SELECT column_name, data_type, is_nullable, column_default FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = %s",
        [table],
    )
    actual = {name: (dtype, nullable, default) for name, dtype, nullable, default in rows}
    assert set(actual) == set(SPEC_COLUMNS[table])
    for column, (dtype, nullable, default) in SPEC_COLUMNS[table].items():
        got_type, got_nullable, got_default = actual[column]
        assert (got_type, got_nullable) == (dtype, nullable), column
        if default is None:
            # identity columns (bigserial) report no column_default; everything else must have none
            assert got_default is None, (column, got_default)
        else:
            assert got_default is not None and default in got_default, (column, got_default)


@pytest.mark.django_db
def test_embedding_column_has_the_configured_dimensions():
    (typ,) = _sql(
        "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
        "WHERE attrelid = 'node_embeddings'::regclass AND attname = 'embedding'"
    )[0]
    assert typ == f"vector({settings.EMBEDDING_DIMENSIONS})"


@pytest.mark.django_db
def test_spec_indexes_exist():
    names = {name for (name,) in _sql("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()")}
    assert names >= SPEC_INDEXES


@pytest.mark.django_db
def test_raw_sql_inserts_get_the_spec_defaults():
    _sql("INSERT INTO nodes (id, type, label) VALUES ('n-raw', 'fact', 'Inserted by psql')")
    row = _sql(
        "SELECT health, size, status, freshness_score, half_life_days, extras, created_at IS NOT NULL "
        "FROM nodes WHERE id = 'n-raw'"
    )[0]
    assert row == ("green", 1, "active", 1.0, 14, {}, True)
    _sql("INSERT INTO nodes (id, type, label) VALUES ('n-raw2', 'topic', 'Other')")
    _sql("INSERT INTO edges (id, source, target, type) VALUES ('e-raw', 'n-raw', 'n-raw2', 'about')")
    assert _sql("SELECT weight, animated, extras FROM edges WHERE id = 'e-raw'")[0] == (1.0, False, {})
    _sql("INSERT INTO notifications (person_id) VALUES ('p-01')")
    assert _sql("SELECT priority, action_required, acknowledged FROM notifications")[0] == ("medium", False, False)
    _sql("INSERT INTO conversations (id, role, content) VALUES ('c1', 'user', 'hi'), ('c1', 'assistant', 'hello')")
    seqs = [s for (s,) in _sql("SELECT seq FROM conversations WHERE id = 'c1' ORDER BY seq")]
    assert len(seqs) == 2 and seqs[0] < seqs[1]
    _sql("INSERT INTO task_graphs DEFAULT VALUES")
    assert _sql("SELECT tasks, critical_path, active FROM task_graphs")[0] == ([], [], True)
    _sql("INSERT INTO immune_scans DEFAULT VALUES")
    assert _sql("SELECT agents_run, total_findings, alerts_generated, alerts, by_agent FROM immune_scans")[0] == (
        [],
        0,
        0,
        [],
        {},
    )
    _sql("INSERT INTO worker_analyses DEFAULT VALUES")
    assert _sql("SELECT conflicts, duplicates, overloads FROM worker_analyses")[0] == ([], [], [])
    _sql("INSERT INTO mutation_history (action) VALUES ('note')")
    assert _sql("SELECT data FROM mutation_history")[0] == ({},)
    _sql("INSERT INTO graph_metadata (key, value) VALUES ('k', '1')")
    assert _sql("SELECT updated_at IS NOT NULL FROM graph_metadata")[0] == (True,)


@pytest.mark.django_db
def test_orm_created_rows_come_back_with_database_defaults():
    from graph.models import Node

    node = Node.objects.create(id="n-orm", type="person", label="Ada")
    assert (node.health, node.size, node.status, node.freshness_score, node.extras) == ("green", 1, "active", 1.0, {})


@pytest.mark.django_db
def test_node_type_check_rejects_unknown_type():
    with pytest.raises(IntegrityError, match="nodes_type_check"), transaction.atomic():
        _sql("INSERT INTO nodes (id, type, label) VALUES ('bad', 'spaceship', 'x')")


@pytest.mark.django_db
def test_conversation_role_check_rejects_unknown_role():
    with pytest.raises(IntegrityError), transaction.atomic():
        _sql("INSERT INTO conversations (id, role, content) VALUES ('c', 'robot', 'x')")


@pytest.mark.django_db
def test_unique_edge_index_rejects_duplicate_source_target_type():
    _sql("INSERT INTO nodes (id, type, label) VALUES ('a', 'person', 'A'), ('b', 'team', 'B')")
    _sql("INSERT INTO edges (id, source, target, type) VALUES ('e1', 'a', 'b', 'member_of')")
    _sql("INSERT INTO edges (id, source, target, type) VALUES ('e2', 'a', 'b', 'leads')")  # other type is fine
    with pytest.raises(IntegrityError, match="idx_edges_unique"), transaction.atomic():
        _sql("INSERT INTO edges (id, source, target, type) VALUES ('e3', 'a', 'b', 'member_of')")


@pytest.mark.django_db
def test_edge_to_missing_node_is_rejected_by_foreign_key():
    _sql("INSERT INTO nodes (id, type, label) VALUES ('a', 'person', 'A')")
    with pytest.raises(IntegrityError), transaction.atomic():
        _sql("INSERT INTO edges (id, source, target, type) VALUES ('e1', 'a', 'ghost', 'member_of')")


@pytest.mark.django_db
def test_deleting_a_node_cascades_to_its_edges_and_embedding():
    dims = settings.EMBEDDING_DIMENSIONS
    _sql("INSERT INTO nodes (id, type, label) VALUES ('a', 'person', 'A'), ('b', 'team', 'B'), ('c', 'topic', 'C')")
    _sql(
        "INSERT INTO edges (id, source, target, type) VALUES ('e1', 'a', 'b', 'member_of'), "
        "('e2', 'c', 'a', 'about'), ('e3', 'b', 'c', 'works_on')"
    )
    _sql(
        "INSERT INTO node_embeddings (node_id, text_content, embedding) VALUES ('a', 'A', %s::vector)",
        [str([0.1] * dims)],
    )
    _sql("DELETE FROM nodes WHERE id = 'a'")  # plain SQL: the database cascades, not Django
    assert _sql("SELECT id FROM edges ORDER BY id") == [("e3",)]
    assert _sql("SELECT count(*) FROM node_embeddings") == [(0,)]


def _random_unit_vectors(n, dims, seed=7):
    rng = random.Random(seed)
    vectors = []
    for _ in range(n):
        v = [rng.gauss(0, 1) for _ in range(dims)]
        norm = sum(x * x for x in v) ** 0.5
        vectors.append([x / norm for x in v])
    return vectors


def _insert_vectors(vectors):
    from pgvector.psycopg import register_vector

    _sql(
        "INSERT INTO nodes (id, type, label) SELECT 'v-' || g, 'fact', 'vector ' || g FROM generate_series(0, %s) g",
        [len(vectors) - 1],
    )
    raw = connection.connection  # the psycopg connection under Django's wrapper
    register_vector(raw)
    import numpy as np

    with (
        raw.cursor() as cur,
        cur.copy("COPY node_embeddings (node_id, text_content, embedding) FROM STDIN WITH (FORMAT BINARY)") as copy,
    ):
        copy.set_types(["text", "text", "vector"])
        for i, v in enumerate(vectors):
            copy.write_row([f"v-{i}", f"vector {i}", np.array(v, dtype=np.float32)])


@pytest.mark.django_db
def test_search_similar_nodes_returns_match_count_rows_beyond_ef_search():
    vectors = _random_unit_vectors(200, settings.EMBEDDING_DIMENSIONS)
    _insert_vectors(vectors)
    query = str(vectors[0])
    rows = _sql("SELECT node_id, similarity FROM search_similar_nodes(%s::vector, 60, 0.0)", [query])
    assert len(rows) == 60  # hnsw.ef_search defaults to 40: the function must raise it
    assert rows[0][0] == "v-0" and rows[0][1] == pytest.approx(1.0, abs=1e-3)
    sims = [s for _, s in rows]
    assert sims == sorted(sims, reverse=True)
    # A threshold filters but never starves: random 3072-d vectors sit near similarity 0 to v-0.
    with_threshold = _sql("SELECT node_id FROM search_similar_nodes(%s::vector, 60, -0.5)", [query])
    assert len(with_threshold) == 60
    only_self = _sql("SELECT node_id FROM search_similar_nodes(%s::vector, 60, 0.5)", [query])
    assert only_self == [("v-0",)]


@pytest.mark.django_db
def test_search_function_plan_uses_the_hnsw_index():
    """auto_explain reports the plan of the query run inside the plpgsql function.

    At 200 rows a sequential scan is cheaper, so seq scans are priced out: what this proves is
    that the function's ORDER BY matches the index expression (a mismatch would still seq-scan).
    That the planner picks the index by itself at scale is shown by `make bench` (bench_search).
    """
    vectors = _random_unit_vectors(200, settings.EMBEDDING_DIMENSIONS, seed=3)
    _insert_vectors(vectors)
    raw = connection.connection
    notices = []
    raw.add_notice_handler(lambda diag: notices.append(diag.message_primary or ""))
    try:
        _sql("LOAD 'auto_explain'")
        _sql("SET auto_explain.log_min_duration = 0")
        _sql("SET auto_explain.log_nested_statements = on")
        _sql("SET auto_explain.log_level = 'notice'")
        _sql("SET client_min_messages = 'notice'")
        _sql("SET enable_seqscan = off")
        # plpgsql keeps its statements' plans for the session: an earlier test's call on this
        # connection would otherwise be reused, whatever the settings now say.
        _sql("DISCARD PLANS")
        _sql("SELECT * FROM search_similar_nodes(%s::vector, 10, 0.0)", [str(vectors[5])])
    finally:
        _sql("SET auto_explain.log_min_duration = -1")
        _sql("RESET enable_seqscan")
    plans = "\n".join(line for n in notices for line in n.splitlines() if "Query Text" not in line)
    assert "Index Scan using idx_embeddings_hnsw" in plans, plans[-2000:]
