"""Writes on the change log: retention pruning (the bridge also prunes, every 10 minutes)."""

from django.conf import settings
from django.db import connection, transaction

# Keep the newest row whatever its age: it marks how far the log has got, so a cursor from a
# reset database (ahead of it) or one older than every kept row can be told apart (410).
PRUNE_SQL = """
DELETE FROM realtime_changes
WHERE commit_time < now() - make_interval(secs => %(hours)s * 3600)
  AND id < (SELECT max(id) FROM realtime_changes)
"""


@transaction.atomic
def changes_prune(*, retention_hours: float | None = None) -> int:
    """Delete change-log rows older than the retention; returns how many were deleted."""
    hours = float(settings.REALTIME_RETENTION_HOURS if retention_hours is None else retention_hours)
    with connection.cursor() as cursor:
        cursor.execute(PRUNE_SQL, {"hours": hours})
        return cursor.rowcount
