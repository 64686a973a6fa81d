"""Writes of the insights app: scans, analyses, task graphs, notifications (one transaction each)."""

from __future__ import annotations

import time
from datetime import date

from django.db import connection, transaction
from django.utils import timezone

from common import locks
from common.accounts.roles import notification_visible
from common.actor import current_actor
from common.errors import Conflict, Invalid, NotFound
from common.retry import retrying_atomic
from graph import services as graph_services
from graph.directory import Directory
from graph.models import Edge, Node
from insights import critical_path, extraction, immune, info_drop, llm, selectors, worker_tracker
from insights.graph_snapshot import GraphSnapshot
from insights.models import ImmuneAlertState, ImmuneScan, Notification, TaskGraph, WorkerAnalysis


def _scan_summary(alerts: list[dict]) -> dict:
    """A short digest of the findings: written by the LLM when available, by rule otherwise."""
    counts: dict[str, int] = {}
    for alert in alerts:
        counts[alert["agent"]] = counts.get(alert["agent"], 0) + 1
    offline = (
        f"{len(alerts)} finding(s): " + ", ".join(f"{n} {agent}" for agent, n in sorted(counts.items())) + "."
        if alerts
        else "No problems found."
    )
    if not alerts:
        return {"mode": "offline", "text": offline}
    listing = "\n".join(
        f"- [{a['severity']}] {a['title']} ({', '.join(a['node_ids'])}): {a['suggested_action']}" for a in alerts[:40]
    )
    reply = llm.chat(
        messages=[
            {
                "role": "system",
                "content": "Summarise an organisation's knowledge-graph health scan for its leaders in "
                "at most 4 sentences: what matters most first; cite node ids in brackets.",
            },
            {"role": "user", "content": listing},
        ],
        task_type="immune_scan",
        max_tokens=250,
    )
    return {"mode": "llm", "text": reply.text} if reply else {"mode": "offline", "text": offline}


def immune_scan_run(*, config: immune.ScanConfig | None = None, agents: tuple[str, ...] = immune.AGENTS) -> ImmuneScan:
    """Run the scan agents over the graph and persist one immune_scans row. The optional LLM
    digest is written outside the transaction (a slow model must not hold it open)."""
    config = config or immune.ScanConfig()
    findings, by_agent = _scan_findings(config, agents)
    alerts, suppressed, reopened = _alert_decisions(findings)
    by_agent["_suppressed"] = suppressed
    by_agent["_summary"] = _scan_summary(alerts)
    with transaction.atomic():
        for fingerprint, (was, evidence) in reopened.items():
            # Only if nobody acted meanwhile (the row still holds the state and evidence decided on).
            ImmuneAlertState.objects.filter(fingerprint=fingerprint, state=was).exclude(evidence_hash=evidence).update(
                state=ImmuneAlertState.OPEN,
                reason=f"Reopened: its evidence changed after it was {was}.",
                actor="system",
                evidence_hash=evidence,
                updated_at=timezone.now(),
            )
        return ImmuneScan.objects.create(
            agents_run=list(agents),
            total_findings=len(findings),
            alerts_generated=len(alerts),
            alerts=alerts,
            by_agent=by_agent,
        )


def _alert_decisions(findings: list[dict]) -> tuple[list[dict], list[dict], dict[str, tuple[str, str]]]:
    """Findings someone resolved or dismissed are not raised again while their evidence is the
    same; when it changed, the alert is raised and its state reopens. Returns (raised,
    suppressed, {fingerprint: (state it had, new evidence)} to reopen)."""
    states = {
        st.fingerprint: st
        for st in ImmuneAlertState.objects.filter(fingerprint__in=[a["fingerprint"] for a in findings]).exclude(
            state=ImmuneAlertState.OPEN
        )
    }
    raised, suppressed, reopened = [], [], {}
    for alert in findings:
        st = states.get(alert["fingerprint"])
        if st is not None and st.evidence_hash == alert["evidence"]:
            suppressed.append(alert)  # kept whole: it can still be looked at and reopened
            continue
        if st is not None:
            reopened[st.fingerprint] = (st.state, alert["evidence"])
        raised.append(alert)
    return raised, suppressed, reopened


@transaction.atomic  # one consistent read of the graph (REPEATABLE READ is not needed at this size)
def _scan_findings(config: immune.ScanConfig, agents: tuple[str, ...]) -> tuple[list[dict], dict]:
    view = GraphSnapshot.load()
    alerts, by_agent = [], {}
    for name in agents:
        started = time.perf_counter()
        found = immune.AGENT_FUNCTIONS[name](view, config)
        for alert in found:
            alert["fingerprint"], alert["evidence"] = immune.fingerprint(alert), immune.evidence(view, alert)
        alerts.extend(found)
        by_agent[name] = {
            "findings": len(found),
            "alert_ids": [a["id"] for a in found],
            "node_ids": sorted({i for a in found for i in a["node_ids"]}),
            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
        }
    by_agent["_config"] = {
        "staleness_threshold": config.staleness_threshold,
        "overload_limit": config.overload_limit,
        "unanswered_days": config.unanswered_days,
        "duplicate_threshold": config.duplicate_threshold,
        "text_duplicate_threshold": config.text_duplicate_threshold,
    }
    return alerts, by_agent


@transaction.atomic
def worker_analysis_run(*, config: immune.ScanConfig | None = None) -> WorkerAnalysis:
    result = worker_tracker.analyze(GraphSnapshot.load(), config)
    return WorkerAnalysis.objects.create(**result)


TASK_GRAPH_LOCK = locks.TASK_GRAPH_ACTIVATE


@transaction.atomic
def task_graph_create(*, tasks: list[dict], base_id: int | None = None) -> tuple[TaskGraph, critical_path.Schedule]:
    """Validate + schedule (raises ScheduleError before writing), then make it the only active graph.
    ``base_id``: the graph this one edits; when another edit became active meanwhile, 409."""
    plan = critical_path.schedule(tasks)
    owners = {t["owner"] for t in tasks if t.get("owner")}
    people = set(Node.objects.filter(id__in=owners, type="person").values_list("id", flat=True))
    unknown = {
        f"tasks[{i}].owner": [f"No person with id {t['owner']!r}."]
        for i, t in enumerate(tasks)
        if t.get("owner") and t["owner"] not in people
    }
    if unknown:
        raise Invalid(next(iter(unknown.values()))[0], fields=unknown, code="unknown_owner")
    # Serialise submissions (row locks would not cover the first one, when no row is active yet),
    # so exactly one task graph ends up active.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [TASK_GRAPH_LOCK])
    if base_id is not None:
        current = TaskGraph.objects.filter(active=True).order_by("-id").values_list("id", flat=True).first()
        if current != base_id:
            raise Conflict(f"The task graph changed since you opened it (now #{current}); reload and edit again.")
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
        "mode": mode,
        "items": result.items,
        "nodes_created": result.nodes_created,
        "nodes_updated": result.nodes_updated,
        "edges_created": result.edges_created,
        "recognised": [
            {"id": i, "type": directory.by_id[i].type, "label": directory.by_id[i].label} for i in recognised
        ],
        "notified": [
            {
                "notification_id": n.id,
                "person_id": n.person_id,
                "person_name": n.person_name,
                "priority": n.priority,
                "action_required": n.action_required,
            }
            for n in notifications
        ],
    }


# ── acting on alerts ────────────────────────────────────────────────────────
def notification_create(
    *,
    person_id: str,
    summary: str,
    suggested_action: str = "",
    priority: str = "medium",
    action_required: bool = True,
    source_unit: dict | None = None,
) -> Notification:
    """A notification for a person node (realtime pushes it to their open pages)."""
    person = Node.objects.filter(id=person_id, type="person").first()
    if person is None:
        raise Invalid(f"No person with id {person_id!r}.", field="person_id")
    return Notification.objects.create(
        person_id=person.id,
        person_name=person.label,
        priority=priority,
        action_required=action_required,
        suggested_action=suggested_action[:2000],
        summary=summary[:500],
        source_unit=source_unit or {},
    )


def _alert_state_for_update(fingerprint: str) -> tuple[dict, ImmuneAlertState]:
    alert = selectors.immune_alert_find(fingerprint)
    if alert is None:
        raise NotFound(f"No alert {fingerprint!r} in the latest scan.")
    state = ImmuneAlertState.objects.select_for_update().filter(fingerprint=fingerprint).first()
    if state is None:
        state = ImmuneAlertState(fingerprint=fingerprint, created_at=timezone.now())
    state.agent, state.node_ids, state.title = alert["agent"], alert.get("node_ids") or [], alert.get("title", "")
    # What the person acting saw: the scan's evidence (older scans stored none: the graph now).
    state.evidence_hash = alert.get("evidence") or immune.evidence(GraphSnapshot.load(), alert)
    state.actor, state.updated_at = current_actor(), timezone.now()
    return alert, state


@retrying_atomic
def immune_alert_resolve(*, fingerprint: str, reason: str = "") -> ImmuneAlertState:
    _alert, state = _alert_state_for_update(fingerprint)
    state.state, state.reason = ImmuneAlertState.RESOLVED, reason.strip() or None
    state.save()
    return state


@retrying_atomic
def immune_alert_dismiss(*, fingerprint: str, reason: str) -> ImmuneAlertState:
    if not (reason or "").strip():
        raise Invalid("Say why the alert is dismissed.", field="reason")
    _alert, state = _alert_state_for_update(fingerprint)
    state.state, state.reason = ImmuneAlertState.DISMISSED, reason.strip()
    state.save()
    return state


@retrying_atomic
def immune_alert_reopen(*, fingerprint: str) -> ImmuneAlertState:
    _alert, state = _alert_state_for_update(fingerprint)
    state.state, state.reason = ImmuneAlertState.OPEN, None
    state.save()
    return state


@retrying_atomic
def immune_alert_assign(*, fingerprint: str, person_id: str) -> tuple[ImmuneAlertState, Notification]:
    """Make a person responsible for an alert and tell them (a notification, pushed live)."""
    alert, state = _alert_state_for_update(fingerprint)
    state.assignee_id = person_id
    severity = alert.get("severity")
    note = notification_create(
        person_id=person_id,
        priority=severity if severity in ("low", "medium", "high") else "medium",
        summary=f"{current_actor() or 'Someone'} assigned you an alert: {alert.get('title', fingerprint)}",
        suggested_action=alert.get("suggested_action", ""),
        source_unit={"alert": fingerprint, "node_ids": alert.get("node_ids") or [], "assigned_by": current_actor()},
    )
    state.save()
    return state, note


@retrying_atomic
def immune_alert_set_owner(*, fingerprint: str, person_id: str) -> ImmuneAlertState:
    """Carry out an orphan alert's suggestion: give the commitment an owner, then resolve it."""
    alert, state = _alert_state_for_update(fingerprint)
    action = alert.get("action") or {}
    if action.get("kind") != "set_owner":
        raise Invalid("This alert's suggestion is not an owner to set.", code="no_such_action")
    commitment_owner_set(commitment_id=action["commitment_id"], person_id=person_id)
    state.state = ImmuneAlertState.RESOLVED
    state.reason = f"Owner set: {Node.objects.get(id=person_id).label}."
    state.save()
    return state


@retrying_atomic
def immune_alert_apply(*, fingerprint: str) -> ImmuneAlertState:
    """Carry out an alert's suggestion that needs no choice: re-verify a stale node (its freshness
    restarts) or mark the older side of a contradiction or duplicate superseded; then resolve it."""
    alert, state = _alert_state_for_update(fingerprint)
    action = alert.get("action") or {}
    if action.get("kind") == "reverify":
        node = graph_services.node_update(node_id=action["node_id"], freshness_score=1.0)
        state.reason = f"Re-verified: {node.label}."
    elif action.get("kind") == "supersede":
        node = graph_services.node_update(node_id=action["node_id"], status="superseded")
        state.reason = f"Superseded: {node.label} (kept {action['keep_id']})."
    else:
        raise Invalid("This alert's suggestion cannot be carried out without a choice.", code="no_such_action")
    state.state = ImmuneAlertState.RESOLVED
    state.save()
    return state


# ── owners ──────────────────────────────────────────────────────────────────
@retrying_atomic
def commitment_owner_set(*, commitment_id: str, person_id: str, expected_owner: str | None = None) -> Node:
    """Make ``person_id`` the one owner of a commitment (``owns`` edge and ``extras.owner_id``),
    through the graph services, so history, embeddings and realtime follow. ``expected_owner``:
    refuse (409) when the commitment is no longer owned by that person."""
    commitment = Node.objects.select_for_update().filter(id=commitment_id).first()
    if commitment is None or commitment.type != "commitment":
        raise Invalid(f"No commitment with id {commitment_id!r}.", field="commitment_id")
    person = Node.objects.filter(id=person_id, type="person").first()
    if person is None:
        raise Invalid(f"No person with id {person_id!r}.", field="person_id")
    owner_edges = list(Edge.objects.filter(target_id=commitment.id, type="owns"))
    owners = {e.source_id for e in owner_edges} | (
        {commitment.extras.get("owner_id")} - {None} if commitment.extras else set()
    )
    if expected_owner is not None and expected_owner not in owners:
        now = ", ".join(sorted(owners)) or "nobody"
        raise Conflict(f"{commitment.label} is no longer owned by {expected_owner} (owner now: {now}).")
    for edge in owner_edges:
        if edge.source_id != person.id:
            graph_services.edge_delete(edge_id=edge.id)
    if (commitment.extras or {}).get("owner_id") != person.id:
        commitment = graph_services.node_update(
            node_id=commitment.id, extras={**(commitment.extras or {}), "owner_id": person.id}
        )
    if not any(e.source_id == person.id for e in owner_edges):
        graph_services.edge_create(source=person.id, target=commitment.id, edge_type="owns")
    return commitment


@retrying_atomic
def reallocation_apply(*, analysis_id: int, commitment_id: str) -> dict:
    """Apply one reallocation suggestion of a worker analysis: the commitment moves from its
    overloaded owner to the suggested colleague; the suggestion records who applied it, when."""
    analysis = WorkerAnalysis.objects.select_for_update().filter(id=analysis_id).first()
    if analysis is None:
        raise NotFound(f"No worker analysis #{analysis_id}.")
    suggestions = list(analysis.reallocation_suggestions or [])
    index = next((i for i, r in enumerate(suggestions) if r.get("commitment_id") == commitment_id), None)
    if index is None:
        raise NotFound(f"Analysis #{analysis_id} suggests no reallocation of {commitment_id!r}.")
    suggestion = suggestions[index]
    if suggestion.get("applied"):
        raise Conflict(f"This reallocation was already applied by {suggestion['applied'].get('by') or 'someone'}.")
    commitment_owner_set(
        commitment_id=commitment_id, person_id=suggestion["to"]["id"], expected_owner=suggestion["from"]["id"]
    )
    suggestions[index] = {**suggestion, "applied": {"by": current_actor(), "at": timezone.now().isoformat()}}
    analysis.reallocation_suggestions = suggestions
    analysis.save(update_fields=["reallocation_suggestions"])
    return suggestions[index]
