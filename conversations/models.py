"""Ask NEXUS conversation turns: composite primary key (id, seq), one row per turn."""

from django.db import models
from django.db.models import Q
from django.db.models.expressions import RawSQL

from common.db import TransactionNow as Now

ROLES = ("user", "assistant", "system")


class ConversationTurn(models.Model):
    # Django needs no AutoField here: seq is drawn from its own sequence by the database (SERIAL),
    # created in the migration. Use objects.create() — a bare save() would UPDATE first.
    pk = models.CompositePrimaryKey("id", "seq")
    id = models.TextField()
    role = models.TextField(choices=[(r, r) for r in ROLES])
    content = models.TextField()
    seq = models.IntegerField(db_default=RawSQL("nextval('conversations_seq_seq')", []))
    created_at = models.DateTimeField(null=True, blank=True, db_default=Now())

    class Meta:
        db_table = "conversations"
        ordering = ["id", "seq"]
        indexes = [models.Index(fields=["id"], name="idx_conversations_id")]
        constraints = [models.CheckConstraint(condition=Q(role__in=ROLES), name="conversations_role_check")]

    def __str__(self):
        return f"{self.id}#{self.seq} {self.role}"
