"""Browser sign-in: session endpoints, CSRF on unsafe methods, failed sign-ins locked out (axes),
paid endpoints throttled per user, health and config for anonymous callers, NEXUS_AUTH=open."""

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.throttling import ScopedRateThrottle

from tests.actors import PASSWORD, user_with_role


def _csrf_client() -> tuple[Client, str]:
    client = Client(enforce_csrf_checks=True)
    session = client.get("/api/auth/session").json()
    assert session["authenticated"] is False and session["user"] is None
    return client, session["csrf_token"]


def _login(client, token, username, password):
    return client.post(
        "/api/auth/login",
        {"username": username, "password": password},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )


def test_sign_in_reports_the_user_and_sign_out_ends_the_session(db):
    user_with_role("viewer", username="rebecca", person_id="p-10")
    client, token = _csrf_client()
    response = _login(client, token, "rebecca", PASSWORD)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["authenticated"] and body["user"] == {"username": "rebecca", "role": "viewer", "person_id": "p-10"}
    assert body["auth"] == {"mode": "required", "provider": "django"}
    assert client.get("/api/graph/metadata").status_code == 200
    token = client.get("/api/auth/session").json()["csrf_token"]  # rotated at sign-in
    out = client.post("/api/auth/logout", content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert out.status_code == 200, out.content
    assert out.json()["authenticated"] is False
    assert client.get("/api/graph/metadata").status_code == 401


def test_unsafe_requests_with_a_session_need_the_csrf_token(db):
    user_with_role("editor", username="ed")
    client, token = _csrf_client()
    assert _login(client, token, "ed", PASSWORD).status_code == 200
    token = client.get("/api/auth/session").json()["csrf_token"]
    without = client.post("/api/nodes", {"type": "fact", "label": "no csrf"}, content_type="application/json")
    assert without.status_code == 403 and "CSRF" in without.json()["error"]["message"]
    with_token = client.post(
        "/api/nodes", {"type": "fact", "label": "with csrf"}, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert with_token.status_code == 201
    from graph.models import Node

    assert list(Node.objects.filter(label__in=["no csrf", "with csrf"]).values_list("label", flat=True)) == [
        "with csrf"
    ]


def test_sign_in_itself_is_csrf_checked(db):
    user_with_role("viewer", username="v")
    client, _ = _csrf_client()
    response = client.post("/api/auth/login", {"username": "v", "password": PASSWORD}, content_type="application/json")
    assert response.status_code == 403


def test_wrong_password_is_a_400_in_the_error_shape(db):
    user_with_role("viewer", username="v")
    client, token = _csrf_client()
    response = _login(client, token, "v", "wrong")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_credentials"
    assert _login(client, token, "nobody", "x").json()["error"]["code"] == "invalid_credentials"


def test_failed_sign_ins_lock_the_username_then_the_address(db, settings):
    settings.AXES_FAILURE_LIMIT = 3
    user_with_role("viewer", username="target")
    client, token = _csrf_client()
    assert [_login(client, token, "target", "guess").status_code for _ in range(3)] == [400, 400, 429]
    locked = _login(client, token, "target", PASSWORD)  # even the right password, while locked
    assert locked.status_code == 429 and locked.json()["error"]["code"] == "throttled"
    # The same address trying other usernames is locked too (per client address).
    other = Client(enforce_csrf_checks=True, REMOTE_ADDR="10.0.0.9")
    other_token = other.get("/api/auth/session").json()["csrf_token"]
    for name in ("a", "b", "c"):
        _login(other, other_token, name, "guess")
    user_with_role("viewer", username="innocent")
    assert _login(other, other_token, "innocent", PASSWORD).status_code == 429
    # An unrelated address with an unlocked user still signs in.
    fresh = Client(enforce_csrf_checks=True, REMOTE_ADDR="10.0.0.10")
    fresh_token = fresh.get("/api/auth/session").json()["csrf_token"]
    assert _login(fresh, fresh_token, "innocent", PASSWORD).status_code == 200


def test_a_user_without_a_role_cannot_sign_in(db, django_user_model):
    django_user_model.objects.create_user(username="norole", password=PASSWORD)
    client, token = _csrf_client()
    assert _login(client, token, "norole", PASSWORD).status_code == 400


def test_paid_endpoints_are_throttled_per_user(seeded, monkeypatch):
    from tests.actors import signed_in

    monkeypatch.setattr(
        ScopedRateThrottle, "THROTTLE_RATES", {"ask": "2/min", "info_drop": "2/min", "immune_scan": "2/min"}
    )
    cache.clear()
    alice, bob = signed_in("viewer", username="alice"), signed_in("viewer", username="bob")
    ask = {"question": "Who leads the Perception team?"}
    assert [alice.post("/api/ask", ask, format="json").status_code for _ in range(3)] == [200, 200, 429]
    assert bob.post("/api/ask", ask, format="json").status_code == 200  # per user
    limited = alice.post("/api/ask", ask, format="json")
    assert limited.json()["error"]["code"] == "throttled" and "Retry-After" in limited.headers
    cache.clear()


def test_health_tells_anonymous_callers_only_status_and_mode(db):
    body = Client().get("/api/health").json()
    assert body == {"status": "ok", "database": {"mode": "embedded"}, "auth": {"mode": "required"}}


def test_health_tells_signed_in_users_counts_and_versions(db):
    from tests.actors import signed_in

    body = signed_in("viewer").get("/api/health").json()
    assert body["counts"]["nodes"] == 0 and body["database"]["postgres_version"].startswith("18")


@pytest.fixture
def open_mode(settings):
    settings.NEXUS_AUTH = "open"
    return settings


def test_open_mode_lets_anonymous_callers_read_and_write_and_says_so(open_mode, db):
    client = Client()
    health = client.get("/api/health").json()
    assert health["auth"]["mode"] == "open" and "anyone" in health["auth"]["warning"]
    assert client.get("/api/config").json()["auth"]["mode"] == "open"
    created = client.post("/api/nodes", {"type": "fact", "label": "demo"}, content_type="application/json")
    assert created.status_code == 201
    from graph.models import MutationHistory

    assert MutationHistory.objects.get(node_id=created.json()["id"]).actor == "anonymous"


def test_open_mode_is_refused_in_production():
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "NEXUS_ENV": "production",
        "NEXUS_AUTH": "open",
        "SECRET_KEY": "x" * 50,
        "ALLOWED_HOSTS": "nexus.example",
        "DJANGO_SETTINGS_MODULE": "nexus_site.settings",
        "NEXUS_IGNORE_DOTENV": "1",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "NEXUS_AUTH=open is refused when NEXUS_ENV=production" in result.stderr
