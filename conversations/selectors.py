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
    turns = ConversationTurn.objects.filter(id__in=conversation_ids, seq__in=seqs)
    return {t.id: t for t in turns}
