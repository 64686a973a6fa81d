"""PulseView in a real Chromium against a real daphne + PostgreSQL (no mocks)."""

import time

import pytest

from tests.browser.conftest import (
    SUPABASE_STAND_IN_SECRET,
    call_api,
    click_node,
    drawn_ids,
    drawn_node,
    inside_graph,
    open_app,
    shot,
    sign_in,
    supabase_auth_stand_in,
    wait_drawn,
    wait_label,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

HEALTH_RING = {"green": "#22c55e", "yellow": "#facc15", "red": "#ef4444"}
rendered_ids = drawn_ids


def drawn_count_is(page, n: int, timeout: float = 5000) -> None:
    page.wait_for_function("n => window.__pulseview.drawnIds().length === n", arg=n, timeout=timeout)


def highlighted_ids(page) -> set[str]:
    return set(
        page.evaluate("() => window.__pulseview.drawnIds().filter(id => window.__pulseview.node(id).highlighted)")
    )


def dimmed_count(page) -> int:
    return page.evaluate("() => window.__pulseview.drawnIds().filter(id => window.__pulseview.node(id).dimmed).length")


def test_graph_shows_every_seeded_node(app_server, page):
    from graph.models import Edge, Node

    open_app(page, app_server)
    expected = set(Node.objects.values_list("id", flat=True))
    assert len(expected) == 88
    drawn_count_is(page, len(expected))
    assert rendered_ids(page) == expected
    # Every edge is drawn too, the totals are shown, and the legend counts types.
    page.wait_for_function("n => window.__pulseview.drawnEdges() === n", arg=Edge.objects.count())
    edges = Edge.objects.count()
    assert page.locator('[data-testid="graph-counts"]').inner_text() == f"88 nodes · {edges} edges"
    assert "30" in page.locator(".chip", has_text="person").inner_text()
    # Health is visible as the ring colour drawn around the node.
    health = Node.objects.get(id="p-10").health
    assert drawn_node(page, "p-10")["borderColor"] == HEALTH_RING[health]
    shot(page, "pulseview-main")

    # Filters hide, and bring back, nodes by type and by division.
    page.locator(".chip", has_text="person").click()
    wait_drawn(page, "p-01", drawn=False)
    assert not any(i.startswith("p-") for i in rendered_ids(page))
    page.locator(".chip", has_text="person").click()
    page.select_option(".division-filter select", "Operations")
    ops = set(Node.objects.filter(division="Operations").values_list("id", flat=True))
    drawn_count_is(page, len(ops))
    assert rendered_ids(page) == ops
    page.select_option(".division-filter select", "")
    drawn_count_is(page, len(expected))

    # Clicking a node opens its details with neighbours.
    click_node(page, "p-10")
    details = page.locator('[data-testid="node-details"]')
    details.get_by_text("Rebecca Holloway").first.wait_for()
    page.wait_for_selector(".neighbours li")
    assert (
        page.locator(".neighbours li").count()
        == Edge.objects.filter(source_id="p-10").count() + Edge.objects.filter(target_id="p-10").count()
    )
    shot(page, "pulseview-node-details")
    assert page.page_errors == []


def test_node_created_renamed_deleted_through_api_patches_graph_within_a_second(app_server, page):
    open_app(page, app_server)
    page.evaluate("window.__noReload = 'still here'")

    status, body = call_api(
        app_server,
        "POST",
        "/api/nodes",
        {
            "id": "f-900",
            "type": "fact",
            "label": "Browser-made fact",
            "division": "Engineering",
            "x": 500,
            "y": 500,
        },
    )
    assert status == 201, body
    t0 = time.monotonic()
    wait_drawn(page, "f-900", timeout=1000)
    appeared = time.monotonic() - t0

    status, body = call_api(app_server, "PATCH", "/api/nodes/f-900", {"label": "Renamed fact"})
    assert status == 200, body
    t0 = time.monotonic()
    wait_label(page, "f-900", "Renamed fact", timeout=1000)
    renamed = time.monotonic() - t0
    box = drawn_node(page, "f-900")

    status, body = call_api(app_server, "DELETE", "/api/nodes/f-900")
    assert status == 200, body
    t0 = time.monotonic()
    wait_drawn(page, "f-900", drawn=False, timeout=1000)
    deleted = time.monotonic() - t0

    assert max(appeared, renamed, deleted) < 1.0
    assert box is not None
    assert page.evaluate("window.__noReload") == "still here"  # patched in place, never reloaded
    assert len(drawn_ids(page)) == 88
    assert page.page_errors == []


def test_notification_for_selected_person_raises_badge_and_is_acknowledged(app_server, page):
    from insights.models import Notification

    open_app(page, app_server)
    page.get_by_role("tab", name="Notifications", exact=True).click()
    page.select_option('[data-testid="person-select"]', "p-10")
    page.get_by_text("Nothing for this person yet.").wait_for()
    assert page.locator('[data-testid="notification-badge"]').count() == 0

    # Someone else's notification does not count.
    Notification.objects.create(person_id="p-11", person_name="Someone Else", summary="Not for Rebecca")
    note = Notification.objects.create(
        person_id="p-10",
        person_name="Rebecca Holloway",
        priority="high",
        action_required=True,
        summary="Halden go-live moved to 14 April",
        suggested_action="Re-plan c-03",
    )
    badge = page.locator('[data-testid="notification-badge"]')
    badge.wait_for(timeout=3000)
    assert badge.inner_text() == "1"
    page.get_by_text("Halden go-live moved to 14 April").wait_for()
    shot(page, "pulseview-notifications")

    page.locator('[data-testid="notification"]').get_by_role("button", name="Acknowledge").click()
    badge.wait_for(state="detached", timeout=3000)
    note.refresh_from_db()
    assert note.acknowledged is True
    assert page.page_errors == []


def test_ask_answer_citation_focuses_node(app_server, page):
    open_app(page, app_server)
    page.get_by_role("tab", name="Ask", exact=True).click()
    page.get_by_label("Your question").fill("When does the Halden pilot go live?")
    page.get_by_role("button", name="Ask", exact=True).click()
    answer = page.locator('[data-testid="turn-assistant"]').first
    answer.wait_for(timeout=15_000)
    assert len(answer.locator("p").first.inner_text()) > 10
    citation = answer.locator(".citation").first
    citation.wait_for()
    node_id = citation.get_attribute("data-node-id")
    citation.click()
    page.wait_for_function("id => window.__pulseview.node(id)?.highlighted", arg=node_id, timeout=3000)
    page.wait_for_timeout(700)  # the camera animation
    assert inside_graph(page, node_id)
    # The rest of the graph steps back.
    assert dimmed_count(page) >= 80
    shot(page, "pulseview-ask")

    # The conversation is kept: a follow-up goes to the same conversation.
    page.get_by_label("Your question").fill("Who owns it?")
    page.get_by_role("button", name="Ask", exact=True).click()
    page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=turn-assistant]').length === 2", timeout=15_000
    )
    assert page.locator('[data-testid="turn-user"]').count() == 2
    assert page.page_errors == []


def test_change_made_while_websocket_is_down_shows_after_reconnect(app_server, page):
    from graph import services

    answers = []
    page.on("response", lambda r: answers.append((r.url, r.status)) if "/api/" in r.url else None)
    open_app(page, app_server)
    app_server.stop()  # the websocket drops with the process
    page.wait_for_selector('[data-testid="connection-status"]:not([data-status="live"])', timeout=10_000)
    shot(page, "pulseview-reconnecting")

    services.node_create(
        node_id="f-901",
        node_type="fact",
        label="Written while the server was down",
        division="Engineering",
        x=700,
        y=300,
    )
    services.node_update(node_id="p-10", label="Rebecca H. (renamed offline)")
    services.node_delete(node_id="q-05")

    try:
        app_server.start()  # same port: realtime-js reconnects on its own
        page.wait_for_selector('[data-testid="connection-status"][data-status="live"]', timeout=15_000)
        wait_drawn(page, "f-901")
        wait_label(page, "p-10", "renamed offline")
        wait_drawn(page, "q-05", drawn=False)
        # And the live feed works again after the reconnect.
        status, body = call_api(app_server, "PATCH", "/api/nodes/f-901", {"label": "Live again"})
        assert status == 200, body
        wait_label(page, "f-901", "Live again", timeout=2000)
        # It caught up from its cursor: one change-log read after it, and no second full load.
        assert any("/api/realtime/changes?after=" in url and status == 200 for url, status in answers), answers
        assert sum(1 for url, _ in answers if url.split("?")[0].endswith("/api/graph")) == 1, answers
    finally:
        shot(page, "pulseview-reconnected")
    assert page.page_errors == []


def test_pruned_change_log_after_reconnect_means_full_resync(app_server, page):
    """The log no longer reaches back to the page's cursor: 410, then a full reload of the graph."""
    from graph import services
    from graph.realtime.services import changes_prune

    answers = []
    page.on("response", lambda r: answers.append((r.url, r.status)) if "/api/realtime/changes" in r.url else None)
    open_app(page, app_server)
    page.evaluate("window.__noReload = 'still here'")
    app_server.stop()
    page.wait_for_selector('[data-testid="connection-status"]:not([data-status="live"])', timeout=10_000)
    services.node_create(node_id="c-90", node_type="commitment", label="Made before the prune", x=300, y=900)
    services.node_update(node_id="c-90", label="Renamed before the prune")
    services.node_delete(node_id="q-04")
    assert changes_prune(retention_hours=0) > 0
    app_server.start()
    page.wait_for_selector('[data-testid="connection-status"][data-status="live"]', timeout=15_000)
    wait_label(page, "c-90", "Renamed before the prune")
    wait_drawn(page, "q-04", drawn=False)
    assert any("after=" in url and status == 410 for url, status in answers), answers
    assert page.evaluate("window.__noReload") == "still here"
    assert page.page_errors == []


def test_panels_render_and_narrow_window_has_no_sideways_scroll(app_server, page):
    open_app(page, app_server)
    for tab, name, text in [
        ("Immune", "pulseview-immune", "Immune system"),
        ("Tasks", "pulseview-tasks-empty", "Tasks"),
        ("Usage", "pulseview-usage-empty", "LLM usage"),
        ("Info Drop", "pulseview-info-drop", "Info Drop"),
    ]:
        page.get_by_role("tab", name=tab, exact=True).click()
        page.get_by_role("heading", name=text).wait_for()
        page.wait_for_timeout(300)
        assert page.locator("text=Traceback").count() == 0
        shot(page, name)

    page.set_viewport_size({"width": 400, "height": 800})
    page.wait_for_timeout(300)
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1
    assert len(drawn_ids(page)) == 88
    shot(page, "pulseview-narrow")

    # Keyboard: the search box and the tabs are reachable with Tab.
    page.keyboard.press("Tab")
    seen = set()
    for _ in range(30):  # past every tab and the panel, round to the top bar
        seen.add(
            page.evaluate(
                "() => document.activeElement?.id || document.activeElement?.getAttribute('role') || document.activeElement?.tagName"
            )
        )
        page.keyboard.press("Tab")
    assert "nx-search" in seen
    assert page.page_errors == []


def test_semantic_search_highlights_and_focuses_results(app_server, page):
    from django.core.management import call_command

    call_command("rebuild_embeddings", "--missing-only", verbosity=0)  # offline provider, no network
    open_app(page, app_server)
    page.get_by_label("Semantic search").fill("Halden pilot go-live date")
    page.keyboard.press("Enter")
    results = page.locator('[data-testid="search-results"] li')
    results.first.wait_for(timeout=10_000)
    status, body = call_api(app_server, "GET", "/api/search?q=Halden%20pilot%20go-live%20date&k=8")
    assert status == 200
    hits = [r["node"]["id"] for r in body["results"]]
    assert hits, body
    assert results.count() == len(hits)
    page.wait_for_function(
        "ids => ids.every(id => window.__pulseview.node(id)?.highlighted)",
        arg=hits,
        timeout=3000,
    )
    page.wait_for_timeout(700)  # the camera animation
    assert all(inside_graph(page, h) for h in hits)
    shot(page, "pulseview-search")
    # Picking a result opens its details.
    results.first.get_by_role("button").click()
    page.locator('[data-testid="node-details"]').wait_for()
    assert page.locator("#node-details-title").inner_text() == drawn_node(page, hits[0])["label"]
    assert page.page_errors == []


def test_immune_alert_focuses_its_nodes(app_server, page):
    open_app(page, app_server)
    page.get_by_role("tab", name="Immune", exact=True).click()
    page.get_by_role("button", name="Run scan").click()
    page.get_by_role("button", name="Scanning…").wait_for(state="detached", timeout=15_000)
    status, body = call_api(app_server, "GET", "/api/immune/alerts")
    assert status == 200, body
    alert = next(a for a in body["alerts"] if a["agent"] == "contradiction" and "f-01" in a["node_ids"])
    page.locator('[data-testid="alerts"] li', has_text=alert["title"]).get_by_role(
        "button", name="show in graph"
    ).click()
    page.wait_for_function(
        "ids => ids.every(id => window.__pulseview.node(id)?.highlighted)",
        arg=alert["node_ids"],
        timeout=3000,
    )
    assert highlighted_ids(page) == set(alert["node_ids"])
    shot(page, "pulseview-immune-focus")
    assert page.page_errors == []


def test_info_drop_reports_changes_and_notifies(app_server, page):
    from insights.models import Notification

    open_app(page, app_server)
    page.get_by_role("tab", name="Info Drop", exact=True).click()
    page.get_by_label("What happened?").fill(
        "Rebecca Holloway decided to delay the Halden pilot go-live to 14 April 2027."
    )
    page.get_by_role("button", name="Drop it in").click()
    result = page.locator('[data-testid="info-drop-result"]')
    result.wait_for(timeout=15_000)
    assert "what changed" in result.inner_text().lower()
    notified = list(Notification.objects.values_list("person_name", flat=True))
    text = result.inner_text()
    if notified:
        assert all(name in text for name in notified if name)
    else:
        assert "Nobody needed to know." in text
    shot(page, "pulseview-info-drop-result")
    assert page.page_errors == []


def test_keyboard_selects_a_node(app_server, page):
    """Without a mouse: the skip link is the first Tab stop and leads to the node list, where
    typing filters, arrows move and Enter selects the node, draws it selected and frames it."""
    open_app(page, app_server)
    page.locator("body").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Skip to the node list"
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement?.id === 'node-list-filter'", timeout=2000)
    page.keyboard.type("Eleanor")
    page.keyboard.press("Enter")
    page.wait_for_function("() => window.__pulseview.node('p-01')?.selected", timeout=3000)
    page.wait_for_timeout(700)
    assert inside_graph(page, "p-01")
    page.get_by_role("tab", name="Node", exact=True).click()
    page.locator('[data-testid="node-details"]').wait_for(timeout=3000)
    assert page.locator("#node-details-title").inner_text() == "Eleanor Whitmore"


def test_supabase_stand_in_transport_runs_supabase_js(app_server, page, server_factory):
    """/api/config names Supabase; NEXUS's own Supabase-compatible endpoint stands in for the
    hosted Realtime and supabase_auth_stand_in for Supabase Auth (no network here), so the
    supabase-js code path runs end to end: sign in with Supabase Auth, the API and the realtime
    join carry its access token, sign out through supabase-js."""
    from conftest import free_port

    port = free_port()
    stand_in = server_factory(
        port=port,
        extra_env={
            "NEXUS_TEST_KEEP_SECRETS": "1",
            "SUPABASE_URL": f"http://127.0.0.1:{port}",
            "SUPABASE_ANON_KEY": "stand-in-anon-key",
            "SUPABASE_JWT_SECRET": SUPABASE_STAND_IN_SECRET,
        },
    )
    status, config = call_api(stand_in, "GET", "/api/config")
    assert config["realtime"]["transport"] == "supabase", config
    assert config["auth"]["provider"] == "supabase", config
    auth = supabase_auth_stand_in(page, stand_in.url, email="sam@example.org", role="editor", person_id="p-10")
    sockets, scripts, bearers = [], [], []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    page.on("request", lambda req: scripts.append(req.url) if req.url.endswith(".js") else None)
    page.on(
        "request", lambda req: bearers.append(req.headers.get("authorization")) if "/api/graph" in req.url else None
    )

    page.goto(stand_in.url + "/")
    page.locator('[data-testid="sign-in"]').wait_for(timeout=20_000)
    assert page.get_by_text("The email address of your Supabase account.").is_visible()
    sign_in(page, "sam@example.org", "wrong")
    page.get_by_text("Invalid login credentials").wait_for(timeout=5000)
    assert page.evaluate("() => window.__pulseview === undefined")

    open_app(page, stand_in, user="sam@example.org", ensure=False)
    assert page.get_attribute('[data-testid="connection-status"]', "title") == "Realtime via supabase"
    assert any("/realtime/v1/websocket" in u and "apikey=stand-in-anon-key" in u for u in sockets), sockets
    assert any("/assets/supabase-" in u for u in scripts), scripts
    assert bearers and all(b == f"Bearer {auth['access_token']}" for b in bearers), bearers
    assert page.locator('[data-testid="user-role"]').inner_text() == "editor"

    status, body = call_api(
        stand_in, "POST", "/api/nodes", {"id": "t-90", "type": "team", "label": "Stand-in Team", "x": 900, "y": 700}
    )
    assert status == 201, body
    wait_drawn(page, "t-90", timeout=2000)

    page.get_by_role("button", name="Sign out").click()
    page.locator('[data-testid="sign-in"]').wait_for(timeout=5000)
    assert auth["logout_requests"] == 1
    page.reload()  # supabase-js forgot the session: still signed out
    page.locator('[data-testid="sign-in"]').wait_for(timeout=20_000)
    assert page.page_errors == []


def test_channels_transport_does_not_load_supabase_js(app_server, page):
    scripts = []
    page.on("request", lambda req: scripts.append(req.url) if req.url.endswith(".js") else None)
    open_app(page, app_server)
    assert page.get_attribute('[data-testid="connection-status"]', "title") == "Realtime via channels"
    assert any("/assets/realtime-" in u for u in scripts), scripts
    assert not any("/assets/supabase-" in u for u in scripts), scripts


def test_tasks_critical_path_and_usage_bars(app_server, page):
    from insights.llm_usage import record_usage

    status, body = call_api(
        app_server,
        "POST",
        "/api/tasks",
        {
            "tasks": [
                {"id": "design", "name": "Design dispatcher v3", "duration_days": 3},
                {"id": "build", "name": "Build dispatcher v3", "duration_days": 5, "depends_on": ["design"]},
                {"id": "docs", "name": "Write docs", "duration_days": 1, "depends_on": ["design"]},
                {"id": "pilot", "name": "Pilot at Halden", "duration_days": 2, "depends_on": ["build", "docs"]},
            ]
        },
    )
    assert status == 201, body
    record_usage(model="gpt-4o-mini", input_tokens=120_000, output_tokens=30_000, task_type="ask")
    record_usage(model="gpt-4o", input_tokens=50_000, output_tokens=10_000, task_type="info_drop")

    open_app(page, app_server)
    page.get_by_role("tab", name="Tasks", exact=True).click()
    path = page.locator('[data-testid="critical-path"] li')
    path.first.wait_for(timeout=5000)
    assert [t.split(" ")[0] for t in path.all_inner_texts()] == ["Design", "Build", "Pilot"]
    assert "project takes 10 days" in page.locator("#side-panel").inner_text()
    shot(page, "pulseview-tasks")

    page.get_by_role("tab", name="Usage", exact=True).click()
    chart = page.get_by_role("img", name="Cost by model", exact=False)
    chart.wait_for(timeout=5000)
    label = chart.get_attribute("aria-label")
    assert "gpt-4o-mini" in label and "gpt-4o " in label
    feature = page.get_by_role("img", name="Cost by feature", exact=False).get_attribute("aria-label")
    assert "ask" in feature and "info_drop" in feature
    assert page.locator(".bars rect").count() == 4
    shot(page, "pulseview-usage")
    assert page.page_errors == []


def test_fallback_database_shows_a_banner(app_server, page, server_factory):
    """A server whose DATABASE_URL is unreachable falls back to the embedded database and the
    page says so (the fallback here is the test database, so the graph still loads)."""
    from conftest import free_port

    fallback = server_factory(extra_env={"NEXUS_TEST_DATABASE_URL": f"postgres://nexus@127.0.0.1:{free_port()}/nexus"})
    status, health = call_api(fallback, "GET", "/api/health")
    assert status == 200 and health["database"]["mode"] == "fallback", health
    open_app(page, fallback)
    banner = page.wait_for_selector('[data-testid="health-banner"]', timeout=5000)
    assert "fallback database" in banner.inner_text()
    shot(page, "pulseview-fallback-banner")


def test_healthy_database_shows_no_banner(app_server, page):
    open_app(page, app_server)
    page.wait_for_timeout(500)
    assert page.query_selector('[data-testid="health-banner"]') is None
