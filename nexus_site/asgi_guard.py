"""ASGI guard in front of Django: request-line and header faults answered in the API's JSON shape.

Daphne (Twisted) already refuses some requests before any ASGI app sees them: a request line or
header line over 16 KB, headers over 16 KB in total, and an unparseable ``Content-Length`` get a
bare ``400 Bad Request`` and a closed connection. What does reach the app is checked here, once,
before Django builds a request: a query string over ``MAX_QUERY_STRING_BYTES`` → 414, a
``Content-Length`` that is not one non-negative integer → 400 (another ASGI server may pass those on).
"""

import json

from django.conf import settings


def _body(status: int, code: str, message: str) -> bytes:
    return json.dumps({"error": {"status": status, "code": code, "message": message}}).encode()


async def _answer(send, status: int, code: str, message: str) -> None:
    body = _body(status, code, message)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _content_length_ok(headers) -> bool:
    values = {value.strip() for name, value in headers if name.lower() == b"content-length"}
    return len(values) <= 1 and all(value.isdigit() for value in values)


class HttpGuard:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            limit = settings.MAX_QUERY_STRING_BYTES
            if limit and len(scope.get("query_string") or b"") > limit:
                return await _answer(send, 414, "uri_too_long", f"The query string is over the {limit}-byte limit.")
            if not _content_length_ok(scope.get("headers") or []):
                return await _answer(send, 400, "invalid_header", "Content-Length must be one non-negative integer.")
        return await self.app(scope, receive, send)
