"""Node embeddings: the text a node is embedded from, and writing vectors to node_embeddings.

Small writes (one node created or edited) upsert inside the caller's transaction, so a node is
never searchable-but-missing, and take the node off ``embedding_queue`` (its trigger queued it).
Every row records the model that made it. When the configured provider needs another column size
than the table has, writes leave the vectors to ``rebuild_embeddings --recreate`` (the nodes stay
queued) instead of failing. Bulk loads (``rebuild_embeddings``) drop the HNSW index, binary-COPY
the vectors and rebuild the index — building HNSW once is far faster than maintaining it row by row.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from contextlib import contextmanager

from django.db import connection

from graph.embeddings import embedding_dimensions, get_provider
from graph.models import Node, NodeEmbedding
from graph.vector_sql import column_dimensions, index_sql

logger = logging.getLogger("nexus.embeddings")

KEY_EXTRAS = ("role", "skills", "mission", "rationale", "description", "kind", "source", "summary", "notes")
INDEX_NAME = "idx_embeddings_hnsw"
BUILD_MEMORY = "1GB"  # maintenance_work_mem for the HNSW build; the graph fits, so no spilling


def node_text(node) -> str:
    """Label, type, place in the organisation and the descriptive extras (not ids, emails, dates)."""
    get = (lambda name: node.get(name)) if isinstance(node, dict) else (lambda name: getattr(node, name, None))
    parts = [f"{get('label')} ({get('type')})."]
    extras = get("extras") or {}
    for key in KEY_EXTRAS:
        value = extras.get(key) if isinstance(extras, dict) else None
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        if value not in (None, ""):
            parts.append(f"{key.capitalize()}: {value}.")
    place = "; ".join(f"{name.capitalize()}: {get(name)}" for name in ("division", "department", "team") if get(name))
    if place:
        parts.append(place + ".")
    return " ".join(parts)


def embed_nodes(nodes: Sequence[Node], *, provider=None) -> int:
    """Embed the nodes' texts, upsert their rows and dequeue them (inside the caller's transaction)."""
    if not nodes:
        return 0
    provider = provider or get_provider()
    with connection.cursor() as cursor:
        column = column_dimensions(cursor)
    if column != provider.dimensions:
        logger.warning(
            "node_embeddings holds vector(%s) but %s needs %s: %d node(s) left queued until "
            "`python manage.py rebuild_embeddings --recreate`",
            column,
            provider.model,
            provider.dimensions,
            len(nodes),
        )
        return 0
    texts = [node_text(node) for node in nodes]
    vectors = provider.embed(texts, task_type="embedding")
    import numpy as np

    with binary_vector_cursor() as cursor:
        cursor.executemany(
            "INSERT INTO node_embeddings (node_id, text_content, embedding, model) VALUES (%s, %s, %b, %s) "
            "ON CONFLICT (node_id) DO UPDATE SET text_content = EXCLUDED.text_content, "
            "embedding = EXCLUDED.embedding, model = EXCLUDED.model",
            [
                (node.pk, text, np.asarray(vector, dtype=np.float32), provider.model)
                for node, text, vector in zip(nodes, texts, vectors)
            ],
        )
    dequeue([node.pk for node in nodes])
    return len(nodes)


def register_binary_vectors(cursor) -> None:
    """pgvector's binary dumper and loader, scoped to this psycopg cursor so Django's connection keeps
    its own loaders; the type's oid is looked up once per connection."""
    from pgvector.psycopg.vector import register_vector_info
    from psycopg.types import TypeInfo

    raw = cursor.connection
    info = getattr(raw, "_nexus_vector_info", None)
    if info is None:
        info = raw._nexus_vector_info = TypeInfo.fetch(raw, "vector")
    register_vector_info(cursor, info)


@contextmanager
def binary_vector_cursor():
    """A server-side binding psycopg cursor on Django's connection (same transaction), so vectors
    travel in pgvector's binary format: formatting and parsing 3,072 floats as text cost ~2 ms each."""
    import psycopg

    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        register_binary_vectors(cursor)
        yield cursor


def dequeue(node_ids: Sequence[str]) -> None:
    """Take nodes off embedding_queue (they were embedded, or their text did not change)."""
    if node_ids:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM embedding_queue WHERE node_id = ANY(%s)", [list(node_ids)])


def other_models_stored(model: str) -> bool:
    """Whether any stored vector was made by a model other than ``model`` (NULL counts): three
    probes of idx_embeddings_model, not a scan."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM node_embeddings WHERE model < %s) "
            "OR EXISTS (SELECT 1 FROM node_embeddings WHERE model > %s) "
            "OR EXISTS (SELECT 1 FROM node_embeddings WHERE model IS NULL)",
            [model, model],
        )
        return bool(cursor.fetchone()[0])


def stored_models() -> dict[str, int]:
    """Vectors per model (None: unknown, from before models were recorded)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT model, count(*) FROM node_embeddings GROUP BY model ORDER BY count(*) DESC")
        return dict(cursor.fetchall())


def stored_text(node_id: str) -> str | None:
    """The text of the node's stored vector, if the configured model made it."""
    return (
        NodeEmbedding.objects.filter(node_id=node_id, embedding__isnull=False, model=get_provider().model)
        .values_list("text_content", flat=True)
        .first()
    )


def bulk_load(
    rows: Iterable[tuple[str, str, Sequence[float]]],
    *,
    replace_all: bool,
    dimensions: int | None = None,
    progress=None,
    model: str | None = None,
) -> int:
    """Replace embeddings with ``(node_id, text, vector)`` rows: drop index, binary COPY, rebuild index.

    Runs in the caller's transaction (the index drop is rolled back with everything else on error).
    ``replace_all`` empties the table first; otherwise rows for the given nodes are replaced. Rows
    record ``model`` (default: the configured provider's) and leave embedding_queue.
    """
    import numpy as np

    dims = dimensions or embedding_dimensions()
    model = model or get_provider().model
    rows = list(rows)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX IF EXISTS {INDEX_NAME}")
        if replace_all:
            cursor.execute("DELETE FROM node_embeddings")
        elif rows:
            cursor.execute("DELETE FROM node_embeddings WHERE node_id = ANY(%s)", [[r[0] for r in rows]])
        raw = cursor.cursor  # the psycopg cursor: binary COPY with pgvector's binary dumper
        register_binary_vectors(raw)
        with raw.copy(
            "COPY node_embeddings (node_id, text_content, embedding, model) FROM STDIN WITH (FORMAT BINARY)"
        ) as copy:
            copy.set_types(["text", "text", "vector", "text"])
            for node_id, text, vector in rows:
                copy.write_row((node_id, text, np.asarray(vector, dtype=np.float32), model))
                if progress is not None:
                    progress.update(1)
        cursor.execute(f"SET LOCAL maintenance_work_mem = '{BUILD_MEMORY}'")
        cursor.execute(index_sql(dims))
        cursor.execute("DELETE FROM embedding_queue WHERE node_id = ANY(%s)", [[r[0] for r in rows]])
    return len(rows)
