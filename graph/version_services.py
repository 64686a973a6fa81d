"""Writes to the version tables: retention compaction (capture itself is done by the triggers)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone


@dataclass
class Compaction:
    horizon: datetime
    deleted: int
    trimmed: int


@transaction.atomic
def versions_compact(*, older_than_days: float) -> Compaction:
    """Forget history before ``now - older_than_days``: versions that ended before that horizon go,
    and the version each row had at the horizon is kept, starting at the horizon. As-of reads and
    diffs from the horizon on answer exactly as before; earlier moments are refused (the horizon is
    recorded). A horizon earlier than one already reached changes nothing."""
    horizon = timezone.now() - timedelta(days=older_than_days)
    deleted = trimmed = 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT horizon FROM graph_version_horizon FOR UPDATE")
        row = cursor.fetchone()
        if row and row[0] >= horizon:
            return Compaction(horizon=row[0], deleted=0, trimmed=0)
        for table in ("node_versions", "edge_versions"):
            cursor.execute(f"DELETE FROM {table} WHERE upper(valid) <= %s", [horizon])
            deleted += cursor.rowcount
            cursor.execute(
                f"UPDATE {table} SET valid = tstzrange(%s, upper(valid)) WHERE lower(valid) < %s", [horizon, horizon]
            )
            trimmed += cursor.rowcount
        cursor.execute(
            "INSERT INTO graph_version_horizon (horizon) VALUES (%s) "
            "ON CONFLICT (singleton) DO UPDATE SET horizon = excluded.horizon, compacted_at = now()",
            [horizon],
        )
    return Compaction(horizon=horizon, deleted=deleted, trimmed=trimmed)
