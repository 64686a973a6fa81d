"""Is the graph about what was asked? Evidence that does not hang on the embedding provider alone.

A question's key terms are its content words minus stopwords, question words and relation words
("who *leads*", "what *role*"): those name the shape of the answer, not its subject. A person,
team or agent named in the question counts as one term, covered by the graph (it exists there);
topic names stay ordinary words, because topics are broad ("Halden" alone does not make "the
Halden parking policy" answerable). A node covers a term when one of its words shares the term's
stem (plural stripped, then the first six letters: "certified" ~ "certification").

A question is answerable when some retrieved node covers at least ``MIN_TERM_COVERAGE`` of the key
terms — the search similarity adds to that, weighted by ``SIMILARITY_WEIGHT`` above
``SIMILARITY_FLOOR``, so a strong semantic match can carry a paraphrase that shares few words.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Q

from graph.models import Node
from graph.text import STOPWORDS

MIN_TERM_COVERAGE = 0.6  # share of the key terms one node must cover (after the similarity bonus)
SIMILARITY_FLOOR = 0.35  # search similarity below this is no evidence at all
SIMILARITY_WEIGHT = 0.5  # each 0.1 of similarity above the floor adds 0.05 coverage
STEM_LENGTH = 6
LEXICAL_CANDIDATES = 40  # nodes fetched by word match, whatever the embeddings say

QUESTION_WORDS = frozenset(
    [
        "who",
        "whom",
        "whose",
        "what",
        "which",
        "when",
        "where",
        "why",
        "how",
        "many",
        "much",
        "does",
        "do",
        "did",
        "done",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "can",
        "could",
        "would",
        "should",
        "shall",
        "may",
        "might",
        "must",
        "have",
        "has",
        "had",
        "get",
        "gets",
        "got",
        "any",
        "anyone",
        "anybody",
        "someone",
        "somebody",
        "something",
        "anything",
        "some",
        "yet",
        "still",
        "right",
        "now",
        "currently",
        "current",
        "here",
        "me",
        "my",
        "mine",
        "i",
        "you",
        "your",
        "us",
        "ours",
        "tell",
        "know",
        "let",
        "please",
        "thing",
        "things",
        "stuff",
        "kind",
        "sort",
        "way",
        "else",
        "also",
        "just",
        "really",
        "actually",
        "ever",
        "exactly",
        "around",
        "go",
        "going",
        "goes",
        "not",
        "no",
        "yes",
        "true",
        "there's",
        "what's",
        "who's",
        "whats",
        "whos",
        "today",
        "up",
        "down",
        "folks",
        "guys",
        "take",
        "takes",
        "took",
        "one",
        "date",
        "made",
        "make",
        "makes",
    ]
)
# Words that say which edge or field answers ("who leads X"), not what the question is about.
RELATION_WORDS = frozenset(
    [
        "lead",
        "leads",
        "leading",
        "led",
        "head",
        "heads",
        "heading",
        "manage",
        "manages",
        "managing",
        "managed",
        "manager",
        "managers",
        "boss",
        "run",
        "runs",
        "running",
        "operate",
        "operates",
        "operating",
        "operated",
        "operator",
        "own",
        "owns",
        "owning",
        "owner",
        "owned",
        "responsible",
        "responsibility",
        "charge",
        "look",
        "looks",
        "looking",
        "after",
        "keep",
        "keeps",
        "keeping",
        "report",
        "reports",
        "reporting",
        "work",
        "works",
        "working",
        "worked",
        "decide",
        "decides",
        "decided",
        "deciding",
        "decision",
        "decisions",
        "ask",
        "asks",
        "asked",
        "answer",
        "answers",
        "answered",
        "role",
        "job",
        "title",
        "position",
        "team",
        "teams",
        "group",
        "member",
        "members",
        "person",
        "people",
        "due",
        "deadline",
        "status",
        "state",
        "progress",
        "happening",
        "happen",
    ]
)
OVERLOAD_WORDS = frozenset(
    ["overloaded", "overload", "overworked", "swamped", "stretched", "busiest", "workload", "capacity"]
)

_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")


def stem(word: str) -> str:
    if len(word) > 3 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    return word[:STEM_LENGTH]


def words(text: str) -> list[str]:
    """Lower-case words; a hyphenated word also yields its parts and its joined form (Wi-Fi → wi, fi, wifi)."""
    out = []
    for w in _WORD.findall((text or "").lower()):
        w = w.removesuffix("'s")
        out.append(w)
        if "-" in w or "'" in w:
            parts = re.split(r"[-']", w)
            out += parts + ["".join(parts)]
    return out


def stems_of(text: str) -> set[str]:
    return {stem(w) for w in words(text)}


def matches(term_stem: str, node_stems: set[str]) -> bool:
    if term_stem in node_stems:
        return True
    # A short stem ("dock") is the start of a longer one ("docking" → "dockin").
    return len(term_stem) >= 4 and any(
        s.startswith(term_stem) or (len(s) >= 4 and term_stem.startswith(s)) for s in node_stems
    )


@dataclass
class KeyTerms:
    words: list[str] = field(default_factory=list)  # content words, as typed (for "I looked for …")
    entities: list[str] = field(default_factory=list)  # people, teams, agents named in the question
    overload: bool = False
    entity_stems: dict[str, set[str]] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.words) + len(self.entities) + (1 if self.overload else 0)


def key_terms(question: str, directory) -> KeyTerms:
    named = [i for _, i in directory.find(question)]
    entities = [i for i in named if directory.by_id[i].type in ("person", "team", "agent")]
    result = KeyTerms(entities=entities)
    name_stems = set()
    for entity_id in entities:
        result.entity_stems[entity_id] = stems_of(directory.by_id[entity_id].label)
        name_stems |= result.entity_stems[entity_id]
    seen = set()
    previous = ""
    for raw in _WORD.findall(question.lower()):
        raw, after_how, previous = raw.removesuffix("'s"), previous == "how", raw
        if after_how:
            continue  # "how long / fast / often / big": the shape of the answer, not its subject
        # "Wi-Fi", "AMR-400": the joined form is the term (a node's words include it too).
        w = "".join(re.split(r"[-']", raw))
        if raw in STOPWORDS or raw in QUESTION_WORDS or raw in RELATION_WORDS or len(w) < 2:
            continue
        if w in OVERLOAD_WORDS:
            result.overload = True
            continue
        s = stem(w)
        if s in name_stems or s in seen:
            continue
        seen.add(s)
        result.words.append(w)
    return result


def node_text(node: Mapping[str, Any], names: dict[str, str] | None = None) -> str:
    """The words a node is known by: label, team, and the text fields of its extras."""
    extras = node.get("extras") or {}
    parts = [
        node.get("label") or "",
        node.get("team") or "",
        node.get("department") or "",
        # "open commitments", "blocked", "answered questions" name a node's type and status
        node.get("type") or "",
        node.get("status") or "",
        "open" if node.get("status") in ("active", "blocked", "open") else "",
    ]
    for key, value in extras.items():
        if key in ("email",) or key.endswith("_id") or key in ("decided_by", "asked_by"):
            continue
        if isinstance(value, str):
            parts += [key, value]  # the field's name too: "their mission", "the rationale"
        elif isinstance(value, list):
            parts += [key] + [v for v in value if isinstance(v, str)]
    return " ".join(parts)


def coverage(
    terms: KeyTerms, node: Mapping[str, Any], similarity: float | None = None, linked: dict[str, set[str]] | None = None
) -> float:
    """Share of the key terms the node covers, plus the similarity bonus (capped at 1). A named
    person/team/agent is covered by itself, by the nodes linked to it (``linked``: entity id →
    neighbour ids) and by a node whose text carries its name."""
    if terms.size == 0:
        return 1.0
    node_stems = stems_of(node_text(node))
    covered = 1 if terms.overload else 0
    for entity_id in terms.entities:
        if (
            node["id"] == entity_id
            or node["id"] in (linked or {}).get(entity_id, ())
            or terms.entity_stems.get(entity_id, {""}) <= node_stems
        ):
            covered += 1
    covered += sum(1 for w in terms.words if matches(stem(w), node_stems))
    share = covered / terms.size
    if similarity is not None and similarity > SIMILARITY_FLOOR:
        share += SIMILARITY_WEIGHT * (similarity - SIMILARITY_FLOOR)
    return min(share, 1.0)


def covered_words(terms: KeyTerms, node: dict) -> list[str]:
    node_stems = stems_of(node_text(node))
    return [w for w in terms.words if matches(stem(w), node_stems)]


def lexical_candidates(terms: KeyTerms) -> list[tuple[str, float, str]]:
    """(id, coverage, type) of nodes whose label or extras contain a key term's stem, best first."""
    if not terms.words:
        return []
    stems = [stem(w) for w in terms.words if len(stem(w)) >= 3]
    if not stems:
        return []
    condition = reduce(or_, (Q(label__icontains=s) | Q(extras__icontains=s) for s in stems))
    rows = list(
        Node.objects.filter(condition).values("id", "type", "status", "label", "team", "department", "extras")[:400]
    )
    scored = [(coverage(terms, row), row["id"], row["type"]) for row in rows]
    scored.sort(key=lambda triple: (-triple[0], triple[1]))
    return [(node_id, score, kind) for score, node_id, kind in scored[:LEXICAL_CANDIDATES] if score > 0]
