import time

import jwt
import pytest

SUPABASE_URL = "http://127.0.0.1:9"  # nothing listens: the JWT check must not need the network
JWT_SECRET = "test-supabase-jwt-secret-of-sufficient-length"


def supabase_jwt(
    *,
    role: str | None = "viewer",
    person_id: str | None = None,
    sub: str = "sb-user-1",
    secret: str = JWT_SECRET,
    issuer: str | None = None,
    audience: str = "authenticated",
    expires_in: int = 3600,
    algorithm: str = "HS256",
    key=None,
    headers: dict | None = None,
) -> str:
    metadata = {}
    if role:
        metadata["nexus_role"] = role
    if person_id:
        metadata["nexus_person_id"] = person_id
    claims = {
        "sub": sub,
        "aud": audience,
        "iss": issuer or f"{SUPABASE_URL}/auth/v1",
        "role": "authenticated",
        "exp": int(time.time()) + expires_in,
        "email": f"{sub}@example.org",
        "app_metadata": metadata,
    }
    return jwt.encode(claims, key if key is not None else secret, algorithm=algorithm, headers=headers)


@pytest.fixture
def supabase_auth(settings):
    """Supabase Auth configured with the legacy shared secret (HS256)."""
    settings.SUPABASE_URL = SUPABASE_URL
    settings.SUPABASE_JWT_SECRET = JWT_SECRET
    return settings
