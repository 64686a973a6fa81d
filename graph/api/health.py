"""GET /api/health: database mode and versions, embedding provider, row counts per table.

It answers even when the database is down: 503 with ``status: "unavailable"`` (and the usual
``error`` object), never a traceback.
"""
import logging

from django.conf import settings
from django.db import DatabaseError, connection
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from graph.api.serializers import HealthOut
from graph.vector_sql import column_dimensions
from nexus_site.embeddings import describe_provider
from nexus_site.errors import error_body
from nexus_site.supabase_client import supabase_health

logger = logging.getLogger("nexus.health")

TABLES = ("nodes", "edges", "graph_metadata", "node_embeddings", "mutation_history", "notifications",
          "conversations", "task_graphs", "immune_scans", "worker_analyses", "llm_usage")


def _database_facts() -> tuple[dict, dict]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('server_version'), "
                       "(SELECT extversion FROM pg_extension WHERE extname = 'vector')")
        server_version, pgvector_version = cursor.fetchone()
        column = column_dimensions(cursor)
        cursor.execute("SELECT relname FROM pg_class WHERE relkind IN ('r', 'p') AND relname = ANY(%s) "
                       "AND pg_table_is_visible(oid)", [list(TABLES)])
        existing = {row[0] for row in cursor.fetchall()}
        present = [t for t in TABLES if t in existing]
        counts = dict.fromkeys(TABLES)  # None: table missing (not migrated)
        if present:
            cursor.execute("SELECT " + ", ".join(f"(SELECT count(*) FROM {t})" for t in present))
            counts.update(zip(present, cursor.fetchone()))
    database = {"mode": settings.NEXUS_DATABASE_MODE, "postgres_version": server_version,
                "pgvector_version": pgvector_version, "embedding_column_dimensions": column}
    return database, counts


class HealthView(APIView):
    @extend_schema(operation_id="health", responses={
        200: HealthOut, 503: OpenApiResponse(HealthOut, description="database unavailable")})
    def get(self, request):
        embeddings = describe_provider()
        try:
            database, counts = _database_facts()
        except DatabaseError as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            logger.warning("health: database unavailable: %s", reason)
            body = {"status": "unavailable", "database": {"mode": settings.NEXUS_DATABASE_MODE, "reason": reason},
                    "embeddings": embeddings, "supabase": supabase_health(),
                    **error_body(503, "database_unavailable", "The database is unavailable; try again shortly.")}
            return Response(body, status=503)
        embeddings["dimensions_match"] = database["embedding_column_dimensions"] in (None, embeddings["dimensions"])
        return Response({"status": "ok", "database": database, "embeddings": embeddings, "counts": counts,
                         "supabase": supabase_health()})
