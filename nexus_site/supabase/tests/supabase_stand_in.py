"""A local HTTP stand-in for a hosted Supabase project (its REST API and Realtime endpoint).

Supabase's hosted services cannot exist in tests, so this answers the way PostgREST does:
allowed requests get 200/201/204 and JSON rows; forbidden ones 401 with PostgREST's error body
``{"code": "42501", ...}``; unknown tables 404 ``PGRST205``. Every request is recorded.

``allowed`` is what the anon key reaches; by default what a compliant NEXUS project allows it:
nothing (``PUBLIC_GRAPH``: what it allows with NEXUS_PUBLIC_GRAPH=true). A request with
``service_key`` (role service_role, which bypasses RLS) reaches every table and function.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from tests.http_stand_in import JsonHandler, StandInServer

SAFE: frozenset[tuple[str, str]] = frozenset()
PUBLIC_GRAPH = frozenset({("nodes", "GET"), ("edges", "GET")})


@dataclass
class Recorded:
    method: str
    path: str
    query: dict
    headers: dict
    body: bytes


@dataclass
class StandInState:
    allowed: set = field(default_factory=lambda: set(SAFE))  # {(table or "rpc/<fn>", METHOD)}
    service_key: str = ""
    unknown_tables: set = field(default_factory=set)
    hang_seconds: float = 0.0
    requests: list = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)


def _handler(state: StandInState):
    class Handler(JsonHandler):
        def _handle(self):
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            state.requests.append(
                Recorded(
                    self.command,
                    parts.path,
                    parse_qs(parts.query),
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                )
            )
            if state.hang_seconds:
                state.release.wait(state.hang_seconds)
            if parts.path.rstrip("/") in ("/rest/v1", "/realtime/v1"):
                return self.send_json(200, {"swagger": "2.0"} if "rest" in parts.path else {"ok": True})
            if not parts.path.startswith("/rest/v1/"):
                return self.send_json(404, {"message": "no route"})
            target = parts.path[len("/rest/v1/") :]
            if target in state.unknown_tables:
                return self.send_json(
                    404,
                    {
                        "code": "PGRST205",
                        "details": None,
                        "hint": None,
                        "message": f"Could not find the table 'public.{target}' in the schema cache",
                    },
                )
            service = bool(state.service_key) and self.headers.get("apikey") == state.service_key
            if not service and (target, "GET" if self.command == "HEAD" else self.command) not in state.allowed:
                kind = "function" if target.startswith("rpc/") else "table"
                return self.send_json(
                    401,
                    {
                        "code": "42501",
                        "details": None,
                        "hint": None,
                        "message": f"permission denied for {kind} {target.removeprefix('rpc/')}",
                    },
                )
            if self.command == "HEAD":  # count=exact with head=True: the total is in Content-Range
                return self.send_json(200, headers={"Content-Range": "*/42"})
            if self.command == "GET" or target.startswith("rpc/"):
                return self.send_json(200, [{"id": "probe-row"}])
            if self.command == "POST":
                return self.send_json(201)
            return self.send_json(204)

        do_GET = do_HEAD = do_POST = do_PATCH = do_DELETE = _handle

    return Handler


class SupabaseStandIn(StandInServer):
    def __init__(self, state: StandInState | None = None):
        self.state = state or StandInState()
        super().__init__(_handler(self.state))

    def __exit__(self, *exc):
        self.state.release.set()  # let hanging handlers finish
        super().__exit__(*exc)
