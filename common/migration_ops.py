"""Migration operations Django has no words for."""

from django.core.management.base import CommandError
from django.db import DatabaseError
from pgvector.django import VectorExtension

PGVECTOR_MISSING = (
    "pgvector is not available on this PostgreSQL server ({server}): install the pgvector "
    "extension for it (e.g. the postgresql-<version>-pgvector package, or enable 'vector' in "
    "Supabase's Database → Extensions), or unset DATABASE_URL to use NEXUS's embedded "
    "PostgreSQL, which ships pgvector."
)


class RequirePgvector(VectorExtension):
    """CREATE EXTENSION vector, failing with one clear sentence when pgvector is missing."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")
            available = cursor.fetchone() is not None
            if not available:
                cursor.execute("SHOW server_version")
                version = cursor.fetchone()[0]
                raise CommandError(PGVECTOR_MISSING.format(server=f"PostgreSQL {version}"))
        try:
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        except DatabaseError as exc:  # e.g. no privilege to create extensions
            raise CommandError(f"Could not enable pgvector: {str(exc).splitlines()[0]}") from None

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        # Other schemas may use pgvector (Supabase projects do): leave the extension in place.
        pass
