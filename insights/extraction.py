"""Info Drop, step 1: text → statements with type, people, teams, topics, owner and due date.

Offline it is rule-based and deterministic; with an LLM the model proposes the same structure and
every id it returns is checked against the graph (unknown ids are dropped, never invented).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from graph.directory import Directory
from graph.text import tokens
from insights import dates, llm

MAX_ITEMS = 50
LABEL_MAX = 300
ITEM_TYPES = ("fact", "decision", "commitment", "question")

_DECISION = re.compile(
    r"\b(decided|decision|we will standardi[sz]e|standardi[sz]e on|we are standardi[sz]ing|agreed to|"
    r"has been approved|approved|we chose|we will adopt|going forward we will)\b",
    re.I,
)
# Saying who will do something: the owner is the person named before these words.
_COMMIT_VERB = re.compile(
    r"\b(will|shall|is going to|are going to|(?:has |have )?committed to|commits? to|promised(?: to)?|"
    r"pledged to|agreed to deliver|owes? us|signed up to)\b",
    re.I,
)
# Unmistakably a promise, even beside decision words ("agreed to deliver").
_STRONG_COMMITMENT = re.compile(
    r"\b(committed to|commits? to|promised|pledged to|agreed to deliver|will deliver)\b", re.I
)
_DUE = re.compile(r"\b(by|due|before|until|no later than)\b", re.I)
# A sentence ends at . ! ? followed by whitespace (so "38.3" and "v2.3" stay whole) or a newline.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


@dataclass
class Item:
    type: str
    label: str
    people: list[str] = field(default_factory=list)
    teams: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    owner: str | None = None
    due_date: str | None = None


def parse_due_date(text: str, today: date) -> str | None:
    """The first date in the text (ISO, '3 March 2027', 'by Friday', 'in two weeks', 'end of
    month'…), resolved against ``today`` (see insights.dates)."""
    resolved = dates.resolve(text, today)
    return resolved.isoformat() if resolved else None


def split_statements(text: str) -> list[str]:
    out = []
    for part in _SENTENCE_END.split(text):
        s = part.strip(" \t-•*")
        if len(tokens(s)) >= 2:
            out.append(s)
    return out


def classify(sentence: str, *, person_positions: tuple[int, ...] = ()) -> str:
    """question / decision / commitment / fact. A commitment is an explicit promise, or "will …"
    with a deadline word ("by", "due", "before", "until"), or a person named before "will" and a
    date ("Tomasz will ship the fix next Tuesday"), or a person and "by <date>". "The pilot will go
    live on 3 March" stays a fact: nobody promised it."""
    if sentence.rstrip().endswith("?"):
        return "question"
    if _STRONG_COMMITMENT.search(sentence):
        return "commitment"
    if _DECISION.search(sentence):
        return "decision"
    verb = _COMMIT_VERB.search(sentence)
    due = _DUE.search(sentence)
    dated = dates.find_date_phrase(sentence) is not None
    if verb and (due or (dated and any(pos < verb.start() for pos in person_positions))):
        return "commitment"
    if person_positions and due and dated:  # "Priya: calibration report by Friday"
        return "commitment"
    return "fact"


def _clean_label(sentence: str) -> str:
    label = sentence.strip()
    if label.endswith(".") and not label.endswith(".."):
        label = label[:-1]
    return label[:LABEL_MAX]


def extract_offline(text: str, directory: Directory, *, author_id: str | None, today: date) -> list[Item]:
    items = []
    for sentence in split_statements(text)[:MAX_ITEMS]:
        mentions = directory.find(sentence)
        ids = [i for _, i in mentions]
        people = [i for i in ids if directory.by_id[i].type == "person"]
        kind = classify(
            sentence, person_positions=tuple(pos for pos, i in mentions if directory.by_id[i].type == "person")
        )
        item = Item(
            type=kind,
            label=_clean_label(sentence),
            people=people,
            teams=[i for i in ids if directory.by_id[i].type == "team"],
            topics=[i for i in ids if directory.by_id[i].type == "topic"],
        )
        if kind == "commitment":
            verb = _COMMIT_VERB.search(sentence) or _DUE.search(sentence)
            before = [i for pos, i in mentions if directory.by_id[i].type == "person" and verb and pos < verb.start()]
            item.owner = before[-1] if before else (people[0] if people else author_id)
            item.due_date = parse_due_date(sentence, today)
        items.append(item)
    return items


def extract_llm(text: str, directory: Directory, *, author_id: str | None, today: date) -> list[Item] | None:
    """The model's reading of the drop, validated against the graph; None → use the offline path."""
    known = [{"id": e.id, "type": e.type, "name": e.label} for e in directory.by_id.values()]
    prompt = (
        "Split the information into statements and classify each as fact, decision, commitment or question. "
        'Only use ids from the directory. Reply with JSON: {"items": [{"type", "label" (the statement, '
        'concise), "people": [ids], "teams": [ids], "topics": [ids], "owner": id|null, '
        '"due_date": "YYYY-MM-DD"|null}]}.\n'
        f"Today: {today.isoformat()}. Author id: {author_id or 'unknown'}.\nDirectory: {json.dumps(known)}\n"
        f"Information:\n{text}"
    )
    data, _reply = llm.chat_json(
        messages=[
            {"role": "system", "content": "You turn workplace updates into knowledge-graph entries."},
            {"role": "user", "content": prompt},
        ],
        task_type="info_drop",
    )
    if not data or not isinstance(data.get("items"), list):
        return None
    items = []
    for raw in data["items"][:MAX_ITEMS]:
        if not isinstance(raw, dict) or raw.get("type") not in ITEM_TYPES or not isinstance(raw.get("label"), str):
            continue

        def ids(key, kind):
            values = raw.get(key) if isinstance(raw.get(key), list) else []
            return [v for v in values if isinstance(v, str) and getattr(directory.by_id.get(v), "type", None) == kind]

        owner = raw.get("owner")
        if not isinstance(owner, str) or getattr(directory.by_id.get(owner), "type", None) != "person":
            owner = None
        due = raw.get("due_date") if isinstance(raw.get("due_date"), str) else None
        items.append(
            Item(
                type=raw["type"],
                label=_clean_label(raw["label"]),
                people=ids("people", "person"),
                teams=ids("teams", "team"),
                topics=ids("topics", "topic"),
                owner=owner or (author_id if raw["type"] == "commitment" else None),
                due_date=parse_due_date(due, today) if due else None,
            )
        )
    return items or None


def default_due(today: date) -> str:
    return (today + timedelta(days=14)).isoformat()
