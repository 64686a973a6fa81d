"""Reads of the insights app."""
from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from insights.models import ImmuneScan, LlmUsage, Notification, TaskGraph, WorkerAnalysis


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


def task_graph_current() -> TaskGraph | None:
    return TaskGraph.objects.filter(active=True).order_by("-id").first()


def worker_analysis_latest() -> WorkerAnalysis | None:
    return WorkerAnalysis.objects.order_by("-id").first()


def _group(qs, field: str) -> list[dict]:
    rows = qs.values(field).annotate(
        calls=Count("id"), input_tokens=Sum("input_tokens"), output_tokens=Sum("output_tokens"), cost_usd=Sum("cost_usd"),
    ).order_by(field)
    return [{**r, field: r[field].isoformat() if hasattr(r[field], "isoformat") else r[field],
             "cost_usd": round(r["cost_usd"] or 0.0, 8)} for r in rows]


def usage_report(*, days: int | None = None) -> dict:
    """Totals by model, by task type (= cost per feature) and by day (UTC)."""
    qs = LlmUsage.objects.all()
    if days:
        qs = qs.filter(created_at__gte=timezone.now() - timedelta(days=days))
    totals = qs.aggregate(calls=Count("id"), input_tokens=Sum("input_tokens"), output_tokens=Sum("output_tokens"),
                          cost_usd=Sum("cost_usd"))
    by_task = _group(qs, "task_type")
    return {
        "totals": {"calls": totals["calls"], "input_tokens": totals["input_tokens"] or 0,
                   "output_tokens": totals["output_tokens"] or 0, "cost_usd": round(totals["cost_usd"] or 0.0, 8)},
        "by_model": _group(qs, "model"),
        "by_task_type": by_task,
        "by_day": _group(qs.annotate(day=TruncDate("created_at", tzinfo=timezone.get_fixed_timezone(0))), "day"),
        "cost_per_feature": {r["task_type"]: r["cost_usd"] for r in by_task},
        "days": days,
    }
