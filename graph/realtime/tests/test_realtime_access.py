"""Who may listen on /realtime/v1/websocket: Origin checked at the handshake, every join
authenticated, and notifications delivered only to whom they concern (real daphne, real sockets)."""

import asyncio
import json
import urllib.request
from http.cookiejar import CookieJar

import pytest
import websockets

from graph.realtime.tests.test_realtime_ws import RawClient, asql, node_insert, sql
from tests.actors import PASSWORD, api_token, user_with_role

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
ALL_NOTIFICATIONS = [{"event": "INSERT", "schema": "public", "table": "notifications"}]
ALL_NODES = [{"event": "*", "schema": "public", "table": "nodes"}]


async def _notify(person_id: str, summary: str) -> None:
    await asql("INSERT INTO notifications (person_id, summary) VALUES (%s, %s)", (person_id, summary))


async def test_a_join_without_credentials_is_refused_and_receives_nothing(nexus_server):
    client = await RawClient.connect(nexus_server, token=None)
    reply = await client.join("realtime:anon", ALL_NODES)
    assert reply["payload"]["status"] == "error"
    assert reply["payload"]["response"]["reason"].startswith("unauthorized")
    bad = await RawClient.connect(nexus_server, token="nexus_not-a-real-token")
    assert (await bad.join("realtime:bad", ALL_NODES))["payload"]["status"] == "error"
    await asyncio.to_thread(sql, *node_insert("f-ws-anon"))
    assert await client.changes(1, timeout=1.5) == []
    assert await bad.changes(1, timeout=0.5) == []
    await client.close(), await bad.close()


async def test_a_foreign_origin_is_refused_at_the_handshake(nexus_server):
    with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
        await RawClient.connect(nexus_server, origin="https://evil.example")
    assert refused.value.response.status_code == 403
    same_site = await RawClient.connect(nexus_server, origin=f"http://127.0.0.1:{nexus_server.port}")
    assert (await same_site.join("realtime:ok", ALL_NODES))["payload"]["status"] == "ok"
    await same_site.close()


async def test_a_viewer_gets_only_their_own_notifications_an_editor_gets_all(nexus_server):
    viewer_token = await asyncio.to_thread(api_token, "viewer", username="rebecca", person_id="p-10")
    other_token = await asyncio.to_thread(api_token, "viewer", username="kwame", person_id="p-11")
    editor_token = await asyncio.to_thread(api_token, "editor", username="priya", person_id="p-02")
    viewer = await RawClient.connect(nexus_server, token=None)
    # supabase-js hands the token over in the join payload
    assert (await viewer.join("realtime:n", ALL_NOTIFICATIONS, access_token=viewer_token))["payload"]["status"] == "ok"
    other = await RawClient.connect(nexus_server, token=other_token)  # supabase-py: as apikey
    assert (await other.join("realtime:n", ALL_NOTIFICATIONS))["payload"]["status"] == "ok"
    editor = await RawClient.connect(nexus_server, token=editor_token)
    assert (await editor.join("realtime:n", ALL_NOTIFICATIONS))["payload"]["status"] == "ok"

    await _notify("p-11", "for Kwame only")
    await _notify("p-10", "for Rebecca")
    mine = await viewer.changes(1)
    assert [c["data"]["record"]["summary"] for c in mine] == ["for Rebecca"]
    assert await viewer.changes(1, timeout=1.0) == []  # Kwame's never arrives
    assert [c["data"]["record"]["summary"] for c in await other.changes(1)] == ["for Kwame only"]
    assert [c["data"]["record"]["summary"] for c in await editor.changes(2)] == ["for Kwame only", "for Rebecca"]
    for client in (viewer, other, editor):
        await client.close()


def _session_cookie(server) -> str:
    """Signs in through the API like the browser does and returns the Cookie header."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    session = json.loads(opener.open(f"{server.url}/api/auth/session").read())
    request = urllib.request.Request(
        f"{server.url}/api/auth/login",
        method="POST",
        data=json.dumps({"username": "browser-viewer", "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json", "X-CSRFToken": session["csrf_token"], "Referer": server.url + "/"},
    )
    assert json.loads(opener.open(request).read())["authenticated"]
    return "; ".join(f"{c.name}={c.value}" for c in jar)


async def test_the_browser_session_cookie_authenticates_joins(nexus_server):
    await asyncio.to_thread(user_with_role, "viewer", username="browser-viewer", person_id="p-10")
    cookie = await asyncio.to_thread(_session_cookie, nexus_server)
    client = await RawClient.connect(
        nexus_server, token=None, origin=nexus_server.url, additional_headers={"Cookie": cookie}
    )
    assert (await client.join("realtime:browser", ALL_NODES))["payload"]["status"] == "ok"
    await asyncio.to_thread(sql, *node_insert("f-ws-cookie"))
    assert len(await client.changes(1)) == 1
    await client.close()


async def test_resume_endpoint_leaves_out_other_peoples_notifications(nexus_server):
    token = await asyncio.to_thread(api_token, "viewer", username="rebecca", person_id="p-10")
    status, head = await asyncio.to_thread(nexus_server.call, "GET", "/api/realtime/changes", None, 10, token)
    await _notify("p-11", "not yours")
    await _notify("p-10", "yours")
    status, page = await asyncio.to_thread(
        nexus_server.call, "GET", f"/api/realtime/changes?after={head['cursor']}&tables=notifications", None, 10, token
    )
    assert status == 200
    assert [c["new"]["summary"] for c in page["changes"]] == ["yours"]
    assert page["cursor"] > head["cursor"] + 1  # moved past the hidden one
