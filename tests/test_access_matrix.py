"""Who may do what: every API endpoint against named actors — anonymous, a viewer linked to a
person, another viewer, an editor, an admin (with an API token) and a Supabase-JWT user — with the
expected status, and nothing written when a request is refused."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient
from rest_framework.views import APIView

from common.accounts.permissions import DenyAll
from common.accounts.tests.conftest import supabase_jwt
from tests.actors import ACTORS, api_token, signed_in

WRITE_TABLES = (
    "nodes",
    "edges",
    "mutation_history",
    "notifications",
    "immune_scans",
    "task_graphs",
    "worker_analyses",
    "conversations",
    "llm_usage",
    "node_embeddings",
    "immune_alert_states",
)
RANK = {"public": 0, "viewer": 1, "editor": 2, "admin": 3}
ACTOR_RANK = {"anonymous": 0, "viewer": 1, "other_viewer": 1, "editor": 2, "admin": 3, "supabase_editor": 2}


@dataclass
class Call:
    name: str  # the URL name, so the walk below can tell an endpoint is covered
    method: str
    path: str
    needs: str
    ok: int
    body: dict | None = None
    # Signed-in actors whose answer is neither `ok` nor 403: a viewer acknowledging another
    # person's notification gets 404, as if it did not exist (nothing about it leaks).
    instead: dict[str, int] | None = None

    @property
    def writes(self) -> bool:
        return self.method not in ("GET", "HEAD", "OPTIONS")


CALLS = [
    Call("health", "GET", "/api/health", "public", 200),
    Call("config", "GET", "/api/config", "public", 200),
    Call("schema", "GET", "/api/schema/", "public", 200),
    Call("swagger-ui", "GET", "/api/docs/", "public", 200),
    Call("auth-session", "GET", "/api/auth/session", "public", 200),
    Call("graph", "GET", "/api/graph", "viewer", 200),
    Call("nodes", "GET", "/api/nodes", "viewer", 200),
    Call("nodes", "POST", "/api/nodes", "editor", 201, {"type": "fact", "label": "Matrix fact"}),
    Call("node-detail", "GET", "/api/nodes/p-01", "viewer", 200),
    Call("node-detail", "PATCH", "/api/nodes/f-01", "editor", 200, {"label": "Patched"}),
    Call("node-detail", "DELETE", "/api/nodes/q-01", "editor", 200),
    Call("node-cascade", "GET", "/api/nodes/p-02/cascade", "editor", 200),
    Call("edges", "GET", "/api/edges", "viewer", 200),
    Call("edges", "POST", "/api/edges", "editor", 201, {"source": "p-01", "target": "p-14", "type": "knows"}),
    Call("edge-detail", "GET", "/api/edges/e-001", "viewer", 200),
    Call("edge-detail", "DELETE", "/api/edges/e-002", "editor", 200),
    Call(
        "graph-mutations",
        "POST",
        "/api/graph/mutations",
        "editor",
        200,
        {"mutations": [{"op": "delete_node", "id": "f-02"}]},
    ),
    Call("graph", "GET", "/api/graph?as_of=2026-01-01T00:00:00Z", "viewer", 200),
    Call("graph-diff", "GET", "/api/graph/diff?from=2026-01-01T00:00:00Z", "viewer", 200),
    Call("graph-timeline", "GET", "/api/graph/timeline", "viewer", 200),
    Call("node-versions", "GET", "/api/nodes/p-01/versions", "viewer", 200),
    Call("graph-history", "GET", "/api/graph/history", "viewer", 200),
    Call("graph-metadata", "GET", "/api/graph/metadata", "viewer", 200),
    Call("search", "GET", "/api/search?q=pilot", "viewer", 200),
    Call("usage", "GET", "/api/usage", "viewer", 200),
    Call("notifications", "GET", "/api/notifications", "viewer", 200),
    Call(
        "notification-ack",
        "POST",
        "/api/notifications/{viewers_note}/ack",
        "viewer",
        200,
        instead={"other_viewer": 404},
    ),
    Call("immune-scan", "POST", "/api/immune/scan", "editor", 201, {}),
    Call("immune-scans", "GET", "/api/immune/scans", "viewer", 200),
    Call("immune-alerts", "GET", "/api/immune/alerts", "viewer", 200),
    # After the scan above: its alerts can be acted on (an orphan commitment, a stale fact).
    Call(
        "immune-alert-assign", "POST", "/api/immune/alerts/orphan%3Ac-12/assign", "editor", 200, {"person_id": "p-11"}
    ),
    Call(
        "immune-alert-set-owner",
        "POST",
        "/api/immune/alerts/orphan%3Ac-12/set-owner",
        "editor",
        200,
        {"person_id": "p-11"},
    ),
    Call(
        "immune-alert-dismiss",
        "POST",
        "/api/immune/alerts/staleness%3Af-05/dismiss",
        "editor",
        200,
        {"reason": "archived"},
    ),
    Call("immune-alert-reopen", "POST", "/api/immune/alerts/staleness%3Af-05/reopen", "editor", 200, {}),
    Call("immune-alert-resolve", "POST", "/api/immune/alerts/staleness%3Af-05/resolve", "editor", 200, {}),
    Call("immune-alert-apply", "POST", "/api/immune/alerts/staleness%3Af-06/apply", "editor", 200, {}),
    Call("tasks-current", "GET", "/api/tasks/current", "viewer", 404),  # none yet: found, not refused
    Call("workers-latest", "GET", "/api/workers/latest", "viewer", 200),  # the fixture's analysis
    Call(
        "workers-apply",
        "POST",
        "/api/workers/analyses/{analysis}/apply",
        "editor",
        200,
        {"commitment_id": "{realloc_commitment}"},
    ),
    Call(
        "tasks",
        "POST",
        "/api/tasks",
        "editor",
        201,
        {"tasks": [{"id": "a", "name": "A", "duration_days": 1, "depends_on": []}]},
    ),
    Call("workers-analyze", "POST", "/api/workers/analyze", "editor", 201),
    Call(
        "info-drop",
        "POST",
        "/api/info-drop",
        "editor",
        201,
        {"text": "Priya Raman will deliver the calibration report by 2026-12-18."},
    ),
    Call("ask", "POST", "/api/ask", "viewer", 200, {"question": "Who leads the Perception team?"}),
    Call("conversations", "GET", "/api/conversations", "viewer", 200),
    Call("conversation-detail", "GET", "/api/conversations/conv-none", "viewer", 404),
    Call("realtime-changes", "GET", "/api/realtime/changes", "viewer", 200),
]
# Public endpoints that change a session rather than NEXUS data (covered in test_sessions.py).
SESSION_ENDPOINTS = {"auth-login", "auth-logout"}


def _counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(f"(SELECT count(*) FROM {t})" for t in WRITE_TABLES))
        return dict(zip(WRITE_TABLES, cursor.fetchone()))


def _client_for(actor: str, settings) -> APIClient:
    if actor == "anonymous":
        return APIClient()
    if actor == "admin":  # the admin calls with an API token, the others with a browser session
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token('admin')}")
        return client
    if actor == "supabase_editor":
        from common.accounts.tests.conftest import JWT_SECRET, SUPABASE_URL

        settings.SUPABASE_URL, settings.SUPABASE_JWT_SECRET = SUPABASE_URL, JWT_SECRET
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {supabase_jwt(role='editor', person_id='p-03')}")
        return client
    role, person = ACTORS[actor]
    return signed_in(role, username=f"test-{actor}", person_id=person)


@pytest.fixture
def notes(seeded):
    from insights import services
    from insights.models import Notification

    analysis = services.worker_analysis_run()
    return {
        "viewers_note": Notification.objects.create(person_id=ACTORS["viewer"][1], summary="for the viewer").id,
        "analysis": analysis.id,
        "realloc_commitment": analysis.reallocation_suggestions[0]["commitment_id"],
    }


@pytest.mark.parametrize("actor", list(ACTOR_RANK))
def test_every_endpoint_answers_each_actor_as_its_role_allows(actor, notes, settings):
    client = _client_for(actor, settings)
    for call in CALLS:
        path = call.path.format(**notes)
        body = (
            {k: v.format(**notes) if isinstance(v, str) else v for k, v in call.body.items()}
            if call.body is not None
            else None
        )
        before = _counts() if call.writes else None
        response = (
            getattr(client, call.method.lower())(path, body, format="json")
            if body is not None
            else getattr(client, call.method.lower())(path)
        )
        allowed = ACTOR_RANK[actor] >= RANK[call.needs]
        where = f"{actor} {call.method} {path}"
        if call.instead and actor in call.instead:
            assert response.status_code == call.instead[actor], (where, response.content[:300])
            if call.writes:
                assert _counts() == before, f"{where} was refused but wrote"
            continue
        if allowed:
            assert response.status_code == call.ok, (where, response.content[:300])
            continue
        expected = 401 if actor == "anonymous" else 403
        assert response.status_code == expected, (where, response.content[:300])
        error = response.json()["error"]
        assert error["status"] == expected and error["code"] == (
            "not_authenticated" if expected == 401 else "permission_denied"
        ), where
        if expected == 401:
            assert response.headers["WWW-Authenticate"] == "Bearer"
        if call.writes:
            assert _counts() == before, f"{where} was refused but wrote"


def _api_routes(patterns, prefix=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _api_routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern) and route.startswith(("api/", "^api/")):
            yield route, pattern


def test_every_api_endpoint_names_its_permission_and_is_in_the_matrix():
    covered = {call.name for call in CALLS} | SESSION_ENDPOINTS
    missing_permission, missing_from_matrix = [], []
    for route, pattern in _api_routes(get_resolver().url_patterns):
        view = getattr(pattern.callback, "cls", None)
        if view is None:  # the JSON 404 catch-all: a plain Django view that serves nothing
            assert pattern.callback.__name__ == "api_not_found", route
            continue
        assert issubclass(view, APIView), route
        if view.permission_classes is APIView.permission_classes or DenyAll in view.permission_classes:
            missing_permission.append(f"{route} ({view.__name__})")
        if pattern.name not in covered:
            missing_from_matrix.append(f"{route} ({pattern.name})")
    assert not missing_permission, f"endpoints without an explicit permission: {missing_permission}"
    assert not missing_from_matrix, f"endpoints missing from the access matrix: {missing_from_matrix}"


def test_an_endpoint_without_a_permission_is_closed_to_everybody(db):
    """The project default is DenyAll: a view that forgets its permission serves nobody, admins included."""
    from rest_framework.response import Response
    from rest_framework.test import APIRequestFactory, force_authenticate

    from tests.actors import user_with_role

    class Forgotten(APIView):
        def get(self, request):
            return Response({"secret": True})

    request = APIRequestFactory().get("/api/forgotten")
    force_authenticate(request, user=user_with_role("admin"))
    assert Forgotten.as_view()(request).status_code == 403
