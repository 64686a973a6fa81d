"""Working on the graph in PulseView itself, in a real Chromium: an editor creates, edits,
connects and deletes while a second page sees each change live; the API's validation messages
appear next to their fields; a viewer gets no edit controls and a 403 from the API; exports hold
what the view shows; panels show names and readable dates instead of ids and ISO times."""

import csv
import io
import math
import struct
import xml.etree.ElementTree as ET

import pytest

from tests.browser.conftest import (
    click_node,
    drawn_ids,
    ensure_user,
    open_app,
    shot,
    wait_camera_still,
    wait_drawn,
    wait_label,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def wait_for(check, timeout=5.0):
    import time

    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


def select(page, node_id):
    click_node(page, node_id)
    page.wait_for_function("id => window.__pulseview.node(id)?.selected", arg=node_id, timeout=3000)
    page.get_by_test_id("node-details").wait_for()


def field(page, name):
    """The form field (label element) holding the control called ``name``."""
    return page.locator("label.field").filter(has=page.locator(f'[name="{name}"]'))


def counts():
    from graph.models import Edge, MutationHistory, Node

    return Node.objects.count(), Edge.objects.count(), MutationHistory.objects.count()


def has_edge(page, edge_id) -> bool:
    return page.evaluate("id => window.__pulseview.sigma.getGraph().hasEdge(id)", edge_id)


def viewer_page(page, app_server):
    viewer = page.context.browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    ensure_user("viewer", "viewer", "p-11")
    open_app(viewer, app_server, user="viewer", role="viewer", person_id="p-11")
    return viewer


def test_editor_creates_edits_connects_and_deletes_a_node_seen_live_on_a_second_page(app_server, page):
    from graph.models import Edge, MutationHistory, Node

    open_app(page, app_server)
    viewer = viewer_page(page, app_server)
    priya, kwame = Node.objects.get(id="p-02"), Node.objects.get(id="p-11")

    # Create: type, label, a division offered from the existing ones, a type-specific owner.
    page.get_by_role("button", name="New node", exact=True).click()
    form = page.get_by_test_id("node-form")
    form.locator('[name="type"]').select_option("commitment")
    form.locator('[name="label"]').fill("Calibrate the lidar rig")
    offered = page.evaluate(
        "() => [...document.querySelectorAll('[data-testid=node-form] datalist')].map(d => [...d.options].map(o => o.value))"
    )
    assert "Engineering" in offered[0]
    form.locator('[name="division"]').fill("Engineering")
    form.locator('[name="extras.owner_id"]').select_option(label=priya.label)
    form.locator('[name="extras.due_date"]').fill("2027-02-01")
    form.get_by_role("button", name="Create node").click()
    node = wait_for(lambda: Node.objects.filter(label="Calibrate the lidar rig").first())
    assert node and node.type == "commitment" and node.division == "Engineering"
    assert node.extras == {"owner_id": "p-02", "due_date": "2027-02-01"}
    assert MutationHistory.objects.get(node_id=node.id, action="create_node").actor == "editor"
    # It was given a place of its own: clear of every other node.
    assert node.x is not None and node.y is not None
    nearest = min(
        math.hypot(node.x - x, node.y - y)
        for x, y in Node.objects.exclude(id=node.id).values_list("x", "y")
        if x is not None
    )
    assert nearest >= 35.9
    wait_drawn(viewer, node.id)
    details = page.get_by_test_id("node-details")
    details.get_by_role("heading", name="Calibrate the lidar rig").wait_for()
    # The owner is shown by name, linked to the person.
    assert details.get_by_test_id("node-extras").get_by_role("button", name=priya.label).count() == 1

    # Edit from the details panel.
    details.get_by_role("button", name="Edit", exact=True).click()
    page.get_by_test_id("node-form").locator('[name="label"]').fill("Calibrate the lidar rig v2")
    page.get_by_role("button", name="Save changes").click()
    wait_label(viewer, node.id, "Calibrate the lidar rig v2")
    assert Node.objects.get(id=node.id).label == "Calibrate the lidar rig v2"

    # Connect: "Connect to…", then click the other node in the graph, then a type and weight.
    details.get_by_role("button", name="Connect to…").click()
    page.get_by_test_id("connect-note").wait_for()
    click_node(page, "p-02")
    edge_form = page.get_by_test_id("edge-form")
    edge_form.get_by_test_id("edge-other").get_by_role("button", name=priya.label).wait_for()
    edge_form.locator('[name="edge-type"]').fill("about")
    edge_form.locator('[name="weight"]').fill("0.7")
    edge_form.get_by_role("button", name="Create edge").click()
    edge = wait_for(lambda: Edge.objects.filter(source_id=node.id, target_id="p-02").first())
    assert edge and edge.type == "about" and edge.weight == pytest.approx(0.7)
    viewer.wait_for_function("id => window.__pulseview.sigma.getGraph().hasEdge(id)", arg=edge.id, timeout=5000)
    assert page.get_by_test_id("node-details").is_visible()  # the click chose the end, not another node

    # Remove that edge from the neighbour list.
    neighbours = page.get_by_test_id("neighbours")
    neighbours.get_by_role("button", name=f"Remove the edge about {priya.label}").click()
    neighbours.get_by_role("button", name="Remove edge").click()
    assert wait_for(lambda: not Edge.objects.filter(id=edge.id).exists())
    viewer.wait_for_function("id => !window.__pulseview.sigma.getGraph().hasEdge(id)", arg=edge.id, timeout=5000)
    neighbours.wait_for(state="detached")

    # Connect again, choosing the other end by name this time.
    details.get_by_role("button", name="Connect to…").click()
    edge_form.locator('[name="other"]').fill(f"{kwame.label} · person (p-11)")
    edge_form.locator('[name="edge-type"]').fill("depends_on")
    edge_form.get_by_role("button", name="Create edge").click()
    second = wait_for(lambda: Edge.objects.filter(source_id=node.id, target_id="p-11", type="depends_on").first())
    assert second

    # Delete: the confirmation names the edge that goes with it, by the other node's name.
    page.get_by_test_id("neighbours").wait_for()
    details.get_by_role("button", name="Delete…").click()
    cascade = page.get_by_test_id("delete-cascade")
    cascade.wait_for()
    assert [t.strip() for t in cascade.get_by_test_id("cascade-edge").all_inner_texts()] == [
        f"→ depends on {kwame.label}"
    ]
    shot(page, "pulseview-delete-confirm")
    page.get_by_role("button", name="Delete node and 1 edge").click()
    assert wait_for(lambda: not Node.objects.filter(id=node.id).exists())
    assert not Edge.objects.filter(id=second.id).exists()
    wait_drawn(viewer, node.id, drawn=False)
    assert not has_edge(viewer, second.id)
    assert (
        MutationHistory.objects.get(node_id=node.id, action="delete_node").data["removed_edges"][0]["id"] == second.id
    )
    viewer.context.close()
    assert page.page_errors == []


def test_validation_errors_show_next_to_their_fields_and_nothing_is_written(app_server, page):
    open_app(page, app_server)
    before = counts()
    page.get_by_role("button", name="New node", exact=True).click()
    form = page.get_by_test_id("node-form")
    form.locator('[name="label"]').fill("")
    form.locator("summary", has_text="More fields").click()
    form.locator('[name="half_life_days"]').fill("0")
    form.get_by_role("button", name="Create node").click()
    label_error = field(page, "label").get_by_test_id("field-error")
    label_error.wait_for()
    assert label_error.inner_text() == "This field may not be blank."
    assert "greater than or equal to 1" in field(page, "half_life_days").get_by_test_id("field-error").inner_text()
    assert form.locator('[name="label"]').get_attribute("aria-invalid") == "true"
    assert field(page, "division").get_by_test_id("field-error").count() == 0
    shot(page, "pulseview-node-form-errors")
    assert counts() == before

    # The edge form too: a relation is required, and the message sits under it.
    form.get_by_role("button", name="Cancel").click()
    select(page, "p-10")
    page.get_by_role("button", name="Connect to…").click()
    click_node(page, "p-12")
    page.get_by_test_id("edge-form").get_by_role("button", name="Create edge").click()
    relation_error = field(page, "edge-type").get_by_test_id("field-error")
    relation_error.wait_for()
    assert relation_error.inner_text() == "This field may not be blank."
    assert counts() == before
    assert page.page_errors == []


def test_a_viewer_sees_no_edit_controls_and_a_direct_write_is_refused(app_server, page):
    from graph.models import Node

    ensure_user("viewer", "viewer", "p-11")
    open_app(page, app_server, user="viewer", role="viewer", person_id="p-11")
    select(page, "p-10")
    details = page.get_by_test_id("node-details")
    assert details.get_by_test_id("editors-only").is_visible()
    for name in ("Edit", "Delete…", "Connect to…"):
        assert details.get_by_role("button", name=name, exact=True).count() == 0
    assert page.get_by_role("button", name="New node", exact=True).count() == 0
    assert details.locator("button[aria-label^='Remove the edge']").count() == 0
    before = counts()
    answers = page.evaluate("""async () => {
        const csrf = (document.cookie.match(/csrftoken=([^;]+)/) || [])[1] || '';
        const send = async (method, path, body) => {
            const r = await fetch(path, { method, credentials: 'same-origin',
                headers: { 'Content-Type': 'application/json', 'X-CSRFToken': csrf }, body: body && JSON.stringify(body) });
            return [r.status, (await r.json()).error.message]; };
        return [await send('POST', '/api/nodes', { type: 'fact', label: 'Sneaky' }),
                await send('PATCH', '/api/nodes/p-10', { label: 'Renamed' }),
                await send('DELETE', '/api/nodes/p-10'),
                await send('POST', '/api/edges', { source: 'p-10', target: 'p-11', type: 'about' }),
                await send('GET', '/api/nodes/p-10/cascade')]; }""")
    # Refused for the role (not for a missing CSRF token): the editors-only message.
    assert answers == [[403, "This changes NEXUS: editors and admins only."]] * 5
    assert counts() == before and Node.objects.get(id="p-10").label == "Rebecca Holloway"
    assert page.page_errors == []


def download(page, button_name) -> tuple[str, bytes]:
    with page.expect_download() as info:
        page.get_by_role("button", name=button_name).click()
    d = info.value
    return d.suggested_filename, open(d.path(), "rb").read()


def test_csv_export_holds_exactly_the_visible_nodes_and_edges(app_server, page):
    from graph.models import Edge, Node

    open_app(page, app_server)
    page.locator('button[title="Hide person nodes"]').click()
    page.locator('button[title="Hide fact nodes"]').click()
    page.wait_for_function("() => !window.__pulseview.drawnIds().some(id => id.startsWith('p-'))")
    visible = set(Node.objects.exclude(type__in=["person", "fact"]).values_list("id", flat=True))
    assert drawn_ids(page) == visible
    page.locator("summary", has_text="Export").click()
    name, body = download(page, "Visible nodes (CSV)")
    assert name.endswith(".csv") and name.startswith("nexus-nodes-")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8"))))
    assert {r["id"] for r in rows} == visible and len(rows) == len(visible)
    one = next(r for r in rows if r["id"] == "c-01")
    c01 = Node.objects.get(id="c-01")
    assert (one["label"], one["type"], one["division"]) == (c01.label, "commitment", c01.division or "")

    name, body = download(page, "Visible edges (CSV)")
    edges = list(csv.DictReader(io.StringIO(body.decode("utf-8"))))
    expected = set(Edge.objects.filter(source_id__in=visible, target_id__in=visible).values_list("id", flat=True))
    assert {e["id"] for e in edges} == expected and len(edges) == len(expected)
    some = next(e for e in edges if e["id"] in expected)
    assert some["source_label"] == Node.objects.get(id=some["source"]).label

    # A collapsed group is one row, as it is one drawn node.
    page.get_by_label("Collapse groups", exact=True).select_option("division")
    page.wait_for_function("() => window.__pulseview.drawnIds().some(id => id.startsWith('cluster:'))")
    drawn = drawn_ids(page)
    _, body = download(page, "Visible nodes (CSV)")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8"))))
    assert {r["id"] for r in rows} == drawn
    assert all(int(r["members"]) > 0 for r in rows if r["id"].startswith("cluster:"))
    assert page.page_errors == []


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def light_pixels(data: bytes) -> int:
    """Pixels lighter than (200, 200, 200) in an 8-bit RGB/RGBA PNG: only label text is that light."""
    import zlib

    width, height = png_size(data)
    depth, colour = data[24], data[25]
    assert depth == 8 and colour in (2, 6)
    bpp = 4 if colour == 6 else 3
    pos, idat = 8, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if kind == b"IDAT":
            idat += data[pos + 8 : pos + 8 + length]
        pos += 12 + length
    raw, stride, prev, light = zlib.decompress(idat), width * bpp, bytearray(width * bpp), 0
    for y in range(height):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        light += sum(1 for x in range(0, stride, bpp) if line[x] > 200 and line[x + 1] > 200 and line[x + 2] > 200)
        prev = line
    return light


def test_png_and_svg_exports_are_valid_images_of_the_view(app_server, page):
    open_app(page, app_server)
    wait_camera_still(page)
    stage = page.locator('[data-testid="graph-stage"]').bounding_box()
    page.locator("summary", has_text="Export").click()
    name, png = download(page, "Image (PNG)")
    assert name.endswith(".png")
    width, height = png_size(png)
    assert (width, height) == (round(stage["width"]), round(stage["height"]))
    assert len(png) > 10_000  # a drawing, not an empty canvas
    assert light_pixels(png) > 500  # with its labels

    name, svg = download(page, "Image (SVG)")
    assert name.endswith(".svg")
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    assert root.tag == f"{ns}svg" and float(root.get("width")) == pytest.approx(stage["width"], abs=1)
    circles = root.findall(f".//{ns}circle")
    on_screen = page.evaluate(
        """([w, h]) => window.__pulseview.drawnIds().filter(id => {
        const s = window.__pulseview.sigma, d = s.getNodeDisplayData(id), p = s.framedGraphToViewport(d), r = s.scaleSize(d.size);
        return p.x >= -r - 2 && p.y >= -r - 2 && p.x <= w + r + 2 && p.y <= h + r + 2; }).length""",
        [stage["width"], stage["height"]],
    )
    assert on_screen > 50 and len(circles) == 2 * on_screen  # a ring and a fill per node
    assert root.findall(f".//{ns}line")
    # Labels are those of drawn nodes, none overprinting another (as on the canvas).
    from graph.models import Node

    drawn_labels = {Node.objects.get(id=i).label[:30] for i in drawn_ids(page)}
    texts = [t.text for t in root.findall(f".//{ns}text")]
    assert len(texts) >= 5 and {t[:30] for t in texts} <= drawn_labels
    assert page.page_errors == []


def test_markdown_export_names_the_node_and_its_neighbours(app_server, page):
    from graph.models import Edge, Node

    open_app(page, app_server)
    select(page, "p-10")
    name, body = download(page, "Export Markdown")
    text = body.decode("utf-8")
    rebecca = Node.objects.get(id="p-10")
    assert name == "rebecca-holloway-p-10.md"
    assert text.startswith(f"# {rebecca.label}\n")
    others = {
        e.target_id if e.source_id == "p-10" else e.source_id
        for e in Edge.objects.filter(source_id="p-10") | Edge.objects.filter(target_id="p-10")
    }
    for other in others:
        assert f"**{Node.objects.get(id=other).label}**" in text
    assert f"| manager id | {Node.objects.get(id='p-02').label} (p-02) |" in text
    assert page.page_errors == []


def test_node_details_show_names_and_readable_dates_not_ids(app_server, page):
    from graph.models import Node

    open_app(page, app_server)
    select(page, "p-10")
    extras = page.get_by_test_id("node-extras")
    manager = extras.get_by_role("button", name=Node.objects.get(id="p-02").label)
    assert manager.get_attribute("title") == "p-02"
    assert "p-02" not in extras.inner_text() and "manager id" not in extras.inner_text()
    updated = page.get_by_test_id("node-details").locator("dd time").first
    iso = updated.get_attribute("title")
    assert iso and iso[:4].isdigit() and "T" in iso
    assert "ago" in updated.inner_text() and "T" not in updated.inner_text().split("(")[0]
    # A manager is a link: it opens that person.
    manager.click()
    page.get_by_test_id("node-details").get_by_role("heading", name=Node.objects.get(id="p-02").label).wait_for()
    assert page.page_errors == []
