"""Draining ``embedding_queue``: embed the nodes a trigger queued (written from anywhere).

Each batch is claimed with ``SELECT … FOR UPDATE SKIP LOCKED`` in its own transaction, so several
server processes (and ``manage.py embed_pending``) share the queue without embedding a node twice;
a node whose stored vector already has its current text and the configured model is only dequeued.
A failure (the embedding service down) rolls the batch back: the rows stay queued for the next try.
"""

from __future__ import annotations

from django.db import connection, transaction

from graph.embedding_store import dequeue, embed_nodes, node_text
from graph.embeddings import get_provider
from graph.models import Node, NodeEmbedding

BATCH = 64

CLAIM_SQL = "SELECT node_id FROM embedding_queue ORDER BY queued_at, node_id LIMIT %s FOR UPDATE SKIP LOCKED"
# KEY SHARE conflicts only with a DELETE (or a key change), never with an ordinary UPDATE of the node.
LOCK_NODES_SQL = "SELECT id FROM nodes WHERE id = ANY(%s) FOR KEY SHARE SKIP LOCKED"


def pending_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM embedding_queue")
        return cursor.fetchone()[0]


def has_pending() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM embedding_queue)")
        return bool(cursor.fetchone()[0])


def drain_batch(batch_size: int = BATCH, provider=None) -> tuple[int, int, bool]:
    """Claim and process one batch: (rows taken off the queue, nodes embedded, stuck). ``stuck``: the
    column does not fit the provider, so embed_nodes left the rows queued for ``rebuild_embeddings
    --recreate``. Rows of nodes a running DELETE holds are left queued and not counted."""
    provider = provider or get_provider()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(CLAIM_SQL, [batch_size])
            claimed = [row[0] for row in cursor.fetchall()]
        if not claimed:
            return 0, 0, False
        nodes = list(Node.objects.filter(id__in=claimed).order_by("id"))
        # Hold the nodes before writing their vectors, skipping any a running DELETE holds: writing
        # first and then waiting on the node (the vector's foreign key) deadlocked with a DELETE
        # that waited on the vector to cascade. A skipped node stays queued for the next batch.
        with connection.cursor() as cursor:
            cursor.execute(LOCK_NODES_SQL, [[node.id for node in nodes]])
            held = {row[0] for row in cursor.fetchall()}
        busy = {node.id for node in nodes} - held
        nodes = [node for node in nodes if node.id in held]
        stored = dict(
            NodeEmbedding.objects.filter(
                node_id__in=claimed, model=provider.model, embedding__isnull=False
            ).values_list("node_id", "text_content")
        )
        todo = [node for node in nodes if stored.get(node.id) != node_text(node)]
        embedded = embed_nodes(todo, provider=provider)
        if embedded < len(todo):
            return len(claimed) - len(busy), embedded, True
        dequeue([node_id for node_id in claimed if node_id not in busy])  # deleted and unchanged ones too
    return len(claimed) - len(busy), embedded, False


def drain(batch_size: int = BATCH, *, progress=None) -> int:
    """Drain the queue until nothing claimable is left; the number of nodes embedded."""
    provider = get_provider()
    total = 0
    while True:
        claimed, embedded, stuck = drain_batch(batch_size, provider)
        total += embedded
        if progress is not None:
            progress.update(claimed)
        if claimed == 0 or stuck:
            return total
