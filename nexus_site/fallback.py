"""Fallback mode: DATABASE_URL was unreachable at start-up and the embedded database stands in.

That database may never have been migrated or seeded (the user migrated the configured one), so
the server brings it up to date and loads the mock organisation when it is empty — a user gets a
working, clearly labelled NEXUS instead of empty pages. `make run` does the same for every mode.
"""

import io
import logging

from django.core.management import call_command
from django.db import connection

from common import locks

logger = logging.getLogger("nexus.database")

# Several server processes may start at once: one prepares, the others wait for it.
PREPARE_LOCK_KEY = locks.FALLBACK_PREPARE


def prepare_fallback_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [PREPARE_LOCK_KEY])
    try:
        call_command("migrate", interactive=False, verbosity=0)
        # vectors another model or size made are rebuilt, as `make run` does
        call_command("rebuild_embeddings", if_stale=True, stdout=io.StringIO(), stderr=io.StringIO())
        call_command("seed_nexus", if_empty=True, verbosity=0)
        logger.warning("Serving from the embedded fallback database (migrated; seeded when it was empty).")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [PREPARE_LOCK_KEY])
        connection.close()
