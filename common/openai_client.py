"""The one HTTP client for OpenAI's API (chat completions in insights.llm, embeddings in
graph.embeddings), on httpx: one connection pool per process, the API key only in a header.

``post`` returns the decoded JSON body or raises ``OpenAIFailure`` saying why without the key:
an HTTP status, unreachable (refused, timed out, hung up) or an unusable body. Callers decide what a
failure means (the chat falls back to offline; an embedding write answers 503).
"""

from __future__ import annotations

import threading

import httpx


class OpenAIFailure(Exception):
    def __init__(self, reason: str, *, status: int | None = None):
        super().__init__(reason)
        self.reason = reason  # "http" | "unreachable" | "bad_body"
        self.status = status

    def describe(self) -> str:
        return f"HTTP {self.status}" if self.status else self.reason


_client: httpx.Client | None = None
_client_lock = threading.Lock()


def _shared_client() -> httpx.Client:
    global _client
    with _client_lock:
        if _client is None:
            _client = httpx.Client(headers={"Content-Type": "application/json"})
        return _client


def post(*, base_url: str, path: str, payload: dict, api_key: str, timeout: float) -> dict:
    url = base_url.rstrip("/") + path
    try:
        response = _shared_client().post(
            url, json=payload, timeout=timeout, headers={"Authorization": f"Bearer {api_key}"}
        )
    except httpx.TransportError as exc:  # connect / read timeouts, refused, reset, hung up
        raise OpenAIFailure("unreachable", status=None) from exc
    if response.status_code != 200:
        raise OpenAIFailure("http", status=response.status_code)
    try:
        body = response.json()
    except ValueError:
        raise OpenAIFailure("bad_body") from None
    if not isinstance(body, dict):
        raise OpenAIFailure("bad_body")
    return body
