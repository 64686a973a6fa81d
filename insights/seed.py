"""Loading mock_data/alerts.json: the alerts the mock organisation starts with, as one immune scan."""

from __future__ import annotations

from pathlib import Path

from django.db import connection

from graph.seed import SeedError, locate, read_json, require_text
from insights.models import ImmuneScan

ALERTS_FILE = "alerts.json"


def load_alerts(data_dir: Path) -> dict | None:
    """alerts.json validated (None when the directory has none); SeedError names the bad record."""
    path = data_dir / ALERTS_FILE
    if not path.exists():
        return None
    alerts = read_json(path)
    if not isinstance(alerts, dict) or not isinstance(alerts.get("alerts"), list):
        raise SeedError(f"{ALERTS_FILE}: field 'alerts' must be a list")
    for i, alert in enumerate(alerts["alerts"]):
        place = locate(ALERTS_FILE, "alerts", i, alert)
        if not isinstance(alert, dict):
            raise SeedError(f"{place}: must be an object")
        require_text(place, alert, "agent")
    return alerts


def seed_immune_scan(*, alerts: dict) -> int:
    """One immune scan holding the alerts, unless a scan exists already; the number written."""
    if ImmuneScan.objects.exists():
        return 0
    by_agent: dict[str, dict] = {}
    for alert in alerts["alerts"]:
        entry = by_agent.setdefault(alert["agent"], {"findings": 0, "alert_ids": []})
        entry["findings"] += 1
        entry["alert_ids"].append(alert.get("id"))
    ImmuneScan.objects.create(
        agents_run=sorted(by_agent),
        total_findings=len(alerts["alerts"]),
        alerts_generated=len(alerts["alerts"]),
        alerts=alerts["alerts"],
        by_agent={**by_agent, "_source": "mock_data/alerts.json"},
    )
    return 1


def reset_immune_scans() -> None:
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE immune_scans")
