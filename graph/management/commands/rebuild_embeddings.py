from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from tqdm import tqdm

from graph.embedding_store import bulk_load, embed_nodes, node_text, other_models_stored
from graph.embeddings import get_provider
from graph.models import EmbeddingQueue, Node
from graph.vector_sql import HALFVEC_LIMIT, column_dimensions, hybrid_function_sql, search_function_sql

BULK_THRESHOLD = 500  # at least this many rows: drop the HNSW index, COPY, rebuild the index


class Command(BaseCommand):
    help = (
        "Embed nodes into node_embeddings with the configured provider (local MiniLM, OpenAI or hash). "
        "Large sets are loaded by dropping the HNSW index, binary COPY, and rebuilding it."
    )
    requires_system_checks = []  # this command is the fix for the embedding checks

    def add_arguments(self, parser):
        parser.add_argument(
            "--missing-only",
            action="store_true",
            help="embed only nodes that have no embedding yet (seed_nexus uses this)",
        )
        parser.add_argument(
            "--recreate",
            action="store_true",
            help="recreate the column, HNSW index and search functions at the provider's size, "
            "then re-embed every node",
        )
        parser.add_argument(
            "--if-stale",
            action="store_true",
            help="do only what is needed (make run uses this): --recreate when the column has "
            "another size, re-embed everything when any vector is another model's, else "
            "embed missing and queued nodes",
        )
        parser.add_argument("--batch-size", type=int, default=256, help="texts per embedding request")

    def handle(self, *args, missing_only=False, recreate=False, if_stale=False, batch_size=256, **options):
        if sum((missing_only, recreate, if_stale)) > 1:
            raise CommandError("--missing-only, --recreate and --if-stale cannot be combined.")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        provider = get_provider()
        dims = provider.dimensions
        self.progress = if_stale or recreate
        if dims > HALFVEC_LIMIT:
            self.stderr.write(
                f"Note: {dims} dimensions is above pgvector's HNSW limit ({HALFVEC_LIMIT}); "
                "searches will be exact scans."
            )
        with transaction.atomic():
            with connection.cursor() as cursor:
                column = column_dimensions(cursor)
            if column is None:
                raise CommandError("node_embeddings does not exist; run `python manage.py migrate` first.")
            if if_stale:
                recreate = column != dims
                stale = recreate or other_models_stored(provider.model)
                missing_only = not stale
                if stale:
                    self.stdout.write(
                        f"Embeddings were made by another model or size; re-embedding every node "
                        f"with {provider.name} {provider.model}."
                    )
            if recreate:
                self._recreate_column(dims)
            elif column != dims:
                raise CommandError(
                    f"node_embeddings.embedding is vector({column}) but {provider.name} {provider.model} makes "
                    f"vector({dims}); run `python manage.py rebuild_embeddings --recreate`."
                )
            nodes = Node.objects.order_by("id")
            if missing_only:
                # no vector, another model's vector, or queued (changed since it was embedded)
                nodes = (
                    nodes.filter(embedding__isnull=True)
                    | nodes.filter(embedding__embedding__isnull=True)
                    | nodes.exclude(embedding__model=provider.model)
                    | nodes.filter(id__in=_queued_ids())
                )
            nodes = list(nodes.distinct())
            if not nodes:
                _clear_queue()
                self.stdout.write("Embeddings: nothing to do (every node has one, from the configured model).")
                return
            done = self._embed(nodes, provider, batch_size, replace_all=not missing_only)
        mode = f"{'offline ' if provider.offline else ''}{provider.name} provider ({provider.model})"
        self.stdout.write(self.style.SUCCESS(f"Embedded {done} node(s) with the {mode}, {dims} dimensions."))

    def _recreate_column(self, dims: int):
        with connection.cursor() as cursor:
            cursor.execute("DROP INDEX IF EXISTS idx_embeddings_hnsw")
            cursor.execute("DELETE FROM node_embeddings")
            cursor.execute(f"ALTER TABLE node_embeddings ALTER COLUMN embedding TYPE vector({int(dims)}) USING NULL")
            # CREATE OR REPLACE keeps the functions' grants (anon must not execute them on Supabase)
            cursor.execute(search_function_sql(dims))
            cursor.execute(hybrid_function_sql(dims))
        self.stdout.write(f"Recreated node_embeddings.embedding as vector({dims}) with its search functions.")

    def _embed(self, nodes, provider, batch_size: int, *, replace_all: bool) -> int:
        show = len(nodes) >= BULK_THRESHOLD or self.progress
        if len(nodes) < BULK_THRESHOLD and not replace_all:
            with tqdm(total=len(nodes), desc="embedding", unit="node", disable=not show, file=self.stderr) as bar:
                for start in range(0, len(nodes), batch_size):
                    chunk = nodes[start : start + batch_size]
                    embed_nodes(chunk, provider=provider)
                    bar.update(len(chunk))
            return len(nodes)
        rows: list[tuple[str, str, list[float]]] = []
        with tqdm(total=len(nodes), desc="embedding", unit="node", disable=not show, file=self.stderr) as bar:
            for start in range(0, len(nodes), batch_size):
                chunk = nodes[start : start + batch_size]
                texts = [node_text(node) for node in chunk]
                vectors = provider.embed(texts, task_type="embedding")
                rows.extend((node.id, text, vector) for node, text, vector in zip(chunk, texts, vectors))
                bar.update(len(chunk))
        with tqdm(total=len(rows), desc="loading", unit="row", disable=not show, file=self.stderr) as bar:
            bulk_load(rows, replace_all=replace_all, dimensions=provider.dimensions, model=provider.model, progress=bar)
        if replace_all:
            _clear_queue()
        return len(rows)


def _queued_ids():
    return EmbeddingQueue.objects.values("node_id")


def _clear_queue():
    """Every node has its vector now: queue rows left (deleted nodes) go."""
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM embedding_queue WHERE NOT EXISTS (SELECT 1 FROM nodes n WHERE n.id = embedding_queue.node_id)"
        )
