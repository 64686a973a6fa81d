"""Writes of the insights app: scans, analyses, task graphs, notifications (one transaction each)."""
from __future__ import annotations

import time
from datetime import date

from django.db import connection, transaction
from django.utils import timezone

from insights import critical_path, extraction, immune, info_drop, worker_tracker
from graph.directory import Directory
from insights.graph_snapshot import GraphSnapshot
from common import locks
from common.accounts.roles import notification_visible
from common.errors import Invalid, NotFound
from insights.models import ImmuneScan, Notification, TaskGraph, WorkerAnalysis
from insights import llm


def _scan_summary(alerts: list[dict]) -> dict:
    """A short digest of the findings: written by the LLM when available, by rule otherwise."""
    counts: dict[str, int] = {}
    for alert in alerts:
        counts[alert["agent"]] = counts.get(alert["agent"], 0) + 1
    offline = (f"{len(alerts)} finding(s): " + ", ".join(f"{n} {agent}" for agent, n in sorted(counts.items()))
               + "." if alerts else "No problems found.")
    if not alerts:
        return {"mode": "offline", "text": offline}
    listing = "\n".join(f"- [{a['severity']}] {a['title']} ({', '.join(a['node_ids'])}): {a['suggested_action']}"
                        for a in alerts[:40])
    reply = llm.chat(messages=[
        {"role": "system", "content": "Summarise an organisation's knowledge-graph health scan for its leaders in "
                                      "at most 4 sentences: what matters most first; cite node ids in brackets."},
        {"role": "user", "content": listing},
    ], task_type="immune_scan", max_tokens=250)
    return {"mode": "llm", "text": reply.text} if reply else {"mode": "offline", "text": offline}


def immune_scan_run(*, config: immune.ScanConfig | None = None, agents: tuple[str, ...] = immune.AGENTS) -> ImmuneScan:
    """Run the scan agents over the graph and persist one immune_scans row. The optional LLM
    digest is written outside the transaction (a slow model must not hold it open)."""
    config = config or immune.ScanConfig()
    alerts, by_agent = _scan_findings(config, agents)
    by_agent["_summary"] = _scan_summary(alerts)
    return ImmuneScan.objects.create(
        agents_run=list(agents), total_findings=len(alerts), alerts_generated=len(alerts),
        alerts=alerts, by_agent=by_agent,
    )


@transaction.atomic  # one consistent read of the graph (REPEATABLE READ is not needed at this size)
def _scan_findings(config: immune.ScanConfig, agents: tuple[str, ...]) -> tuple[list[dict], dict]:
    view = GraphSnapshot.load()
    alerts, by_agent = [], {}
    for name in agents:
        started = time.perf_counter()
        found = immune.AGENT_FUNCTIONS[name](view, config)
        alerts.extend(found)
        by_agent[name] = {
            "findings": len(found),
            "alert_ids": [a["id"] for a in found],
            "node_ids": sorted({i for a in found for i in a["node_ids"]}),
            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
        }
    by_agent["_config"] = {
        "staleness_threshold": config.staleness_threshold, "overload_limit": config.overload_limit,
        "unanswered_days": config.unanswered_days, "duplicate_threshold": config.duplicate_threshold,
        "text_duplicate_threshold": config.text_duplicate_threshold,
    }
    return alerts, by_agent


@transaction.atomic
def worker_analysis_run(*, config: immune.ScanConfig | None = None) -> WorkerAnalysis:
    result = worker_tracker.analyze(GraphSnapshot.load(), config)
    return WorkerAnalysis.objects.create(**result)


TASK_GRAPH_LOCK = locks.TASK_GRAPH_ACTIVATE


@transaction.atomic
def task_graph_create(*, tasks: list[dict]) -> tuple[TaskGraph, critical_path.Schedule]:
    """Validate + schedule (raises ScheduleError before writing), then make it the only active graph."""
    plan = critical_path.schedule(tasks)
    # Serialise submissions (row locks would not cover the first one, when no row is active yet),
    # so exactly one task graph ends up active.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [TASK_GRAPH_LOCK])
    TaskGraph.objects.filter(active=True).update(active=False)
    graph = TaskGraph.objects.create(tasks=plan.tasks, critical_path=plan.critical_path, active=True)
    return graph, plan


@transaction.atomic
def notification_acknowledge(*, notification_id: int, scope: str | None) -> Notification:
    """Idempotent: acknowledging twice leaves it acknowledged. ``scope`` as in notifications_list:
    a viewer acknowledges only their own; someone else's is NotFound, as if it did not exist."""
    notification = Notification.objects.select_for_update().filter(id=notification_id).first()
    if notification is None or not notification_visible(notification.person_id, scope):
        raise NotFound(f"No notification with id {notification_id}.")
    if not notification.acknowledged:
        notification.acknowledged = True
        notification.save(update_fields=["acknowledged"])
    return notification


INFO_DROP_LOCK = locks.INFO_DROP_WRITE


def info_drop_process(*, text: str, source: str = "", author: str = "", today: date | None = None) -> dict:
    """Info Drop: extract statements (LLM when available, rules otherwise), write them to the
    graph and route notifications — all in one transaction. The LLM call happens before the
    transaction so a slow model never holds row locks. Relative dates ("by Friday") resolve
    against ``today`` (default: the server's date)."""
    count = len(extraction.split_statements(text))
    if not count:
        raise Invalid(fields={"text": ["No statement found: write at least one sentence of two or more words."]})
    if count > extraction.MAX_ITEMS:
        raise Invalid(fields={"text": [f"{count} statements; at most {extraction.MAX_ITEMS} per drop."]})
    today = today or timezone.localdate()
    directory = Directory.load()
    author_hits = [i for _, i in directory.find(author) if directory.by_id[i].type == "person"] if author else []
    author_id = author_hits[0] if author_hits else None
    items = extraction.extract_llm(text, directory, author_id=author_id, today=today)
    mode = "llm" if items is not None else "offline"
    if items is None:
        items = extraction.extract_offline(text, directory, author_id=author_id, today=today)
    with transaction.atomic():
        # Drops are serialised: "is this a duplicate?" then "create" must not interleave with
        # another drop saying the same thing. Released at commit.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [INFO_DROP_LOCK])
        result = info_drop.apply_items(items, text=text, source=source, author_id=author_id, today=today)
        notifications = info_drop.route(result, text=text, source=source, author=author, author_id=author_id)
    recognised = sorted({i for item in items for i in (*item.people, *item.teams, *item.topics)} | set(author_hits[:1]))
    return {
        "mode": mode, "items": result.items, "nodes_created": result.nodes_created,
        "nodes_updated": result.nodes_updated, "edges_created": result.edges_created,
        "recognised": [{"id": i, "type": directory.by_id[i].type, "label": directory.by_id[i].label} for i in recognised],
        "notified": [{"notification_id": n.id, "person_id": n.person_id, "person_name": n.person_name,
                      "priority": n.priority, "action_required": n.action_required} for n in notifications],
    }
