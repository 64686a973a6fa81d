"""One LISTEN connection per server process, fanning change-log rows out to its websockets.

Postgres is the bus: triggers append to ``realtime_changes`` and NOTIFY the id; every
server process LISTENs, reads the rows after its cursor in id order and hands them to its own
consumers' in-process queues — no Channels layer (its default capacity drops bursts). Started
lazily by the first websocket (daphne has no ASGI lifespan). After the database goes away the
bridge reconnects by itself and reads on from its cursor, so connected clients miss nothing.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Protocol

import psycopg
from django.conf import settings

from graph.realtime import events, registry
from graph.realtime.services import PRUNE_SQL

logger = logging.getLogger("nexus.realtime")

BATCH = 2000
FAN_OUT_RUN = 100  # changes offered to every client before their frames are written and the loop runs
IDLE_POLL_SECONDS = 5.0  # also re-reads the log, in case a NOTIFY was lost
HOLD_POLL_SECONDS = 0.05  # while a gap may still be filled by a running transaction
PRUNE_EVERY_SECONDS = 600
_DJANGO_ONLY = (
    "cursor_factory",
    "context",
    "prepare_threshold",
    "server_side_binding",
    "isolation_level",
    "assume_role",
    "pool",
)


class Subscriber(Protocol):
    def offer(self, change: events.Change, columns: dict[str, list[dict]]) -> None: ...

    def flush(self) -> None: ...


def gap_timeout_seconds() -> float:
    return float(getattr(settings, "REALTIME_GAP_TIMEOUT_SECONDS", 30.0))


def connection_kwargs(*, may_start_embedded: bool) -> dict:
    """psycopg arguments from Django's default connection, read now (tests rename the database).

    The embedded backend's get_connection_params() also starts the embedded server; on reconnects
    we use the plain PostgreSQL parameters so a restart in progress is awaited, not raced.
    """
    from django.db import connections
    from django.db.backends.postgresql.base import DatabaseWrapper as PostgresWrapper

    wrapper = connections["default"]
    params = wrapper.get_connection_params() if may_start_embedded else PostgresWrapper.get_connection_params(wrapper)
    params = {k: v for k, v in params.items() if k not in _DJANGO_ONLY and v is not None}
    params.setdefault("connect_timeout", 5)
    # A silently dead TCP peer (no RST) is noticed within ~25 s instead of the kernel's hours.
    params.update(
        {
            k: v
            for k, v in (
                ("keepalives", 1),
                ("keepalives_idle", 10),
                ("keepalives_interval", 5),
                ("keepalives_count", 3),
            )
            if k not in params
        }
    )
    params["application_name"] = "nexus-realtime"
    return params


class ChangeBridge:
    def __init__(self):
        self.subscribers: set[Subscriber] = set()
        self.cursor: int | None = None
        self.columns: dict[str, list[dict]] = {}
        self.connected = False
        self.reconnects = 0
        self.delivered = 0
        self._late_gaps: list[events.Gap] = []
        self._held = False
        self._notified_max = 0
        self._task: asyncio.Task | None = None
        self._ready = asyncio.Event()  # a new one per event loop (ensure_started)
        self._loop = None
        self._ever_connected = False
        self._last_prune = 0.0
        self._last_error: str | None = None

    # ── lifecycle ──
    def add(self, subscriber: Subscriber) -> None:
        self.subscribers.add(subscriber)

    def remove(self, subscriber: Subscriber) -> None:
        self.subscribers.discard(subscriber)

    async def ensure_started(self, timeout: float = 5.0) -> bool:
        """Start the listener on this event loop if needed; wait until it has a cursor."""
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done() or self._loop is not loop:
            self._loop = loop
            self._ready = asyncio.Event()
            self._task = loop.create_task(self._run(), name="nexus-realtime-bridge")
        if self._ready.is_set():
            return True
        try:
            await asyncio.wait_for(asyncio.shield(self._ready.wait()), timeout)
            return True
        except TimeoutError:
            logger.warning("realtime: database not reachable yet; clients will get changes once it is")
            return False

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass
            self._task = None

    async def _run(self) -> None:
        backoff = 0.1
        while True:
            try:
                params = await asyncio.to_thread(connection_kwargs, may_start_embedded=not self._ever_connected)
                async with await psycopg.AsyncConnection.connect(autocommit=True, **params) as conn:
                    await conn.execute(f"LISTEN {events.NOTIFY_CHANNEL}")
                    await self._load_columns(conn)
                    if self.cursor is None:
                        await self._init_cursor(conn)
                    if self._ever_connected:
                        self.reconnects += 1
                        logger.info("realtime: reconnected; catching up from change %s", self.cursor)
                    self._ever_connected = True
                    self.connected = True
                    self._ready.set()
                    backoff = 0.1
                    self._last_error = None
                    await self._catch_up(conn)  # whatever was committed while we were away
                    await self._listen(conn)
            except asyncio.CancelledError:
                self.connected = False
                raise
            except Exception as exc:  # the database went away or refused us: retry, forever
                reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                if self.connected or reason != self._last_error:  # once per outage, not per retry
                    logger.warning("realtime: database connection lost or refused (%s); retrying", reason)
                self._last_error = reason
                self.connected = False
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 2.0)

    # ── reading ──
    async def _load_columns(self, conn) -> None:
        cur = await conn.execute(events.SELECT_COLUMNS, (list(registry.tables()),))
        columns: dict[str, list[dict]] = {}
        for table, name, type_name in await cur.fetchall():
            columns.setdefault(table, []).append({"name": name, "type": type_name})
        self.columns = columns

    async def _init_cursor(self, conn) -> None:
        """Start after the newest change, still watching gaps below it that a running writer holds."""
        cur = await conn.execute(
            f"SELECT {events._COLUMNS} FROM realtime_changes "
            "WHERE id > (SELECT coalesce(max(id), 0) - 5000 FROM realtime_changes) ORDER BY id"
        )
        rows = [events.Change.from_row(r) for r in await cur.fetchall()]
        self.cursor = rows[-1].id if rows else 0
        if rows:
            self._late_gaps = events.find_gaps(rows[1:], rows[0].id)

    async def _listen(self, conn) -> None:
        while True:
            waiting = self._held or bool(self._late_gaps)
            timeout = HOLD_POLL_SECONDS if waiting else IDLE_POLL_SECONDS
            got = False
            async for notify in conn.notifies(timeout=timeout, stop_after=1):
                got = True
                self._note(notify.payload)
            if got:  # drain what else arrived, so a burst costs one read
                async for notify in conn.notifies(timeout=0.0005):
                    self._note(notify.payload)
            if not got or waiting or self._notified_max > self.cursor:
                await self._catch_up(conn)
            if time.monotonic() - self._last_prune > PRUNE_EVERY_SECONDS:
                await self._prune(conn)

    def _note(self, payload: str) -> None:
        try:
            self._notified_max = max(self._notified_max, int(payload))
        except ValueError:
            pass

    async def _catch_up(self, conn) -> None:
        if self._late_gaps:
            await self._check_late_gaps(conn)
        while True:
            assert self.cursor is not None, "_run sets the cursor before catching up"
            cur = await conn.execute(events.SELECT_AFTER, (self.cursor, BATCH))
            rows = [events.Change.from_row(r) for r in await cur.fetchall()]
            gaps = events.find_gaps(rows, self.cursor)
            running = False
            if gaps:
                running = await self._writers_running(conn)
                if not running:  # new statement, new snapshot: writers that committed meanwhile show
                    rows = events.merge(rows, await self._fetch_ranges(conn, gaps))
            plan = events.plan_delivery(rows, self.cursor, running, gap_timeout_seconds())
            for gap in plan.late_gaps:
                logger.warning(
                    "realtime: ids %s-%s held by a long transaction; delivering past them and the rest when it commits",
                    gap.lo,
                    gap.hi,
                )
            self._late_gaps.extend(plan.late_gaps)
            await self._fan_out(plan.deliver)
            self.cursor = plan.cursor
            self._held = plan.held
            if plan.held or len(rows) < BATCH:
                return

    async def _check_late_gaps(self, conn) -> None:
        running = await self._writers_running(conn)  # before the read: none now → the read is final
        late = []
        for change in await self._fetch_ranges(conn, self._late_gaps):
            for gap in self._late_gaps:
                if gap.lo <= change.id <= gap.hi and change.id not in gap.seen:
                    gap.seen.add(change.id)
                    late.append(change)
        await self._fan_out(late)
        if not running:
            self._late_gaps = []

    async def _writers_running(self, conn) -> bool:
        cur = await conn.execute(events.COUNT_WRITERS, (events.WRITER_LOCK_KEY,))
        return (await cur.fetchone())[0] > 0

    async def _fetch_ranges(self, conn, gaps) -> list[events.Change]:
        cur = await conn.execute(events.SELECT_RANGES, events.gap_bounds(gaps))
        return [events.Change.from_row(r) for r in await cur.fetchall()]

    async def _fan_out(self, changes: list[events.Change]) -> None:
        """Offer changes to every client in runs; each client writes a run's frames at once (one
        socket send per client and run, not per change: under a burst the runs grow, and sends do not)."""
        for start in range(0, len(changes), FAN_OUT_RUN):
            run = changes[start : start + FAN_OUT_RUN]
            self.delivered += len(run)
            for subscriber in list(self.subscribers):
                try:
                    for change in run:
                        subscriber.offer(change, self.columns)
                    subscriber.flush()
                except Exception:  # one broken consumer must not stop the others
                    logger.exception("realtime: delivering changes %s-%s failed", run[0].id, run[-1].id)
            # Let the loop run between runs: transports flush, queued clients drain, and a burst of
            # big rows is not all buffered before any of it is sent.
            await asyncio.sleep(0)

    async def _prune(self, conn) -> None:
        self._last_prune = time.monotonic()
        try:
            await conn.execute(PRUNE_SQL, {"hours": float(settings.REALTIME_RETENTION_HOURS)})
        except psycopg.OperationalError:
            raise
        except Exception:
            logger.exception("realtime: pruning the change log failed")


_bridge: ChangeBridge | None = None


def get_bridge() -> ChangeBridge:
    global _bridge
    if _bridge is None:
        _bridge = ChangeBridge()
    return _bridge
