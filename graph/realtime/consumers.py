"""``/realtime/v1/websocket``: the subset of Supabase Realtime's Phoenix protocol that unmodified
@supabase/realtime-js (vsn 2.0.0, array frames) and supabase-py's ``realtime`` (vsn 1.0.0, object
frames) need for postgres_changes.

Frames: ``[join_ref, ref, topic, event, payload]`` (2.0.0) or ``{"join_ref", "ref", "topic",
"event", "payload"}`` (1.0.0). Handled: ``heartbeat`` on topic ``phoenix``; ``phx_join`` on
``realtime:<name>`` with ``config.postgres_changes`` bindings (answered with the bindings and
server ids, then a ``system`` "Subscribed to PostgreSQL" message), each join authenticated
(graph.realtime.access); ``phx_leave``; ``access_token`` (re-checks the topic's identity). Anything else gets a
``phx_reply`` with status ``error`` and a reason; the socket stays open.

Changes come from the process's ChangeBridge, in id order, straight to daphne (which buffers in
Twisted without waiting) or, when replies are queued ahead, into this consumer's own queue behind
them. Nothing is dropped: a client that stops reading stops answering daphne's pings and is
disconnected, then resumes from its cursor; a queue over MAX_BACKLOG closes the socket (4008).
"""
from __future__ import annotations

import asyncio
import functools
import json
import logging
from dataclasses import dataclass
from urllib.parse import parse_qs

from channels.generic.websocket import AsyncWebsocketConsumer

from common.accounts.roles import notification_visible
from graph.realtime import events
from graph.realtime.access import Subscriber, subscriber_for_join
from graph.realtime.bridge import get_bridge
from graph.realtime.models import REALTIME_TABLES

logger = logging.getLogger("nexus.realtime")

MAX_BACKLOG = 100_000
CLOSE_TOO_SLOW = 4008
LISTEN_EVENTS = ("*", "INSERT", "UPDATE", "DELETE")


class ProtocolError(ValueError):
    pass


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
        """A viewer's join gets only their own person's notifications."""
        if change.table != "notifications":
            return True
        return notification_visible(change.filter_record().get("person_id"), self.subscriber.notification_scope)

    def __post_init__(self):
        self.topic_json = json.dumps(self.topic)


class RealtimeConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        self.apikey = query.get("apikey", [None])[0]
        self.array_frames = query.get("vsn", ["1.0.0"])[0].startswith("2.")
        self.subscriptions: dict[str, Subscription] = {}
        self.queue: asyncio.Queue[str] = asyncio.Queue()
        self.next_binding_id = 1
        self.closing = False
        self.sending = False
        self.columns = events.table_columns()
        await self.accept()
        self.bridge = get_bridge()
        self.bridge.add(self)
        self.pump = asyncio.create_task(self._pump())
        # Joins are answered after the bridge has its cursor: every change committed after the
        # join reply reaches this client.
        await self.bridge.ensure_started()

    async def disconnect(self, code):
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
        return json.dumps({"join_ref": join_ref, "ref": ref, "topic": topic, "event": event,
                           "payload": payload}, separators=(",", ":"))

    def _send(self, join_ref, ref, topic, event, payload) -> None:
        self.queue.put_nowait(self._frame(join_ref, ref, topic, event, payload))

    def _reply(self, message: dict, status: str, response: dict) -> None:
        self._send(message.get("join_ref"), message.get("ref"), message.get("topic") or "phoenix",
                   "phx_reply", {"status": status, "response": response})

    def _error(self, message: dict, reason: str) -> None:
        self._reply(message, "error", {"reason": reason})

    async def _pump(self):
        """Sends what was queued for this client (replies, and changes that found it busy), in order."""
        try:
            while True:
                frame = await self.queue.get()
                self.sending = True
                try:
                    await self.send(text_data=frame)
                    while not self.queue.empty():  # a burst: no wake-up per frame
                        await self.send(text_data=self.queue.get_nowait())
                finally:
                    self.sending = False
        except asyncio.CancelledError:
            pass

    async def offer(self, change: events.Change, columns: dict[str, list[dict]]) -> None:
        """Called by the bridge for every change, in id order.

        Sent at once when nothing is queued ahead (daphne's send only hands the frame to Twisted's
        buffer; it never waits for the client), else queued behind what is, to keep the order.
        """
        if self.closing:
            return
        frames = []
        for sub in self.subscriptions.values():
            ids = [b.id for b in sub.bindings if b.matches(change)] if sub.may_see(change) else None
            if not ids:
                continue
            ids_json = _ids_json(tuple(ids))
            data = change.data_json(columns)
            topic = sub.topic_json
            if self.array_frames:
                frame = f'[null,null,{topic},"postgres_changes",{{"ids":{ids_json},"data":{data}}}]'
            else:
                frame = (f'{{"join_ref":null,"ref":null,"topic":{topic},"event":"postgres_changes",'
                         f'"payload":{{"ids":{ids_json},"data":{data}}}}}')
            frames.append(frame)
        if not frames:
            return
        if self.queue.empty() and not self.sending:
            self.sending = True
            try:
                for frame in frames:  # base_send: the hot path skips two wrapper coroutines
                    await self.base_send({"type": "websocket.send", "text": frame})
            finally:
                self.sending = False
            return
        for frame in frames:
            self.queue.put_nowait(frame)
        if self.queue.qsize() > MAX_BACKLOG:
            self.closing = True
            logger.warning("realtime: client more than %s messages behind; closing it (it resumes from its cursor)",
                           MAX_BACKLOG)
            asyncio.get_running_loop().create_task(self.close(code=CLOSE_TOO_SLOW))

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
        if isinstance(raw, bytes):
            try:
                raw = raw.decode()
            except UnicodeDecodeError:
                raise ProtocolError("malformed frame: binary frames are not supported") from None
        try:
            frame = json.loads(raw)
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
            if frame.get(key) is not None and not isinstance(frame[key], str):
                frame[key] = str(frame[key])
        return frame

    async def _authenticate(self, message: dict) -> None:
        """Puts the identity the message runs under in ``message["subscriber"]`` (joins), or
        re-checks a subscription when its client hands over a new token (``access_token``)."""
        token = message["payload"].get("access_token")
        subscriber = await subscriber_for_join(self.scope, token, self.apikey)
        if message["event"] == "phx_join":
            if subscriber is None:
                raise ProtocolError("unauthorized: sign in, or pass a NEXUS API token or Supabase access token "
                                    "as access_token / apikey")
            message["subscriber"] = subscriber
        elif message["topic"] in self.subscriptions:
            if subscriber is None:  # the new token is not valid: this topic receives nothing more
                self.subscriptions.pop(message["topic"])
                raise ProtocolError("unauthorized: the new access token is not valid; rejoin")
            self.subscriptions[message["topic"]].subscriber = subscriber

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
            self.subscriptions.pop(topic, None)
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
        bindings = [self._binding(spec) for spec in wanted]
        self.subscriptions[topic] = Subscription(topic, message.get("join_ref"), bindings, message["subscriber"])
        self._reply(message, "ok", {"postgres_changes": [b.reply() for b in bindings]})
        self._send(message.get("join_ref"), None, topic, "system", {
            "channel": topic.removeprefix("realtime:"), "extension": "postgres_changes",
            "message": "Subscribed to PostgreSQL", "status": "ok",
        })

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
        if table not in (None, "*") and table not in REALTIME_TABLES:
            raise ProtocolError(f"unknown table {table!r}: realtime covers {', '.join(REALTIME_TABLES)}")
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
