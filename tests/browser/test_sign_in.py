"""Signing in to PulseView in a real Chromium against a real daphne + PostgreSQL."""

import pytest

from tests.browser.conftest import BROWSER_PASSWORD, click_node, drawn_ids, ensure_user, open_app, shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SIGN_IN = '[data-testid="sign-in"]'
NO_GRAPH = "() => window.__pulseview === undefined"
# What only a signed-in PulseView asks for: its code, its data and its realtime socket.
SIGNED_IN_ONLY = (
    "/api/graph",
    "/api/nodes",
    "/api/realtime/changes",
    "/api/notifications",
    "/assets/App-",
    "/assets/sigma-",
)


def watch_requests(page) -> list[str]:
    urls: list[str] = []
    page.on("request", lambda req: urls.append(req.url))
    page.on("websocket", lambda ws: urls.append(ws.url))
    return urls


def page_fetch_status(page, path: str) -> int:
    """The status the page itself gets for a GET (with whatever cookies it holds)."""
    return page.evaluate("p => fetch(p, {headers: {Accept: 'application/json'}}).then(r => r.status)", path)


def test_signed_out_shows_sign_in_and_fetches_no_graph(app_server, page):
    urls = watch_requests(page)
    page.goto(app_server.url + "/")
    form = page.locator(SIGN_IN)
    form.wait_for(timeout=20_000)
    assert page.get_by_label("Username", exact=True).is_visible()
    assert page.get_by_label("Password", exact=True).get_attribute("type") == "password"
    assert page.get_by_role("button", name="Sign in", exact=True).is_enabled()
    page.wait_for_timeout(1000)  # time for any stray fetch to show up
    assert page.evaluate(NO_GRAPH)
    assert page.locator('[data-testid="graph"]').count() == 0
    assert not [u for u in urls if any(part in u for part in SIGNED_IN_ONLY)], urls
    assert not [u for u in urls if "/realtime/v1/websocket" in u], urls
    assert page_fetch_status(page, "/api/graph") == 401
    shot(page, "pulseview-sign-in")
    assert page.page_errors == []


def test_wrong_password_shows_the_error_then_lockout_is_explained(app_server, page):
    from django.conf import settings as live

    user = ensure_user("editor")
    page.goto(app_server.url + "/")
    page.locator(SIGN_IN).wait_for(timeout=20_000)
    sign_in(page, user, "not-the-password")
    error = page.locator('[data-testid="sign-in-error"]')
    error.wait_for(timeout=5000)
    assert error.inner_text() == "Wrong username or password."
    assert page.get_by_label("Password", exact=True).input_value() == ""  # cleared for the next try
    shot(page, "pulseview-sign-in-error")

    # Past the failure limit the server locks the account (429) and the form says when to retry.
    for _ in range(live.AXES_FAILURE_LIMIT):
        sign_in(page, user, "still-wrong")
        page.wait_for_function("() => !document.querySelector('button[type=submit]').disabled")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=sign-in-error]')?.textContent.includes('Too many failed sign-ins')",
        timeout=5000,
    )
    assert "try again in" in error.inner_text()
    sign_in(page, user)  # even the right password waits out the lockout
    page.wait_for_timeout(500)
    assert "Too many failed sign-ins" in error.inner_text()
    assert page.evaluate(NO_GRAPH)
    assert page.page_errors == []


def test_sign_in_shows_graph_and_user_sign_out_returns_to_sign_in(app_server, page):
    open_app(page, app_server, user="editor", role="editor")
    menu = page.locator('[data-testid="user-menu"]')
    assert menu.locator('[data-testid="user-name"]').inner_text() == "editor"
    assert menu.locator('[data-testid="user-role"]').inner_text() == "editor"
    assert len(drawn_ids(page)) == 88
    # An editor writes through the session cookie: the CSRF token goes along (Run scan is a POST).
    page.get_by_role("tab", name="Immune", exact=True).click()
    page.get_by_role("button", name="Run scan").click()
    page.get_by_text("last scan").wait_for(timeout=15_000)
    shot(page, "pulseview-signed-in")

    menu.get_by_role("button", name="Sign out").click()
    page.locator(SIGN_IN).wait_for(timeout=5000)
    assert page.get_by_text("You are signed out.").is_visible()
    assert page.evaluate(NO_GRAPH)
    assert page_fetch_status(page, "/api/graph") == 401
    page.reload()  # the session is gone on the server too, not just in the page
    page.locator(SIGN_IN).wait_for(timeout=20_000)
    assert page.evaluate(NO_GRAPH)
    assert page.page_errors == []


def test_ended_session_brings_the_sign_in_screen_back(app_server, page):
    """Any API call answered 401 (here: the server forgot every session) shows the sign-in screen."""
    from django.contrib.sessions.models import Session

    open_app(page, app_server)
    Session.objects.all().delete()
    click_node(page, "p-10")  # loads the node's details: now a 401
    page.locator(SIGN_IN).wait_for(timeout=5000)
    assert page.get_by_text("Your session has ended. Sign in again.").is_visible()
    assert page.evaluate(NO_GRAPH)
    sign_in(page, "editor")
    page.wait_for_function("() => window.__pulseview?.drawnIds().length === 88", timeout=20_000)
    page.wait_for_selector('[data-testid="connection-status"][data-status="live"]', timeout=15_000)
    assert page.page_errors == []


def test_viewer_sees_no_write_controls_and_only_their_notifications(app_server, page):
    from insights.models import Notification

    Notification.objects.create(person_id="p-02", person_name="Viewer's Person", summary="For the viewer")
    Notification.objects.create(person_id="p-11", person_name="Someone Else", summary="Not for the viewer")
    open_app(page, app_server, user="vera", role="viewer", person_id="p-02")
    assert page.locator('[data-testid="user-role"]').inner_text() == "viewer"

    page.get_by_role("tab", name="Info Drop", exact=True).click()
    page.locator("#side-panel [data-testid=editors-only]").first.wait_for(timeout=5000)
    assert page.get_by_role("button", name="Drop it in").count() == 0
    assert page.get_by_label("What happened?").count() == 0

    page.get_by_role("tab", name="Immune", exact=True).click()
    page.get_by_text("Editors only: running a scan").wait_for(timeout=5000)
    assert page.get_by_role("button", name="Run scan").count() == 0
    shot(page, "pulseview-viewer")

    # Their own unread notification shows in the tab's badge (so its name is "Notifications 1").
    page.get_by_role("tab", name="Notifications").click()
    page.get_by_text("For the viewer").wait_for(timeout=5000)
    assert page.locator('[data-testid="person-select"]').count() == 0
    assert "Your notifications" in page.locator('[data-testid="own-notifications"]').inner_text()
    assert page.get_by_text("Not for the viewer").count() == 0
    # Their own notification they may acknowledge.
    page.locator('[data-testid="notification"]').get_by_role("button", name="Acknowledge").click()
    page.locator('[data-testid="notification-acknowledged"]').first.wait_for(state="attached", timeout=3000)
    assert Notification.objects.get(person_id="p-02").acknowledged is True
    assert page.page_errors == []


def test_open_mode_shows_the_warning_banner_and_no_sign_in(app_server, page, server_factory):
    open_server = server_factory(extra_env={"NEXUS_AUTH": "open"})
    open_app(page, open_server, user=None)
    banner = page.locator('[data-testid="open-access-banner"]')
    banner.wait_for(timeout=5000)
    assert banner.inner_text() == (
        "Open access: anyone who can reach this server can read and change it (NEXUS_AUTH=open)"
    )
    assert page.locator(SIGN_IN).count() == 0
    assert page.get_by_role("button", name="Sign out").count() == 0
    page.get_by_role("tab", name="Info Drop", exact=True).click()
    page.get_by_role("button", name="Drop it in").wait_for(timeout=5000)  # everybody is an editor
    shot(page, "pulseview-open-mode")
    page.reload()
    banner.wait_for(timeout=20_000)  # persistent, not dismissed by a reload
    assert page.page_errors == []


def test_required_mode_shows_no_open_access_banner(app_server, page):
    open_app(page, app_server)
    page.wait_for_timeout(300)
    assert page.locator('[data-testid="open-access-banner"]').count() == 0
    assert BROWSER_PASSWORD not in page.content()
