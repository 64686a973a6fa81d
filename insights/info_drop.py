"""Info Drop, step 2 and 3: statements → graph changes (through graph.services, so history and
realtime follow), then the info router → notifications for the people the change concerns."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from datetime import date

from graph import services as graph_services
from graph.embedding_store import node_text
from graph.models import Edge, Node
from graph.search import search_nodes
from graph.text import text_similarity
from insights.extraction import Item, default_due
from insights.graph_snapshot import GraphSnapshot
from insights.immune import dates_conflict
from insights.models import Notification

HALF_LIFE = {"fact": 30, "decision": 120, "commitment": 45, "question": 60}
DUPLICATE_SIMILARITY = 0.92  # embedding cosine: same statement, reworded trivially
DUPLICATE_TEXT_OVERLAP = 0.75  # word overlap with a search candidate of the same type
PRIORITY_RANK = {"low": 0, "medium": 1, "high": 2}


@dataclass
class DropResult:
    items: list[dict] = field(default_factory=list)
    nodes_created: list[str] = field(default_factory=list)
    nodes_updated: list[str] = field(default_factory=list)
    edges_created: list[str] = field(default_factory=list)


def fingerprint(text: str) -> str:
    return hashlib.sha256(" ".join(text.lower().split()).encode()).hexdigest()[:16]


def _normal(label: str) -> str:
    return " ".join(label.lower().replace("?", " ").replace(".", " ").split())


def find_duplicate(item: Item, probe: dict) -> tuple[Node | None, float]:
    """An existing node of the same type saying the same thing: identical wording, or a semantic
    search hit above the threshold, or a search candidate with near-identical words."""
    same = Node.objects.filter(type=item.type, label__iexact=item.label).order_by("id").first()
    if same is not None:
        return same, 1.0
    for hit in search_nodes(query=node_text(probe), k=5, node_type=item.type):
        candidate = hit["node"]
        overlap = text_similarity(candidate["label"], item.label)
        if (
            hit["similarity"] >= DUPLICATE_SIMILARITY
            or overlap >= DUPLICATE_TEXT_OVERLAP
            or _normal(candidate["label"]) == _normal(item.label)
        ):
            return Node.objects.get(id=candidate["id"]), max(hit["similarity"], overlap)
    return None, 0.0


MIN_GAP = 40.0  # the seed layout keeps every two nodes at least this far apart
PLACE_RADIUS = 60.0
_GOLDEN_ANGLE = math.pi * (3 - math.sqrt(5))


def free_spot(x: float, y: float, seed: str) -> tuple[float, float]:
    """A point near (x, y) at least MIN_GAP from every node: a deterministic spiral around the
    anchor, starting at an angle drawn from ``seed`` (so two drops next to one person differ)."""
    start = (int(hashlib.md5(seed.encode()).hexdigest(), 16) % 3600) / 3600 * 2 * math.pi
    reach = PLACE_RADIUS + MIN_GAP * 8
    taken = list(
        Node.objects.filter(x__range=(x - reach, x + reach), y__range=(y - reach, y + reach)).values_list("x", "y")
    )
    for step in range(200):
        radius, angle = PLACE_RADIUS + MIN_GAP * math.sqrt(step), start + step * _GOLDEN_ANGLE
        cx, cy = round(x + radius * math.cos(angle), 1), round(y + radius * math.sin(angle), 1)
        if all((cx - ox) ** 2 + (cy - (oy or 0)) ** 2 >= MIN_GAP**2 for ox, oy in taken if ox is not None):
            return cx, cy
    return round(x + reach, 1), round(y + reach, 1)  # a crowded neighbourhood: just outside it


def _place(node_ids: list[str], seed: str) -> dict:
    """Division/department/team and a free position next to the first linked node that has them."""
    nodes = {n.id: n for n in Node.objects.filter(id__in=node_ids)}
    for node in (nodes[i] for i in node_ids if i in nodes):
        if node.x is not None:
            x, y = free_spot(node.x, node.y or 0.0, f"{node.id}|{seed}")
            return {
                "division": node.division,
                "department": node.department,
                "team": node.team if node.type != "topic" else None,
                "x": x,
                "y": y,
            }
    return {}


def _node_fields(item: Item, *, author_id: str | None, source: str, drop_id: str, today: date) -> dict:
    extras: dict = {"info_drop": drop_id}
    anchor = [i for i in (item.owner, author_id) if i] + item.teams + item.topics
    if item.type == "fact":
        extras.update(source=source or "info drop", confidence=0.7)
    elif item.type == "decision":
        decider = item.people[0] if item.people else author_id
        extras.update(rationale=item.label, decided_on=today.isoformat(), decided_by=decider)
        anchor = [decider] + anchor if decider else anchor
    elif item.type == "commitment":
        extras.update(owner_id=item.owner, due_date=item.due_date or default_due(today), progress=0.0)
    elif item.type == "question":
        extras.update(asked_by=author_id, asked_on=today.isoformat())
    status = "open" if item.type == "question" else "active"
    return {
        "type": item.type,
        "label": item.label,
        "status": status,
        "half_life_days": HALF_LIFE[item.type],
        "freshness_score": 1.0,
        "source_type": "info_drop",
        "source_id": drop_id,
        "extras": extras,
        **_place([a for a in anchor if a], seed=f"{item.type}|{item.label}"),
    }


def _edges_for(item: Item, node_id: str, *, author_id: str | None) -> list[tuple[str, str, str]]:
    edges = [(node_id, topic, "about") for topic in item.topics]
    if item.type == "commitment" and item.owner:
        edges.append((item.owner, node_id, "owns"))
    if item.type == "decision":
        decider = item.people[0] if item.people else author_id
        if decider:
            edges.append((node_id, decider, "decided_by"))
    if item.type == "question" and author_id:
        edges.append((node_id, author_id, "asked_by"))
    linked = {s for s, _, _ in edges} | {t for _, t, _ in edges}
    edges += [(node_id, other, "mentions") for other in item.people + item.teams if other not in linked]
    return edges


def apply_items(items: list[Item], *, text: str, source: str, author_id: str | None, today: date) -> DropResult:
    """Write the items (caller holds the transaction)."""
    result = DropResult()
    drop_id = fingerprint(text)
    for item in items:
        fields = _node_fields(item, author_id=author_id, source=source, drop_id=drop_id, today=today)
        similarity: float | None
        existing, similarity = find_duplicate(item, fields)
        if existing is not None:
            extras = dict(existing.extras or {})
            drops = list(extras.get("info_drops") or [])
            if drop_id not in drops:
                drops.append(drop_id)
            extras["info_drops"] = drops[-20:]
            if item.type == "commitment" and item.due_date and extras.get("due_date") != item.due_date:
                extras["due_date"] = item.due_date
            node = graph_services.node_update(node_id=existing.id, extras=extras)  # restarts freshness
            result.nodes_updated.append(node.id)
            action = "updated"
        else:
            node = graph_services.node_create(node_type=fields.pop("type"), **fields)
            result.nodes_created.append(node.id)
            action, similarity = "created", None
        for source_id, target_id, edge_type in _edges_for(item, node.id, author_id=author_id):
            if (
                source_id == target_id
                or Edge.objects.filter(source_id=source_id, target_id=target_id, type=edge_type).exists()
            ):
                continue
            edge = graph_services.edge_create(source=source_id, target=target_id, edge_type=edge_type)
            result.edges_created.append(edge.id)
        result.items.append(
            {
                "node_id": node.id,
                "type": item.type,
                "label": node.label,
                "action": action,
                "similarity": similarity,
                "owner": item.owner,
                "due_date": item.due_date,
                "people": item.people,
                "teams": item.teams,
                "topics": item.topics,
            }
        )
    return result


# ── info router ──────────────────────────────────────────────────────────────
def _route_item(view: GraphSnapshot, item: dict, author_id: str | None) -> dict[str, tuple[str, bool, str]]:
    """person id → (priority, action_required, suggested action) for one touched node."""
    node_id, kind = item["node_id"], item["type"]
    out: dict[str, tuple[str, bool, str]] = {}

    def add(person, priority, action_required, action):
        if person and person in view.nodes and view.nodes[person].type == "person":
            old = out.get(person)
            if old is None:
                out[person] = (priority, action_required, action)
                return
            best = max(old[0], priority, key=PRIORITY_RANK.get)
            # The action that asks something of the person wins over an FYI.
            keep_old = old[1] and not action_required or PRIORITY_RANK[old[0]] > PRIORITY_RANK[priority]
            out[person] = (best, old[1] or action_required, old[2] if keep_old else action)

    label = item["label"]
    for person in view.people_concerned(node_id):
        add(person, "medium" if kind in ("decision", "commitment") else "low", False, f"Review {node_id}: {label}")
    for team in item["teams"]:
        for member in view.members(team):
            add(member, "low", False, f"FYI for {view.label(team)}: {label}")
    if kind == "commitment":
        due = item.get("due_date")
        soon = due and (date.fromisoformat(due) - view.now.date()).days <= 14
        add(
            item.get("owner"),
            "high" if soon else "medium",
            True,
            f"Confirm you own {node_id} ('{label}')" + (f", due {due}." if due else "."),
        )
    if kind == "decision":
        # Decisions on a topic concern the leads of the teams working on it and owners of open work on it.
        for topic in item["topics"]:
            for team in view.sources(topic, "works_on"):
                if view.nodes[team].type == "team":
                    add(
                        (view.nodes[team].extras or {}).get("lead_id"),
                        "high",
                        True,
                        f"Check decision {node_id} against your team's plans for {view.label(topic)}.",
                    )
            for other in view.sources(topic, "about"):
                n = view.nodes[other]
                if n.type == "commitment" and n.status in ("active", "blocked"):
                    for owner in view.owners_of(n):
                        add(owner, "medium", True, f"Decision {node_id} may change your commitment {other}.")
    if kind == "question":
        for topic in item["topics"]:
            for team in view.sources(topic, "works_on"):
                if view.nodes[team].type == "team":
                    add(
                        (view.nodes[team].extras or {}).get("lead_id"),
                        "medium",
                        True,
                        f"Answer question {node_id}: {label}",
                    )
        for person in item["people"]:
            add(person, "medium", True, f"You were asked: {label}")
    if author_id is not None:
        out.pop(author_id, None)  # the author knows already
    return out


def _topic_leads(view: GraphSnapshot, node_id: str) -> list[str]:
    """Leads of the teams working on the node's topics."""
    leads = []
    for topic in view.topics_of(node_id):
        for team in view.sources(topic, "works_on"):
            lead = (view.nodes[team].extras or {}).get("lead_id") if view.nodes[team].type == "team" else None
            if lead in view.nodes:
                leads.append(lead)
    return sorted(set(leads))


def _conflicts(view: GraphSnapshot, node_id: str) -> list[str]:
    """Existing open statements the new one contradicts (an explicit edge or conflicting dates)."""
    node = view.nodes.get(node_id)
    if node is None or node.type not in ("fact", "decision"):
        return []
    explicit = {e.target_id for e in view.out.get(node_id, ()) if e.type == "contradicts"} | {
        e.source_id for e in view.inc.get(node_id, ()) if e.type == "contradicts"
    }
    by_date = {
        other.id
        for other in view.of_type(node.type)
        if other.id != node_id and view.is_open(other) and dates_conflict(view, node, other)
    }
    return sorted(explicit | by_date)


def route(result: DropResult, *, text: str, source: str, author: str, author_id: str | None) -> list[Notification]:
    """Write one notification per concerned person (their highest priority across the drop's items).
    A person who still has an unacknowledged notification for the identical drop gets no second one."""
    view = GraphSnapshot.load()
    drop_id = fingerprint(text)
    per_person: dict[str, dict] = {}
    for item in result.items:
        routes = _route_item(view, item, author_id)
        item["conflicts_with"] = _conflicts(view, item["node_id"])
        if item["conflicts_with"]:
            # A statement that contradicts the graph needs the people behind the old ones to act.
            others = item["conflicts_with"]
            action = (
                f"{item['node_id']} ('{item['label']}') contradicts "
                + ", ".join(f"{o} ('{view.label(o)}')" for o in others)
                + ": confirm which is current."
            )
            people: set[str] = {item["owner"]} if item.get("owner") is not None else set()
            for other in others:
                people |= view.people_concerned(other) | set(_topic_leads(view, other))
            for person in people - {author_id}:
                routes[person] = ("high", True, action)
        for person, (priority, action_required, action) in routes.items():
            entry = per_person.setdefault(
                person, {"priority": "low", "action_required": False, "actions": [], "nodes": []}
            )
            if PRIORITY_RANK[priority] > PRIORITY_RANK[entry["priority"]]:
                entry["priority"] = priority
            entry["action_required"] |= action_required
            entry["actions"].append((PRIORITY_RANK[priority], action))
            entry["nodes"].append(item["node_id"])
    already = set(
        Notification.objects.filter(
            person_id__in=list(per_person),
            acknowledged=False,
            source_unit__drop_id=drop_id,
        ).values_list("person_id", flat=True)
    )
    created = []
    who = author or (view.label(author_id) if author_id else "Someone")
    for person, entry in sorted(per_person.items()):
        if person in already:
            continue
        best_action = max(entry["actions"], key=lambda a: a[0])[1]
        touched = list(dict.fromkeys(entry["nodes"]))
        summary = (
            f"{who} via {source or 'info drop'}: "
            + "; ".join(view.label(n) for n in touched[:3])
            + (f" (+{len(touched) - 3} more)" if len(touched) > 3 else "")
        )
        created.append(
            Notification.objects.create(
                person_id=person,
                person_name=view.label(person),
                priority=entry["priority"],
                action_required=entry["action_required"],
                suggested_action=best_action,
                summary=summary[:500],
                source_unit={
                    "drop_id": drop_id,
                    "text": text[:2000],
                    "source": source or None,
                    "author": author or None,
                    "author_id": author_id,
                    "node_ids": touched,
                    "nodes_created": [n for n in touched if n in result.nodes_created],
                    "nodes_updated": [n for n in touched if n in result.nodes_updated],
                },
            )
        )
    return created
