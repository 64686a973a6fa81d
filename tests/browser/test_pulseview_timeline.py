"""PulseView's timeline in a real Chromium: scrubbing back to the seeded past (the Halden pilot
date as it stood then, read-only), "Changes since" listing API writes made after a chosen moment,
live changes held back while the past is on screen, and a viewer doing the same."""

import time

import pytest
from django.db import connection

from tests.browser.conftest import call_api, click_node, drawn_ids, drawn_node, open_app, shot, wait_drawn, wait_label

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DAY_MS = 86_400_000


def forget_history():
    """Other transactional tests leave closed versions behind: without this the seed would not
    write its past (it does so on a first seed only)."""
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE node_versions, edge_versions, graph_version_horizon")


@pytest.fixture
def app_server(nexus_server):
    """The daphne server with the mock organisation and its seeded past committed."""
    from graph import seed

    forget_history()
    seed.write_seed_data(seed.load_seed_data())
    yield nexus_server
    forget_history()


def local_input(page, days_ago: float) -> str:
    """The datetime-local value (the browser's local time) for that many days ago."""
    return page.evaluate(
        """ms => { const d = new Date(Date.now() - ms), p = n => String(n).padStart(2, '0');
        return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`; }""",
        days_ago * DAY_MS,
    )


def view_days_ago(page, days: float) -> None:
    page.get_by_test_id("timeline-input").fill(local_input(page, days))
    page.get_by_test_id("timeline-viewing").wait_for(timeout=3000)


def test_the_date_input_and_the_slider_show_the_seeded_past_read_only(app_server, page):
    from graph.models import Node

    open_app(page, app_server)
    assert "3 March 2027" in drawn_node(page, "f-01")["label"]
    assert "f-02" in drawn_ids(page)  # the April contradiction, four days old
    view_days_ago(page, 50)
    wait_label(page, "f-01", "27 January 2027")
    wait_drawn(page, "f-02", drawn=False)
    viewing = page.get_by_test_id("timeline-viewing").inner_text()
    assert viewing.startswith("Viewing ") and "read-only" in viewing and "ago" in viewing
    assert page.get_by_test_id("timeline").get_attribute("data-state") == "past"
    shot(page, "pulseview-timeline-past")

    # Read-only: the node panel shows the node as it was, without the live details' controls ...
    click_node(page, "f-01")
    past_node = page.get_by_test_id("past-node")
    past_node.get_by_text("27 January 2027").first.wait_for(timeout=3000)
    assert page.get_by_test_id("node-details").count() == 0
    # ... a drag moves nothing and saves nothing ...
    before = Node.objects.get(id="f-01")
    n = drawn_node(page, "f-01")
    page.mouse.move(n["x"], n["y"])
    page.mouse.down()
    page.mouse.move(n["x"] + 60, n["y"] + 40, steps=8)
    page.mouse.up()
    page.wait_for_timeout(500)
    moved = drawn_node(page, "f-01")
    assert (moved["graphX"], moved["graphY"]) == pytest.approx((n["graphX"], n["graphY"]), abs=0.2)
    after = Node.objects.get(id="f-01")
    assert (after.x, after.y, after.label) == (before.x, before.y, before.label)
    # ... and the panels that write say why they do not.
    page.get_by_role("tab", name="Info Drop").click()
    page.get_by_test_id("read-only-past").first.wait_for(timeout=3000)

    # The slider: its left end is the first recorded moment (people and teams, no facts yet).
    slider = page.get_by_test_id("timeline-slider")
    slider.focus()
    page.keyboard.press("Home")
    page.wait_for_function(
        "() => { const n = window.__pulseview.drawnIds(); return n.length > 0 && !n.includes('f-01'); }", timeout=5000
    )
    assert 0 < len(drawn_ids(page)) < 88
    assert page.get_by_test_id("timeline-viewing").is_visible()
    page.keyboard.press("End")  # the right end is now: live
    page.get_by_test_id("timeline-live").wait_for(timeout=3000)
    wait_label(page, "f-01", "3 March 2027")
    page.wait_for_function("() => window.__pulseview.drawnIds().length === 88")

    view_days_ago(page, 20)
    wait_label(page, "f-01", "17 February 2027")
    page.get_by_test_id("back-to-live").click()
    page.get_by_test_id("timeline-live").wait_for(timeout=3000)
    wait_label(page, "f-01", "3 March 2027")
    assert page.get_by_test_id("read-only-past").count() == 0
    page.get_by_role("tab", name="Node", exact=True).click()
    page.get_by_test_id("node-details").wait_for(timeout=3000)
    assert page.page_errors == []


def test_changes_since_lists_a_rename_and_a_deletion_made_after_the_chosen_moment(app_server, page):
    from graph.models import Node

    question = Node.objects.get(id="q-01").label
    open_app(page, app_server)
    page.get_by_test_id("open-changes").click()
    panel = page.get_by_test_id("changes-panel")
    # A first visit: changes of the last 7 days (the April contradiction was added 4 days ago).
    since = page.get_by_test_id("changes-since-input")
    assert since.input_value() in (local_input(page, 7), local_input(page, 7 + 1 / 1440))
    panel.locator('[data-testid="change-item"][data-node-id="f-02"][data-kind="added"]').wait_for(timeout=5000)
    wait_mark = "([id, mark]) => window.__pulseview.node(id)?.mark === mark"
    page.wait_for_function(wait_mark, arg=["f-02", "added"], timeout=3000)

    # From now on: nothing from the seeded week, then the API's rename and deletion, live.
    since.fill(local_input(page, 0))
    page.wait_for_function(
        '() => !document.querySelector(\'[data-node-id="f-02"][data-testid="change-item"]\')', timeout=5000
    )
    status, body = call_api(app_server, "PATCH", "/api/nodes/f-01", {"label": "Halden go-live is 10 March 2027"})
    assert status == 200, body
    status, body = call_api(app_server, "DELETE", "/api/nodes/q-01")
    assert status == 200, body
    renamed = panel.locator('[data-testid="change-item"][data-node-id="f-01"][data-kind="changed"]')
    renamed.wait_for(timeout=5000)
    label_line = renamed.locator('[data-field="label"]')
    assert (
        label_line.inner_text()
        == "label: Halden warehouse pilot go-live is 3 March 2027 → Halden go-live is 10 March 2027"
    )
    assert "server-admin" in renamed.inner_text()  # who, and when (a local time, relative: "now")
    assert renamed.locator("time").get_attribute("datetime").startswith(time.strftime("%Y-%m-%d", time.gmtime()))
    removed = panel.locator('[data-testid="change-item"][data-node-id="q-01"][data-kind="removed"]')
    removed.wait_for(timeout=5000)
    assert removed.inner_text().lower().startswith(f"removed\n{question.lower()}\nquestion\n")
    wait_drawn(page, "q-01", drawn=False)
    assert panel.locator('[data-testid="change-item"]').count() == 2
    assert "1 changed" in page.get_by_test_id("changes-summary").inner_text()
    page.wait_for_function(wait_mark, arg=["f-01", "changed"], timeout=3000)
    shot(page, "pulseview-changes-since")

    # A click on an item selects and frames its node.
    renamed.locator(".change-fields").click()
    page.wait_for_function("() => window.__pulseview.node('f-01')?.selected", timeout=3000)

    # A removed node is only in the past: its item shows the graph just before it went, selected.
    page.get_by_test_id("open-changes").click()  # selecting opened the node panel
    removed.get_by_test_id("show-removed").click()
    page.get_by_test_id("timeline-viewing").wait_for(timeout=3000)
    wait_drawn(page, "q-01")
    page.wait_for_function("() => window.__pulseview.node('q-01')?.selected", timeout=3000)
    page.get_by_test_id("past-node").get_by_text(question).first.wait_for(timeout=3000)
    page.get_by_test_id("back-to-live").click()
    wait_drawn(page, "q-01", drawn=False)

    # The visit is remembered per user: after a reload "Last visit" is now, not a week ago.
    page.reload()
    page.wait_for_function("() => window.__pulseview && window.__pulseview.drawnIds().length > 0", timeout=20_000)
    page.get_by_test_id("open-changes").click()
    assert page.get_by_test_id("changes-since-input").input_value() in (
        local_input(page, 0),
        local_input(page, 1 / 1440),
    )
    assert page.page_errors == []


def test_a_node_added_while_viewing_the_past_shows_only_back_in_live(app_server, page):
    open_app(page, app_server)
    view_days_ago(page, 50)
    wait_label(page, "f-01", "27 January 2027")
    status, body = call_api(
        app_server,
        "POST",
        "/api/nodes",
        {
            "id": "f-950",
            "type": "fact",
            "label": "Made while looking back",
            "division": "Operations",
            "x": 700,
            "y": 400,
        },
    )
    assert status == 201, body
    page.wait_for_timeout(1500)  # realtime delivers within a second (test_pulseview): it has arrived
    assert "f-950" not in drawn_ids(page)
    assert page.get_by_test_id("timeline").get_attribute("data-state") == "past"

    reloads = []
    page.on("request", lambda r: reloads.append(r.url) if "/api/graph?view=compact" in r.url else None)
    page.get_by_test_id("back-to-live").click()
    t0 = time.monotonic()
    wait_drawn(page, "f-950", timeout=2000)
    assert time.monotonic() - t0 < 1.0
    assert reloads == []  # the live graph was kept up to date meanwhile, not reloaded
    wait_label(page, "f-01", "3 March 2027")
    assert len(drawn_ids(page)) == 89
    assert page.page_errors == []


def test_a_viewer_travels_back_and_reads_the_changes(app_server, page):
    open_app(page, app_server, user="viewer", role="viewer", person_id="p-10")
    view_days_ago(page, 50)
    wait_label(page, "f-01", "27 January 2027")
    assert page.get_by_test_id("timeline-viewing").is_visible()
    page.get_by_test_id("back-to-live").click()
    wait_label(page, "f-01", "3 March 2027")
    page.get_by_test_id("open-changes").click()
    page.locator('[data-testid="change-item"][data-node-id="f-02"][data-kind="added"]').wait_for(timeout=5000)
    shot(page, "pulseview-timeline-viewer")
    assert page.page_errors == []
