"""Real-browser fixtures: Debian's Chromium driven by Python Playwright against a daphne-served
NEXUS on the test database (conftest.nexus_server), with the mock organisation committed."""

import shutil
from pathlib import Path

import pytest

from tests.actors import PASSWORD, user_with_role

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless=new",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def app_server(nexus_server):
    """The daphne server with the mock organisation committed (the fixture is transactional)."""
    from nexus_site import seed

    seed.write_seed_data(seed.load_seed_data())
    return nexus_server


@pytest.fixture
def page(app_server, monkeypatch):
    """A 1280×800 page in Debian's Chromium (Playwright's own browser download is never used).

    Playwright's sync API keeps an asyncio loop running in this thread, which trips Django's
    async-safety check on every ORM call; nothing else runs on that loop, so the test's own ORM
    calls are safe. The browser is started after the server and stopped before the database
    teardown, so the flag covers exactly the test body (the server process never sees it).
    """
    chromium = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if not chromium:
        pytest.fail("Debian's chromium is not installed: run `make chromium` (make test does it).")
    if not (ROOT / "frontend" / "dist" / "index.html").exists():
        pytest.fail("The frontend is not built: run `make setup` (npm ci + npm run build in frontend/).")
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "1")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        pg = context.new_page()
        errors: list[str] = []
        pg.on("pageerror", lambda exc: errors.append(str(exc)))
        pg.page_errors = errors
        try:
            yield pg
        finally:
            # With Playwright's loop running, asgiref's context-local storage hands the test body
            # its own database connection; close it here, or it outlives the test database.
            from django.db import connections

            connections.close_all()
            context.close()
            browser.close()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def call_api(server, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    return server.call(method, path, body, timeout=10)


BROWSER_PASSWORD = PASSWORD


def ensure_user(username: str = "editor", role: str = "editor", person_id: str | None = "p-01") -> str:
    """A user with a known password and that role in the test database (committed: the server reads it)."""
    user_with_role(role, username=username, person_id=person_id)
    return username


def sign_in(page, username: str, password: str = BROWSER_PASSWORD) -> None:
    """Fill the sign-in form the way a person does and submit it."""
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def open_app(
    page,
    server,
    *,
    live: bool = True,
    user: str | None = "editor",
    role: str = "editor",
    person_id: str | None = "p-01",
    ensure: bool = True,
):
    """Load PulseView, sign in (``user=None``: expect no sign-in screen, as in open mode) and wait
    until the graph is drawn (and the realtime channel is live). ``ensure=False``: the user is not
    a Django user (Supabase Auth)."""
    page.goto(server.url + "/")
    if user is not None:
        if ensure:
            ensure_user(user, role, person_id)
        page.get_by_role("button", name="Sign in", exact=True).wait_for(timeout=20_000)
        sign_in(page, user)
    page.wait_for_function("() => window.__pulseview && window.__pulseview.drawnIds().length > 0", timeout=20_000)
    if live:
        page.wait_for_selector('[data-testid="connection-status"][data-status="live"]', timeout=15_000)
    return page


# The graph is a WebGL canvas: what it draws is read through the page's window.__pulseview
# (sigma's own display data: hidden, colours, emphasis, screen position), and nodes are clicked
# with the mouse at the position sigma drew them.
def drawn_ids(page) -> set[str]:
    return set(page.evaluate("() => window.__pulseview.drawnIds()"))


def drawn_node(page, node_id: str) -> dict | None:
    return page.evaluate("id => window.__pulseview.node(id)", node_id)


def wait_drawn(page, node_id: str, drawn: bool = True, timeout: float = 5000) -> None:
    page.wait_for_function(
        "([id, want]) => window.__pulseview && window.__pulseview.drawnIds().includes(id) === want",
        arg=[node_id, drawn],
        timeout=timeout,
    )


def wait_label(page, node_id: str, text: str, timeout: float = 5000) -> None:
    page.wait_for_function(
        "([id, text]) => (window.__pulseview?.node(id)?.label ?? '').includes(text)",
        arg=[node_id, text],
        timeout=timeout,
    )


def wait_camera_still(page, quiet_ms: int = 400) -> None:
    """Until the camera has not moved for ``quiet_ms``, counted from now: clicks go where nodes are
    drawn (a framing animation still running would move them under the mouse), and two clicks
    never fall within sigma's double-click interval (300 ms), which zooms instead of clicking."""
    page.evaluate("() => { window.__cameraState = null; }")
    page.wait_for_function(
        """quiet => {
        const state = JSON.stringify(window.__pulseview.camera()), now = performance.now();
        if (window.__cameraState !== state) { window.__cameraState = state; window.__cameraSince = now; return false; }
        return now - window.__cameraSince >= quiet; }""",
        arg=quiet_ms,
        polling=50,
        timeout=15_000,
    )


def click_node(page, node_id: str) -> None:
    wait_camera_still(page)
    n = drawn_node(page, node_id)
    assert n and not n["hidden"], f"{node_id} is not drawn"
    page.mouse.click(n["x"], n["y"])


def inside_graph(page, node_id: str) -> bool:
    stage = page.locator('[data-testid="graph-stage"]').bounding_box()
    n = drawn_node(page, node_id)
    assert stage is not None and n is not None, f"{node_id} or the graph stage is not drawn"
    return (stage["x"] <= n["x"] <= stage["x"] + stage["width"]) and (
        stage["y"] <= n["y"] <= stage["y"] + stage["height"]
    )


SUPABASE_STAND_IN_SECRET = "stand-in-jwt-secret-for-browser-tests-only"


def supabase_auth_stand_in(
    page,
    supabase_url: str,
    *,
    email: str,
    password: str = BROWSER_PASSWORD,
    role: str = "editor",
    person_id: str | None = None,
) -> dict:
    """Answer supabase-js's Supabase Auth calls in the page (there is no network here): the
    password grant returns a session whose access token is an HS256 JWT signed with
    SUPABASE_STAND_IN_SECRET, as a legacy-secret project issues them, so the NEXUS server checks
    a real token. Returns what was asked, for assertions."""
    import json
    import time
    import uuid

    import jwt

    sub = str(uuid.uuid5(uuid.NAMESPACE_URL, email))
    seen = {"token_requests": 0, "logout_requests": 0, "access_token": None}

    def session_body():
        now = int(time.time())
        metadata = {"provider": "email", "nexus_role": role, **({"nexus_person_id": person_id} if person_id else {})}
        claims = {
            "sub": sub,
            "aud": "authenticated",
            "iss": supabase_url.rstrip("/") + "/auth/v1",
            "iat": now,
            "exp": now + 3600,
            "email": email,
            "role": "authenticated",
            "app_metadata": metadata,
        }
        token = jwt.encode(claims, SUPABASE_STAND_IN_SECRET, algorithm="HS256")
        seen["access_token"] = token
        user = {
            "id": sub,
            "aud": "authenticated",
            "role": "authenticated",
            "email": email,
            "app_metadata": metadata,
            "user_metadata": {},
            "created_at": "2026-01-01T00:00:00Z",
        }
        return {
            "access_token": token,
            "token_type": "bearer",
            "expires_in": 3600,
            "expires_at": now + 3600,
            "refresh_token": "stand-in-refresh-token",
            "user": user,
        }

    def handle(route):
        request = route.request
        if "/auth/v1/token" in request.url:
            seen["token_requests"] += 1
            asked = json.loads(request.post_data or "{}")
            if asked.get("email") == email and asked.get("password") == password:
                return route.fulfill(status=200, content_type="application/json", body=json.dumps(session_body()))
            return route.fulfill(
                status=400,
                content_type="application/json",
                body=json.dumps({"code": 400, "error_code": "invalid_credentials", "msg": "Invalid login credentials"}),
            )
        if "/auth/v1/logout" in request.url:
            seen["logout_requests"] += 1
            return route.fulfill(status=204, body="")
        return route.fulfill(status=404, content_type="application/json", body='{"msg": "not in the stand-in"}')

    page.route("**/auth/v1/**", handle)
    return seen
