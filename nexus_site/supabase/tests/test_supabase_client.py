"""The Supabase client module, ``check_supabase --remote`` and the health probe, against a local
HTTP stand-in for Supabase's REST API (hosted Supabase cannot exist in tests)."""

import asyncio
import io
import json
import logging
import time

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from conftest import ROOT
from nexus_site.supabase import client as supabase_client
from nexus_site.supabase.tests.supabase_stand_in import PUBLIC_GRAPH, StandInState, SupabaseStandIn

ANON_KEY = "anon-key-STANDIN-7f3c9e2a1b"
SERVICE_KEY = "service-key-STANDIN-d41d8cd98f00b204"


@pytest.fixture
def stand_in():
    with SupabaseStandIn(StandInState(service_key=SERVICE_KEY)) as server:
        yield server


@pytest.fixture(autouse=True)
def fresh_client_state():
    supabase_client.reset_health_cache()
    yield
    asyncio.run(supabase_client.close_supabase())
    supabase_client.reset_health_cache()


def configured(url):
    return override_settings(SUPABASE_URL=url, SUPABASE_ANON_KEY=ANON_KEY, SUPABASE_SERVICE_KEY=SERVICE_KEY)


def run_remote_check(url, caplog, public_graph=False) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with configured(url), override_settings(NEXUS_PUBLIC_GRAPH=public_graph), caplog.at_level(logging.DEBUG):
        try:
            call_command("check_supabase", "--remote", "--timeout", "2", stdout=out, stderr=err)
            code = 0
        except CommandError as exc:
            code, err = exc.returncode, io.StringIO(err.getvalue() + str(exc))
    text = out.getvalue() + err.getvalue() + caplog.text
    assert ANON_KEY not in text and SERVICE_KEY not in text
    return code, text


# ── check_supabase --remote ──────────────────────────────────────────────────
def test_stand_in_remote_check_passes_for_safe_project(stand_in, caplog):
    code, text = run_remote_check(stand_in.url, caplog)
    assert code == 0, text
    assert "NEXUS_PUBLIC_GRAPH=false: the anon key may read no NEXUS table" in text
    assert "anon can read: —" in text
    assert "OK: the anon key reaches no NEXUS table; no writes, no search_similar_nodes." in text
    probed = {(r.method, r.path) for r in stand_in.state.requests}
    for table in ("nodes", "notifications", "llm_usage", "conversations", "auth_user", "django_session"):
        for method in ("GET", "POST", "PATCH", "DELETE"):
            assert (method, f"/rest/v1/{table}") in probed
    assert ("POST", "/rest/v1/rpc/search_similar_nodes") in probed


def test_stand_in_remote_check_public_graph_expects_nodes_and_edges(caplog):
    with SupabaseStandIn(StandInState(allowed=set(PUBLIC_GRAPH))) as server:
        code, text = run_remote_check(server.url, caplog, public_graph=True)
        assert code == 0, text
        assert "anon can read: edges, nodes" in text
        assert "OK: the anon key reads nodes and edges and nothing else" in text
        # The same project judged with the setting off: the graph is exposed.
        code, text = run_remote_check(server.url, caplog)
    assert code == 1
    assert "EXPOSED: read edges" in text and "EXPOSED: read nodes" in text


@pytest.mark.parametrize("public_graph", [False, True])
def test_stand_in_remote_check_fails_when_anon_reads_notifications(caplog, public_graph):
    state = StandInState(allowed=set(PUBLIC_GRAPH if public_graph else ()) | {("notifications", "GET")})
    with SupabaseStandIn(state) as server:
        code, text = run_remote_check(server.url, caplog, public_graph=public_graph)
    assert code == 1
    assert "EXPOSED: read notifications" in text
    assert "reach more (or less) than NEXUS expects" in text


def test_stand_in_remote_probes_are_harmless_and_use_the_anon_key(stand_in, caplog):
    run_remote_check(stand_in.url, caplog)
    requests = stand_in.state.requests
    assert requests and all(r.headers["apikey"] == ANON_KEY for r in requests)
    assert all(r.headers["authorization"] == f"Bearer {ANON_KEY}" for r in requests)
    writes = [r for r in requests if r.method in ("PATCH", "DELETE") or (r.method == "POST" and "/rpc/" not in r.path)]
    assert writes
    for r in writes:
        assert "tx=rollback" in r.headers["prefer"]
        if r.method == "POST":
            assert json.loads(r.body) == []  # inserts no row even where allowed
        else:  # filter on a key value no row has
            ((column, (value,)),) = r.query.items()
            assert value in ("eq.__nexus_probe__", "eq.-1"), (r.path, column, value)
    deletes = [r for r in writes if r.path.endswith("/notifications") and r.method == "DELETE"]
    assert deletes[0].query == {"id": ["eq.-1"]}  # integer keys get an integer probe


def test_stand_in_remote_check_fails_for_unsafe_project(caplog):
    state = StandInState()
    state.allowed |= {
        ("llm_usage", "GET"),
        ("nodes", "POST"),
        ("conversations", "DELETE"),
        ("rpc/search_similar_nodes", "POST"),
    }
    with SupabaseStandIn(state) as server:
        code, text = run_remote_check(server.url, caplog)
    assert code == 1
    assert "EXPOSED: read llm_usage" in text
    assert "EXPOSED: insert nodes" in text
    assert "EXPOSED: delete conversations" in text
    assert "EXPOSED: execute search_similar_nodes" in text
    assert "reach more (or less) than NEXUS expects" in text


def test_stand_in_remote_check_reports_graph_tables_the_anon_key_cannot_read_with_public_graph(caplog):
    state = StandInState(allowed={("nodes", "GET")})
    with SupabaseStandIn(state) as server:
        code, text = run_remote_check(server.url, caplog, public_graph=True)
    assert code == 1
    assert "MISSING: anon cannot read edges" in text
    assert "EXPOSED" not in text


def test_stand_in_remote_check_treats_missing_tables_as_not_exposed(caplog):
    state = StandInState(unknown_tables={"llm_usage", "django_session"})
    with SupabaseStandIn(state) as server:
        code, text = run_remote_check(server.url, caplog)
    assert code == 0, text


def test_stand_in_gone_remote_check_says_supabase_does_not_answer(caplog):
    with SupabaseStandIn() as server:
        url = server.url
    code, text = run_remote_check(url, caplog)  # the stand-in is gone: connection refused
    assert code == 1
    assert "did not answer" in text


def test_remote_check_without_configuration_says_so():
    with (
        override_settings(SUPABASE_URL="", SUPABASE_ANON_KEY=""),
        pytest.raises(CommandError, match="Supabase not configured"),
    ):
        call_command("check_supabase", "--remote", stdout=io.StringIO())


# ── the client singleton ─────────────────────────────────────────────────────
async def test_stand_in_client_is_created_once_and_reused(stand_in):
    with configured(stand_in.url):
        before = supabase_client.created_count
        clients = await asyncio.gather(*(supabase_client.get_supabase() for _ in range(8)))
        assert all(c is clients[0] for c in clients)
        assert await supabase_client.get_supabase() is clients[0]
        assert supabase_client.created_count == before + 1
        rows = await supabase_client.fetch_rows("nodes", limit=1)
        assert rows == [{"id": "probe-row"}]
        request = stand_in.state.requests[-1]
        assert (request.method, request.path) == ("GET", "/rest/v1/nodes")
        assert request.headers["apikey"] == SERVICE_KEY  # server side uses the service key
        await supabase_client.close_supabase()
        await supabase_client.close_supabase()  # closing twice is harmless
        assert await supabase_client.get_supabase() is not clients[0]
        assert supabase_client.created_count == before + 2


async def test_stand_in_client_count_helper(stand_in):
    with configured(stand_in.url):
        assert await supabase_client.count_rows("edges") == 42
    request = stand_in.state.requests[-1]
    assert (request.method, request.path) == ("HEAD", "/rest/v1/edges")
    assert "count=exact" in request.headers["prefer"]


async def test_stand_in_client_rpc_helper(stand_in):
    with configured(stand_in.url):
        rows = await supabase_client.search_similar_nodes(query_embedding=[0.5, 0.25], match_count=3)
    assert rows == [{"id": "probe-row"}]
    body = json.loads(stand_in.state.requests[-1].body)
    assert body == {"query_embedding": "[0.5,0.25]", "match_count": 3, "similarity_threshold": 0.0}


async def test_client_without_configuration_says_supabase_not_configured():
    with override_settings(SUPABASE_URL="", SUPABASE_SERVICE_KEY=""):
        assert supabase_client.is_configured() is False
        with pytest.raises(supabase_client.SupabaseNotConfigured, match="Supabase not configured"):
            await supabase_client.get_supabase()
        with pytest.raises(supabase_client.SupabaseNotConfigured):
            await supabase_client.fetch_rows("nodes")


# ── health ───────────────────────────────────────────────────────────────────
def test_stand_in_health_reports_rest_and_realtime(stand_in):
    with configured(stand_in.url):
        health = supabase_client.supabase_health(timeout=2.0)
    assert health["configured"] is True and health["status"] == "ok"
    assert health["rest"]["ok"] and health["realtime"]["ok"]
    paths = {r.path for r in stand_in.state.requests}
    assert {"/rest/v1/", "/realtime/v1/"} <= paths
    assert ANON_KEY not in json.dumps(health) and SERVICE_KEY not in json.dumps(health)


def test_stand_in_health_stays_fast_when_supabase_hangs():
    with SupabaseStandIn(StandInState(hang_seconds=10)) as server, configured(server.url):
        started = time.monotonic()
        health = supabase_client.supabase_health(timeout=0.5)
        first = time.monotonic() - started
        started = time.monotonic()
        again = supabase_client.supabase_health(timeout=0.5)
        second = time.monotonic() - started
    assert first < 1.5, first  # both checks ran concurrently under one hard timeout
    assert health["status"] == "degraded"
    assert health["rest"] == {"ok": False, "error": "timeout"}
    assert health["realtime"] == {"ok": False, "error": "timeout"}
    assert second < 0.05 and again == health  # cached briefly


def test_health_without_configuration():
    with override_settings(SUPABASE_URL="", SUPABASE_SERVICE_KEY=""):
        assert supabase_client.supabase_health() == {"configured": False, "status": "Supabase not configured"}


@pytest.mark.django_db
def test_stand_in_api_health_includes_supabase_and_stays_fast(editor_client):
    with SupabaseStandIn(StandInState(hang_seconds=10)) as server, configured(server.url):
        started = time.monotonic()
        response = editor_client.get("/api/health")
        elapsed = time.monotonic() - started
    body = response.json()
    assert body["supabase"]["configured"] is True
    assert body["supabase"]["status"] == "degraded"
    assert elapsed < 2.5, elapsed  # the default hard timeout is 1 s
    assert ANON_KEY not in response.content.decode() and SERVICE_KEY not in response.content.decode()


@pytest.mark.django_db
def test_api_health_without_supabase_says_not_configured(editor_client):
    with override_settings(SUPABASE_URL="", SUPABASE_SERVICE_KEY=""):
        body = editor_client.get("/api/health").json()
    assert body["supabase"] == {"configured": False, "status": "Supabase not configured"}


SHUTDOWN_SCRIPT = """
import asyncio, atexit, django
django.setup()
state = {}
# Registered before the module's own hook, so it runs after it (atexit is last-in, first-out).
atexit.register(lambda: print("http closed:", state["http"].is_closed, flush=True))
from nexus_site.supabase import client as supabase_client
loop = asyncio.new_event_loop()
loop.run_until_complete(supabase_client.get_supabase())
print("rows:", loop.run_until_complete(supabase_client.fetch_rows("nodes", limit=1)), flush=True)
state["http"] = supabase_client._http
print("http closed:", state["http"].is_closed, flush=True)
"""


def test_stand_in_client_closed_cleanly_at_interpreter_exit(stand_in):
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "nexus_site.test_settings",
        "NEXUS_TEST_KEEP_SECRETS": "1",
        "SUPABASE_URL": stand_in.url,
        "SUPABASE_SERVICE_KEY": SERVICE_KEY,
        "SUPABASE_ANON_KEY": ANON_KEY,
    }
    result = subprocess.run(
        [sys.executable, "-c", SHUTDOWN_SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "rows: [{'id': 'probe-row'}]" in result.stdout
    assert result.stdout.strip().splitlines()[-2:] == ["http closed: False", "http closed: True"]
    assert SERVICE_KEY not in result.stdout + result.stderr
    assert "Unclosed" not in result.stderr and "Traceback" not in result.stderr
