"""``/realtime/v1/websocket``: the subset of Supabase Realtime's Phoenix protocol that unmodified
@supabase/realtime-js (vsn 2.0.0, array frames) and supabase-py's ``realtime`` (vsn 1.0.0, object
frames) need for postgres_changes.

Frames: ``[join_ref, ref, topic, event, payload]`` (2.0.0) or ``{"join_ref", "ref", "topic",
"event", "payload"}`` (1.0.0). Handled: ``heartbeat`` on topic ``phoenix``; ``phx_join`` on
``realtime:<name>`` with ``config.postgres_changes`` bindings (answered with the bindings and
server ids, then a ``system`` "Subscribed to PostgreSQL" message), each join authenticated
(graph.realtime.access); ``phx_leave``; ``access_token`` (re-checks the topic's identity). Anything else gets a
``phx_reply`` with status ``error`` and a reason; the socket stays open.

Changes come from the process's ChangeBridge, in id order and in runs (what one read of the log
returned). Each distinct frame (topic, matched binding ids, protocol version) is encoded once per
change and shared by every client that gets it. Under daphne a client's frames of one run are
written straight to its connection's transport as one buffer (see wire.py) — one socket send per
client and run, however many changes it holds — while that has less than wire.HIGH_WATER
unflushed; otherwise they wait in this client's own queue, bounded by
REALTIME_CLIENT_QUEUE_MAX_BYTES and _MAX_MESSAGES. A client past a bound is closed with 4008 and
"too slow: resume from your cursor" and resumes with GET /api/realtime/changes.

Incoming frames are bounded (REALTIME_MAX_FRAME_BYTES, nesting), and so are the channels per socket
and the bindings per channel (REALTIME_MAX_JOINS_PER_SOCKET, REALTIME_MAX_BINDINGS_PER_JOIN).
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import functools
import itertools
import json
import logging
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from graph.realtime import events, registry, wire
from graph.realtime.access import Subscriber, subscriber_for_join
from graph.realtime.bridge import get_bridge

logger = logging.getLogger("nexus.realtime")

CLOSE_TOO_SLOW = 4008
TOO_SLOW_REASON = "too slow: resume from your cursor"
LISTEN_EVENTS = ("*", "INSERT", "UPDATE", "DELETE")
DRAIN_POLL_SECONDS = 0.005  # how often a queued client's transport is checked for room


class ProtocolError(ValueError):
    pass


@functools.lru_cache(maxsize=4096)
def _signature_number(shape: tuple) -> int:
    """A small number per distinct subscription shape (a cheap dict key during fan-out). Cached, so
    equal shapes get equal numbers; an evicted shape gets a new one, which only costs a recompute."""
    return next(_signature_numbers)


_signature_numbers = itertools.count(1)


@functools.lru_cache(maxsize=1024)
def _ids_json(ids: tuple[int, ...]) -> str:
    return json.dumps(list(ids), separators=(",", ":"))


@dataclass
class Binding:
    id: int
    event: str  # as the client sent it (echoed back); compared upper-cased
    schema: str
    table: str | None
    filter_text: str | None
    filter: events.RowFilter | None
    key: tuple = field(init=False)

    def __post_init__(self):
        self.key = (self.table, self.event.upper(), self.filter_text)  # same key → same answer

    def matches(self, change: events.Change) -> bool:
        if self.table not in (None, "*") and self.table != change.table:
            return False
        event = self.event.upper()
        if event != "*" and event != change.type:
            return False
        if self.filter is not None:
            return change.type != "TRUNCATE" and self.filter.matches(change.filter_record())
        return True

    def reply(self) -> dict:
        out = {"id": self.id, "event": self.event, "schema": self.schema, "table": self.table}
        if self.filter_text is not None:
            out["filter"] = self.filter_text
        return out


@dataclass
class Subscription:
    topic: str
    join_ref: str | None
    bindings: list[Binding]
    subscriber: Subscriber

    def may_see(self, change: events.Change) -> bool:
        """By the rule its table registered (a viewer's join gets only their own notifications)."""
        return registry.may_see(change.table, change.filter_record(), self.subscriber)

    def __post_init__(self):
        self.topic_json = json.dumps(self.topic)


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


class RealtimeConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        self.apikey = query.get("apikey", [None])[0]
        self.array_frames = query.get("vsn", ["1.0.0"])[0].startswith("2.")
        self.subscriptions: dict[str, Subscription] = {}  # changed only through _set_subscription
        self.signature = 0  # what this client's frames of a change depend on (see _set_subscription)
        self.audience: tuple = ()
        self.queue: collections.deque[tuple[bytes | str, int]] = collections.deque()  # (frame(s), messages)
        self.queued_bytes = 0
        self.queued_messages = 0
        self.outbox: list[bytes | str] = []  # this run's change frames, written by flush()
        self.max_queue_bytes = _limit("REALTIME_CLIENT_QUEUE_MAX_BYTES", 8 * 1024 * 1024)
        self.max_queue_messages = _limit("REALTIME_CLIENT_QUEUE_MAX_MESSAGES", 10_000)
        self.max_joins = _limit("REALTIME_MAX_JOINS_PER_SOCKET", 100)
        self.max_bindings = _limit("REALTIME_MAX_BINDINGS_PER_JOIN", 20)
        self.max_frame_bytes = _limit("REALTIME_MAX_FRAME_BYTES", 64 * 1024)
        self.wakeup = asyncio.Event()
        self.next_binding_id = 1
        self.closing = False
        self.columns = events.table_columns()
        await self.accept()
        self.writer = wire.DirectWriter.attach(self.base_send)
        self.bridge = get_bridge()
        self.bridge.add(self)
        self.pump = asyncio.create_task(self._pump())
        # Joins are answered after the bridge has its cursor: every change committed after the
        # join reply reaches this client.
        await self.bridge.ensure_started()

    async def disconnect(self, code):
        self.closing = True
        self._drop_queue()
        bridge = getattr(self, "bridge", None)
        if bridge is not None:
            bridge.remove(self)
        pump = getattr(self, "pump", None)
        if pump is not None:
            pump.cancel()

    # ── outgoing ──
    def _frame(self, join_ref, ref, topic, event, payload) -> str:
        if self.array_frames:
            return json.dumps([join_ref, ref, topic, event, payload], separators=(",", ":"))
        return json.dumps(
            {"join_ref": join_ref, "ref": ref, "topic": topic, "event": event, "payload": payload},
            separators=(",", ":"),
        )

    def _send(self, join_ref, ref, topic, event, payload) -> None:
        text = self._frame(join_ref, ref, topic, event, payload)
        self._deliver(wire.text_frame(text) if self.writer else text)

    def _reply(self, message: dict, status: str, response: dict) -> None:
        self._send(
            message.get("join_ref"),
            message.get("ref"),
            message.get("topic") or "phoenix",
            "phx_reply",
            {"status": status, "response": response},
        )

    def _error(self, message: dict, reason: str) -> None:
        self._reply(message, "error", {"reason": reason})

    def _deliver(self, frame: bytes | str, messages: int = 1) -> None:
        """Write now when nothing waits ahead and the transport has room, else queue (in order).
        ``frame`` may be several raw frames back to back (``messages`` of them)."""
        if self.closing:
            return
        if not self.queue and self.writer is not None and self.writer.try_write(frame):
            return
        self.queue.append((frame, messages))
        self.queued_bytes += len(frame)
        self.queued_messages += messages
        pending = self.writer.pending() if self.writer is not None else 0
        if self.queued_messages > self.max_queue_messages or self.queued_bytes + pending > self.max_queue_bytes:
            self._too_slow(pending)
        else:
            self.wakeup.set()

    def _too_slow(self, pending: int) -> None:
        logger.warning(
            "realtime: client %s too slow (%s messages, %s bytes waiting); closing it with %s, "
            "it resumes from its cursor",
            self.scope.get("client"),
            self.queued_messages,
            self.queued_bytes + pending,
            CLOSE_TOO_SLOW,
        )
        self.closing = True
        self._drop_queue()
        if self.writer is not None:
            self.writer.close(CLOSE_TOO_SLOW, TOO_SLOW_REASON)
        else:
            asyncio.get_running_loop().create_task(self.close(code=CLOSE_TOO_SLOW, reason=TOO_SLOW_REASON))

    def _drop_queue(self) -> None:
        self.queue.clear()
        self.outbox.clear()
        self.queued_bytes = 0
        self.queued_messages = 0

    def _dequeue(self) -> bytes | str:
        frame, messages = self.queue.popleft()
        self.queued_bytes -= len(frame)
        self.queued_messages -= messages
        return frame

    async def _pump(self):
        """Sends what had to wait, in order, as the transport drains."""
        try:
            while not self.closing:
                await self.wakeup.wait()
                self.wakeup.clear()
                while self.queue and not self.closing:
                    if self.writer is None:
                        await self.send(text_data=self._dequeue())
                        continue
                    if self.writer.gone:
                        self._drop_queue()
                        return
                    while self.queue and self.writer.try_write(self.queue[0][0]):
                        self._dequeue()
                    if self.queue:
                        await asyncio.sleep(DRAIN_POLL_SECONDS)
        except asyncio.CancelledError:
            pass

    def offer(self, change: events.Change, columns: dict[str, list[dict]]) -> None:
        """Called by the bridge for every change, in id order, then ``flush`` after each run; never waits.

        Clients with the same signature (and, for a table with a row rule, the same identities) get
        the same frames of a change: the first of them computes the list, the others reuse it."""
        if self.closing or not self.subscriptions:
            return
        key = (self.signature, self.audience if registry.has_rule(change.table) else None)
        frames = change.fan_out.get(key)
        if frames is None:
            frames = change.fan_out[key] = self._frames_for(change, columns)
        if frames:
            self.outbox.extend(frames)

    def _frames_for(self, change: events.Change, columns: dict[str, list[dict]]) -> list[bytes | str]:
        raw = self.writer is not None
        matched = change.matched
        frames: list[bytes | str] = []
        for sub in self.subscriptions.values():
            if not sub.may_see(change):
                continue
            ids = []
            for b in sub.bindings:
                hit = matched.get(b.key)
                if hit is None:
                    hit = matched[b.key] = b.matches(change)
                if hit:
                    ids.append(b.id)
            if not ids:
                continue
            key = (sub.topic_json, tuple(ids), self.array_frames, raw)
            frame = change.frames.get(key)
            if frame is None:
                frame = change.frames[key] = self._change_frame(change, columns, sub.topic_json, key[1], raw)
            frames.append(frame)
        return frames

    def _set_subscription(self, topic: str, subscription: Subscription | None) -> None:
        """Join (or replace) or leave ``topic``, and recompute the signature: everything the frames of a
        change depend on but the change (protocol version, raw writes, each topic's bindings), as one
        small number shared with every client that has the same; ``audience``: the identities, for
        tables whose rows only some may see."""
        if subscription is None:
            self.subscriptions.pop(topic, None)
        else:
            self.subscriptions[topic] = subscription
        shape = (
            self.array_frames,
            self.writer is not None,
            tuple((sub.topic_json, tuple((b.key, b.id) for b in sub.bindings)) for sub in self.subscriptions.values()),
        )
        self.signature = _signature_number(shape)
        self.audience = tuple(sub.subscriber for sub in self.subscriptions.values())

    def flush(self) -> None:
        """Send the frames offered since the last flush: raw ones in one write."""
        if not self.outbox:
            return
        frames, self.outbox = self.outbox, []
        if len(frames) == 1:
            self._deliver(frames[0])
            return
        if self.writer is None:
            for frame in frames:
                self._deliver(frame)
            return
        # Joined in chunks of about wire.CHUNK bytes, so the queue bounds still apply between them.
        chunk: list[bytes] = []
        size = 0
        for frame in frames:
            assert isinstance(frame, bytes), "a direct writer's frames are raw"
            chunk.append(frame)
            size += len(frame)
            if size >= wire.CHUNK:
                self._deliver(b"".join(chunk), len(chunk))
                chunk, size = [], 0
        if chunk:
            self._deliver(b"".join(chunk), len(chunk))

    def _change_frame(self, change, columns, topic, ids, raw) -> bytes | str:
        ids_json, data = _ids_json(ids), change.data_json(columns)
        if self.array_frames:
            text = f'[null,null,{topic},"postgres_changes",{{"ids":{ids_json},"data":{data}}}]'
        else:
            text = (
                f'{{"join_ref":null,"ref":null,"topic":{topic},"event":"postgres_changes",'
                f'"payload":{{"ids":{ids_json},"data":{data}}}}}'
            )
        return wire.text_frame(text) if raw else text

    # ── incoming ──
    async def receive(self, text_data=None, bytes_data=None):
        try:
            message = self._decode(text_data if text_data is not None else bytes_data)
        except ProtocolError as exc:
            self._error({"topic": "phoenix"}, str(exc))
            return
        try:
            if message["event"] in ("phx_join", "access_token") and message["topic"].startswith("realtime:"):
                await self._authenticate(message)
            self._dispatch(message)
        except ProtocolError as exc:
            self._error(message, str(exc))
        except Exception:  # never let one bad frame end the connection
            logger.exception("realtime: error handling %s", message.get("event"))
            self._error(message, "internal error handling this message")

    def _decode(self, raw) -> dict:
        if raw is not None and len(raw) > self.max_frame_bytes:
            raise ProtocolError(f"malformed frame: larger than {self.max_frame_bytes} bytes (REALTIME_MAX_FRAME_BYTES)")
        if isinstance(raw, bytes):
            try:
                raw = raw.decode()
            except UnicodeDecodeError:
                raise ProtocolError("malformed frame: binary frames are not supported") from None
        try:
            frame = json.loads(raw)
        except RecursionError:
            raise ProtocolError("malformed frame: nested too deeply") from None
        except (TypeError, ValueError):
            raise ProtocolError("malformed frame: not JSON") from None
        if isinstance(frame, list):
            if len(frame) != 5:
                raise ProtocolError("malformed frame: expected [join_ref, ref, topic, event, payload]")
            frame = dict(zip(("join_ref", "ref", "topic", "event", "payload"), frame))
        if not isinstance(frame, dict):
            raise ProtocolError("malformed frame: expected an array or an object")
        if not isinstance(frame.get("topic"), str) or not isinstance(frame.get("event"), str):
            raise ProtocolError("malformed frame: topic and event must be strings")
        if frame.get("payload") is None:
            frame["payload"] = {}
        if not isinstance(frame["payload"], dict):
            raise ProtocolError("malformed frame: payload must be an object")
        for key in ("join_ref", "ref"):
            value = frame.get(key)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                frame[key] = str(value)
            elif value is not None and not isinstance(value, str):
                raise ProtocolError(f"malformed frame: {key} must be a string")
        return frame

    async def _authenticate(self, message: dict) -> None:
        """Puts the identity the message runs under in ``message["subscriber"]`` (joins), or
        re-checks a subscription when its client hands over a new token (``access_token``)."""
        token = message["payload"].get("access_token")
        subscriber = await subscriber_for_join(self.scope, token, self.apikey)
        if message["event"] == "phx_join":
            if subscriber is None:
                raise ProtocolError(
                    "unauthorized: sign in, or pass a NEXUS API token or Supabase access token as access_token / apikey"
                )
            message["subscriber"] = subscriber
        elif message["topic"] in self.subscriptions:
            if subscriber is None:  # the new token is not valid: this topic receives nothing more
                self._set_subscription(message["topic"], None)
                raise ProtocolError("unauthorized: the new access token is not valid; rejoin")
            current = self.subscriptions[message["topic"]]
            self._set_subscription(message["topic"], dataclasses.replace(current, subscriber=subscriber))

    def _dispatch(self, message: dict) -> None:
        topic, event = message["topic"], message["event"]
        if topic == "phoenix":
            if event != "heartbeat":
                raise ProtocolError(f"unknown event {event!r} on topic phoenix")
            self._reply(message, "ok", {})
            return
        if not topic.startswith("realtime:"):
            raise ProtocolError(f"unknown topic {topic!r}: topics are realtime:<name>")
        if event == "phx_join":
            self._join(message)
        elif topic not in self.subscriptions:
            raise ProtocolError("unmatched topic")
        elif event == "phx_leave":
            self._set_subscription(topic, None)
            self._reply(message, "ok", {})
            self._send(message.get("join_ref"), message.get("ref"), topic, "phx_close", {})
        elif event == "access_token":
            if message.get("ref") is not None:
                self._reply(message, "ok", {})
        else:
            raise ProtocolError(f"unsupported event {event!r}: this server speaks postgres_changes only")

    def _join(self, message: dict) -> None:
        topic = message["topic"]
        config = message["payload"].get("config") or {}
        if not isinstance(config, dict):
            raise ProtocolError("config must be an object")
        wanted = config.get("postgres_changes") or []
        if not isinstance(wanted, list):
            raise ProtocolError("config.postgres_changes must be a list")
        if len(wanted) > self.max_bindings:
            raise ProtocolError(
                f"too many bindings: {len(wanted)} in one join, at most {self.max_bindings} "
                "(REALTIME_MAX_BINDINGS_PER_JOIN)"
            )
        if topic not in self.subscriptions and len(self.subscriptions) >= self.max_joins:
            raise ProtocolError(
                f"too many channels: at most {self.max_joins} joined on one socket "
                "(REALTIME_MAX_JOINS_PER_SOCKET); leave one first"
            )
        bindings = [self._binding(spec) for spec in wanted]
        self._set_subscription(topic, Subscription(topic, message.get("join_ref"), bindings, message["subscriber"]))
        self._reply(message, "ok", {"postgres_changes": [b.reply() for b in bindings]})
        self._send(
            message.get("join_ref"),
            None,
            topic,
            "system",
            {
                "channel": topic.removeprefix("realtime:"),
                "extension": "postgres_changes",
                "message": "Subscribed to PostgreSQL",
                "status": "ok",
            },
        )

    def _binding(self, spec) -> Binding:
        if not isinstance(spec, dict):
            raise ProtocolError("each postgres_changes binding must be an object")
        event = spec.get("event")
        if not isinstance(event, str) or event.upper() not in LISTEN_EVENTS:
            raise ProtocolError(f"invalid event {event!r}: use *, INSERT, UPDATE or DELETE")
        schema = spec.get("schema") or events.SCHEMA
        if schema not in (events.SCHEMA, "*"):
            raise ProtocolError(f"unknown schema {schema!r}: only {events.SCHEMA}")
        table = spec.get("table")
        if table not in (None, "*") and table not in registry.tables():
            raise ProtocolError(f"unknown table {table!r}: realtime covers {', '.join(registry.tables())}")
        filter_text = spec.get("filter")
        row_filter = None
        if filter_text not in (None, ""):
            try:
                row_filter = events.parse_filter(filter_text, table, self.columns.get(table, set()))
            except events.FilterError as exc:
                raise ProtocolError(str(exc)) from None
        binding = Binding(self.next_binding_id, event, schema, table, filter_text, row_filter)
        self.next_binding_id += 1
        return binding
