"""Bad input never gives a 500: deep JSON, lone surrogates and NUL, huge page bounds, unhashable
ops, null freshness, unknown /api/ paths with unsafe methods. Every answer is a 4xx in the one JSON
error shape and nothing is written."""

import json

import pytest
from django.db import connection
from django.test import Client

from conversations.models import ConversationTurn
from graph.models import Edge, MutationHistory, Node
from insights.models import ImmuneScan, Notification
from tests.json_api import Api, assert_error


@pytest.fixture
def api(admin_client):
    return Api(admin_client)


def deep(levels: int) -> str:
    return '{"a": ' * levels + "1" + "}" * levels


def written() -> tuple[int, int, int]:
    return Node.objects.count(), Edge.objects.count(), MutationHistory.objects.count()


# ── deep nesting ─────────────────────────────────────────────────────────────

JSON_ENDPOINTS = [
    ("post", "/api/nodes"),
    ("post", "/api/edges"),
    ("post", "/api/graph/mutations"),
    ("patch", "/api/nodes/p-any"),
    ("post", "/api/ask"),
    ("post", "/api/tasks"),
    ("post", "/api/info-drop"),
    ("post", "/api/immune/scan"),
]


@pytest.mark.parametrize("method,path", JSON_ENDPOINTS)
def test_json_nested_five_thousand_levels_is_a_parse_error(api, method, path):
    before = written()
    status, body = getattr(api, method)(path, raw=deep(5000))
    assert_error(status, body, 400, code="parse_error")
    assert "nested deeper than" in body["error"]["message"]
    assert written() == before


def test_nesting_past_the_limit_inside_extras_is_rejected_and_within_it_accepted(api, settings):
    settings.JSON_MAX_DEPTH = 20
    status, body = api.post("/api/nodes", raw='{"type": "fact", "label": "deep", "extras": ' + deep(25) + "}")
    assert_error(status, body, 400, code="parse_error")
    assert Node.objects.count() == 0
    status, body = api.post("/api/nodes", raw='{"type": "fact", "label": "ok", "extras": ' + deep(10) + "}")
    assert status == 201, body


# ── lone surrogates and NUL ──────────────────────────────────────────────────

BAD_TEXT = [
    ("/api/nodes", '{"type": "fact", "label": "x", "extras": {"k": "\\ud800"}}', "extras.k"),
    ("/api/nodes", '{"type": "\\ud800", "label": "x"}', "type"),
    ("/api/nodes", '{"\\ud800": 1}', "\\ud800"),
    ("/api/nodes", '{"type": "fact", "label": "a\\u0000b"}', "label"),
    ("/api/nodes", '{"type": "fact", "label": "x", "extras": {"a\\u0000": 1}}', "extras.a\\u0000"),
    ("/api/nodes", '{"type": "fact", "label": "x", "extras": {"list": ["ok", "\\udfff"]}}', "extras.list[1]"),
    ("/api/edges", '{"source": "p-a", "target": "p-b", "type": "x", "extras": {"k": "\\ud800"}}', "extras.k"),
    (
        "/api/graph/mutations",
        '{"mutations": [{"op": "create_node", "type": "fact", "label": "\\u0000"}]}',
        "mutations[0].label",
    ),
    ("/api/ask", '{"question": "who leads \\ud83d?"}', "question"),
    ("/api/info-drop", '{"text": "Ada now leads Perception.\\u0000"}', "text"),
]


@pytest.mark.parametrize("path,raw,field", BAD_TEXT)
def test_lone_surrogates_and_nul_are_invalid_naming_the_field(api, path, raw, field):
    Node.objects.create(id="p-a", type="person", label="A")
    Node.objects.create(id="p-b", type="person", label="B")
    before = written()
    status, body = api.post(path, raw=raw)
    assert_error(status, body, 400, code="invalid", field=field)
    assert written() == before


def test_valid_astral_characters_are_still_accepted(api):
    status, body = api.post(
        "/api/nodes", raw='{"type": "fact", "label": "rocket \\ud83d\\ude80", "extras": {"k": "ü"}}'
    )
    assert status == 201, body
    assert body["label"] == "rocket \U0001f680"


# ── page bounds ──────────────────────────────────────────────────────────────

LIST_ENDPOINTS = [
    "/api/notifications",
    "/api/conversations",
    "/api/immune/scans",
    "/api/nodes",
    "/api/edges",
    "/api/graph/history",
]


@pytest.fixture
def one_row_each(db):
    Notification.objects.create(person_id="p-a", summary="s")
    ConversationTurn.objects.create(id="conv-1", role="user", content="hi")
    ImmuneScan.objects.create()
    Node.objects.create(id="p-a", type="person", label="A")
    Node.objects.create(id="p-b", type="person", label="B")
    Edge.objects.create(id="e-1", source_id="p-a", target_id="p-b", type="knows")
    MutationHistory.objects.create(action="create_node", node_id="p-a", data={})


@pytest.mark.parametrize("path", LIST_ENDPOINTS)
@pytest.mark.parametrize(
    "query,field",
    [
        ("limit=9223372036854775808", "limit"),
        ("limit=11436375446584336545724141404160", "limit"),
        ("limit=501", "limit"),
        ("limit=0", "limit"),
        ("limit=ten", "limit"),
        ("offset=9223372036854775808", "offset"),
        ("offset=-1", "offset"),
    ],
)
def test_page_bounds_are_checked_on_every_list_endpoint(api, one_row_each, path, query, field):
    assert_error(*api.get(f"{path}?{query}"), 400, code="invalid", field=field)


@pytest.mark.parametrize("path", LIST_ENDPOINTS)
def test_pages_within_the_bounds_still_work(api, one_row_each, path):
    status, body = api.get(f"{path}?limit=500&offset=0")
    assert status == 200, body
    assert body["count"] >= 1 and len(body["results"]) >= 1


def test_schema_shows_the_page_bounds(api):
    status, schema = api.get("/api/schema/?format=json")
    assert status == 200
    for path in LIST_ENDPOINTS:
        params = {p["name"]: p["schema"] for p in schema["paths"][path]["get"]["parameters"]}
        assert params["limit"].get("minimum") == 1 and params["limit"].get("maximum") == 500, (path, params)
        assert params["offset"].get("minimum") == 0 and params["offset"].get("maximum") >= 1000, (path, params)


# ── unhashable ops, null freshness ───────────────────────────────────────────


@pytest.mark.parametrize("op", [[1], {}, 3, None])
def test_a_mutation_op_that_is_not_a_string_is_invalid(api, op):
    status, body = api.post("/api/graph/mutations", {"mutations": [{"op": op}]})
    assert_error(status, body, 400, code="invalid", field="mutations[0].op")
    assert written() == (0, 0, 0)


def test_freshness_score_null_is_rejected(api):
    assert_error(
        *api.post("/api/nodes", {"type": "fact", "label": "x", "freshness_score": None}),
        400,
        code="invalid",
        field="freshness_score",
    )
    Node.objects.create(id="f-1", type="fact", label="y")
    assert_error(*api.patch("/api/nodes/f-1", {"freshness_score": None}), 400, code="invalid", field="freshness_score")
    assert Node.objects.get(id="f-1").freshness_score == 1.0


def test_ask_survives_a_null_freshness_stored_by_sql(api):
    status, node = api.post("/api/nodes", {"type": "fact", "label": "Quasar telemetry pipeline ships in March"})
    assert status == 201
    with connection.cursor() as cursor:
        cursor.execute("UPDATE nodes SET freshness_score = NULL WHERE id = %s", [node["id"]])
    for _ in range(2):  # every later Ask that retrieves it, not just the first
        status, body = api.post("/api/ask", {"question": "When does the Quasar telemetry pipeline ship?"})
        assert status == 200, body
        cited = {c["id"]: c for c in body["citations"]}
        assert node["id"] in cited, body
        assert cited[node["id"]]["current_freshness"] is None


# ── unknown paths with unsafe methods ────────────────────────────────────────


@pytest.mark.parametrize(
    "method,path",
    [
        ("post", "/api/notifications/abc/ack"),
        ("delete", "/api/nodes/a/b"),
        ("put", "/api/nope"),
        ("patch", "/api/edges/a/b/c"),
    ],
)
def test_unknown_api_paths_with_unsafe_methods_are_json_404_not_a_csrf_page(db, method, path):
    client = Client(enforce_csrf_checks=True)  # like a browser without a CSRF token
    response = getattr(client, method)(path, data="{}", content_type="application/json")
    assert response.status_code == 404, response.content[:200]
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "not_found"


def test_known_path_with_a_wrong_method_is_json_405(api):
    status, body = api._send("put", "/api/graph/mutations", raw="{}")
    assert_error(status, body, 405)
    assert json.dumps(body)  # JSON, not HTML
