"""Reads of conversations (composite key (id, seq): explicit lookups, never .pk)."""

from __future__ import annotations

from django.db.models import Count, Max

from conversations.models import ConversationTurn


def conversation_turns(*, conversation_id: str):
    if "\x00" in conversation_id:  # PostgreSQL text cannot hold NUL: no such conversation exists
        return ConversationTurn.objects.none()
    return ConversationTurn.objects.filter(id=conversation_id).order_by("seq")


def conversations_recent():
    """One row per conversation, most recently active first: turn count and last seq/time."""
    return (
        ConversationTurn.objects.values("id")
        .annotate(turn_count=Count("seq"), last_seq=Max("seq"), last_at=Max("created_at"))
        .order_by("-last_seq")
    )


def last_turns(*, conversation_ids: list[str], seqs: list[int]) -> dict[str, ConversationTurn]:
    # seq comes from one sequence for all conversations, so each seq names exactly one turn
    turns = ConversationTurn.objects.filter(id__in=conversation_ids, seq__in=seqs)
    return {t.id: t for t in turns}


def turn_row(turn: ConversationTurn) -> dict:
    return {"seq": turn.seq, "role": turn.role, "content": turn.content, "created_at": turn.created_at}


def conversation_detail(*, conversation_id: str) -> dict | None:
    """A conversation with all its turns in order, or None when it has none (it does not exist)."""
    turns = [turn_row(t) for t in conversation_turns(conversation_id=conversation_id)]
    return {"id": conversation_id, "turns": turns} if turns else None


def conversation_summaries(rows: list[dict]) -> list[dict]:
    """A page of ``conversations_recent`` rows, each with its last turn (one query for the page)."""
    last = last_turns(conversation_ids=[r["id"] for r in rows], seqs=[r["last_seq"] for r in rows])
    return [
        {
            "id": r["id"],
            "turn_count": r["turn_count"],
            "last_at": r["last_at"],
            "last_turn": turn_row(last[r["id"]]) if r["id"] in last else None,
        }
        for r in rows
    ]
