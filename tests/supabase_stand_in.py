"""A local HTTP stand-in for a hosted Supabase project (its REST API and Realtime endpoint).

Supabase's hosted services cannot exist in tests, so this answers the way PostgREST does:
allowed requests get 200/201/204 and JSON rows; forbidden ones 401 with PostgREST's error body
``{"code": "42501", ...}``; unknown tables 404 ``PGRST205``. Every request is recorded.
"""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

SAFE = frozenset({("nodes", "GET"), ("edges", "GET"), ("notifications", "GET")})


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
    unknown_tables: set = field(default_factory=set)
    hang_seconds: float = 0.0
    requests: list = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)


def _handler(state: StandInState):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep the test output quiet
            pass

        def _answer(self, status: int, body=None):
            payload = b"" if body is None else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _handle(self):
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            state.requests.append(Recorded(self.command, parts.path, parse_qs(parts.query),
                                           {k.lower(): v for k, v in self.headers.items()}, body))
            if state.hang_seconds:
                state.release.wait(state.hang_seconds)
            if parts.path.rstrip("/") in ("/rest/v1", "/realtime/v1"):
                return self._answer(200, {"swagger": "2.0"} if "rest" in parts.path else {"ok": True})
            if not parts.path.startswith("/rest/v1/"):
                return self._answer(404, {"message": "no route"})
            target = parts.path[len("/rest/v1/"):]
            if target in state.unknown_tables:
                return self._answer(404, {"code": "PGRST205", "details": None, "hint": None,
                                          "message": f"Could not find the table 'public.{target}' in the schema cache"})
            if (target, "GET" if self.command == "HEAD" else self.command) not in state.allowed:
                kind = "function" if target.startswith("rpc/") else "table"
                return self._answer(401, {"code": "42501", "details": None, "hint": None,
                                          "message": f"permission denied for {kind} {target.removeprefix('rpc/')}"})
            if self.command == "HEAD":  # count=exact with head=True: the total is in Content-Range
                self.send_response(200)
                self.send_header("Content-Range", "*/42")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            if self.command == "GET" or target.startswith("rpc/"):
                return self._answer(200, [{"id": "probe-row"}])
            if self.command == "POST":
                return self._answer(201)
            return self._answer(204)

        do_GET = do_HEAD = do_POST = do_PATCH = do_DELETE = _handle

    return Handler


class SupabaseStandIn:
    def __init__(self, state: StandInState | None = None):
        self.state = state or StandInState()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.state))
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.state.release.set()  # let hanging handlers finish
        self.server.shutdown()
        self.server.server_close()
