"""Request-line and header faults against a real daphne: JSON where the app sees the request,
Twisted's own bare 400 (documented in the README) where it does not, and the server keeps serving."""

import asyncio
import json
import socket

import pytest

from nexus_site.asgi import application


def raw_request(server, head: bytes, timeout: float = 10) -> bytes:
    """Send raw bytes, return everything the server sends until it closes (or the timeout)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=timeout) as sock:
        sock.sendall(head)
        chunks = []
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except (TimeoutError, ConnectionResetError):
            pass
    return b"".join(chunks)


def status_and_json(response: bytes) -> tuple[int, dict]:
    head, _, body = response.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)


def test_a_long_query_string_is_414_json_and_the_server_keeps_serving(nexus_server):
    query = "q=" + "a" * 9000  # over MAX_QUERY_STRING_BYTES (8 KB), under Twisted's 16 KB line limit
    status, body = status_and_json(
        raw_request(
            nexus_server, f"GET /api/search?{query} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
        )
    )
    assert status == 414
    assert body["error"]["code"] == "uri_too_long" and "8192" in body["error"]["message"]
    assert nexus_server.call("GET", "/api/graph/metadata")[0] == 200


def test_what_twisted_rejects_before_the_app_still_leaves_the_server_serving(nexus_server):
    huge = raw_request(nexus_server, b"GET /api/nodes?q=" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert huge == b"" or huge.startswith(b"HTTP/1.1 400")  # Twisted: closed, or a bare 400
    bad_length = raw_request(nexus_server, b"POST /api/nodes HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}")
    assert bad_length == b"" or bad_length.startswith(b"HTTP/1.1 400")
    assert nexus_server.call("GET", "/api/graph/metadata")[0] == 200


def call_asgi(scope_extra: dict) -> tuple[int, dict]:
    """One request straight into the real ASGI application (as a server that passes it on would)."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/nodes",
        "raw_path": b"/api/nodes",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), (b"content-type", b"application/json")],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
        **scope_extra,
    }
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"{}", "more_body": False}

    async def send(message):
        sent.append(message)

    asyncio.run(application(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    assert dict(start["headers"])[b"content-type"] == b"application/json"
    return start["status"], json.loads(body)


@pytest.mark.parametrize("value", [b"abc", b"-1", b"1e3", b""])
def test_a_bad_content_length_the_app_sees_is_400_json(value):
    status, body = call_asgi({"headers": [(b"host", b"127.0.0.1"), (b"content-length", value)]})
    assert status == 400 and body["error"]["code"] == "invalid_header"


def test_conflicting_content_lengths_are_400_json():
    status, body = call_asgi(
        {"headers": [(b"host", b"127.0.0.1"), (b"content-length", b"2"), (b"content-length", b"3")]}
    )
    assert status == 400 and body["error"]["code"] == "invalid_header"


def test_a_long_query_string_the_app_sees_is_414_json():
    status, body = call_asgi({"method": "GET", "query_string": b"limit=1&" + b"x" * 9000})
    assert status == 414 and body["error"]["status"] == 414
