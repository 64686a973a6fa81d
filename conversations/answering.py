"""Ask NEXUS: retrieval (semantic search + named entities + graph neighbours) and the answer.

Offline the answer is extractive: known questions come from mock_data/ask_cache.json (normalised
match), everything else is stated from the retrieved nodes themselves (conversations.offline_answers),
or abstains when nothing retrieved is about the question (conversations.relevance). With an LLM the same
retrieved context and the conversation history go to the model, which must cite node ids.
Follow-ups ("what about Perception?", "who owns it?") reuse the previous question's entities.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings
from django.db.models import Q

from conversations import relevance
from graph.directory import Directory
from graph.embeddings import EmbeddingUnavailable
from graph.models import Edge, Node
from graph.search import search_nodes
from graph.selectors import node_values
from graph.text import tokens
from insights import llm

logger = logging.getLogger("nexus.ask")

CONTEXT_NODES = 8
POOL_NODES = 30  # candidates scored for coverage before the best CONTEXT_NODES are kept
LEXICAL_WEIGHT = 1.0  # a node covering every key term scores like a perfect semantic hit
COVERAGE_WEIGHT = 0.8
SEMANTIC_BELOW_COVERAGE = 1.0  # semantic search runs unless one node's words cover every key term
STALE_BELOW = 0.25  # the immune system's staleness threshold
HISTORY_TURNS = 6
NODE_ID = re.compile(r"\b(?:p|a|t|d|f|c|q|tp)-[0-9a-f]{2,12}\b")
_FOLLOW_UP = re.compile(r"^\s*(?:and|so|ok(?:ay)?|also)?\s*,?\s*(?:what|how) about\s+(.+?)\s*\??\s*$", re.I)
_PRONOUNS = {"he", "she", "they", "it", "that", "this", "them", "his", "her", "their", "its", "those", "these", "there"}


def normalise(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9\s-]", " ", (text or "").lower()).split())


@lru_cache(maxsize=1)
def _ask_cache() -> dict[str, dict]:
    path = settings.BASE_DIR / "mock_data" / "ask_cache.json"
    try:
        entries = json.loads(path.read_text(encoding="utf-8")).get("entries", [])
    except (OSError, ValueError):
        return {}
    return {normalise(e["question"]): e for e in entries if isinstance(e, dict) and e.get("question")}


@dataclass
class Retrieval:
    query: str
    nodes: list[dict] = field(default_factory=list)  # node rows with current_freshness
    similarity: dict[str, float] = field(default_factory=dict)
    entities: list[str] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)
    # (retrieved node id, id of the node it contradicts, that node's label): an answer must say so
    contradictions: list[tuple[str, str, str]] = field(default_factory=list)
    terms: relevance.KeyTerms = field(default_factory=relevance.KeyTerms)
    coverage: dict[str, float] = field(default_factory=dict)  # share of the key terms each node covers

    @property
    def answerable(self) -> bool:
        """Some retrieved node is about the question (see conversations.relevance)."""
        if self.terms.overload:
            return True
        return self.terms.size > 0 and max(self.coverage.values(), default=0.0) >= relevance.MIN_TERM_COVERAGE


def resolve_follow_up(question: str, history: list[dict], directory: Directory) -> tuple[str, list[str]]:
    """(effective question, carried node ids). A follow-up borrows the previous question's subject."""
    previous = next((t["content"] for t in reversed(history) if t["role"] == "user"), None)
    if not previous:
        return question, []
    prev_answer = next((t["content"] for t in reversed(history) if t["role"] == "assistant"), "")
    carried = list(dict.fromkeys(NODE_ID.findall(prev_answer)))[:CONTEXT_NODES]
    m = _FOLLOW_UP.match(question)
    if m:
        subject = m.group(1)
        new = [i for _, i in directory.find(subject)]
        old = [(i, directory.by_id[i]) for _, i in directory.find(previous)]
        for entity_id in new:
            same_type = [e for i, e in old if e.type == directory.by_id[entity_id].type]
            if same_type:  # "Who leads Fleet Orchestration?" + "what about Perception?"
                pattern = re.compile(re.escape(same_type[0].label), re.I)
                return pattern.sub(directory.by_id[entity_id].label, previous, count=1), []
        return f"{previous.rstrip('?')} — {subject}?", []
    words = set(re.findall(r"[a-z']+", question.lower()))
    if words & _PRONOUNS and not directory.find(question):
        return f"{question} ({previous})", carried
    return question, []


# Question words that name an edge: "who operates X" should surface X's operator.
EDGE_WORDS = {
    "operates": ("operat", "run"),
    "leads": ("lead", "head", "manag"),
    "owns": ("own", "responsib"),
    "decided_by": ("decid", "decision"),
    "asked_by": ("ask",),
    "answers": ("answer",),
    "supports": ("support", "why", "evidence"),
    "depends_on": ("depend", "block"),
    "contradicts": ("contradict", "conflict"),
    "works_on": ("work",),
}


def _edge_bonus(question: str, edge_type: str, node_type: str | None) -> float:
    words = re.findall(r"[a-z]+", question.lower())
    bonus = 0.4 if any(w.startswith(stem) for w in words for stem in EDGE_WORDS.get(edge_type, ())) else 0.0
    if words[:1] == ["who"] and node_type == "person":
        bonus += 0.2
    return bonus


def retrieve(question: str, directory: Directory, *, carried: list[str] | None = None) -> Retrieval:
    result = Retrieval(query=question, terms=relevance.key_terms(question, directory))
    named_ids = list(Node.objects.filter(id__in=NODE_ID.findall(question)).values_list("id", flat=True))
    mentioned = list(dict.fromkeys(named_ids + [i for _, i in directory.find(question)]))
    result.entities = mentioned
    scores: dict[str, float] = {}
    for rank, node_id in enumerate(mentioned):
        # Named in the question: strongest evidence — topics are broad, so they count less.
        is_topic = getattr(directory.by_id.get(node_id), "type", None) == "topic"
        scores[node_id] = (1.0 if is_topic else 2.0) - rank * 0.01
    for node_id in carried or []:
        scores.setdefault(node_id, 1.2)
    # Word matches find a node whatever the embedding provider makes of the question.
    lexical = relevance.lexical_candidates(result.terms)
    for node_id, share, _kind in lexical:
        scores[node_id] = max(scores.get(node_id, 0.0), share * LEXICAL_WEIGHT)
    terms = result.terms
    # (a topic covering every word settles nothing: topics are broad)
    settled = (
        terms.overload
        or (terms.entities and not terms.words)
        or max((share for _, share, kind in lexical if kind != "topic"), default=0.0) >= SEMANTIC_BELOW_COVERAGE
    )
    # Embedding the question is the slow step with a local model: pay for it only when the words
    # and names do not already settle what the question is about.
    for hit in [] if settled else _semantic_hits(question):
        node_id = hit["node"]["id"]
        result.similarity[node_id] = hit["similarity"]
        scores[node_id] = max(scores.get(node_id, 0.0), hit["similarity"] + _word_bonus(question, hit["node"]["label"]))
    # One hop out from the best candidates: who leads, owns, decided, answers…
    seeds = sorted(scores, key=scores.__getitem__, reverse=True)[:4]
    types = dict(
        Node.objects.filter(Q(in_edges__source_id__in=seeds) | Q(out_edges__target_id__in=seeds))
        .values_list("id", "type")
        .distinct()
    )
    labels = dict(Node.objects.filter(id__in=list(types)).values_list("id", "label"))
    seed_scores = {i: scores[i] for i in seeds}
    for edge in Edge.objects.filter(Q(source_id__in=seeds) | Q(target_id__in=seeds)):
        if edge.type in ("member_of", "reports_to"):
            continue  # too broad: a team's members would crowd out the answer
        for a, b in ((edge.source_id, edge.target_id), (edge.target_id, edge.source_id)):
            if a in seed_scores:
                score = (
                    seed_scores[a] * 0.5
                    + _word_bonus(question, labels.get(b, ""))
                    + _edge_bonus(question, edge.type, types.get(b))
                )
                # A neighbour supports the answer; it never outranks the node that brought it in.
                scores[b] = max(scores.get(b, 0.0), min(score, seed_scores[a] - 0.01))
    # Rank by the retrieval score plus how much of the question each candidate covers.
    pool = sorted(scores, key=lambda i: (-scores[i], i))[:POOL_NODES]
    rows = {row["id"]: row for row in node_values(Node.objects.filter(id__in=pool))}
    linked: dict[str, set[str]] = {e: set() for e in result.terms.entities}
    for source, target in Edge.objects.filter(Q(source_id__in=linked) | Q(target_id__in=linked)).values_list(
        "source", "target"
    ):
        for a, b in ((source, target), (target, source)):
            if a in linked:
                linked[a].add(b)
    for node_id, row in rows.items():
        result.coverage[node_id] = relevance.coverage(result.terms, row, result.similarity.get(node_id), linked)
        scores[node_id] += COVERAGE_WEIGHT * result.coverage[node_id]
    ranked = sorted(rows, key=lambda i: (-scores[i], i))[:CONTEXT_NODES]
    result.scores = {i: round(scores[i], 3) for i in ranked}
    result.coverage = {i: round(result.coverage[i], 3) for i in ranked}
    result.nodes = [rows[i] for i in ranked if i in rows]
    result.contradictions = _contradictions([n["id"] for n in result.nodes])
    return result


def _contradictions(node_ids: list[str]) -> list[tuple[str, str, str]]:
    """`contradicts` edges touching the retrieved nodes, each pair once."""
    found, seen = [], set()
    edges = Edge.objects.filter(
        Q(source_id__in=node_ids) | Q(target_id__in=node_ids), type="contradicts"
    ).select_related("source", "target")
    for edge in edges:
        pair = frozenset((edge.source_id, edge.target_id))
        if pair in seen:
            continue
        seen.add(pair)
        mine, other = (edge.source, edge.target) if edge.source_id in node_ids else (edge.target, edge.source)
        found.append((mine.id, other.id, other.label))
    return found


def contradiction_notes(retrieval: Retrieval, shown: set[str] | None = None) -> list[str]:
    return [
        f"Note: {mine} is contradicted by {other} ({label!r}); confirm which is current."
        for mine, other, label in retrieval.contradictions
        if shown is None or mine in shown
    ]


def _semantic_hits(question: str) -> list[dict]:
    """search_nodes, or nothing when the embedding service is down (the named entities and their
    neighbours still answer; a question must not fail because OpenAI did)."""
    try:
        return search_nodes(query=question, k=CONTEXT_NODES)
    except EmbeddingUnavailable:
        logger.warning("embedding service unavailable; answering from named entities only")
        return []


def _word_bonus(question: str, label: str) -> float:
    asked, named = set(tokens(question)), set(tokens(label))
    return 0.6 * len(asked & named) / len(named) if named else 0.0


def describe(node: dict, names: dict[str, str]) -> str:
    """One sentence about a node, from its own fields (extractive)."""
    x, nid, label = node.get("extras") or {}, node["id"], node["label"]

    def name(key: str):
        value = x.get(key)  # extras are free JSON: a list here must not be looked up (unhashable)
        return names.get(value, value) if isinstance(value, str) else value

    if node["type"] == "person":
        return f"{label} ({nid}) is {x.get('role') or 'a member'} in {node.get('team') or 'the organisation'}."
    if node["type"] == "team":
        return (
            f"{label} ({nid}) is led by {name('lead_id') or 'nobody recorded'}; mission: {x.get('mission', '')}".rstrip(
                ":. "
            )
            + "."
        )
    if node["type"] == "decision":
        return (
            f"Decision {nid}: {label} — decided by {name('decided_by') or 'unknown'} on {x.get('decided_on', '?')}"
            f" ({node.get('status')}). Rationale: {x.get('rationale', 'not recorded')}".rstrip(". ")
            + "."
        )
    if node["type"] == "fact":
        return f"Fact {nid}: {label} (source: {x.get('source', 'unknown')})."
    if node["type"] == "commitment":
        progress = x.get("progress")
        return (
            f"Commitment {nid}: {label} — owner {name('owner_id') or 'none'}, due {x.get('due_date', '?')}, "
            f"{int(progress * 100) if isinstance(progress, (int, float)) else '?'}% done ({node.get('status')})."
        )
    if node["type"] == "question":
        return f"Question {nid}: {label} — asked by {name('asked_by') or 'unknown'} ({node.get('status')})."
    if node["type"] == "agent":
        return f"{label} ({nid}) is a {x.get('kind', 'bot')} operated by {name('operator_id') or 'nobody recorded'}."
    return f"{label} ({nid}): {x.get('description', '')}".rstrip(":. ") + "."


def _freshness(value) -> str:
    return "unknown" if value is None else f"{value:.2f}"


def llm_answer(question: str, retrieval: Retrieval, history: list[dict], names: dict[str, str]):
    context = "\n".join(
        f"[{n['id']}] ({n['type']}, freshness {_freshness(n['current_freshness'])}) {describe(n, names)}"
        for n in retrieval.nodes
    )
    context += "".join(f"\n{note}" for note in contradiction_notes(retrieval))
    messages = [
        {
            "role": "system",
            "content": "You are NEXUS, an assistant over an organisation's knowledge graph. Answer only from the "
            "context nodes, briefly, and cite the node ids you use in square brackets like [p-10]. "
            "Say when facts are stale (low freshness) or contradict each other.",
        }
    ]
    messages += [{"role": t["role"], "content": t["content"]} for t in history[-HISTORY_TURNS:]]
    messages.append({"role": "user", "content": f"Context nodes:\n{context}\n\nQuestion: {question}"})
    return llm.chat(messages=messages, task_type="ask", max_tokens=500)


def cached_answer(question: str) -> dict | None:
    return _ask_cache().get(normalise(question))
