"""Test helpers for the graph API."""

import json


class Api:
    """JSON calls through Django's test client, returning (status, body)."""

    def __init__(self, client):
        self.client = client

    def _send(self, method, path, body=None, raw=None, **extra):
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        kwargs = {"content_type": "application/json"} if data is not None else {}
        response = (
            getattr(self.client, method)(path, data=data, **kwargs, **extra)
            if data is not None
            else getattr(self.client, method)(path, **extra)
        )
        try:
            payload = response.json()
        except ValueError:
            payload = response.content
        return response.status_code, payload

    def get(self, path, **params):
        if params:
            from urllib.parse import urlencode

            path = f"{path}?{urlencode(params)}"
        return self._send("get", path)

    def post(self, path, body=None, raw=None):
        return self._send("post", path, body, raw)

    def patch(self, path, body=None, raw=None):
        return self._send("patch", path, body, raw)

    def delete(self, path):
        return self._send("delete", path)


def assert_error(status, body, expected_status, *, field=None, code=None):
    """The one JSON error shape, with the expected status (and field / code when given)."""
    assert status == expected_status, body
    assert set(body) == {"error"}, body
    error = body["error"]
    assert error["status"] == expected_status
    assert isinstance(error["message"], str) and error["message"]
    if field is not None:
        assert field in error.get("fields", {}), error
    if code is not None:
        assert error["code"] == code, error
