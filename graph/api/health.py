"""GET /api/health: database mode and versions, embedding provider, row counts per table.

It answers even when the database is down: 503 with ``status: "unavailable"`` (and the usual
``error`` object), never a traceback.
"""
import logging
import re

from django.conf import settings
from django.db import DatabaseError, connection
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.response import Response

from graph.api.serializers import HealthOut
from graph.vector_sql import column_dimensions
from nexus_site.embeddings import describe_provider
from nexus_site.errors import error_body
from nexus_site.supabase_client import supabase_health
from common.accounts.permissions import Public
from common.accounts.roles import VIEWER, has_role
from common.api import ApiView

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


def _reason(exc: Exception) -> str:
    """The first line of a database error: says why (e.g. the embedded server did not start)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class HealthView(ApiView):
    permission_classes = [Public]
    @extend_schema(operation_id="health", responses={
        200: HealthOut, 503: OpenApiResponse(HealthOut, description="database unavailable")})
    def get(self, request):
        auth = {"mode": settings.NEXUS_AUTH}
        if settings.NEXUS_AUTH == "open":
            auth["warning"] = "NEXUS_AUTH=open: anyone who can reach this server can read and change it."
        try:
            signed_in = self._signed_in(request)
        except DatabaseError as exc:  # checking the credentials needed the database: one timeout, not two
            return self._unavailable(auth, exc)
        if not signed_in:  # anonymous: whether it is up, nothing about the data
            return self._public(auth)
        embeddings = describe_provider()
        try:
            database, counts = _database_facts()
        except DatabaseError as exc:
            reason = _reason(exc)
            logger.warning("health: database unavailable: %s", reason)
            body = {"status": "unavailable", "database": {"mode": settings.NEXUS_DATABASE_MODE, "reason": reason},
                    "embeddings": embeddings, "supabase": supabase_health(), "auth": auth,
                    **error_body(503, "database_unavailable", "The database is unavailable; try again shortly.")}
            return Response(body, status=503)
        embeddings["dimensions_match"] = database["embedding_column_dimensions"] in (None, embeddings["dimensions"])
        return Response({"status": "ok", "database": database, "embeddings": embeddings, "counts": counts,
                         "supabase": supabase_health(), "auth": auth})

    records_actor = False

    def perform_authentication(self, request):
        pass  # done in get(): checking a token needs the database, and health must answer without it

    @staticmethod
    def _signed_in(request) -> bool:
        try:
            return has_role(request.user, VIEWER)
        except AuthenticationFailed:
            return False

    @staticmethod
    def _public(auth: dict) -> Response:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except DatabaseError as exc:
            return HealthView._unavailable(auth, exc)
        return Response({"status": "ok", "database": {"mode": settings.NEXUS_DATABASE_MODE}, "auth": auth})

    @staticmethod
    def _unavailable(auth: dict, exc: Exception) -> Response:
        # why, without the server's file paths (anonymous callers learn nothing about the host)
        reason = re.sub(r"/(?:[^/\s\"']+/)+", ".../", _reason(exc))
        database = {"mode": settings.NEXUS_DATABASE_MODE, "reason": reason}
        return Response({"status": "unavailable", "database": database, "auth": auth,
                         **error_body(503, "database_unavailable", "The database is unavailable; try again shortly.")},
                        status=503)
