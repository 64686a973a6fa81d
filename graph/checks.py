"""Startup checks: the embedding column must fit the configured provider, and the stored vectors
must be its model's.

A size mismatch (another provider or EMBEDDING_DIMENSIONS since migrating) would otherwise surface
as failed inserts; a model mismatch as meaningless similarities. Both name the command that fixes
them (`make run` runs it before serving).
"""

from django.core import checks
from django.db import connection

from graph.embedding_store import other_models_stored, stored_models
from graph.embeddings import get_provider
from graph.vector_sql import column_dimensions

FIX = "python manage.py rebuild_embeddings --recreate"


@checks.register()
def embedding_dimensions_check(app_configs=None, **kwargs):
    try:
        provider = get_provider()
    except Exception as exc:  # ImproperlyConfigured: say so here rather than at the first write
        return [checks.Error(str(exc), id="graph.E002")]
    try:
        with connection.cursor() as cursor:
            dims = column_dimensions(cursor)
    except Exception:  # no database yet / unreachable: /api/health and the first query say so
        return []
    wanted = provider.dimensions
    if dims is not None and dims != wanted:
        return [
            checks.Error(
                f"node_embeddings.embedding is vector({dims}) but the {provider.name} embedding provider "
                f"({provider.model}) makes vectors of {wanted} dimensions.",
                hint=f"Run `{FIX}` to recreate the column, index and search functions at {wanted} dimensions "
                "and re-embed every node (or go back to the provider/EMBEDDING_DIMENSIONS that made them).",
                id="graph.E001",
            )
        ]
    return _model_check(provider)


def _model_check(provider):
    try:
        if not other_models_stored(provider.model):
            return []
        stored = ", ".join(f"{model or 'unknown'} ({count})" for model, count in stored_models().items())
    except Exception:  # not migrated yet (no model column)
        return []
    return [
        checks.Warning(
            f"Stored embeddings were made by {stored}, not by the configured {provider.name} provider "
            f"({provider.model}); vector and hybrid search answer 503 until they are rebuilt.",
            hint=f"Run `{FIX}` (make run does it before serving).",
            id="graph.W002",
        )
    ]
