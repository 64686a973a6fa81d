"""The one server-side Supabase client.

* ``get_supabase()`` → one ``supabase`` async client per process, created lazily from
  SUPABASE_URL + SUPABASE_SERVICE_KEY (the service key never leaves the server) and reused.
  An httpx client bound to one event loop cannot serve another, so a call from a different
  (e.g. a fresh ``asyncio.run``) loop replaces it; within a server process it is created once.
* ``close_supabase()`` closes it; an ``atexit`` hook closes it at interpreter shutdown.
* Without configuration every helper raises ``SupabaseNotConfigured`` ("Supabase not
  configured") and nothing else in NEXUS changes.
* ``supabase_health()`` answers for /api/health: whether Supabase's REST and Realtime endpoints
  answer, checked concurrently under a hard timeout and cached briefly, so a slow or dead
  Supabase never slows the health endpoint down by more than ``timeout``.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from dataclasses import dataclass
from typing import Any

import httpx
from django.conf import settings

logger = logging.getLogger("nexus.supabase")

NOT_CONFIGURED = "Supabase not configured"
REQUEST_TIMEOUT_SECONDS = 10.0
HEALTH_CACHE_SECONDS = 15.0


class SupabaseNotConfigured(RuntimeError):
    def __init__(self) -> None:
        super().__init__(f"{NOT_CONFIGURED}: set SUPABASE_URL and SUPABASE_SERVICE_KEY.")


@dataclass(frozen=True)
class SupabaseConfig:
    url: str
    anon_key: str
    service_key: str

    @property
    def rest_url(self) -> str:
        return f"{self.url}/rest/v1"

    @property
    def realtime_url(self) -> str:
        return f"{self.url}/realtime/v1"


def supabase_config() -> SupabaseConfig | None:
    """The project settings, or None when Supabase is not configured for server use."""
    url = (getattr(settings, "SUPABASE_URL", "") or "").rstrip("/")
    service_key = getattr(settings, "SUPABASE_SERVICE_KEY", "") or ""
    if not url or not service_key:
        return None
    return SupabaseConfig(url=url, anon_key=getattr(settings, "SUPABASE_ANON_KEY", "") or "", service_key=service_key)


def is_configured() -> bool:
    return supabase_config() is not None


# ── the singleton ────────────────────────────────────────────────────────────
_client = None
_client_loop: asyncio.AbstractEventLoop | None = None
_http: httpx.AsyncClient | None = None
_lock = asyncio.Lock()
_lock_loop: asyncio.AbstractEventLoop | None = None
created_count = 0  # how many clients this process has created (observable in tests)


async def get_supabase():
    """The process's ``supabase.AsyncClient`` (service role), created on first use."""
    global _client, _client_loop, _http, _lock, _lock_loop, created_count
    config = supabase_config()
    if config is None:
        raise SupabaseNotConfigured()
    loop = asyncio.get_running_loop()
    if _client is not None and _client_loop is loop:
        return _client
    if _lock_loop is not loop:
        _lock, _lock_loop = asyncio.Lock(), loop  # an asyncio.Lock belongs to one loop too
    async with _lock:
        if _client is not None and _client_loop is loop:
            return _client
        if _client is not None:  # created on a loop that is gone: replace it
            await _discard_stale()
        from supabase import AsyncClientOptions, create_async_client

        _http = httpx.AsyncClient(timeout=REQUEST_TIMEOUT_SECONDS)
        options = AsyncClientOptions(httpx_client=_http, auto_refresh_token=False, persist_session=False)
        _client = await create_async_client(config.url, config.service_key, options=options)
        _client_loop = loop
        created_count += 1
        logger.info("Supabase client created for %s", config.url)
        return _client


async def _discard_stale() -> None:
    global _client, _client_loop, _http
    http, _client, _client_loop, _http = _http, None, None, None
    if http is not None:
        try:
            await http.aclose()
        except Exception:  # its loop is closed; the sockets go with it
            pass


async def close_supabase() -> None:
    """Close the client (its HTTP pool and any Realtime socket). Safe to call twice."""
    global _client, _client_loop, _http
    client, http = _client, _http
    _client, _client_loop, _http = None, None, None
    if client is not None:
        try:
            await client.realtime.close()
        except Exception:
            pass  # never connected
    if http is not None:
        try:
            await http.aclose()
        except RuntimeError:  # its event loop is already closed; the sockets went with it
            pass


def _close_at_exit() -> None:
    loop = _client_loop
    if _client is None or loop is None:
        return
    try:
        if loop.is_closed():
            return
        if loop.is_running():
            asyncio.run_coroutine_threadsafe(close_supabase(), loop).result(timeout=2)
        else:
            loop.run_until_complete(close_supabase())
    except Exception:  # shutting down: nothing useful left to do with an error
        pass


atexit.register(_close_at_exit)


# ── typed helpers for the calls NEXUS makes ──────────────────────────────────
async def fetch_rows(
    table: str, *, columns: str = "*", limit: int = 100, filters: dict[str, Any] | None = None
) -> list[dict]:
    """Rows of ``table`` through PostgREST as service_role (``filters``: column → equal value)."""
    client = await get_supabase()
    query = client.table(table).select(columns).limit(limit)
    for column, value in (filters or {}).items():
        query = query.eq(column, value)
    return (await query.execute()).data


async def count_rows(table: str) -> int:
    client = await get_supabase()
    response = await client.table(table).select("*", count="exact", head=True).execute()
    return int(response.count or 0)


async def search_similar_nodes(
    *, query_embedding: list[float], match_count: int = 10, similarity_threshold: float = 0.0
) -> list[dict]:
    """The database's ``search_similar_nodes`` through PostgREST RPC (service_role only)."""
    client = await get_supabase()
    response = await client.rpc(
        "search_similar_nodes",
        {
            "query_embedding": "[" + ",".join(f"{x:.7g}" for x in query_embedding) + "]",
            "match_count": match_count,
            "similarity_threshold": similarity_threshold,
        },
    ).execute()
    return response.data


# ── health ───────────────────────────────────────────────────────────────────
_health_cache: tuple[float, float, dict] | None = None  # (timestamp, timeout, result)
_health_lock = threading.Lock()
_health_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="supabase-health")
_health_inflight: dict[str, Any] = {}


def _probe(url: str, key: str, timeout: float) -> dict:
    started = time.monotonic()
    try:
        response = httpx.get(url, headers={"apikey": key, "Authorization": f"Bearer {key}"}, timeout=timeout)
    except httpx.TimeoutException:
        return {"ok": False, "error": "timeout"}
    except httpx.HTTPError as exc:
        return {"ok": False, "error": type(exc).__name__}
    # Any answer below 500 means the service is up (the REST root may answer 401 to the anon key).
    return {
        "ok": response.status_code < 500,
        "status": response.status_code,
        "ms": round((time.monotonic() - started) * 1000, 1),
    }


def supabase_health(timeout: float = 1.0) -> dict:
    """{"configured", "status", "rest", "realtime"}; never takes much longer than ``timeout``."""
    global _health_cache
    config = supabase_config()
    if config is None:
        return {"configured": False, "status": NOT_CONFIGURED}
    now = time.monotonic()
    with _health_lock:
        if _health_cache and now - _health_cache[0] < HEALTH_CACHE_SECONDS:
            return _health_cache[2]
        key = config.anon_key or config.service_key
        targets = {"rest": f"{config.rest_url}/", "realtime": f"{config.realtime_url}/"}
        for name, url in targets.items():
            # A probe still hanging from an earlier call is waited for, not started again.
            future = _health_inflight.get(name)
            if future is None or future.done():
                _health_inflight[name] = _health_pool.submit(_probe, url, key, timeout)
        futures = dict(_health_inflight)
    wait_futures(list(futures.values()), timeout=timeout)
    result: dict[str, Any] = {"configured": True}
    for name, future in futures.items():
        result[name] = future.result() if future.done() else {"ok": False, "error": "timeout"}
    result["status"] = "ok" if all(result[n]["ok"] for n in futures) else "degraded"
    with _health_lock:
        _health_cache = (time.monotonic(), timeout, result)
    return result


def reset_health_cache() -> None:
    global _health_cache
    with _health_lock:
        _health_cache = None
