"""Critical-path scheduling of a task DAG (networkx). Pure: no database access.

Forward pass gives earliest start/finish, backward pass latest start/finish; slack = LS - ES;
the critical path is the longest-duration chain of zero-slack tasks.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from common.errors import Invalid

SLACK_EPSILON = 1e-9


class ScheduleError(Invalid):
    """Bad input: the message says what and which task; ``fields`` names the offending field
    (a cycle also lists its members, in order, under ``cycle``)."""

    def __init__(self, message: str, *, code: str = "invalid_tasks", fields: dict | None = None):
        super().__init__(message, fields={"non_field_errors": [message], **(fields or {})}, code=code)


@dataclass
class Schedule:
    tasks: list[dict]
    critical_path: list[str]
    project_duration_days: float


def _build(tasks: list[dict]) -> nx.DiGraph:
    graph = nx.DiGraph()
    for task in tasks:
        if task["id"] in graph:
            raise ScheduleError(
                f"Duplicate task id {task['id']!r}.",
                code="duplicate_task",
                fields={"tasks": [f"duplicate id {task['id']!r}"]},
            )
        graph.add_node(task["id"], **task)
    for task in tasks:
        for dep in task.get("depends_on") or []:
            if dep == task["id"]:
                raise ScheduleError(
                    f"Task {dep!r} depends on itself (cycle: {dep} → {dep}).",
                    code="cycle",
                    fields={"tasks": [f"cycle: {dep} -> {dep}"], "cycle": [dep, dep]},
                )
            if dep not in graph:
                raise ScheduleError(
                    f"Task {task['id']!r} depends on unknown task {dep!r}.",
                    code="unknown_dependency",
                    fields={"tasks": [f"{task['id']}: unknown dependency {dep!r}"]},
                )
            graph.add_edge(dep, task["id"])  # dep must finish before task starts
    try:
        cycle = nx.find_cycle(graph)
    except nx.NetworkXNoCycle:
        return graph
    path = [u for u, _ in cycle] + [cycle[0][0]]
    raise ScheduleError(
        f"The dependencies form a cycle: {' → '.join(path)}.",
        code="cycle",
        fields={"tasks": [f"cycle: {' -> '.join(path)}"], "cycle": path},
    )


def schedule(tasks: list[dict]) -> Schedule:
    """tasks: [{id, name, duration_days, depends_on, owner?, done?}] → Schedule (input order kept)."""
    for task in tasks:
        if task["duration_days"] < 0:
            raise ScheduleError(
                f"Task {task['id']!r} has a negative duration.",
                code="negative_duration",
                fields={"tasks": [f"{task['id']}: duration_days must be >= 0"]},
            )
    graph = _build(tasks)
    order = list(nx.topological_sort(graph))
    duration = {n: float(graph.nodes[n]["duration_days"]) for n in graph}
    es: dict[str, float] = {}
    for n in order:
        es[n] = max((es[p] + duration[p] for p in graph.predecessors(n)), default=0.0)
    ef = {n: es[n] + duration[n] for n in graph}
    project = max(ef.values(), default=0.0)
    lf: dict[str, float] = {}
    for n in reversed(order):
        lf[n] = min((lf[s] - duration[s] for s in graph.successors(n)), default=project)
    ls = {n: lf[n] - duration[n] for n in graph}
    slack = {n: ls[n] - es[n] for n in graph}
    critical = {n for n in graph if abs(slack[n]) <= SLACK_EPSILON}

    # Longest chain through critical tasks, each starting when its predecessor finishes.
    best: dict[str, tuple[float, list[str]]] = {}
    for n in order:
        if n not in critical:
            continue
        prev = [best[p] for p in graph.predecessors(n) if p in best and abs(ef[p] - es[n]) <= SLACK_EPSILON]
        length, chain = max(prev, key=lambda item: item[0], default=(0.0, []))
        best[n] = (length + duration[n], [*chain, n])
    path = max(best.values(), key=lambda item: (item[0], -len(item[1])), default=(0.0, []))[1]

    out = []
    for task in tasks:
        n = task["id"]
        out.append(
            {
                "id": n,
                "name": task["name"],
                "duration_days": duration[n],
                "depends_on": list(task.get("depends_on") or []),
                "owner": task.get("owner"),
                "done": bool(task.get("done")),
                "earliest_start": es[n],
                "earliest_finish": ef[n],
                "latest_start": ls[n],
                "latest_finish": lf[n],
                "slack": round(slack[n], 9),
                "critical": n in critical,
            }
        )
    return Schedule(tasks=out, critical_path=path, project_duration_days=project)
