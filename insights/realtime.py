"""What insights puts on realtime, and who sees it (the capture triggers come from its migrations).

* ``notifications``: a viewer gets only those addressed to their own person, an editor all of them
  (the same rule as GET /api/notifications);
* ``immune_alert_states`` (keyed by ``fingerprint``), ``immune_scans``, ``task_graphs``: everyone
  with a role, as GET /api/immune/alerts and GET /api/tasks/current show them to every viewer. A
  second open page refreshes its Alerts and Tasks panels from these changes.
"""

from __future__ import annotations

from common.accounts.roles import notification_visible
from graph.realtime import registry

# (table, key column): the tables insights's migrations put capture triggers on, beyond notifications.
SHARED_TABLES = (("immune_alert_states", "fingerprint"), ("immune_scans", "id"), ("task_graphs", "id"))


def notification_rule(record: dict, subscriber) -> bool:
    return notification_visible(record.get("person_id"), subscriber.notification_scope)


def register_tables() -> None:
    registry.register("notifications", visible=notification_rule, app_label="insights")
    for table, key in SHARED_TABLES:
        registry.register(table, key=key, app_label="insights")
