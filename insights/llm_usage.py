"""The one pricing table and the usage ledger: every OpenAI call writes one llm_usage row."""

from __future__ import annotations

from insights.models import LlmUsage

# USD per 1M tokens (input, output). One place; update here when OpenAI's prices change.
PRICING_PER_MILLION: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1": (2.00, 8.00),
    "text-embedding-3-large": (0.13, 0.0),
    "text-embedding-3-small": (0.02, 0.0),
}


def cost_usd(model: str, input_tokens: int, output_tokens: int) -> float:
    """Cost of one call; unknown models cost 0 and are still recorded (visible in /api/usage)."""
    price_in, price_out = PRICING_PER_MILLION.get(model, (0.0, 0.0))
    return (input_tokens * price_in + output_tokens * price_out) / 1_000_000


def record_usage(*, model: str, input_tokens: int, output_tokens: int, task_type: str) -> LlmUsage:
    return LlmUsage.objects.create(
        model=model,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cost_usd=cost_usd(model, input_tokens, output_tokens),
        task_type=task_type,
    )


def record_embedding_usage(sender, *, model: str, input_tokens: int, task_type: str, **kwargs) -> None:
    """Receiver of graph.embeddings.embedding_usage: embedding calls are paid calls too."""
    record_usage(model=model, input_tokens=input_tokens, output_tokens=0, task_type=task_type)
