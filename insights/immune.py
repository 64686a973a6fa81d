"""Immune-system scan agents. Each agent reads a GraphSnapshot and returns findings (alerts).

Agents are deliberately conservative: a finding must be something a person would agree is a
problem (tests pin the exact sets flagged on the mock organisation). Alert ids are stable
(``<agent>:<node ids>``) so the same problem keeps its id across scans.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from dataclasses import dataclass
from dataclasses import fields as dataclass_fields

from graph.text import tokens
from insights.graph_snapshot import GraphSnapshot, parse_day
from insights.similarity import embedding_similarities, word_overlap_pairs

AGENTS = ("staleness", "contradiction", "overload", "orphan", "duplicate")
CLOSED_QUESTION = ("answered", "done", "superseded")


@dataclass(frozen=True)
class ScanConfig:
    staleness_threshold: float = 0.25
    overload_limit: int = 5
    unanswered_days: int = 21
    duplicate_threshold: float = 0.9  # embedding cosine similarity
    text_duplicate_threshold: float = 0.6  # word-overlap fallback when embeddings are missing

    @classmethod
    def from_options(cls, options: dict) -> ScanConfig:
        """The thresholds a request names; the rest keep their defaults, other keys are ignored."""
        known = {f.name for f in dataclass_fields(cls)}
        return cls(**{name: value for name, value in options.items() if name in known})


def _alert(agent, severity, title, description, node_ids, suggested_action, **extra) -> dict:
    return {
        "id": f"{agent}:{'+'.join(node_ids)}",
        "agent": agent,
        "severity": severity,
        "title": title,
        "description": description,
        "node_ids": list(node_ids),
        "suggested_action": suggested_action,
        **extra,
    }


def _owner_hint(view: GraphSnapshot, node_id: str) -> str:
    people = sorted(view.people_concerned(node_id))
    if people:
        return ", ".join(view.label(p) for p in people[:3])
    topics = view.topics_of(node_id)
    teams = sorted(
        {
            e.source_id
            for t in topics
            for e in view.inc.get(t, ())
            if e.type == "works_on"
            and view.nodes.get(e.source_id) is not None
            and view.nodes[e.source_id].type == "team"
        }
    )
    return ", ".join(view.label(t) for t in teams[:3]) or "the owning team"


# ── staleness ────────────────────────────────────────────────────────────────
def staleness(view: GraphSnapshot, config: ScanConfig) -> list[dict]:
    alerts = []
    for node in sorted(view.nodes.values(), key=lambda n: n.id):
        if node.type in ("person", "team", "agent") or not view.is_open(node):
            continue
        fresh = view.freshness(node)
        if fresh >= config.staleness_threshold:
            continue
        age = max((view.now - (node.updated_at or view.now)).days, 0)
        alerts.append(
            _alert(
                "staleness",
                "high" if fresh < config.staleness_threshold / 2 else "medium",
                f"Stale {node.type}: {node.label}",
                f"'{node.label}' ({node.id}) was last updated {age} days ago (half-life {node.half_life_days} d); "
                f"its current freshness is {fresh:.3f}, below {config.staleness_threshold}.",
                [node.id],
                f"Ask {_owner_hint(view, node.id)} to re-verify or retire {node.id}.",
                freshness=round(fresh, 4),
                action={"kind": "reverify", "node_id": node.id},
            )
        )
    return alerts


# ── contradictions ───────────────────────────────────────────────────────────
_MONTHS = "january february march april may june july august september october november december"
_DATE = re.compile(
    r"\b(\d{{1,2}}\s+(?:{})\s+\d{{4}}|(?:{})\s+\d{{1,2}},?\s+\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}})\b".format(
        "|".join(_MONTHS.split()), "|".join(_MONTHS.split())
    ),
    re.IGNORECASE,
)
# Two statements about the same event with different dates disagree; these words name the event.
_EVENT_WORDS = {
    "go-live": "launch",
    "golive": "launch",
    "launch": "launch",
    "live": "launch",
    "start": "launch",
    "kick-off": "launch",
    "deadline": "due",
    "due": "due",
    "delivery": "due",
    "ship": "release",
    "release": "release",
    "ships": "release",
}


def _dates(text: str) -> set[str]:
    return {d.lower().replace(",", "") for d in _DATE.findall(text or "")}


def _events(text: str) -> set[str]:
    words = re.findall(r"[a-z\-]+", (text or "").lower())
    return {_EVENT_WORDS[w] for w in words if w in _EVENT_WORDS}


def dates_conflict(view: GraphSnapshot, a, b) -> str | None:
    """Why two same-type statements contradict by date (same topic, same event, different
    dates), or None."""
    if a.type != b.type or not (_dates(a.label) and _dates(b.label)) or _dates(a.label) == _dates(b.label):
        return None
    shared_events = _events(a.label) & _events(b.label)
    if set(view.topics_of(a.id)) & set(view.topics_of(b.id)) and shared_events:
        return f"different dates for the same {sorted(shared_events)[0]}"
    return None


def contradiction_pairs(view: GraphSnapshot) -> list[tuple[str, str, str]]:
    """(a, b, reason) for explicit ``contradicts`` edges and same-topic statements whose dates
    for the same event differ. Superseded/closed statements no longer contradict anything."""
    pairs: dict[tuple[str, str], str] = {}
    for edge in view.edges:
        if edge.type != "contradicts":
            continue
        a, b = view.nodes.get(edge.source_id), view.nodes.get(edge.target_id)
        if a and b and view.is_open(a) and view.is_open(b):
            first, second = sorted((a.id, b.id))
            pairs.setdefault((first, second), (edge.extras or {}).get("note") or "marked as contradicting")
    for node_type in ("fact", "decision"):
        candidates = [n for n in view.of_type(node_type) if view.is_open(n) and _dates(n.label)]
        for a, b in itertools.combinations(sorted(candidates, key=lambda n: n.id), 2):
            reason = dates_conflict(view, a, b)
            if reason:
                pairs.setdefault((a.id, b.id), reason)
    return [(a, b, reason) for (a, b), reason in sorted(pairs.items())]


def contradiction(view: GraphSnapshot, config: ScanConfig) -> list[dict]:
    alerts = []
    for a, b, reason in contradiction_pairs(view):
        na, nb = view.nodes[a], view.nodes[b]
        topics = sorted(set(view.topics_of(a)) & set(view.topics_of(b)))
        newer = max((na, nb), key=lambda n: n.updated_at or view.now)
        alerts.append(
            _alert(
                "contradiction",
                "high",
                f"Conflicting {na.type}s: {na.label} / {nb.label}",
                f"{a} says '{na.label}' but {b} says '{nb.label}' ({reason}).",
                [a, b, *topics],
                f"Confirm which is current with {_owner_hint(view, newer.id)} and supersede the other "
                f"({newer.id} is the more recent).",
                pair=[a, b],
                action={"kind": "supersede", "node_id": (nb if newer is na else na).id, "keep_id": newer.id},
            )
        )
    return alerts


# ── overload ─────────────────────────────────────────────────────────────────
def overload(view: GraphSnapshot, config: ScanConfig) -> list[dict]:
    alerts = []
    for person_id, commitments in sorted(view.open_commitments_by_owner().items()):
        if len(commitments) <= config.overload_limit:
            continue
        blocked = [c for c in commitments if view.nodes[c].status == "blocked"]
        team = view.team_of(person_id)
        alerts.append(
            _alert(
                "overload",
                "high" if len(commitments) >= config.overload_limit + 2 else "medium",
                f"{view.label(person_id)} owns {len(commitments)} open commitments",
                f"{view.label(person_id)} ({person_id}) owns {len(commitments)} open commitments "
                f"({', '.join(commitments)}), above the limit of {config.overload_limit}"
                + (f"; {len(blocked)} blocked ({', '.join(blocked)})." if blocked else "."),
                [person_id, *commitments],
                f"Reassign some of {person_id}'s commitments to teammates in {view.label(team)} "
                "(the Workers panel suggests who).",
                person_id=person_id,
                commitment_ids=commitments,
                action={"kind": "reallocate", "person_id": person_id},
            )
        )
    return alerts


# ── orphans ──────────────────────────────────────────────────────────────────
def orphan(view: GraphSnapshot, config: ScanConfig) -> list[dict]:
    alerts = []
    for c in sorted(view.of_type("commitment"), key=lambda n: n.id):
        if c.status in ("active", "blocked") and not view.owners_of(c):
            due = (c.extras or {}).get("due_date")
            alerts.append(
                _alert(
                    "orphan",
                    "medium",
                    f"Commitment without an owner: {c.label}",
                    f"'{c.label}' ({c.id}) has no owner" + (f" and is due {due}." if due else "."),
                    [c.id, *view.topics_of(c.id)],
                    f"Assign an owner to {c.id}" + (f" before {due}." if due else "."),
                    action={"kind": "set_owner", "commitment_id": c.id},
                )
            )
    today = view.now.date()
    for q in sorted(view.of_type("question"), key=lambda n: n.id):
        if q.status in CLOSED_QUESTION or view.sources(q.id, "answers"):
            continue
        asked = parse_day((q.extras or {}).get("asked_on")) or (q.created_at.date() if q.created_at else today)
        days = (today - asked).days
        if days <= config.unanswered_days:
            continue
        asker = (q.extras or {}).get("asked_by") or next(iter(view.targets(q.id, "asked_by")), None)
        alerts.append(
            _alert(
                "orphan",
                "medium",
                f"Unanswered for {days} days: {q.label}",
                f"'{q.label}' ({q.id}) was asked {days} days ago"
                + (f" by {view.label(asker)}" if asker else "")
                + " and nothing answers it yet.",
                [q.id, *view.topics_of(q.id)],
                f"Route {q.id} to the team working on {', '.join(view.label(t) for t in view.topics_of(q.id)) or 'its topic'} "
                "and record the answer as a fact.",
            )
        )
    return alerts


# ── near-duplicates ──────────────────────────────────────────────────────────
def duplicate_pairs(view: GraphSnapshot, config: ScanConfig, types=("fact", "decision", "commitment", "question")):
    """Same-type open pairs that are near-duplicates: stored embeddings at least
    ``duplicate_threshold`` alike, or (embeddings missing or from the offline provider) word
    overlap at least ``text_duplicate_threshold``."""
    pairs = []
    for node_type in types:
        nodes = sorted((n for n in view.of_type(node_type) if view.is_open(n)), key=lambda n: n.id)
        cosine = embedding_similarities([n.id for n in nodes], config.duplicate_threshold)
        overlap = word_overlap_pairs({n.id: set(tokens(n.label)) for n in nodes}, config.text_duplicate_threshold)
        for a, b in sorted(set(cosine) | set(overlap)):
            if (a, b) in cosine:
                pairs.append((a, b, round(cosine[(a, b)], 4), "embedding"))
            else:
                pairs.append((a, b, round(overlap[(a, b)], 4), "text"))
    return pairs


def duplicate(view: GraphSnapshot, config: ScanConfig) -> list[dict]:
    alerts = []
    for a, b, score, method in duplicate_pairs(view, config):
        na, nb = view.nodes[a], view.nodes[b]
        if any(
            e.type == "contradicts" and {e.source_id, e.target_id} == {a, b}
            for e in view.out.get(a, []) + view.inc.get(a, [])
        ):
            continue  # a known contradiction is not a duplicate
        keep, drop = sorted((na, nb), key=lambda n: n.updated_at or view.now, reverse=True)
        alerts.append(
            _alert(
                "duplicate",
                "low",
                f"Near-duplicate {na.type}s: {na.label} / {nb.label}",
                f"'{na.label}' ({a}) and '{nb.label}' ({b}) say the same thing ({method} similarity {score}).",
                [a, b],
                f"Merge {drop.id} into {keep.id} (the more recent) and keep one source of truth.",
                pair=[a, b],
                similarity=score,
                method=method,
                action={"kind": "supersede", "node_id": drop.id, "keep_id": keep.id},
            )
        )
    return alerts


AGENT_FUNCTIONS = {
    "staleness": staleness,
    "contradiction": contradiction,
    "overload": overload,
    "orphan": orphan,
    "duplicate": duplicate,
}


# ── identity and evidence (what alert states are keyed and checked by) ─────
def alert_subject(alert: dict) -> list[str]:
    """The nodes an alert is about (not the topics it mentions): its identity across scans."""
    if alert.get("pair"):
        return sorted(alert["pair"])
    if alert.get("person_id"):
        return [alert["person_id"]]
    return list(alert.get("node_ids") or [])[:1]


def fingerprint(alert: dict) -> str:
    return f"{alert['agent']}:{'+'.join(alert_subject(alert))}"


def evidence(view: GraphSnapshot, alert: dict) -> str:
    """A hash of the facts that raised the alert: its subject nodes as they were last edited, and
    for an overload the commitments counted. Things that drift on their own (freshness, "asked N
    days ago") stay out, so an untouched problem keeps its hash from scan to scan."""
    facts = []
    for node_id in alert_subject(alert):
        node = view.nodes.get(node_id)
        facts.append(
            [node_id, node.label, node.status, node.updated_at.isoformat() if node.updated_at else None]
            if node
            else [node_id, None]
        )
    if alert["agent"] == "overload":
        facts.append(sorted(alert.get("commitment_ids") or []))
    return hashlib.sha256(json.dumps([alert["agent"], facts]).encode()).hexdigest()[:32]
