"""The one LLM client: OpenAI chat through common.openai_client (httpx).

``chat()`` returns an :class:`LlmReply` when a model answered (or a cached answer exists) and
``None`` when NEXUS is offline (no ``OPENAI_API_KEY``) or the call failed — callers then use their
rule-based path and label the response ``"mode": "offline"``. Failures never raise: a timeout or
an API error logs one warning (never the key) and falls back.

Every real call writes one ``llm_usage`` row (insights.llm_usage). Answers are cached for five
minutes keyed by model + prompt in Django's cache ``llm`` (local memory: per process on purpose, so
a restart forgets them); a cache hit records no usage because nothing was paid for.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches

from common import openai_client
from insights.llm_usage import record_usage

logger = logging.getLogger("nexus.llm")

CACHE_ALIAS = "llm"
CACHE_TTL_SECONDS = 300.0


@dataclass(frozen=True)
class LlmReply:
    text: str
    model: str
    input_tokens: int = 0
    output_tokens: int = 0
    cached: bool = False
    mode: str = "llm"


def is_available() -> bool:
    return bool(settings.OPENAI_API_KEY)


def cache_clear() -> None:
    caches[CACHE_ALIAS].clear()


def _cache_key(model: str, messages: list[dict], json_mode: bool) -> str:
    raw = json.dumps({"model": model, "messages": messages, "json": json_mode}, sort_keys=True)
    return "chat:" + hashlib.sha256(raw.encode()).hexdigest()


def chat(
    *, messages: list[dict], task_type: str, max_tokens: int = 600, temperature: float = 0.2, json_mode: bool = False
) -> LlmReply | None:
    """One chat completion, or None when offline / failed (the caller falls back)."""
    if not is_available():
        return None
    model = settings.OPENAI_CHAT_MODEL
    key = _cache_key(model, messages, json_mode)
    cached = caches[CACHE_ALIAS].get(key)
    if cached is not None:
        return LlmReply(cached.text, cached.model, cached.input_tokens, cached.output_tokens, cached=True)
    payload = {"model": model, "messages": messages, "max_tokens": max_tokens, "temperature": temperature}
    if json_mode:
        payload["response_format"] = {"type": "json_object"}
    try:
        body = openai_client.post(
            base_url=settings.OPENAI_BASE_URL,
            path="/chat/completions",
            payload=payload,
            api_key=settings.OPENAI_API_KEY,
            timeout=settings.OPENAI_TIMEOUT_SECONDS,
        )
        text = body["choices"][0]["message"]["content"] or ""
        usage = body.get("usage") or {}
        input_tokens = int(usage.get("prompt_tokens") or 0)
        output_tokens = int(usage.get("completion_tokens") or 0)
    except openai_client.OpenAIFailure as exc:
        if exc.status:
            logger.warning("OpenAI chat (%s) failed with HTTP %s; using the offline path", task_type, exc.status)
        else:
            logger.warning(
                "OpenAI chat (%s) %s (%s); using the offline path",
                task_type,
                "returned an unusable body" if exc.reason == "bad_body" else "unreachable or timed out",
                type(exc.__cause__).__name__ if exc.__cause__ else exc.reason,
            )
        return None
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        logger.warning(
            "OpenAI chat (%s) returned an unexpected body (%s); using the offline path", task_type, type(exc).__name__
        )
        return None
    record_usage(model=model, input_tokens=input_tokens, output_tokens=output_tokens, task_type=task_type)
    reply = LlmReply(text=text, model=model, input_tokens=input_tokens, output_tokens=output_tokens)
    caches[CACHE_ALIAS].set(key, reply, timeout=CACHE_TTL_SECONDS)
    return reply


def chat_json(*, messages: list[dict], task_type: str, max_tokens: int = 800) -> tuple[dict | None, LlmReply | None]:
    """A chat call that must return a JSON object; (None, reply) when the model's JSON is unusable."""
    reply = chat(messages=messages, task_type=task_type, max_tokens=max_tokens, json_mode=True)
    if reply is None:
        return None, None
    try:
        data = json.loads(reply.text)
    except ValueError:
        logger.warning("OpenAI chat (%s) returned invalid JSON; using the offline path", task_type)
        return None, reply
    return (data if isinstance(data, dict) else None), reply
