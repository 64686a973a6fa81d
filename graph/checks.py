"""Startup check: the embedding column must have the size settings ask for.

A mismatch (EMBEDDING_DIMENSIONS changed after migrating) would otherwise surface as failed
inserts; it is reported with the command that fixes it.
"""
from django.conf import settings
from django.core import checks
from django.db import connection

from graph.vector_sql import column_dimensions

FIX = "python manage.py rebuild_embeddings --recreate"


@checks.register()
def embedding_dimensions_check(app_configs=None, **kwargs):
    try:
        with connection.cursor() as cursor:
            dims = column_dimensions(cursor)
    except Exception:  # no database yet / unreachable: /api/health and the first query say so
        return []
    wanted = settings.EMBEDDING_DIMENSIONS
    if dims is None or dims == wanted:
        return []
    return [checks.Error(
        f"node_embeddings.embedding is vector({dims}) but EMBEDDING_DIMENSIONS is {wanted} "
        f"(EMBEDDING_MODEL {settings.EMBEDDING_MODEL}).",
        hint=f"Run `{FIX}` to recreate the column, index and search function at {wanted} dimensions "
             "and re-embed every node, or set EMBEDDING_DIMENSIONS back to the column's size.",
        id="graph.E001",
    )]
