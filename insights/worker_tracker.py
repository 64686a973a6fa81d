"""Worker tracker: conflicts, duplicates, overloads, reallocations and collaborations from a GraphSnapshot."""

from __future__ import annotations

import itertools
from collections import defaultdict
from typing import Any

import networkx as nx

from graph.text import tokens
from insights.graph_snapshot import GraphSnapshot
from insights.immune import ScanConfig, contradiction_pairs, duplicate_pairs


def _person(view: GraphSnapshot, person_id: str) -> dict:
    team = view.team_of(person_id)
    return {"id": person_id, "name": view.label(person_id), "team_id": team, "team": view.label(team) if team else None}


def conflicts(view: GraphSnapshot) -> list[dict]:
    found: list[dict[str, Any]] = []
    # 1. Commitments that (transitively) depend on each other: nobody can finish either first.
    deps = nx.DiGraph()
    for e in view.edges:
        if e.type == "depends_on" and e.source_id in view.nodes and e.target_id in view.nodes:
            deps.add_edge(e.source_id, e.target_id)
    for cycle in sorted(sorted(c) for c in nx.simple_cycles(deps)):
        owners = sorted({o for c in cycle for o in view.owners_of(view.nodes[c])})
        found.append(
            {
                "kind": "circular_dependency",
                "node_ids": cycle,
                "people": [_person(view, p) for p in owners],
                "description": f"Commitments {', '.join(cycle)} depend on each other in a cycle.",
                "suggested_action": "Break the cycle: decide which commitment can ship first without the other.",
            }
        )
    # 2. Open commitments tied (by topic) to decisions that contradict each other.
    for a, b, _reason in contradiction_pairs(view):
        if view.nodes[a].type != "decision":
            continue
        topics = set(view.topics_of(a)) & set(view.topics_of(b))
        deciders = sorted({p for d in (a, b) for p in view.targets(d, "decided_by")})
        affected = defaultdict(list)
        for c in view.of_type("commitment"):
            if c.status in ("active", "blocked") and topics & set(view.topics_of(c.id)):
                for owner in view.owners_of(c):
                    affected[owner].append(c.id)
        people = sorted(set(deciders) | set(affected))
        found.append(
            {
                "kind": "contradicting_decisions",
                "node_ids": [a, b, *sorted(topics)],
                "people": [_person(view, p) for p in people],
                "affected_commitments": {p: sorted(cs) for p, cs in sorted(affected.items())},
                "description": f"{a} ('{view.label(a)}') and {b} ('{view.label(b)}') contradict each other; "
                f"{sum(len(v) for v in affected.values())} open commitment(s) on the same topic depend on the outcome.",
                "suggested_action": f"Get {', '.join(view.label(p) for p in deciders) or 'the deciders'} to reconcile "
                f"{a} and {b} before more work lands on either.",
            }
        )
    return found


def duplicates(view: GraphSnapshot, config: ScanConfig) -> list[dict]:
    out = []
    for a, b, score, method in duplicate_pairs(view, config, types=("commitment", "fact")):
        people = sorted(view.people_concerned(a) | view.people_concerned(b))
        out.append(
            {
                "node_ids": [a, b],
                "type": view.nodes[a].type,
                "labels": [view.label(a), view.label(b)],
                "similarity": score,
                "method": method,
                "people": [_person(view, p) for p in people],
                "suggested_action": f"Merge {a} and {b} into one node.",
            }
        )
    return out


def overloads(view: GraphSnapshot, config: ScanConfig) -> list[dict]:
    out = []
    for person_id, cs in sorted(view.open_commitments_by_owner().items()):
        if len(cs) > config.overload_limit:
            out.append(
                {
                    **_person(view, person_id),
                    "open_commitments": cs,
                    "count": len(cs),
                    "limit": config.overload_limit,
                    "blocked": [c for c in cs if view.nodes[c].status == "blocked"],
                }
            )
    return out


def _skills(view: GraphSnapshot, person_id: str) -> set[str]:
    skills = (view.nodes[person_id].extras or {}).get("skills") or []
    return {w for s in skills if isinstance(s, str) for w in tokens(s)}


def reallocations(view: GraphSnapshot, config: ScanConfig, overloaded: list[dict]) -> list[dict]:
    """Move commitments from overloaded people to same-team colleagues under the limit, least
    progressed first (blocked ones stay: a hand-over won't unblock them), best skill match first."""
    load = {p: len(cs) for p, cs in view.open_commitments_by_owner().items()}
    out = []
    for entry in overloaded:
        person_id = entry["id"]
        team = entry["team_id"]
        if not team:
            continue
        mates = [m for m in view.members(team) if m != person_id and view.nodes[m].type == "person"]
        movable = sorted(
            (view.nodes[c] for c in entry["open_commitments"] if view.nodes[c].status != "blocked"),
            key=lambda c: ((c.extras or {}).get("progress") or 0.0, c.id),
        )
        excess = len(entry["open_commitments"]) - config.overload_limit
        for commitment in movable[:excess]:
            words = set(tokens(commitment.label))
            candidates = [m for m in mates if load.get(m, 0) < config.overload_limit]
            if not candidates:
                break
            target = max(candidates, key=lambda m: (len(words & _skills(view, m)), -load.get(m, 0), m))
            load[target] = load.get(target, 0) + 1
            load[person_id] -= 1
            overlap = sorted(words & _skills(view, target))
            out.append(
                {
                    "commitment_id": commitment.id,
                    "commitment": commitment.label,
                    "from": _person(view, person_id),
                    "to": _person(view, target),
                    "reason": f"{view.label(person_id)} owns {entry['count']} open commitments (limit "
                    f"{config.overload_limit}); {view.label(target)} is in the same team with "
                    f"{load[target] - 1} open" + (f" and matching skills ({', '.join(overlap)})." if overlap else "."),
                }
            )
    return out


def _person_topics(view: GraphSnapshot) -> dict[str, set[str]]:
    """Topics each person works on: through commitments they own, decisions they made, questions
    they asked."""
    topics: dict[str, set[str]] = defaultdict(set)
    for node in view.nodes.values():
        if node.type == "commitment" and node.status in ("active", "blocked"):
            people = view.owners_of(node)
        elif node.type == "decision" and view.is_open(node):
            people = view.targets(node.id, "decided_by")
        elif node.type == "question" and view.is_open(node):
            people = view.targets(node.id, "asked_by")
        else:
            continue
        for p in people:
            topics[p].update(view.topics_of(node.id))
    return topics


def collaborations(view: GraphSnapshot) -> list[dict]:
    by_topic: dict[str, set[str]] = defaultdict(set)
    for person, ts in _person_topics(view).items():
        for t in ts:
            by_topic[t].add(person)
    out = []
    for topic in sorted(by_topic):
        people = sorted(by_topic[topic])
        teams = {p: view.team_of(p) for p in people}
        for a, b in itertools.combinations(people, 2):
            if teams[a] and teams[b] and teams[a] != teams[b]:
                out.append(
                    {
                        "topic_id": topic,
                        "topic": view.label(topic),
                        "people": [_person(view, a), _person(view, b)],
                        "reason": f"{view.label(a)} ({view.label(teams[a])}) and {view.label(b)} ({view.label(teams[b])}) "
                        f"both work on {view.label(topic)} from different teams.",
                    }
                )
    return out


def analyze(view: GraphSnapshot, config: ScanConfig | None = None) -> dict:
    config = config or ScanConfig()
    overloaded = overloads(view, config)
    return {
        "conflicts": conflicts(view),
        "duplicates": duplicates(view, config),
        "overloads": overloaded,
        "reallocation_suggestions": reallocations(view, config, overloaded),
        "collaboration_recommendations": collaborations(view),
    }
