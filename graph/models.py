"""The knowledge graph tables, under fixed table and column names (``db_table``): psql, Supabase
clients and the database triggers address them directly.

Defaults are database defaults (``db_default``) so rows inserted by psql or a Supabase client get
the same values as rows saved through Django. Foreign keys are declared ``db_constraint=False`` and
created by the migration with ``ON DELETE CASCADE`` (Django 5.2 cannot express a database-side
cascade), so deleting a node removes its edges and embedding whoever deletes it.
"""

from typing import cast

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from pgvector.django import VectorField

from common.db import TransactionNow as Now
from graph.embeddings import embedding_dimensions

NODE_TYPES = ("person", "agent", "team", "decision", "fact", "commitment", "question", "topic")


class Node(models.Model):
    id = models.TextField(primary_key=True)
    type = models.TextField(choices=[(t, t) for t in NODE_TYPES])
    label = models.TextField()
    division = models.TextField(null=True, blank=True)
    department = models.TextField(null=True, blank=True)
    team = models.TextField(null=True, blank=True)
    health = models.TextField(null=True, blank=True, db_default="green")
    size = models.IntegerField(null=True, blank=True, db_default=1)
    x = models.FloatField(null=True, blank=True)
    y = models.FloatField(null=True, blank=True)
    status = models.TextField(null=True, blank=True, db_default="active")
    freshness_score = models.FloatField(null=True, blank=True, db_default=1.0)
    half_life_days = models.IntegerField(null=True, blank=True, db_default=14)
    source_type = models.TextField(null=True, blank=True)
    source_id = models.TextField(null=True, blank=True)
    created_at = models.DateTimeField(null=True, blank=True, db_default=Now())
    updated_at = models.DateTimeField(null=True, blank=True, db_default=Now())
    extras = models.JSONField(null=True, blank=True, db_default=models.Value({}, models.JSONField()))

    class Meta:
        db_table = "nodes"
        ordering = ["id"]
        indexes = [
            models.Index(fields=["type"], name="idx_nodes_type"),
            models.Index(fields=["division"], name="idx_nodes_division"),
            models.Index(fields=["status"], name="idx_nodes_status"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(type__in=NODE_TYPES), name="nodes_type_check"),
        ]

    def __str__(self):
        return f"{self.label} ({self.type} {self.id})"


class Edge(models.Model):
    id = models.TextField(primary_key=True)
    source = models.ForeignKey(
        Node,
        db_column="source",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="out_edges",
    )
    target = models.ForeignKey(
        Node,
        db_column="target",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="in_edges",
    )
    type = models.TextField()
    weight = models.FloatField(null=True, blank=True, db_default=1.0)
    animated = models.BooleanField(null=True, blank=True, db_default=False)
    created_at = models.DateTimeField(null=True, blank=True, db_default=Now())
    extras = models.JSONField(null=True, blank=True, db_default=models.Value({}, models.JSONField()))

    class Meta:
        db_table = "edges"
        ordering = ["id"]
        indexes = [
            models.Index(fields=["source"], name="idx_edges_source"),
            models.Index(fields=["target"], name="idx_edges_target"),
            models.Index(fields=["type"], name="idx_edges_type"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["source", "target", "type"], name="idx_edges_unique"),
        ]

    def __str__(self):
        return f"{self.source_id} -{self.type}-> {self.target_id}"


class GraphMetadata(models.Model):
    key = models.TextField(primary_key=True)
    value = models.JSONField()
    updated_at = models.DateTimeField(null=True, blank=True, db_default=Now())

    class Meta:
        db_table = "graph_metadata"
        verbose_name_plural = "graph metadata"

    def __str__(self):
        return self.key


class NodeEmbedding(models.Model):
    node = models.OneToOneField(
        Node,
        db_column="node_id",
        primary_key=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="embedding",
    )
    text_content = models.TextField()
    embedding = VectorField(dimensions=embedding_dimensions(), null=True, blank=True)
    created_at = models.DateTimeField(null=True, blank=True, db_default=Now())
    # The model that made the vector (the provider's ``model``): vectors of two models are never
    # compared; NULL (rows from before this column) counts as another model.
    model = models.TextField(null=True, blank=True)

    class Meta:
        db_table = "node_embeddings"
        indexes = [models.Index(fields=["model"], name="idx_embeddings_model")]

    def __str__(self):
        return f"embedding of {self.node_id}"


class NodeSearchDocument(models.Model):
    """A node's full-text search document (``node_search_document()`` of its text columns), kept
    current by a trigger on nodes in the writing statement (migration 0006), GIN-indexed. Stored,
    not an expression index, so ranking a query that matches many nodes reads it instead of
    re-parsing every matched node's text."""

    node = models.OneToOneField(
        Node,
        db_column="node_id",
        primary_key=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="search_document",
    )
    document = SearchVectorField()

    class Meta:
        db_table = "node_search_documents"
        indexes = [GinIndex(fields=["document"], name="idx_node_search_documents")]

    def __str__(self):
        return f"search document of {self.node_id}"


class EmbeddingQueue(models.Model):
    """Nodes whose embedding is missing or out of date, filled by a trigger on nodes (migration 0006)
    and drained by the server's background embedder or ``manage.py embed_pending``."""

    node_id = models.TextField(primary_key=True)
    queued_at = models.DateTimeField(db_default=Now())

    class Meta:
        db_table = "embedding_queue"

    def __str__(self):
        return f"embedding pending for {self.node_id}"


class MutationHistory(models.Model):
    id = models.BigAutoField(primary_key=True)
    action = models.TextField()
    node_id = models.TextField(null=True, blank=True)
    edge_id = models.TextField(null=True, blank=True)
    data = models.JSONField(db_default=models.Value({}, models.JSONField()))
    created_at = models.DateTimeField(null=True, blank=True, db_default=Now())
    # Who made the change: a username, "system" (seed, migrations), "anonymous" (NEXUS_AUTH=open);
    # null for rows written from outside NEXUS (psql, a Supabase client).
    actor = models.TextField(null=True, blank=True)

    class Meta:
        db_table = "mutation_history"
        verbose_name_plural = "mutation history"
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["node_id"], name="idx_mutations_node"),
            models.Index(fields=["-created_at"], name="idx_mutations_time"),
        ]

    def __str__(self):
        return f"{self.action} {self.node_id or self.edge_id}"


# The stored columns, in table order: the one list every COPY, JSON document and history row uses.
# (A concrete field always has a column; the stubs type Field.column as optional.)
NODE_COLUMNS = cast(tuple[str, ...], tuple(field.column for field in Node._meta.concrete_fields))
EDGE_COLUMNS = cast(tuple[str, ...], tuple(field.column for field in Edge._meta.concrete_fields))
