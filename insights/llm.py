"""The one LLM client: OpenAI chat over plain HTTP (urllib, no extra dependency).

``chat()`` returns an :class:`LlmReply` when a model answered (or a cached answer exists) and
``None`` when NEXUS is offline (no ``OPENAI_API_KEY``) or the call failed — callers then use their
rule-based path and label the response ``"mode": "offline"``. Failures never raise: a timeout or
an API error logs one warning (never the key) and falls back.

Every real call writes one ``llm_usage`` row (insights.llm_usage). Answers are cached in memory
for five minutes keyed by model + prompt — on purpose per process, so a restart forgets them;
a cache hit records no usage because nothing was paid for.
"""
from __future__ import annotations

import hashlib
import http.client
import json
import logging
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings

from insights.llm_usage import record_usage

logger = logging.getLogger("nexus.llm")

CACHE_TTL_SECONDS = 300.0
CACHE_MAX_ENTRIES = 1024

_cache: dict[str, tuple[float, "LlmReply"]] = {}
_cache_lock = threading.Lock()


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
    with _cache_lock:
        _cache.clear()


def _cache_key(model: str, messages: list[dict], json_mode: bool) -> str:
    raw = json.dumps({"model": model, "messages": messages, "json": json_mode}, sort_keys=True)
    return hashlib.sha256(raw.encode()).hexdigest()


def _cache_get(key: str) -> LlmReply | None:
    with _cache_lock:
        hit = _cache.get(key)
        if hit is None:
            return None
        expires, reply = hit
        if expires < time.monotonic():
            del _cache[key]
            return None
        return reply


def _cache_put(key: str, reply: LlmReply) -> None:
    with _cache_lock:
        if len(_cache) >= CACHE_MAX_ENTRIES:  # drop the oldest entry; the cache is a cost saver only
            _cache.pop(next(iter(_cache)))
        _cache[key] = (time.monotonic() + CACHE_TTL_SECONDS, reply)


def _post(url: str, payload: dict) -> dict:
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode(), method="POST",
        headers={"Authorization": f"Bearer {settings.OPENAI_API_KEY}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=settings.OPENAI_TIMEOUT_SECONDS) as response:
        return json.loads(response.read().decode())


def chat(*, messages: list[dict], task_type: str, max_tokens: int = 600, temperature: float = 0.2,
         json_mode: bool = False) -> LlmReply | None:
    """One chat completion, or None when offline / failed (the caller falls back)."""
    if not is_available():
        return None
    model = settings.OPENAI_CHAT_MODEL
    key = _cache_key(model, messages, json_mode)
    cached = _cache_get(key)
    if cached is not None:
        return LlmReply(cached.text, cached.model, cached.input_tokens, cached.output_tokens, cached=True)
    payload = {"model": model, "messages": messages, "max_tokens": max_tokens, "temperature": temperature}
    if json_mode:
        payload["response_format"] = {"type": "json_object"}
    url = settings.OPENAI_BASE_URL.rstrip("/") + "/chat/completions"
    try:
        body = _post(url, payload)
        text = body["choices"][0]["message"]["content"] or ""
        usage = body.get("usage") or {}
        input_tokens = int(usage.get("prompt_tokens") or 0)
        output_tokens = int(usage.get("completion_tokens") or 0)
    except urllib.error.HTTPError as exc:
        logger.warning("OpenAI chat (%s) failed with HTTP %s; using the offline path", task_type, exc.code)
        return None
    except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:  # timeouts are OSErrors too
        reason = getattr(exc, "reason", exc)
        logger.warning("OpenAI chat (%s) unreachable or timed out (%s); using the offline path",
                       task_type, type(reason).__name__)
        return None
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        logger.warning("OpenAI chat (%s) returned an unexpected body (%s); using the offline path",
                       task_type, type(exc).__name__)
        return None
    record_usage(model=model, input_tokens=input_tokens, output_tokens=output_tokens, task_type=task_type)
    reply = LlmReply(text=text, model=model, input_tokens=input_tokens, output_tokens=output_tokens)
    _cache_put(key, reply)
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
