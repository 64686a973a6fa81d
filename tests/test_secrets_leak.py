"""SUPABASE_SERVICE_KEY and OPENAI_API_KEY never reach a response, the browser bundle,
an error page or a log line.

A real daphne server runs with fake but distinctive secrets (Supabase and OpenAI are local
stand-ins: hosted services cannot exist in tests). The test walks every GET endpoint listed in
/api/schema/, sends bad input to every POST endpoint, fetches error pages and the front end, and
greps every response (body and headers) and the server's log for the secret values.
"""

import json
import os
import re
import subprocess
import tempfile
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from nexus_site.supabase.tests.supabase_stand_in import SupabaseStandIn

ROOT = Path(__file__).resolve().parent.parent
SERVICE_KEY = "eyJsupabase-SERVICE-LEAKCHECK-5b0f7d3a9c41e2"
OPENAI_KEY = "fake-openai-LEAKCHECK-8e21c0ffee77d9"  # distinctive, not key-shaped
ANON_KEY = "eyJsupabase-anon-public-LEAKCHECK-31a7"
SECRETS = (SERVICE_KEY, OPENAI_KEY)


class OpenAIStandIn:
    """Answers every request with a 500, so NEXUS's LLM error paths (and their logging) run."""

    def __init__(self):
        seen = self.authorizations = []

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                seen.append(self.headers.get("Authorization", ""))
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                body = b'{"error": {"message": "stand-in failure", "type": "server_error"}}'
                self.send_response(500)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def fetch(url: str, method: str = "GET", body: bytes | None = None, headers: dict | None = None):
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def assert_no_secret(where: str, text: str):
    for secret in SECRETS:
        assert secret not in text, f"secret leaked in {where}"


def fill_path(path: str, ids: dict) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(ids.get(m.group(1), "nexus-probe")), path)


@pytest.fixture
def leaky_setup(server_factory):
    from nexus_site import seed

    seed.write_seed_data(seed.load_seed_data())  # committed: the server reads it
    openai = OpenAIStandIn()
    with SupabaseStandIn() as supabase:
        server = server_factory(
            extra_env={
                "NEXUS_TEST_KEEP_SECRETS": "1",
                "SUPABASE_URL": supabase.url,
                "SUPABASE_ANON_KEY": ANON_KEY,
                "SUPABASE_SERVICE_KEY": SERVICE_KEY,
                "OPENAI_API_KEY": OPENAI_KEY,
                "OPENAI_BASE_URL": openai.url,
            }
        )
        yield server, openai
    openai.close()


def test_secrets_stand_in_services_never_in_responses_errors_or_logs(leaky_setup):
    from graph.models import Edge, Node
    from insights.models import Notification

    server, openai = leaky_setup
    ids = {
        "node_id": Node.objects.values_list("id", flat=True).first(),
        "edge_id": Edge.objects.values_list("id", flat=True).first(),
        "notification_id": Notification.objects.values_list("id", flat=True).first() or 1,
        "conversation_id": "nexus-probe",
    }
    status, _, schema_body = fetch(server.url + "/api/schema/?format=json")
    assert status == 200
    schema = json.loads(schema_body)
    fetched = []

    def check(method, path, body=None, headers=None):
        signed_in = {"Authorization": f"Bearer {server.token}", **(headers or {})}  # reach past the sign-in
        status, response_headers, content = fetch(server.url + path, method, body, signed_in)
        fetched.append((method, path, status))
        assert_no_secret(f"{method} {path} (HTTP {status})", content.decode(errors="replace"))
        assert_no_secret(f"{method} {path} headers", json.dumps(response_headers))
        assert status < 500 or status == 503, (method, path, status, content[:300])
        return status, content

    for path, operations in schema["paths"].items():
        url_path = fill_path(path, ids)
        if "get" in operations:
            check("GET", url_path + "?q=robotics&query=robotics&limit=5")
        if "post" in operations:
            json_headers = {"Content-Type": "application/json"}
            check("POST", url_path, b"{}", json_headers)
            check(
                "POST",
                url_path,
                b'{"question": "Who owns robotics?", "text": "Robotics ships v2.", "query": "robotics"}',
                json_headers,
            )
            check("POST", url_path, b"{not json", json_headers)
    # Error pages and the browser's entry points.
    check("GET", "/api/does-not-exist")
    check("GET", "/no-such-page")
    check("GET", "/admin/")
    check("GET", "/admin/login/")
    check("POST", "/api/ask", b"x" * 2_000_000, {"Content-Type": "application/json"})
    check("GET", "/")
    check("GET", "/api/health")

    # /api/config hands the browser the project URL and the anon key, nothing else.
    status, content = check("GET", "/api/config")
    assert status == 200
    config = json.loads(content)
    assert config["realtime"]["transport"] == "supabase"
    assert config["realtime"]["anon_key"] == ANON_KEY
    assert set(config["realtime"]) == {"transport", "url", "anon_key"}

    assert len(fetched) > 20, fetched  # the walk really covered the API
    # The server really held the OpenAI key (it sent it to the stand-in), so its LLM error
    # paths ran with the secret in memory.
    assert f"Bearer {OPENAI_KEY}" in openai.authorizations
    log = server.log()
    assert log, "the server log was captured"
    assert_no_secret("the server log", log)


def test_secrets_never_in_built_frontend(tmp_path):
    """Build the front end with the secrets in the environment; the bundle must not carry them.
    Also grep the checked-in build output, when there is one."""
    dist = ROOT / "frontend" / "dist"
    texts = [p.read_text(errors="replace") for p in dist.rglob("*") if p.is_file()] if dist.exists() else []
    vite = ROOT / "frontend" / "node_modules" / ".bin" / "vite"
    if not vite.exists():
        pytest.fail(
            "frontend/node_modules is missing: run `make setup` (make test does it) so the bundle can be checked"
        )
    env = {
        **os.environ,
        "SUPABASE_SERVICE_KEY": SERVICE_KEY,
        "OPENAI_API_KEY": OPENAI_KEY,
        "VITE_SUPABASE_ANON_KEY": ANON_KEY,
    }
    out = Path(tempfile.mkdtemp(dir=tmp_path))
    build = subprocess.run(
        [str(vite), "build", "--outDir", str(out), "--emptyOutDir", "--logLevel", "warn"],
        cwd=ROOT / "frontend",
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr
    built = [p for p in out.rglob("*") if p.is_file()]
    assert any(p.suffix == ".js" for p in built)
    texts += [p.read_text(errors="replace") for p in built]
    for text in texts:
        assert_no_secret("the front-end bundle", text)
        assert "SUPABASE_SERVICE_KEY" not in text and "OPENAI_API_KEY" not in text
