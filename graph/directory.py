"""The graph's named things — people, teams, topics, agents — found in free text by name
(case-insensitive, whole words). Info Drop and Ask both read text against it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from graph.models import Node
from graph.text import STOPWORDS, tokens

# "Priya from Robotics", "Sam in Field Deployment": a first name and the team, department or division.
_QUALIFIED = re.compile(r"\b([A-Z][a-z]+)\s+(?:from|in|on|of)\s+(?:the\s+)?([A-Z][\w&-]*(?:\s+&?\s*[A-Z][\w&-]*)*)")


@dataclass
class Entity:
    id: str
    type: str
    label: str
    team: str | None = None
    department: str | None = None
    division: str | None = None


class Directory:
    """People, teams, topics and agents of the graph, matched by name (case-insensitive, whole words);
    a first name alone counts when exactly one person has it."""

    def __init__(self, entities: list[Entity]):
        self.by_id = {e.id: e for e in entities}
        # One alternation over every name (longest first, so "Rebecca Holloway" beats "Rebecca"):
        # a single scan of the text whatever the size of the organisation.
        self.names: dict[str, list[str]] = {}
        first_names: dict[str, list[str]] = {}
        for e in entities:
            self.names.setdefault(e.label.lower(), []).append(e.id)
            if e.type == "person":
                first_names.setdefault(e.label.split()[0].lower(), []).append(e.id)
        for name, ids in first_names.items():
            if len(ids) == 1 and len(name) >= 3 and name not in STOPWORDS and name not in self.names:
                self.names[name] = ids
        alternation = "|".join(re.escape(n) for n in sorted(self.names, key=len, reverse=True) if n)
        self.pattern = re.compile(rf"(?<![\w-])(?:{alternation})(?![\w-])", re.I) if alternation else None
        # Topics also match on a distinctive first word ("Halden", "ROS", "AMR-400") or on two
        # distinctive words; a word shared by several topic names is not distinctive.
        # A word that also names a team, person or agent ("Fleet" in Fleet Orchestration) is not
        # distinctive either.
        topics = [e for e in entities if e.type == "topic"]
        counts: dict[str, int] = {}
        for e in entities:
            for w in set(tokens(e.label)):
                counts[w] = counts.get(w, 0) + (1 if e.type == "topic" else 2)
        self.topic_words = {t.id: [w for w in tokens(t.label) if counts[w] == 1] for t in topics}
        self.people_by_first: dict[str, list[Entity]] = {}
        for e in entities:
            if e.type == "person":
                self.people_by_first.setdefault(e.label.split()[0].lower(), []).append(e)

    def qualified_person(self, first: str, unit: str) -> str | None:
        """The one person with this first name whose team, department or division matches the unit
        ("Priya" + "Robotics" → the Priya in Robotics Platform); None when none or several do."""
        unit_words = {w for w in tokens(unit) if len(w) >= 3}
        if not unit_words:
            return None
        hits = [
            e
            for e in self.people_by_first.get(first.lower(), ())
            if unit_words & set(tokens(" ".join(filter(None, (e.team, e.department, e.division)))))
        ]
        return hits[0].id if len(hits) == 1 else None

    @classmethod
    def load(cls) -> Directory:
        rows = Node.objects.filter(type__in=("person", "team", "topic", "agent")).values_list(
            "id", "type", "label", "team", "department", "division"
        )
        return cls([Entity(*row) for row in rows])

    def find(self, text: str) -> list[tuple[int, str]]:
        """(position, id) of every entity mentioned, in text order, each id once."""
        hits: dict[str, int] = {}
        for m in self.pattern.finditer(text) if self.pattern else ():
            for entity_id in self.names.get(m.group(0).lower(), ()):
                hits.setdefault(entity_id, m.start())
        for m in _QUALIFIED.finditer(text):
            person = self.qualified_person(m.group(1), m.group(2))
            if person is not None and not any(hits.get(p) == m.start() for p in hits):
                hits.setdefault(person, m.start())
        words = set(tokens(text))
        for topic_id, distinctive in self.topic_words.items():
            if topic_id in hits or not distinctive:
                continue
            first = tokens(self.by_id[topic_id].label)[0]
            if (first in distinctive and first in words and len(first) >= 3) or len(words & set(distinctive)) >= 2:
                hits[topic_id] = text.lower().find(first) if first in words else 0
        return sorted((pos, i) for i, pos in hits.items())
