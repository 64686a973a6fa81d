"""An in-memory read of the graph for the analyses (immune system, worker tracker, info router).

The analyses look at every node and edge, so one snapshot (two queries) beats per-node queries.
Current freshness comes from graph.selectors.nodes_with_freshness (SQL); nodes built in memory
use its Python twin, graph.selectors.current_freshness.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from graph.models import Edge, Node
from graph.selectors import current_freshness, nodes_with_freshness

OPEN_COMMITMENT_STATUSES = ("active", "blocked")
CLOSED_STATUSES = ("done", "superseded", "answered")


def parse_day(value) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


@dataclass
class GraphSnapshot:
    nodes: dict[str, Node]
    edges: list[Edge]
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    out: dict[str, list[Edge]] = field(default_factory=lambda: defaultdict(list))
    inc: dict[str, list[Edge]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def load(cls, now: datetime | None = None) -> GraphSnapshot:
        view = cls(
            nodes={n.id: n for n in nodes_with_freshness(Node.objects.all())},
            edges=list(Edge.objects.all()),
            now=now or datetime.now(UTC),
        )
        for edge in view.edges:
            view.out[edge.source_id].append(edge)
            view.inc[edge.target_id].append(edge)
        return view

    # ── generic ─────────────────────────────────────────────────────────────
    def of_type(self, node_type: str) -> list[Node]:
        return [n for n in self.nodes.values() if n.type == node_type]

    def targets(self, node_id: str, edge_type: str) -> list[str]:
        return [e.target_id for e in self.out.get(node_id, ()) if e.type == edge_type and e.target_id in self.nodes]

    def sources(self, node_id: str, edge_type: str) -> list[str]:
        return [e.source_id for e in self.inc.get(node_id, ()) if e.type == edge_type and e.source_id in self.nodes]

    def neighbours(self, node_id: str) -> set[str]:
        ids = {e.target_id for e in self.out.get(node_id, ())} | {e.source_id for e in self.inc.get(node_id, ())}
        return {i for i in ids if i in self.nodes}

    def freshness(self, node: Node) -> float:
        value = getattr(node, "current_freshness", None)
        return float(value) if value is not None else current_freshness(node, self.now)

    def label(self, node_id: str | None) -> str:
        node = self.nodes.get(node_id) if node_id else None
        return node.label if node else (node_id or "?")

    # ── organisation ────────────────────────────────────────────────────────
    def team_of(self, person_id: str) -> str | None:
        teams = self.targets(person_id, "member_of")
        return teams[0] if teams else None

    def members(self, team_id: str) -> list[str]:
        return sorted(set(self.sources(team_id, "member_of")) | set(self.sources(team_id, "leads")))

    def topics_of(self, node_id: str) -> list[str]:
        return self.targets(node_id, "about")

    # ── commitments ─────────────────────────────────────────────────────────
    def owners_of(self, commitment: Node) -> list[str]:
        owners = set(self.sources(commitment.id, "owns"))
        owner_id = (commitment.extras or {}).get("owner_id")
        if owner_id in self.nodes:
            owners.add(owner_id)
        return sorted(owners)

    def is_open(self, node: Node) -> bool:
        return (node.status or "active") not in CLOSED_STATUSES

    def open_commitments_by_owner(self) -> dict[str, list[str]]:
        load: dict[str, list[str]] = defaultdict(list)
        for c in self.of_type("commitment"):
            if c.status in OPEN_COMMITMENT_STATUSES:
                for owner in self.owners_of(c):
                    load[owner].append(c.id)
        return {k: sorted(v) for k, v in load.items()}

    def people_concerned(self, node_id: str) -> set[str]:
        """People directly linked to a node: owners, deciders, askers, members/leads of a team."""
        node = self.nodes.get(node_id)
        if node is None:
            return set()
        if node.type == "person":
            return {node_id}
        if node.type == "team":
            return set(self.members(node_id))
        people = {n for n in self.neighbours(node_id) if self.nodes[n].type == "person"}
        extras = node.extras or {}
        for key in ("owner_id", "decided_by", "asked_by", "operator_id", "lead_id"):
            if extras.get(key) in self.nodes:
                people.add(extras[key])
        return people
