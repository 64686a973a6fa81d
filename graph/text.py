"""Words of a text: the content words every analysis and Ask compare (stopwords dropped), and
their overlap — the fallback when embeddings are missing."""

from __future__ import annotations

import re

_WORD = re.compile(r"[a-z0-9][a-z0-9.\-']*")
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "has",
        "have",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "that",
        "the",
        "their",
        "this",
        "to",
        "was",
        "we",
        "were",
        "will",
        "with",
        "all",
        "our",
        "about",
        "into",
        "than",
        "then",
        "there",
        "these",
        "they",
        "those",
    ]
)


def tokens(text: str) -> list[str]:
    """Lower-case content words (stopwords dropped, trailing punctuation stripped)."""
    words = (w.strip(".-'") for w in _WORD.findall((text or "").lower()))
    return [w for w in words if w and w not in STOPWORDS]


def text_similarity(a: str, b: str) -> float:
    """Jaccard overlap of content words — the fallback when embeddings are missing."""
    ta, tb = set(tokens(a)), set(tokens(b))
    if not ta or not tb:
        return 0.0
    return len(ta & tb) / len(ta | tb)
