"""What the analyses derive and keep: notifications, immune scans, worker analyses, task graphs, LLM
usage — in the database, so a restart or a second server process sees the same state."""

from django.db import models

from common.db import TransactionNow as Now


def _json(value):
    """A JSONB database default (``DEFAULT '[]'`` / ``'{}'``) for raw-SQL inserts."""
    return models.Value(value, models.JSONField())


class Notification(models.Model):
    id = models.BigAutoField(primary_key=True)
    person_id = models.TextField()
    person_name = models.TextField(null=True, blank=True)
    priority = models.TextField(null=True, blank=True, db_default="medium")
    action_required = models.BooleanField(null=True, blank=True, db_default=False)
    suggested_action = models.TextField(null=True, blank=True)
    summary = models.TextField(null=True, blank=True)
    source_unit = models.JSONField(null=True, blank=True)
    acknowledged = models.BooleanField(null=True, blank=True, db_default=False)
    created_at = models.DateTimeField(null=True, blank=True, db_default=Now())

    class Meta:
        db_table = "notifications"
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["person_id"], name="idx_notifications_person"),
            models.Index(fields=["acknowledged"], name="idx_notifications_ack"),
        ]

    def __str__(self):
        return f"#{self.id} for {self.person_id}: {self.summary or ''}"[:80]


class TaskGraph(models.Model):
    id = models.BigAutoField(primary_key=True)
    tasks = models.JSONField(db_default=_json([]))
    critical_path = models.JSONField(db_default=_json([]))
    active = models.BooleanField(null=True, blank=True, db_default=True)
    created_at = models.DateTimeField(null=True, blank=True, db_default=Now())

    class Meta:
        db_table = "task_graphs"
        ordering = ["-id"]

    def __str__(self):
        return f"task graph #{self.id}"


class ImmuneScan(models.Model):
    id = models.BigAutoField(primary_key=True)
    agents_run = models.JSONField(db_default=_json([]))
    total_findings = models.IntegerField(null=True, blank=True, db_default=0)
    alerts_generated = models.IntegerField(null=True, blank=True, db_default=0)
    alerts = models.JSONField(db_default=_json([]))
    by_agent = models.JSONField(db_default=_json({}))
    created_at = models.DateTimeField(null=True, blank=True, db_default=Now())

    class Meta:
        db_table = "immune_scans"
        ordering = ["-id"]

    def __str__(self):
        return f"immune scan #{self.id} ({self.alerts_generated} alerts)"


class WorkerAnalysis(models.Model):
    id = models.BigAutoField(primary_key=True)
    conflicts = models.JSONField(null=True, blank=True, db_default=_json([]))
    duplicates = models.JSONField(null=True, blank=True, db_default=_json([]))
    overloads = models.JSONField(null=True, blank=True, db_default=_json([]))
    reallocation_suggestions = models.JSONField(null=True, blank=True, db_default=_json([]))
    collaboration_recommendations = models.JSONField(null=True, blank=True, db_default=_json([]))
    created_at = models.DateTimeField(null=True, blank=True, db_default=Now())

    class Meta:
        db_table = "worker_analyses"
        verbose_name_plural = "worker analyses"
        ordering = ["-id"]

    def __str__(self):
        return f"worker analysis #{self.id}"


class LlmUsage(models.Model):
    id = models.BigAutoField(primary_key=True)
    model = models.TextField()
    input_tokens = models.IntegerField()
    output_tokens = models.IntegerField()
    cost_usd = models.FloatField()
    task_type = models.TextField()
    created_at = models.DateTimeField(null=True, blank=True, db_default=Now())

    class Meta:
        db_table = "llm_usage"
        verbose_name_plural = "LLM usage"
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["model"], name="idx_usage_model"),
            models.Index(fields=["task_type"], name="idx_usage_task"),
            models.Index(fields=["-created_at"], name="idx_usage_time"),
        ]

    def __str__(self):
        return f"{self.model} {self.task_type} ${self.cost_usd:.4f}"


class ImmuneAlertState(models.Model):
    """What people decided about an immune alert, kept across scans. ``fingerprint`` names the
    problem (agent + the nodes it is about), so the same problem finds its state again on every
    scan; ``evidence_hash`` is the hash of the facts behind the alert when someone acted: a later
    scan raises a resolved or dismissed alert again only when those facts changed."""

    OPEN, RESOLVED, DISMISSED = "open", "resolved", "dismissed"
    STATES = [(OPEN, "open"), (RESOLVED, "resolved"), (DISMISSED, "dismissed")]

    fingerprint = models.TextField(primary_key=True)
    agent = models.TextField()
    node_ids = models.JSONField(db_default=_json([]))
    title = models.TextField(blank=True, db_default="")
    state = models.TextField(choices=STATES, db_default=OPEN)
    reason = models.TextField(null=True, blank=True)
    assignee_id = models.TextField(null=True, blank=True)  # a person node id (no FK: the state outlives the node)
    actor = models.TextField(null=True, blank=True)
    evidence_hash = models.TextField()
    created_at = models.DateTimeField(db_default=Now())
    updated_at = models.DateTimeField(db_default=Now())

    class Meta:
        db_table = "immune_alert_states"
        ordering = ["-updated_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=["open", "resolved", "dismissed"]), name="immune_alert_states_state_check"
            ),
        ]
        indexes = [models.Index(fields=["state"], name="idx_alert_states_state")]

    def __str__(self):
        return f"{self.fingerprint} ({self.state})"
