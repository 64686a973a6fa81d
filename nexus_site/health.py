"""GET /api/health: database mode and versions, embedding provider, row counts per table.

It answers even when the database is down: 503 with ``status: "unavailable"`` (and the usual
``error`` object), never a traceback.
"""

import logging
import re

from django.conf import settings
from django.db import DatabaseError, connection
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.response import Response

from common.accounts.permissions import Public
from common.accounts.roles import VIEWER, has_role
from common.api import ApiView
from common.api_errors import DATABASE_UNAVAILABLE, error_body
from graph.embedding_queue import pending_count
from graph.embedding_store import stored_models
from graph.embeddings import describe_provider
from graph.vector_sql import column_dimensions
from nexus_site.supabase.client import supabase_health

logger = logging.getLogger("nexus.health")

TABLES = (
    "nodes",
    "edges",
    "graph_metadata",
    "node_embeddings",
    "mutation_history",
    "notifications",
    "conversations",
    "task_graphs",
    "immune_scans",
    "worker_analyses",
    "llm_usage",
)


class HealthOut(serializers.Serializer):
    status = serializers.ChoiceField(choices=["ok", "unavailable"])
    database = serializers.DictField(
        help_text=("mode (configured/embedded/fallback), versions; when unavailable, `reason` says why")
    )
    embeddings = serializers.DictField(
        required=False,
        help_text=(
            "provider, model, offline flag, dimensions; stored_model (the model most stored vectors "
            "come from), stored_models (vectors per model), matches (every stored vector is the "
            "configured model's and fits the column), pending (nodes queued for embedding), and fix "
            "(the command) when they do not match (signed in)"
        ),
    )
    counts = serializers.DictField(
        child=serializers.IntegerField(allow_null=True), required=False, help_text="row counts per table (signed in)"
    )
    auth = serializers.DictField(help_text="mode (required/open) and, in open mode, a warning")
    supabase = serializers.DictField(
        required=False,
        help_text=("configured flag; when configured, whether Supabase's REST and Realtime endpoints answer"),
    )


def _database_facts() -> tuple[dict, dict]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('server_version'), (SELECT extversion FROM pg_extension WHERE extname = 'vector')"
        )
        server_version, pgvector_version = cursor.fetchone()
        column = column_dimensions(cursor)
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relkind IN ('r', 'p') AND relname = ANY(%s) "
            "AND pg_table_is_visible(oid)",
            [list(TABLES)],
        )
        existing = {row[0] for row in cursor.fetchall()}
        present = [t for t in TABLES if t in existing]
        counts = dict.fromkeys(TABLES)  # None: table missing (not migrated)
        if present:
            cursor.execute("SELECT " + ", ".join(f"(SELECT count(*) FROM {t})" for t in present))
            counts.update(zip(present, cursor.fetchone()))
    database = {
        "mode": settings.NEXUS_DATABASE_MODE,
        "postgres_version": server_version,
        "pgvector_version": pgvector_version,
        "embedding_column_dimensions": column,
    }
    return database, counts


def _reason(exc: Exception) -> str:
    """The first line of a database error: says why (e.g. the embedded server did not start)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _stored_embeddings(configured: dict) -> dict:
    """Which models made the stored vectors, whether they all match the configured provider, and
    how many nodes wait in embedding_queue (None each: not migrated yet)."""
    try:
        models = stored_models()
        pending = pending_count()
    except DatabaseError:
        return {"stored_model": None, "stored_models": None, "matches": None, "pending": None}
    stored = {("unknown" if model is None else model): count for model, count in models.items()}
    matches = configured["dimensions_match"] and set(models) <= {configured["model"]}
    body = {"stored_model": next(iter(stored), None), "stored_models": stored, "matches": matches, "pending": pending}
    if not matches:
        body["fix"] = "python manage.py rebuild_embeddings --recreate"
    return body


class HealthView(ApiView):
    permission_classes = [Public]

    @extend_schema(
        operation_id="health",
        responses={200: HealthOut, 503: OpenApiResponse(HealthOut, description="database unavailable")},
    )
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
            body = {
                "status": "unavailable",
                "database": {"mode": settings.NEXUS_DATABASE_MODE, "reason": reason},
                "embeddings": embeddings,
                "supabase": supabase_health(),
                "auth": auth,
                **error_body(503, "database_unavailable", DATABASE_UNAVAILABLE),
            }
            return Response(body, status=503)
        embeddings["dimensions_match"] = database["embedding_column_dimensions"] in (None, embeddings["dimensions"])
        embeddings.update(_stored_embeddings(embeddings))
        return Response(
            {
                "status": "ok",
                "database": database,
                "embeddings": embeddings,
                "counts": counts,
                "supabase": supabase_health(),
                "auth": auth,
            }
        )

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
        return Response(
            {
                "status": "unavailable",
                "database": database,
                "auth": auth,
                **error_body(503, "database_unavailable", DATABASE_UNAVAILABLE),
            },
            status=503,
        )
