"""Offline answers that address the question asked — who / when / how many / why / is it true —
stated from the retrieved nodes' own fields, or a plain "I don't know" that says what was looked for.
"""

from __future__ import annotations

import re

from django.db.models import Q

from conversations.answering import STALE_BELOW, Retrieval, describe
from conversations.relevance import MIN_TERM_COVERAGE, covered_words
from graph.models import Edge, Node
from graph.selectors import node_values
from insights.graph_snapshot import OPEN_COMMITMENT_STATUSES
from insights.immune import ScanConfig

SUPPORTING = 2  # relevant nodes cited after the ones the answer is made of
_DATE_IN_TEXT = re.compile(
    r"\b(\d{4}-\d{2}-\d{2}|\d{1,2}\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?(?:\s+\d{4})?|"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\s+\d{4}|q[1-4](?:\s+\d{4})?)\b",
    re.I,
)
_NUMBER = re.compile(r"\b\d+(?:[.,]\d+)?%?")
_PEOPLE_WORDS = {"people", "person", "members", "member", "engineers", "staff", "folks", "headcount", "employees"}
_COMMITMENT_WORDS = {"commitments", "commitment", "tasks", "deliverables", "promises", "projects"}
# (node type, field naming the responsible person, verb for "X <verb> Y")
_RESPONSIBLE = {
    "team": ("lead_id", "leads"),
    "agent": ("operator_id", "operates"),
    "commitment": ("owner_id", "owns"),
    "decision": ("decided_by", "decided"),
    "question": ("asked_by", "asked"),
}


def intent(question: str, overload: bool) -> str:
    q = question.lower().strip()
    if overload:
        return "overload"
    if re.match(r"^(?:and\s+|so\s+)?(?:who|whom|whose)\b", q) or re.search(r"\bwhich (?:person|people|one of us)\b", q):
        return "who"
    if re.search(r"\bwhen\b|\bwhat (?:date|day|time)\b|\bhow soon\b", q):
        return "when"
    if re.search(r"\bhow many\b|\bhow much\b|\bnumber of\b|\bcount of\b", q):
        return "count"
    if re.search(r"\bwhy\b|\breason\b|\brationale\b", q):
        return "why"
    if re.match(r"^(?:and\s+|so\s+)?(?:is|are|was|were|does|do|did|has|have|can|could|will|would|should|shall)\b", q):
        return "yesno"
    return "what"


def _name(names: dict[str, str], node_id: object) -> str:
    if not node_id:
        return "nobody recorded"
    # Extras are free JSON: a list where an id is expected is shown as it is (it cannot be looked up).
    return f"{names.get(node_id, node_id) if isinstance(node_id, str) else node_id} ({node_id})"


def _person(node: dict) -> str:
    x = node.get("extras") or {}
    return f"{node['label']} ({node['id']}), {x.get('role') or 'a member'} in {node.get('team') or 'the organisation'}"


def _rows(ids: list[str]) -> dict[str, dict]:
    return {r["id"]: r for r in node_values(Node.objects.filter(id__in=ids))}


def _progress(node: dict) -> str:
    p = (node.get("extras") or {}).get("progress")
    return f"{int(p * 100)}% done" if isinstance(p, (int, float)) else "progress unknown"


def _date_of(node: dict) -> tuple[str, str] | None:
    """(what the date is, the date) for a node that carries one."""
    x = node.get("extras") or {}
    if node["type"] == "commitment" and x.get("due_date"):
        return "is due", x["due_date"]
    m = _DATE_IN_TEXT.search(node["label"])
    if m:
        return "says", m.group(0)
    if node["type"] == "decision" and x.get("decided_on"):
        return "was decided on", x["decided_on"]
    if node["type"] == "question" and x.get("asked_on"):
        return "was asked on", x["asked_on"]
    return None


def _overload(names: dict[str, str]) -> tuple[str, list[str]]:
    limit = ScanConfig().overload_limit
    owned: dict[str, list[str]] = {}
    for node_id, owner in (
        Node.objects.filter(type="commitment", status__in=OPEN_COMMITMENT_STATUSES)
        .values_list("id", "extras__owner_id")
        .order_by("id")
    ):
        if owner:
            owned.setdefault(owner, []).append(node_id)
    heavy = sorted(
        ((p, ids) for p, ids in owned.items() if len(ids) > limit), key=lambda pair: (-len(pair[1]), pair[0])
    )
    if not heavy:
        return (
            f"Nobody is overloaded: no one owns more than {limit} open commitments "
            f"(the most is {max((len(v) for v in owned.values()), default=0)})."
        ), []
    parts = [f"{_name(names, p)} owns {len(ids)} open commitments ({', '.join(ids)})" for p, ids in heavy]
    rest = max((len(v) for p, v in owned.items() if p not in dict(heavy)), default=0)
    text = "; ".join(parts) + f", above the limit of {limit}. Everyone else owns at most {rest}."
    return text, [p for p, _ in heavy] + [i for _, ids in heavy for i in ids]


def _who(node: dict, question: str, names: dict[str, str]) -> tuple[str, list[str]]:
    x = node.get("extras") or {}
    q = question.lower()
    if node["type"] == "person":
        if re.search(r"\b(report|manager|boss)", q) and x.get("manager_id"):
            manager = x["manager_id"]
            return f"{node['label']} ({node['id']}) reports to {_name(names, manager)}.", [manager, node["id"]]
        return f"{_person(node)}.", [node["id"]]
    if node["type"] == "question":
        answered = Edge.objects.filter(target_id=node["id"], type="answers").values_list("source_id", flat=True).first()
        asker = x.get("asked_by")
        if re.search(r"\bask", q) or answered is None and not asker:
            return f"{_name(names, asker)} asked {node['id']} ('{node['label']}').", [node["id"]] + (
                [asker] if asker else []
            )
        if answered is None:
            return (
                f"The graph has no answer yet: {node['id']} ('{node['label']}') was asked by "
                f"{_name(names, asker)} and is still {node.get('status') or 'open'}."
            ), [node["id"]]
        return f"{node['id']} ('{node['label']}') is answered by {answered}.", [node["id"], answered]
    field, verb = _RESPONSIBLE.get(node["type"], (None, None))
    person = x.get(field) if field else None
    if person:
        extra = f", due {x['due_date']}, {_progress(node)}" if node["type"] == "commitment" else ""
        return f"{_name(names, person)} {verb} {node['label']} ({node['id']}){extra}.", [person, node["id"]]
    if node["type"] == "commitment":
        return f"Nobody owns {node['label']} ({node['id']}) yet.", [node["id"]]
    return describe(node, names), [node["id"]]


def _when(node: dict, dated: tuple[str, str], names: dict[str, str]) -> tuple[str, list[str]]:
    what, when = dated
    if what == "is due":
        owner = (node.get("extras") or {}).get("owner_id")
        return (f"{node['label']} ({node['id']}) is due {when}, owned by {_name(names, owner)}, {_progress(node)}."), [
            node["id"]
        ] + ([owner] if owner else [])
    if what == "says":
        return f"According to {node['id']}: {node['label']}.", [node["id"]]
    return f"{node['label']} ({node['id']}) {what} {when}.", [node["id"]]


def _count(node: dict | None, terms, question: str, names: dict[str, str]) -> tuple | None:
    q = set(re.findall(r"[a-z]+", question.lower()))
    for entity_id in terms.entities:
        kind = Node.objects.filter(id=entity_id).values_list("type", flat=True).first()
        if kind == "team" and q & _PEOPLE_WORDS:
            members = list(
                Edge.objects.filter(target_id=entity_id, type="member_of")
                .order_by("source_id")
                .values_list("source", flat=True)
            )
            return (
                (
                    f"{len(members)} people are in {names.get(entity_id, entity_id)} ({entity_id}): "
                    + ", ".join(names.get(m, m) for m in members)
                    + "."
                ),
                [entity_id] + members,
                False,
            )
        if kind == "person" and q & _COMMITMENT_WORDS:
            ids = list(
                Node.objects.filter(type="commitment", status__in=OPEN_COMMITMENT_STATUSES, extras__owner_id=entity_id)
                .order_by("id")
                .values_list("id", flat=True)
            )
            return (
                (
                    f"{names.get(entity_id, entity_id)} ({entity_id}) owns {len(ids)} open commitment(s)"
                    + (f": {', '.join(ids)}." if ids else ".")
                ),
                [entity_id] + ids,
                False,
            )
    if node is not None and (number := _NUMBER.search(node["label"])):
        return f"{number.group(0)}, according to {node['id']}: {node['label']}.", [node["id"]]
    return None


def _why(node: dict, names: dict[str, str]) -> tuple[str, list[str]]:
    x = node.get("extras") or {}
    support = list(
        Edge.objects.filter(target_id=node["id"], type="supports")
        .order_by("source_id")
        .values_list("source", flat=True)[:3]
    )
    because = f" Supported by {', '.join(support)}." if support else ""
    if node["type"] == "decision":
        rationale = (x.get("rationale") or "none was recorded").rstrip(".")
        return (
            f"The reason recorded for decision {node['id']} ({node['label']}, decided by "
            f"{_name(names, x.get('decided_by'))} on {x.get('decided_on', '?')}): {rationale}.{because}"
        ), [node["id"]] + ([x["decided_by"]] if x.get("decided_by") else []) + support
    return describe(node, names) + because, [node["id"]] + support


def _yes_no(node: dict, names: dict[str, str]) -> tuple[str, list[str]]:
    x, nid = node.get("extras") or {}, node["id"]
    if node["type"] == "commitment":
        if node.get("status") == "done":
            return f"Yes: {node['label']} ({nid}) is done.", [nid]
        return (
            f"Not yet: {node['label']} ({nid}) is {_progress(node)}, due {x.get('due_date', '?')}"
            f" ({node.get('status')})."
        ), [nid]
    if node["type"] == "decision":
        if node.get("status") == "superseded":
            return f"Not any more: decision {nid} ({node['label']}) was superseded.", [nid]
        return (
            f"Yes: decision {nid} — {node['label']} (decided by {_name(names, x.get('decided_by'))} on "
            f"{x.get('decided_on', '?')})."
        ), [nid]
    if node["type"] == "question":
        answer = Edge.objects.filter(target_id=nid, type="answers").values_list("source_id", flat=True).first()
        if answer:
            other = _rows([answer]).get(answer)
            if other:
                return f"{other['label']} ({answer}), which answers {nid}.", [answer, nid]
        return f"Not known yet: {nid} ('{node['label']}') is still open, asked by {_name(names, x.get('asked_by'))}.", [
            nid
        ]
    if node["type"] == "fact":
        return f"The graph records: {node['label']} ({nid}; source: {x.get('source', 'unknown')}).", [nid]
    return describe(node, names), [nid]


def _what(node: dict, names: dict[str, str]) -> tuple[str, list[str]]:
    text, ids = describe(node, names), [node["id"]]
    if node["type"] == "person":
        # What a person works on: their open commitments, the topics they work on, what they asked or decided.
        owned = list(
            Node.objects.filter(type="commitment", status__in=OPEN_COMMITMENT_STATUSES, extras__owner_id=node["id"])
            .order_by("id")
            .values_list("id", "label")[:5]
        )
        linked = list(
            Edge.objects.filter(
                Q(source_id=node["id"], type="works_on") | Q(target_id=node["id"], type__in=("asked_by", "decided_by"))
            )
            .order_by("id")
            .values_list("source", "target", "type")[:5]
        )
        others = {(t if s == node["id"] else s): kind for s, t, kind in linked}
        labels = dict(Node.objects.filter(id__in=list(others)).values_list("id", "label"))
        verbs = {"works_on": "works on", "asked_by": "asked", "decided_by": "decided"}
        parts = [f"owns {label} ({i})" for i, label in owned]
        parts += [f"{verbs[kind]} '{labels.get(i, i)}' ({i})" for i, kind in others.items()]
        if parts:
            text += " " + node["label"].split()[0] + " " + "; ".join(parts) + "."
            ids += [i for i, _ in owned] + list(others)
    return text, ids


def _role_bonus(question: str, node: dict) -> float:
    """A person whose role has the question's words ("head of product") is likely the answer."""
    role = set(re.findall(r"[a-z]+", ((node.get("extras") or {}).get("role") or "").lower())) - {"of", "and", "the"}
    return 0.3 * len(role & set(re.findall(r"[a-z]+", question.lower())))


def _who_subject(question: str, retrieval: Retrieval, relevant: list[dict], first: dict) -> dict:
    """The node a who-question is about: a person named in it; else a team or agent named in it
    (its lead or operator answers); else the best-covering person, unless a non-person node covers
    the question better (its owner, decider or asker answers)."""
    named = [n for n in relevant if n["id"] in retrieval.terms.entities]
    for kind in ("person", "team", "agent"):
        hit = next((n for n in named if n["type"] == kind), None)
        if hit is not None:
            return hit
    people = [n for n in relevant if n["type"] == "person"]
    if not people:
        return first
    score = lambda n: retrieval.coverage.get(n["id"], 0.0) + _role_bonus(question, n)  # noqa: E731
    person = max(people, key=score)
    return person if score(person) >= retrieval.coverage.get(first["id"], 0.0) else first


def relevant_nodes(retrieval: Retrieval) -> list[dict]:
    """Retrieved nodes that cover enough of the question, best first; topics last (they are broad)."""
    nodes = [n for n in retrieval.nodes if retrieval.coverage.get(n["id"], 0.0) >= MIN_TERM_COVERAGE]
    return sorted(nodes, key=lambda n: (n["type"] == "topic", -retrieval.coverage[n["id"]]))


def abstain(question: str, retrieval: Retrieval, names: dict[str, str]) -> str:
    terms = retrieval.terms
    looked = [f'"{w}"' for w in terms.words] + [names.get(e, e) for e in terms.entities]
    subject = ", ".join(terms.words) or "that"
    text = f"I don't know: nothing in the graph is about {subject}."
    if looked:
        text += f" I looked for {', '.join(looked)} in node labels and text, people, teams and topics, and by semantic search"
        best = max(retrieval.nodes, key=lambda n: retrieval.coverage.get(n["id"], 0.0), default=None)
        shared = covered_words(terms, best) if best else []
        if best is not None and shared:
            text += f"; the closest, {best['id']} ('{best['label']}'), shares only {', '.join(shared)}"
        text += "."
    return text


def compose(question: str, retrieval: Retrieval, names: dict[str, str]) -> tuple[str, list[str]]:
    """(answer, cited node ids). The retrieval must be answerable (see Retrieval.answerable)."""
    kind = intent(question, retrieval.terms.overload)
    if kind == "overload":
        return _overload(names)
    relevant = relevant_nodes(retrieval)
    first = next((n for n in relevant if n["type"] != "topic"), relevant[0] if relevant else None)
    made = None
    if kind == "count":
        made = _count(
            next((n for n in relevant if _NUMBER.search(n["label"])), first), retrieval.terms, question, names
        )
    elif first is None:
        made = None
    elif kind == "who":
        made = _who(_who_subject(question, retrieval, relevant, first), question, names)
    elif kind == "when":
        # A due date or a date in the statement answers "when" better than the day a decision was taken.
        dated = sorted(
            ((n, found) for n in relevant if n["type"] != "topic" and (found := _date_of(n))),
            key=lambda pair: pair[1][0] not in ("is due", "says"),
        )
        made = _when(*dated[0], names) if dated else None
    elif kind == "why":
        decision = next((n for n in relevant if n["type"] == "decision"), first)
        made = _why(decision, names)
    elif kind == "yesno":
        made = _yes_no(first, names)
    if made is None and first is not None:
        made = _what(first, names)
    if made is None:
        return abstain(question, retrieval, names), []
    text, ids, supporting = made if len(made) == 3 else (*made, True)
    ids = list(dict.fromkeys(i for i in ids if i and isinstance(i, str)))  # not an extras list
    if supporting:
        ids += [n["id"] for n in relevant if n["id"] not in ids][:SUPPORTING]
    # Contradicting nodes are part of the answer: the reader must see both sides.
    notes, pairs = [], []
    for a, b, _label in retrieval.contradictions:
        mine, other = (a, b) if a in ids and (b not in ids or ids.index(a) < ids.index(b)) else (b, a)
        if mine in ids:
            pairs.append((mine, other))
            if other not in ids:
                ids.append(other)
    rows = {n["id"]: n for n in retrieval.nodes}
    for node_id in ids:
        n = rows.get(node_id)
        if n is None:
            continue
        # NULL freshness (written by SQL outside the API) is unknown, not stale
        stale = n["current_freshness"] is not None and n["current_freshness"] < STALE_BELOW
        if stale and n["type"] not in ("person", "team", "agent"):
            notes.append(f"{node_id} has freshness {n['current_freshness']:.2f}: possibly out of date.")
    labels = dict(Node.objects.filter(id__in=[o for _, o in pairs]).values_list("id", "label"))
    notes += [
        f"Note: {mine} is contradicted by {other} ({labels.get(other, '')!r}); confirm which is current."
        for mine, other in pairs
    ]
    return " ".join([text] + notes), ids
