"""PulseView at scale in headless Debian Chromium (software WebGL, the browser tests' flags) against
a real daphne on the bench database: the mock organisation plus generated nodes (edges 5× nodes).

Per size: navigation → first drawn graph (every node drawn); requestAnimationFrame frame times
during a scripted 3-second pan and zoom (the camera moved every frame, as a drag and wheel do);
a single-statement INSERT of 5,000 nodes → the page's totals showing them, and the longest frame
meanwhile (in a Chromium without DevTools' Network domain: BareChromium); /api/graph?view=compact
bytes on the wire (gzip). Quick: 88 and 2,000 nodes; --full
adds 10,000. Generated rows use ids starting with ``bench-pv-`` and are deleted afterwards.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import random
import shutil
import statistics
import subprocess
import time
import urllib.request
from pathlib import Path

from django.db import connection

from bench.daphne import daphne_server
from bench.quiet_db import vacuum_and_checkpoint

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "bench-pv-"
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
TYPES = ("person", "agent", "team", "decision", "fact", "commitment", "question", "topic")
BURST = 5000
# The targets at 10,000 nodes / 50,000 edges, and React Flow's figures it measured.
TARGETS = {"first": 3000, "p95": 50, "burst": 2000, "burst_frame": 200}
BEFORE = {88: "65 fps pan", 2088: "7 fps pan, longest task 634 ms"}


def _seed_mock() -> None:
    from graph.models import Node
    from nexus_site import seed

    if not Node.objects.filter(id="p-01").exists():
        seed.write_seed_data(seed.load_seed_data())


def _cleanup() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM nodes WHERE id LIKE %s", [PREFIX + "%"])  # edges cascade


def _load(extra: int) -> None:
    """`extra` generated nodes beside the mock organisation, grouped in divisions and teams, and
    5× (88 + extra) - 176 generated edges, so the graph has 5 edges per node."""
    if extra <= 0:
        return
    rng = random.Random(14)
    width = 2000 * ((extra / 88) ** 0.5)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(
            "COPY nodes (id, type, label, division, department, team, size, x, y, health) FROM STDIN"
        ) as copy:
            for i in range(extra):
                d = i % 6
                copy.write_row(
                    (
                        f"{PREFIX}{i}",
                        TYPES[i % 8],
                        f"Generated {TYPES[i % 8]} {i}",
                        f"Region {d}",
                        f"Dept {d}.{i % 7}",
                        f"Team {d}.{i % 7}.{i % 5}",
                        1 + (i % 23 == 0) * 3 + (i % 5 == 0),
                        2200 + (d % 3) * width / 3 + rng.uniform(0, width / 3),
                        (d // 3) * width / 3 + rng.uniform(0, width / 3),
                        ("green", "yellow", "red")[i % 3],
                    )
                )
        total_edges = 5 * (88 + extra) - 176
        seen: set[tuple[int, int, str]] = set()
        with cursor.cursor.copy("COPY edges (id, source, target, type, weight) FROM STDIN") as copy:
            while len(seen) < total_edges:
                s = rng.randrange(extra)
                t = min(extra - 1, max(0, s + rng.randint(-40, 40))) if rng.random() < 0.8 else rng.randrange(extra)
                kind = ("about", "member_of", "depends_on", "supports")[len(seen) % 4]
                if s == t or (s, t, kind) in seen:
                    continue
                seen.add((s, t, kind))
                copy.write_row((f"{PREFIX}e{len(seen)}", f"{PREFIX}{s}", f"{PREFIX}{t}", kind, 0.5))
        cursor.execute("ANALYZE nodes; ANALYZE edges")


def _settled(timeout: float = 120.0) -> None:
    """Waits until the server's embedder has embedded what the last burst queued (5,000 vectors are
    seconds of CPU, which would otherwise land in the next measurement), then vacuums and
    checkpoints what the earlier bursts and loads left."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute("SELECT EXISTS (SELECT 1 FROM embedding_queue)")
            if not cursor.fetchone()[0]:
                break
        time.sleep(0.5)
    with connection.cursor() as cursor:
        vacuum_and_checkpoint(cursor)


def _insert_burst() -> None:
    """BURST nodes without coordinates in one statement, as a bulk load through SQL writes them."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO nodes (id, type, label, division) SELECT '{PREFIX}burst-' || i, 'fact', "
            "'Burst fact ' || i, 'Region 0' FROM generate_series(1, %s) i",
            [BURST],
        )


def _drop_burst() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM nodes WHERE id LIKE %s", [PREFIX + "burst-%"])


def _counts() -> tuple[int, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT (SELECT count(*) FROM nodes), (SELECT count(*) FROM edges)")
        return cursor.fetchone()


def _fmt(n: int, e: int) -> str:
    return f"{n:,} nodes · {e:,} edges"


FRAMES = """() => { window.__pan = []; let last = performance.now(); window.__panOn = true;
  const tick = (t) => { window.__pan.push(t - last); last = t; if (window.__panOn) requestAnimationFrame(tick); };
  requestAnimationFrame(tick); }"""


def _pan_and_zoom(page) -> list[float]:
    """3 s of real input through sigma's captors: 1.5 s dragging the view round a circle, then
    1.5 s of wheel zooming in and out (Playwright's mouse: CDP input events, as a person's)."""
    import math

    stage = page.locator('[data-testid="graph-stage"]').bounding_box()
    cx, cy = stage["x"] + stage["width"] / 2, stage["y"] + stage["height"] / 2
    page.evaluate(FRAMES)
    t0 = time.monotonic()
    page.mouse.move(cx + 120, cy)
    page.mouse.down()
    while (s := (time.monotonic() - t0) / 1.5) < 1:
        page.mouse.move(cx + 120 * math.cos(s * 2 * math.pi), cy + 120 * math.sin(s * 2 * math.pi))
    page.mouse.up()
    t1 = time.monotonic()
    while (s := (time.monotonic() - t1) / 1.5) < 1:
        page.mouse.wheel(0, -120 if s < 0.5 else 120)
        page.wait_for_timeout(40)
    page.evaluate("() => { window.__panOn = false; }")
    frames = page.evaluate("() => window.__pan.slice(1)")
    page.wait_for_timeout(500)
    return frames


WATCH = """(want) => { window.__burst = { t0: performance.now(), shown: null, frames: [],
    before: document.querySelector('[data-testid=graph-counts]')?.textContent };
  let last = performance.now();
  const tick = (t) => { const b = window.__burst; b.frames.push(t - last); last = t;
    const text = document.querySelector('[data-testid=graph-counts]')?.textContent;
    if (b.first === undefined && text !== b.before) b.first = t - b.t0;
    if (b.shown === null && text === want) b.shown = t - b.t0;
    if (b.shown === null || t - b.t0 < b.shown + 1000) requestAnimationFrame(tick); };
  requestAnimationFrame(tick); }"""


class BareChromium:
    """Chromium driven over its DevTools protocol with nothing but Page and Runtime: Playwright
    enables the Network domain on every page, and then each websocket frame the page receives is
    also copied into a DevTools event (payload and all) on the page's main thread — with 5,000
    frames that cost the page ~1.5 s of a burst at 88 nodes (3.8 s → 2.1 s without it). A user's
    browser has no DevTools attached, so the burst is measured here."""

    def __init__(self):
        import tempfile

        from bench.daphne import free_port

        self.port = free_port()
        self.profile = tempfile.TemporaryDirectory(prefix="nexus-bench-chromium-", ignore_cleanup_errors=True)
        self.proc = subprocess.Popen(
            [CHROMIUM, *CHROMIUM_ARGS, f"--remote-debugging-port={self.port}", f"--user-data-dir={self.profile.name}"]
            + ["--window-size=1280,800", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/json", timeout=2) as r:
                    pages = [t for t in json.load(r) if t["type"] == "page"]
                if pages:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("Chromium's DevTools endpoint did not come up")
            time.sleep(0.1)
        from websockets.sync.client import connect

        self.ws = connect(pages[0]["webSocketDebuggerUrl"], max_size=None)
        self.next_id = 0
        self.call("Emulation.setDeviceMetricsOverride", width=1280, height=800, deviceScaleFactor=1, mobile=False)

    def call(self, method: str, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv(timeout=120))
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"page error: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 120.0, poll: float = 0.05) -> None:
        deadline = time.monotonic() + timeout
        while not self.evaluate(f"!!({expression})"):
            if time.monotonic() > deadline:
                raise TimeoutError(expression)
            time.sleep(poll)

    def close(self) -> None:
        self.ws.close()
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        # Chromium's helper processes may still be writing to the profile for a moment after the
        # browser process has exited (a bare rmtree then fails with "Directory not empty").
        for _ in range(20):
            shutil.rmtree(self.profile.name, ignore_errors=True)
            if not os.path.exists(self.profile.name):
                break
            time.sleep(0.1)
        self.profile.cleanup()


def _burst(url: str, nodes: int, edges: int) -> dict:
    """A single-statement INSERT of BURST nodes with the page open: until the totals show them, and
    the longest frame meanwhile."""
    _settled()
    browser = BareChromium()
    try:
        browser.call("Page.navigate", url=url + "/")
        browser.wait_for(f"window.__pulseview && window.__pulseview.drawnIds().length === {nodes}", poll=0.2)
        browser.wait_for('document.querySelector(\'[data-testid="connection-status"][data-status="live"]\')')
        time.sleep(1.5)
        browser.evaluate(f"({WATCH})({json.dumps(_fmt(nodes + BURST, edges))})")
        _insert_burst()
        browser.wait_for("window.__burst.shown !== null", poll=0.1)
        time.sleep(1.1)
        burst = browser.evaluate("window.__burst")
        return {
            "burst": round(burst["shown"]),
            "burst_first": round(burst.get("first") or 0),
            "burst_frame": round(max(burst["frames"])),
        }
    finally:
        browser.close()
        _drop_burst()


def _wire_bytes(url: str) -> tuple[int, int]:
    req = urllib.request.Request(url + "/api/graph?view=compact", headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(req, timeout=60) as r:
        body = r.read()
        raw = gzip.decompress(body) if r.headers.get("Content-Encoding") == "gzip" else body
    return len(body), len(raw)


def _measure(pw, url: str, nodes: int, edges: int) -> dict:
    _settled()
    browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    try:
        page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
        arrivals: list[float] = []  # when each websocket frame reached the browser (delivery, not drawing)
        page.on("websocket", lambda ws: ws.on("framereceived", lambda _f: arrivals.append(time.monotonic())))
        page.goto(url + "/")
        page.wait_for_function(
            "n => window.__pulseview && window.__pulseview.drawnIds().length === n",
            arg=nodes,
            timeout=120_000,
            polling="raf",
        )
        first = page.evaluate("() => performance.now()")
        page.wait_for_selector('[data-testid="connection-status"][data-status="live"]', timeout=30_000)
        page.wait_for_timeout(1000)
        frames = sorted(_pan_and_zoom(page))
        page.evaluate(WATCH, _fmt(nodes + BURST, edges))
        sent = time.monotonic()
        _insert_burst()
        page.wait_for_function("() => window.__burst.shown !== null", timeout=120_000)
        page.wait_for_timeout(1100)
        burst = page.evaluate("() => window.__burst")
        delivered = [t - sent for t in arrivals if t >= sent]
        return {
            "first": round(first),
            "median": round(statistics.median(frames), 1),
            "p95": round(frames[max(0, int(len(frames) * 0.95) - 1)], 1),
            "devtools_burst": round(burst["shown"]),
            "delivered": round(max(delivered) * 1000) if delivered else 0,
        }
    finally:
        browser.close()
        _drop_burst()


def run(quick: bool) -> dict:
    from playwright.sync_api import sync_playwright

    if not (ROOT / "frontend" / "dist" / "index.html").exists():
        raise RuntimeError("build the frontend first (npm run build in frontend/)")
    _seed_mock()
    _cleanup()
    rows = []
    with contextlib.ExitStack() as cleanup:
        cleanup.callback(_cleanup)
        cleanup.callback(os.environ.pop, "DJANGO_ALLOW_ASYNC_UNSAFE", None)
        url = f"http://127.0.0.1:{cleanup.enter_context(daphne_server('pulseview'))}"
        sizes = (88, 2000) if quick else (88, 2000, 10_000)
        # Playwright's sync API keeps an asyncio loop in this thread; nothing else runs on it, so
        # this process's own ORM calls are safe (the server process never sees the flag).
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "1"
        with sync_playwright() as pw:
            for size in sizes:
                _cleanup()
                _load(size - 88)
                n, e = _counts()
                wire, raw = _wire_bytes(url)
                m = _measure(pw, url, n, e)
                m.update(_burst(url, n, e))
                at_scale = size >= 10_000
                label = f"{n:,} nodes / {e:,} edges"

                def row(metric, value, target=None, key=None, unit="ms"):
                    met = "" if target is None else ("yes" if value <= target else "no")
                    rows.append(
                        {
                            "metric": f"{label}: {metric}",
                            "value": f"{value} {unit}".strip(),
                            "baseline": BEFORE.get(n, "") if key == "p95" else "",
                            "ratio": "",
                            "target": "" if target is None else f"≤ {target} {unit}",
                            "met": met,
                        }
                    )

                row("navigation → first drawn graph", m["first"], TARGETS["first"] if at_scale else None)
                row("pan/zoom frame, median", m["median"])
                row(
                    "pan/zoom frame, p95",
                    m["p95"],
                    TARGETS["p95"] if at_scale else (50 if n == 88 else None),
                    key="p95",
                )
                row(f"{BURST:,}-node INSERT → first of them counted", m["burst_first"])
                row(f"{BURST:,}-node INSERT → totals shown", m["burst"], TARGETS["burst"] if at_scale else None)
                row(
                    f"{BURST:,}-node INSERT → totals shown, under Playwright (DevTools Network on)", m["devtools_burst"]
                )
                row(f"{BURST:,}-node INSERT → last websocket frame received, under Playwright", m["delivered"])
                row("longest frame during that insert", m["burst_frame"], TARGETS["burst_frame"] if at_scale else None)
                row(
                    "/api/graph?view=compact on the wire (gzip)",
                    round(wire / 1024),
                    2048 if at_scale else None,
                    unit="kB",
                )
                rows[-1]["baseline"] = f"{round(raw / 1024)} kB uncompressed"
    return {"title": "PulseView at scale (headless Chromium, software WebGL)", "rows": rows}
