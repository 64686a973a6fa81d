"""GET /api/config: which realtime transport the browser uses, and never the Supabase service key."""

import pytest
from django.test import override_settings

from graph.realtime import registry


@override_settings(ALLOWED_HOSTS=["nexus.example"])
@pytest.mark.django_db
def test_config_points_at_channels_websocket_without_supabase(client):
    body = client.get("/api/config", HTTP_HOST="nexus.example:8000").json()
    assert body == {
        "realtime": {
            "transport": "channels",
            "url": "ws://nexus.example:8000/realtime/v1",
            "tables": list(registry.tables()),
        },
        "changes_url": "/api/realtime/changes",
        "auth": {"mode": "required", "provider": "django"},
    }
    secure = client.get("/api/config", HTTP_HOST="nexus.example", HTTP_X_FORWARDED_PROTO="https", secure=True)
    assert secure.json()["realtime"]["url"] == "wss://nexus.example/realtime/v1"


@override_settings(
    SUPABASE_URL="https://abc.supabase.co",
    SUPABASE_ANON_KEY="anon-key",
    SUPABASE_SERVICE_KEY="service-secret",
    ALLOWED_HOSTS=["*"],
)
@pytest.mark.django_db
def test_config_names_supabase_and_never_the_service_key(client):
    response = client.get("/api/config")
    assert response.json()["realtime"] == {
        "transport": "supabase",
        "url": "https://abc.supabase.co",
        "anon_key": "anon-key",
        "tables": list(registry.tables()),
    }
    assert b"service-secret" not in response.content
