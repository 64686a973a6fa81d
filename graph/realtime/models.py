"""The change log that realtime reads: one row per changed row of each realtime table
(graph.realtime.registry lists them: nodes, edges, and the tables later apps register).

Rows are written by database triggers, never by Django, so every writer — the API, the admin, the
seed's COPY, psql, another server — is captured. (Table and triggers were created by migration
graph 0003, before realtime was an app of its own; realtime 0001 took the model over.) ``id`` is the cursor a
client keeps.
The triggers also take a shared transaction-level advisory lock (WRITER_LOCK_KEY) that readers
look for in pg_locks: it tells an id a still-running transaction holds from one that was rolled
back (see events.py).
"""

from django.db import models
from django.db.models.functions import Now

from common import locks

EVENT_TYPES = ("INSERT", "UPDATE", "DELETE", "TRUNCATE")
WRITER_LOCK_KEY = locks.REALTIME_WRITER  # pg_advisory_xact_lock_shared key held by change-log writers


class RealtimeChange(models.Model):
    id = models.BigAutoField(primary_key=True)
    table_name = models.TextField()
    event_type = models.TextField(choices=[(e, e) for e in EVENT_TYPES])
    new_record = models.JSONField(null=True, blank=True)
    old_record = models.JSONField(null=True, blank=True)
    # statement_timestamp() of the writing statement (Django's Now() on PostgreSQL): close to, but
    # not exactly, the commit time, which a trigger cannot know.
    commit_time = models.DateTimeField(db_default=Now())

    class Meta:
        db_table = "realtime_changes"
        ordering = ["id"]
        indexes = [models.Index(fields=["commit_time"], name="idx_realtime_changes_time")]
        constraints = [
            models.CheckConstraint(condition=models.Q(event_type__in=EVENT_TYPES), name="realtime_changes_event_check"),
        ]

    def __str__(self):
        return f"#{self.id} {self.event_type} {self.table_name}"
