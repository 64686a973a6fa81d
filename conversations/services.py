"""Ask NEXUS: answer a question and store both turns of the conversation."""

from __future__ import annotations

import uuid

from django.db import transaction

from common.errors import NotFound
from conversations import answering, offline_answers
from conversations.models import ConversationTurn
from conversations.selectors import conversation_turns
from graph.directory import Directory
from graph.models import Node
from graph.selectors import node_values


def new_conversation_id() -> str:
    return f"conv-{uuid.uuid4().hex[:16]}"


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)  # NULL freshness: stored by SQL, unknown


def _citations(node_ids: list[str], similarity: dict[str, float]) -> list[dict]:
    rows = {r["id"]: r for r in node_values(Node.objects.filter(id__in=node_ids))}
    return [
        {
            "id": i,
            "type": rows[i]["type"],
            "label": rows[i]["label"],
            "current_freshness": _rounded(rows[i]["current_freshness"]),
            "similarity": similarity.get(i),
        }
        for i in node_ids
        if i in rows
    ]


def answer_question(*, question: str, conversation_id: str | None = None) -> dict:
    """Answer from the graph (LLM when available, extractive otherwise) and store the two turns.
    An unknown conversation_id is a 404, never a silent new conversation."""
    history = []
    if conversation_id:
        history = [{"role": t.role, "content": t.content} for t in conversation_turns(conversation_id=conversation_id)]
        if not history:
            raise NotFound(f"No conversation with id {conversation_id!r}.")
    else:
        conversation_id = new_conversation_id()

    directory = Directory.load()
    effective, carried = answering.resolve_follow_up(question, history, directory)
    names = dict(Node.objects.filter(type__in=("person", "team", "agent")).values_list("id", "label"))
    retrieval = answering.retrieve(effective, directory, carried=carried)
    cached = answering.cached_answer(effective)
    abstained = cached is None and not retrieval.answerable
    reply = None if abstained else answering.llm_answer(question, retrieval, history, names)  # None offline
    if abstained:
        # Nothing retrieved is about the question: say so, cite nothing (no model call either).
        mode, source, answer, cited = "offline", "graph", offline_answers.abstain(effective, retrieval, names), []
    elif reply is not None:
        mode, source, answer = "llm", "llm", reply.text
        cited = list(dict.fromkeys(answering.NODE_ID.findall(answer)))
        known = {n["id"] for n in retrieval.nodes}
        cited = [i for i in cited if i in known] or [n["id"] for n in retrieval.nodes[:3]]
    elif cached is not None:
        mode, source, answer, cited = "offline", "ask_cache", cached["answer"], list(cached.get("node_ids") or [])
    else:
        mode, source = "offline", "graph"
        answer, cited = offline_answers.compose(effective, retrieval, names)

    with transaction.atomic():
        user_turn = ConversationTurn.objects.create(id=conversation_id, role="user", content=question)
        assistant_turn = ConversationTurn.objects.create(id=conversation_id, role="assistant", content=answer)
    return {
        "conversation_id": conversation_id,
        "question": question,
        "interpreted_as": effective,
        "answer": answer,
        "mode": mode,
        "source": source,
        "citations": _citations(cited, retrieval.similarity),
        "abstained": abstained,
        "looked_for": retrieval.terms.words + retrieval.terms.entities,
        "turns": [user_turn.seq, assistant_turn.seq],
    }
