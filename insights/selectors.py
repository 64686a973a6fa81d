"""Reads of the insights app."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from insights import immune
from insights.models import ImmuneAlertState, ImmuneScan, LlmUsage, Notification, TaskGraph, WorkerAnalysis


def notifications_list(*, scope: str | None, person_id: str | None = None, acknowledged: bool | None = None):
    """Newest first. ``scope``: None = everybody's (editors), else only that person's (viewers)."""
    qs = Notification.objects.all().order_by("-id")
    if scope is not None:
        qs = qs.filter(person_id=scope)
    if person_id:
        qs = qs.filter(person_id=person_id)
    if acknowledged is not None:
        qs = qs.filter(acknowledged=acknowledged)
    return qs


def immune_scans_list():
    return ImmuneScan.objects.all().order_by("-id")


def immune_scan_latest() -> ImmuneScan | None:
    return ImmuneScan.objects.order_by("-id").first()


def _with_fingerprint(alert: dict) -> dict:
    return alert if "fingerprint" in alert else {**alert, "fingerprint": immune.fingerprint(alert)}


def _suppressed(scan: ImmuneScan | None) -> list[dict]:
    """Findings the scan did not raise again (resolved or dismissed, same evidence)."""
    return [a for a in ((scan.by_agent or {}).get("_suppressed") or []) if "agent" in a] if scan else []


def immune_alert_find(fingerprint: str) -> dict | None:
    """The alert with that fingerprint in the latest scan (raised or suppressed), or None."""
    scan = immune_scan_latest()
    found = [*map(_with_fingerprint, scan.alerts if scan else []), *_suppressed(scan)]
    return next((a for a in found if a["fingerprint"] == fingerprint), None)


def alert_state_data(state: ImmuneAlertState | None) -> dict:
    if state is None:
        return {"state": ImmuneAlertState.OPEN, "reason": None, "assignee_id": None, "actor": None, "updated_at": None}
    return {
        "state": state.state,
        "reason": state.reason,
        "assignee_id": state.assignee_id,
        "actor": state.actor,
        "updated_at": state.updated_at.isoformat() if state.updated_at else None,
    }


def immune_alerts_current() -> dict:
    """The latest scan's alerts, each with what people decided about it (open when nobody did)."""
    scan = immune_scan_latest()
    alerts, suppressed = [_with_fingerprint(a) for a in (scan.alerts if scan else [])], _suppressed(scan)
    states = {
        st.fingerprint: st
        for st in ImmuneAlertState.objects.filter(fingerprint__in=[a["fingerprint"] for a in alerts + suppressed])
    }
    return {
        "scan_id": scan.id if scan else None,
        "created_at": scan.created_at if scan else None,
        "alerts": [{**a, "state": alert_state_data(states.get(a["fingerprint"]))} for a in alerts],
        "suppressed": [{**a, "state": alert_state_data(states.get(a["fingerprint"]))} for a in suppressed],
    }


def task_graph_current() -> TaskGraph | None:
    return TaskGraph.objects.filter(active=True).order_by("-id").first()


def worker_analysis_latest() -> WorkerAnalysis | None:
    return WorkerAnalysis.objects.order_by("-id").first()


def _group(qs, field: str) -> list[dict]:
    rows = (
        qs.values(field)
        .annotate(
            calls=Count("id"),
            input_tokens=Sum("input_tokens"),
            output_tokens=Sum("output_tokens"),
            cost_usd=Sum("cost_usd"),
        )
        .order_by(field)
    )
    return [
        {
            **r,
            field: r[field].isoformat() if hasattr(r[field], "isoformat") else r[field],
            "cost_usd": round(r["cost_usd"] or 0.0, 8),
        }
        for r in rows
    ]


def usage_report(*, days: int | None = None) -> dict:
    """Totals by model, by task type (= cost per feature) and by day (UTC)."""
    qs = LlmUsage.objects.all()
    if days:
        qs = qs.filter(created_at__gte=timezone.now() - timedelta(days=days))
    totals = qs.aggregate(
        calls=Count("id"),
        input_tokens=Sum("input_tokens"),
        output_tokens=Sum("output_tokens"),
        cost_usd=Sum("cost_usd"),
    )
    by_task = _group(qs, "task_type")
    return {
        "totals": {
            "calls": totals["calls"],
            "input_tokens": totals["input_tokens"] or 0,
            "output_tokens": totals["output_tokens"] or 0,
            "cost_usd": round(totals["cost_usd"] or 0.0, 8),
        },
        "by_model": _group(qs, "model"),
        "by_task_type": by_task,
        "by_day": _group(qs.annotate(day=TruncDate("created_at", tzinfo=timezone.get_fixed_timezone(0))), "day"),
        "cost_per_feature": {r["task_type"]: r["cost_usd"] for r in by_task},
        "days": days,
    }
