"""The insights and conversations endpoints are in the OpenAPI schema, which validates."""

from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

PATHS = {
    "/api/usage": ["get"],
    "/api/info-drop": ["post"],
    "/api/notifications": ["get"],
    "/api/notifications/{notification_id}/ack": ["post"],
    "/api/immune/scan": ["post"],
    "/api/immune/scans": ["get"],
    "/api/immune/alerts": ["get"],
    "/api/tasks": ["post"],
    "/api/tasks/current": ["get"],
    "/api/workers/analyze": ["post"],
    "/api/workers/latest": ["get"],
    "/api/immune/alerts/{fingerprint}/resolve": ["post"],
    "/api/immune/alerts/{fingerprint}/dismiss": ["post"],
    "/api/immune/alerts/{fingerprint}/assign": ["post"],
    "/api/immune/alerts/{fingerprint}/set-owner": ["post"],
    "/api/immune/alerts/{fingerprint}/apply": ["post"],
    "/api/workers/analyses/{analysis_id}/apply": ["post"],
    "/api/ask": ["post"],
    "/api/conversations": ["get"],
    "/api/conversations/{conversation_id}": ["get"],
}


def test_schema_has_every_endpoint_and_validates():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    for path, methods in PATHS.items():
        assert path in schema["paths"], path
        for method in methods:
            assert (
                "200" in schema["paths"][path][method]["responses"]
                or "201" in schema["paths"][path][method]["responses"]
            )
    page = schema["paths"]["/api/notifications"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert page == {"$ref": "#/components/schemas/NotificationPage"}
    assert "413" in schema["paths"]["/api/info-drop"]["post"]["responses"]
