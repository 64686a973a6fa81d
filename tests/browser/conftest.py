"""Real-browser fixtures: Debian's Chromium driven by Python Playwright against a daphne-served
NEXUS on the test database (conftest.nexus_server), with the mock organisation committed."""
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--headless=new", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


@pytest.fixture
def app_server(nexus_server):
    """The daphne server with the mock organisation committed (the fixture is transactional)."""
    from graph import seed

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


def open_app(page, server, *, live: bool = True):
    """Load PulseView and wait until the graph is drawn (and the realtime channel is live)."""
    page.goto(server.url + "/")
    page.wait_for_selector(".react-flow__node", timeout=20_000)
    if live:
        page.wait_for_selector('[data-testid="connection-status"][data-status="live"]', timeout=15_000)
    return page
