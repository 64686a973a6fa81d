"""Running plans, alerts and worker analyses in PulseView, in a real Chromium: build a task graph
and see its critical path, slack and a cycle; dismiss an alert and it stays dismissed after a
rescan; assign one and the person is notified live; carry out an orphan alert; apply a
reallocation and a second page sees the owner change; a second page sees an alert dismissed and
the plan edited live, and what changed while its socket was down once it reconnects; a viewer
sees none of the controls."""

import pytest

from tests.browser.conftest import call_api, open_app, shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def panel(page, tab: str, exact: bool = True):
    page.get_by_role("tab", name=tab, exact=exact).click()
    return page.locator("#side-panel")


def second_page(page, app_server, *, user: str, role: str, person_id: str | None):
    """Another signed-in browser (its own cookies), on the same server."""
    context = page.context.browser.new_context(viewport={"width": 1280, "height": 800})
    other = context.new_page()
    open_app(other, app_server, user=user, role=role, person_id=person_id)
    return other


def page_post_status(page, path: str, body: dict) -> int:
    """The status the page itself gets for a POST (its session cookie and CSRF token)."""
    return page.evaluate(
        """([p, body]) => {
        const csrf = (document.cookie.split('; ').find(c => c.startsWith('csrftoken=')) || '').split('=')[1] || '';
        return fetch(p, {method: 'POST', headers: {'Content-Type': 'application/json', 'X-CSRFToken': csrf},
                         body: JSON.stringify(body)}).then(r => r.status); }""",
        [path, body],
    )


def person_option(person_id: str) -> str:
    """How the person pickers list a person: their name and team."""
    from graph.models import Node

    person = Node.objects.get(id=person_id)
    return f"{person.label} ({person.team})" if person.team else person.label


def add_task(side, name: str, days: int, *, owner: str | None = None, after: tuple[str, ...] = ()):
    side.get_by_role("button", name="Add task").click()
    form = side.locator('[data-testid="task-form"]')
    form.get_by_label("Name").fill(name)
    form.get_by_label("Duration (days)").fill(str(days))
    if owner:
        form.get_by_label("Owner").select_option(label=person_option(owner))
    for other in after:
        form.get_by_label(other, exact=True).check()
    form.get_by_role("button", name="Save task").click()
    form.wait_for(state="detached", timeout=10_000)


def test_build_a_task_graph_see_critical_path_slack_and_a_named_cycle(app_server, page):
    from graph.models import Node
    from insights.models import TaskGraph

    priya = Node.objects.get(id="p-11").label
    open_app(page, app_server)
    side = panel(page, "Tasks")
    side.get_by_text("No plan yet").wait_for(timeout=10_000)
    assert "POST /api" not in side.inner_text()

    add_task(side, "Survey the site", 2, owner="p-11")
    add_task(side, "Install docks", 3, after=("Survey the site",))
    add_task(side, "Train staff", 1, after=("Survey the site",))
    path = side.locator('[data-testid="critical-path"] li strong')
    page.wait_for_function("() => document.querySelectorAll('[data-testid=critical-path] li').length === 2")
    assert path.all_inner_texts() == ["Survey the site", "Install docks"]
    rows = {r.get_attribute("data-testid"): r for r in side.locator('[data-testid="task-list"] > li').all()}
    assert [(r.get_attribute("data-critical"), r.get_attribute("data-slack")) for r in rows.values()] == [
        ("true", "0"),
        ("true", "0"),
        ("false", "2"),
    ]
    assert "slack 2 d" in rows["task-task-3"].inner_text()
    # The owner is shown by name, linked to the person, never as an id.
    assert priya in rows["task-task-1"].inner_text() and "p-11" not in rows["task-task-1"].inner_text()
    assert "project takes 5 days" in side.inner_text()

    side.get_by_label("Done: Survey the site").click()  # saved, then shown checked
    page.wait_for_function("() => document.querySelector('[data-testid=task-summary]').innerText.includes('1 done')")
    saved = TaskGraph.objects.get(active=True)
    assert [t["done"] for t in saved.tasks] == [True, False, False] and saved.tasks[0]["owner"] == "p-11"

    # Survey after Install, while Install is after Survey: refused, and the cycle is named.
    side.get_by_role("button", name="Edit Survey the site").click()
    side.locator('[data-testid="task-form"]').get_by_label("Install docks", exact=True).check()
    side.get_by_role("button", name="Save task").click()
    cycle = side.locator('[data-testid="task-cycle"]')
    cycle.wait_for(timeout=10_000)
    assert (
        "Survey the site → Install docks → Survey the site" in cycle.inner_text()
        or "Install docks → Survey the site → Install docks" in cycle.inner_text()
    )
    assert TaskGraph.objects.get(active=True).id == saved.id  # nothing written
    shot(page, "pulseview-tasks-cycle")
    assert page.page_errors == []


def alert_card(side, fingerprint: str):
    return side.locator(f'[data-testid="alert"][data-fingerprint="{fingerprint}"]')


def run_scan(side):
    side.get_by_role("button", name="Run scan").click()
    side.get_by_role("button", name="Scanning…").wait_for(state="detached", timeout=15_000)
    side.get_by_role("button", name="Run scan").wait_for(timeout=5_000)


def test_dismiss_an_alert_with_a_reason_and_it_stays_dismissed_after_a_rescan(app_server, page):
    from insights.models import ImmuneAlertState

    open_app(page, app_server)
    side = panel(page, "Immune")
    run_scan(side)
    card = alert_card(side, "staleness:f-05")
    card.wait_for(timeout=10_000)
    title = card.locator(".card-title").inner_text()
    card.get_by_role("button", name="Dismiss…").click()
    card.get_by_label("Reason for dismissing").fill("Archived on purpose; kept for the record")
    card.get_by_role("button", name="Dismiss", exact=True).click()
    card.wait_for(state="detached", timeout=10_000)  # out of the open list
    row = ImmuneAlertState.objects.get(fingerprint="staleness:f-05")
    assert (row.state, row.reason, row.actor) == ("dismissed", "Archived on purpose; kept for the record", "editor")

    side.get_by_role("group", name="Which alerts").get_by_role(
        "button", name="Resolved & dismissed", exact=False
    ).click()
    closed = alert_card(side, "staleness:f-05")
    assert "Archived on purpose" in closed.inner_text() and "dismissed by editor" in closed.inner_text()
    side.get_by_role("group", name="Which alerts").get_by_role("button", name="Open", exact=False).click()

    run_scan(side)
    side.locator('[data-testid="alerts-suppressed"]').wait_for(timeout=10_000)
    assert title in side.locator('[data-testid="alerts-suppressed"]').inner_text()
    assert alert_card(side, "staleness:f-05").count() == 0
    assert alert_card(side, "staleness:f-06").count() == 1
    # Still listed with its state and reason among the closed ones, where it can be reopened.
    which = side.get_by_role("group", name="Which alerts")
    which.get_by_role("button", name="Resolved & dismissed", exact=False).click()
    assert "Archived on purpose" in alert_card(side, "staleness:f-05").inner_text()
    assert alert_card(side, "staleness:f-05").get_by_role("button", name="Reopen").count() == 1
    which.get_by_role("button", name="Open", exact=False).click()
    status, body = call_api(app_server, "GET", "/api/immune/alerts")
    assert "staleness:f-05" not in {a["fingerprint"] for a in body["alerts"]}
    shot(page, "pulseview-immune-dismissed")

    # A suggestion that is a graph change is carried out from the alert itself.
    stale = alert_card(side, "staleness:f-06")
    stale.get_by_role("button", name="Mark re-verified").click()
    stale.wait_for(state="detached", timeout=10_000)
    from graph.models import Node

    assert Node.objects.get(id="f-06").freshness_score == 1.0
    assert ImmuneAlertState.objects.get(fingerprint="staleness:f-06").state == "resolved"
    assert page.page_errors == []


def test_assign_an_alert_notifies_the_person_live_and_set_its_owner(app_server, page):
    from graph.models import Edge, Node
    from insights.models import ImmuneAlertState

    priya = Node.objects.get(id="p-11").label
    assignee = second_page(page, app_server, user="priya", role="viewer", person_id="p-11")
    open_app(page, app_server)
    side = panel(page, "Immune")
    run_scan(side)
    card = alert_card(side, "orphan:c-12")
    card.wait_for(timeout=10_000)
    # The suggestion names the commitment, not its id.
    assert Node.objects.get(id="c-12").label in card.inner_text()
    card.get_by_role("button", name="Assign…").click()
    card.get_by_label("Assign to").select_option(label=person_option("p-11"))
    card.get_by_role("button", name="Assign", exact=True).click()
    card.locator('[data-testid="alert-meta"]').wait_for(timeout=10_000)
    assert f"Assigned to {priya}" in card.locator('[data-testid="alert-meta"]').inner_text()

    # Priya's open page hears of it at once.
    assignee.locator('[data-testid="notification-badge"]').wait_for(timeout=10_000)
    assert assignee.locator('[data-testid="notification-badge"]').inner_text() == "1"
    panel(assignee, "Notifications", exact=False).get_by_text("editor assigned you an alert", exact=False).wait_for(
        timeout=5_000
    )

    # Carry out the suggestion: Priya owns the commitment from now on.
    card.get_by_role("button", name="Set owner…").click()
    card.get_by_label("New owner").select_option(value="p-11")
    card.get_by_role("button", name="Set owner", exact=True).click()
    card.wait_for(state="detached", timeout=10_000)
    assert ImmuneAlertState.objects.get(fingerprint="orphan:c-12").state == "resolved"
    assert Node.objects.get(id="c-12").extras["owner_id"] == "p-11"
    assert Edge.objects.filter(source_id="p-11", target_id="c-12", type="owns").exists()
    assignee.context.close()
    assert page.page_errors == []


def test_run_the_worker_analysis_and_apply_a_reallocation_seen_live_elsewhere(app_server, page):
    from graph.models import Edge, MutationHistory, Node

    open_app(page, app_server)
    side = panel(page, "Workers")
    side.get_by_text("No analysis yet").wait_for(timeout=10_000)
    held = []  # the analysis request, held until the running state has been seen
    page.route("**/api/workers/analyze", lambda route: held.append(route))
    side.get_by_role("button", name="Run analysis").click()
    running = side.get_by_role("button", name="Analysing…")
    running.wait_for(timeout=5_000)
    assert running.is_disabled() and side.get_by_role("status").filter(has_text="Analysing").count() == 1
    page.wait_for_function("() => true")  # let the route handler run
    assert len(held) == 1
    held[0].continue_()
    side.locator('[data-testid="reallocations"] > li').first.wait_for(timeout=15_000)
    assert side.get_by_role("button", name="Run analysis").is_enabled()
    status, latest = call_api(app_server, "GET", "/api/workers/latest")
    move = latest["reallocation_suggestions"][0]
    card = side.locator(f'[data-testid="realloc-{move["commitment_id"]}"]')
    # Names, linked, not ids.
    assert move["to"]["name"] in card.inner_text() and move["to"]["id"] not in card.inner_text()
    assert side.locator('[data-testid="overloads"]').get_by_role("button", name=move["from"]["name"]).count() == 1

    watcher = second_page(page, app_server, user="editor2", role="editor", person_id="p-12")
    watched = panel(watcher, "Workers").locator(f'[data-testid="realloc-{move["commitment_id"]}"]')
    watched.wait_for(timeout=10_000)
    assert move["from"]["name"] in watched.locator('[data-testid="realloc-owner"]').inner_text()

    card.get_by_role("button", name="Apply…").click()
    card.get_by_role("button", name="Confirm").click()
    # The owner change can arrive live before the apply's answer: wait for the answer's record.
    card.get_by_text("Applied by editor").wait_for(timeout=10_000)
    assert card.get_attribute("data-applied") == "true"
    commitment = Node.objects.get(id=move["commitment_id"])
    assert commitment.extras["owner_id"] == move["to"]["id"]
    assert set(Edge.objects.filter(target_id=commitment.id, type="owns").values_list("source_id", flat=True)) == {
        move["to"]["id"]
    }
    assert MutationHistory.objects.filter(node_id=commitment.id, actor="editor").exists()

    # The second page sees the new owner without reloading.
    watcher.wait_for_function(
        "([id, name]) => document.querySelector(`[data-testid=realloc-${id}] [data-testid=realloc-owner]`).innerText.includes(name)",
        arg=[move["commitment_id"], move["to"]["name"]],
        timeout=10_000,
    )
    assert watched.get_attribute("data-applied") == "true"
    shot(page, "pulseview-workers-applied")
    watcher.context.close()
    assert page.page_errors == []


def plan_and_scan(app_server):
    """A two-task plan and an immune scan, written through the API as an editor."""
    tasks = [
        {"id": "a", "name": "Design", "duration_days": 2, "owner": "p-11"},
        {"id": "b", "name": "Build", "duration_days": 3, "depends_on": ["a"]},
    ]
    assert call_api(app_server, "POST", "/api/tasks", {"tasks": tasks})[0] == 201
    assert call_api(app_server, "POST", "/api/immune/scan", {})[0] == 201


def project_days(side) -> str:
    return side.locator('[data-testid="task-summary"]').inner_text()


def test_a_second_page_sees_an_alert_dismissed_and_the_plan_edited_live_and_after_a_reconnect(app_server, page):
    from insights import services
    from insights.models import TaskGraph

    plan_and_scan(app_server)
    watcher = second_page(page, app_server, user="vera", role="viewer", person_id="p-10")
    watcher.evaluate("() => { window.__sameDocument = true; }")  # gone if the page reloads
    watched_alerts = panel(watcher, "Immune")
    alert_card(watched_alerts, "staleness:f-05").wait_for(timeout=10_000)
    watched_tasks = panel(watcher, "Tasks")  # both panels stay mounted from here on
    watched_tasks.get_by_text("the project takes 5 days").wait_for(timeout=10_000)

    # Page 1, an editor: dismiss the alert, then make the first task longer.
    open_app(page, app_server)
    side = panel(page, "Immune")
    card = alert_card(side, "staleness:f-05")
    card.get_by_role("button", name="Dismiss…").click()
    card.get_by_label("Reason for dismissing").fill("Kept for the record")
    card.get_by_role("button", name="Dismiss", exact=True).click()
    card.wait_for(state="detached", timeout=10_000)
    side = panel(page, "Tasks")
    side.get_by_role("button", name="Edit Design").click()
    form = side.locator('[data-testid="task-form"]')
    form.get_by_label("Duration (days)").fill("4")
    form.get_by_role("button", name="Save task").click()
    form.wait_for(state="detached", timeout=10_000)

    # Page 2 shows both without a reload: the plan on screen, the alert among the closed ones.
    watched_tasks.get_by_text("the project takes 7 days").wait_for(timeout=10_000)
    alert_card(watched_alerts, "staleness:f-05").wait_for(state="detached", timeout=10_000)
    watched_alerts = panel(watcher, "Immune")
    watched_alerts.get_by_role("group", name="Which alerts").get_by_role(
        "button", name="Resolved & dismissed", exact=False
    ).click()
    closed = alert_card(watched_alerts, "staleness:f-05")
    closed.wait_for(timeout=5_000)
    assert "Kept for the record" in closed.inner_text() and "dismissed by editor" in closed.inner_text()
    shot(watcher, "pulseview-second-page-live-work")

    # Changes made while page 2's socket is down show once it reconnects.
    app_server.stop()
    watcher.wait_for_selector('[data-testid="connection-status"]:not([data-status="live"])', timeout=10_000)
    services.immune_alert_reopen(fingerprint="staleness:f-05")
    current = TaskGraph.objects.get(active=True)
    services.task_graph_create(
        tasks=[{**t, "duration_days": 1} if t["id"] == "b" else t for t in current.tasks], base_id=current.id
    )
    app_server.start()  # same port: realtime-js reconnects on its own
    watcher.wait_for_selector('[data-testid="connection-status"][data-status="live"]', timeout=15_000)
    watched_alerts.get_by_role("group", name="Which alerts").get_by_role("button", name="Open", exact=False).click()
    alert_card(watched_alerts, "staleness:f-05").wait_for(timeout=10_000)
    watched_tasks = panel(watcher, "Tasks")
    watched_tasks.get_by_text("the project takes 5 days").wait_for(timeout=10_000)
    assert "5 days" in project_days(watched_tasks)
    assert watcher.evaluate("() => window.__sameDocument === true")
    watcher.context.close()
    assert page.page_errors == []


def test_a_viewer_sees_plans_alerts_and_analyses_but_no_action_controls(app_server, page):
    plan_and_scan(app_server)
    status, analysis = call_api(app_server, "POST", "/api/workers/analyze")
    assert status == 201
    open_app(page, app_server, user="vera", role="viewer", person_id="p-10")

    side = panel(page, "Tasks")
    side.locator('[data-testid="critical-path"] li').first.wait_for(timeout=10_000)
    side.get_by_text("Editors only: editing the plan").wait_for()
    assert side.get_by_role("button", name="Add task").count() == 0
    assert side.get_by_role("checkbox").count() == 0 and side.get_by_role("button", name="Edit Design").count() == 0

    side = panel(page, "Immune")
    side.locator('[data-testid="alert"]').first.wait_for(timeout=10_000)
    for name in ("Run scan", "Resolve", "Dismiss…", "Assign…", "Set owner…", "Mark re-verified"):
        assert side.get_by_role("button", name=name, exact=True).count() == 0, name

    side = panel(page, "Workers")
    side.locator('[data-testid="reallocations"] > li').first.wait_for(timeout=10_000)
    assert side.get_by_role("button", name="Run analysis").count() == 0
    assert side.get_by_role("button", name="Apply…").count() == 0
    shot(page, "pulseview-viewer-workers")

    # And the API refuses them too, writing nothing.
    commitment = analysis["reallocation_suggestions"][0]["commitment_id"]
    assert page_post_status(page, f"/api/workers/analyses/{analysis['id']}/apply", {"commitment_id": commitment}) == 403
    assert page_post_status(page, "/api/immune/alerts/orphan%3Ac-12/dismiss", {"reason": "no"}) == 403
    assert page_post_status(page, "/api/tasks", {"tasks": [{"id": "x", "name": "x", "duration_days": 1}]}) == 403
    from graph.models import Node
    from insights.models import ImmuneAlertState, TaskGraph

    assert Node.objects.get(id=commitment).extras["owner_id"] == "p-10"
    assert page_post_status(page, "/api/immune/alerts/staleness%3Af-05/apply", {}) == 403
    assert not ImmuneAlertState.objects.exists() and TaskGraph.objects.count() == 1
    assert page.page_errors == []


def test_the_work_panels_have_no_axe_violations(app_server, page):
    from tests.browser.test_pulseview_explore import run_axe

    plan_and_scan(app_server)
    assert call_api(app_server, "POST", "/api/workers/analyze")[0] == 201
    open_app(page, app_server)
    side = panel(page, "Immune")
    card = alert_card(side, "orphan:c-12")
    card.get_by_role("button", name="Assign…").click()
    assert run_axe(page) == []
    side = panel(page, "Workers")
    side.locator('[data-testid="reallocations"] > li').first.get_by_role("button", name="Apply…").click()
    assert run_axe(page) == []
    side = panel(page, "Tasks")
    side.get_by_role("button", name="Edit Design").click()
    assert run_axe(page) == []
    assert page.page_errors == []
