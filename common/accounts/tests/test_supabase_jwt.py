"""Supabase Auth access tokens as API credentials: ES256/RS256 keys from a JWKS endpoint (a local
stand-in for the project's /auth/v1/.well-known/jwks.json) and the legacy HS256 shared secret."""

import json

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from rest_framework.test import APIClient

from common.accounts import supabase_jwt as sj
from common.accounts.models import Profile
from common.accounts.roles import role_of
from common.accounts.tests.conftest import JWT_SECRET, supabase_jwt
from tests.http_stand_in import JsonHandler, StandInServer

EC_KEY = ec.generate_private_key(ec.SECP256R1())
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_EC_KEY = ec.generate_private_key(ec.SECP256R1())


def _jwk(algorithm, key, kid: str, alg: str) -> dict:
    jwk = json.loads(algorithm.to_jwk(key.public_key()))
    return {**jwk, "kid": kid, "alg": alg, "use": "sig"}


class JwksHandler(JsonHandler):
    requests = 0

    def do_GET(self):
        if self.path != "/auth/v1/.well-known/jwks.json":
            return self.send_json(404, {"message": "not found"})
        type(self).requests += 1
        self.send_json(
            200, {"keys": [_jwk(ECAlgorithm, EC_KEY, "ec-1", "ES256"), _jwk(RSAAlgorithm, RSA_KEY, "rsa-1", "RS256")]}
        )


@pytest.fixture
def jwks_stand_in(settings):
    sj._jwks_client.cache_clear()
    JwksHandler.requests = 0
    with StandInServer(JwksHandler) as server:
        settings.SUPABASE_URL = server.url
        settings.SUPABASE_JWT_SECRET = ""
        yield server
    sj._jwks_client.cache_clear()


def _call(token: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client.get("/api/graph/metadata")


def _signed(server, *, key=EC_KEY, alg="ES256", kid="ec-1", **claims):
    return supabase_jwt(issuer=f"{server.url}/auth/v1", key=key, algorithm=alg, headers={"kid": kid}, **claims)


def test_stand_in_es256_and_rs256_tokens_from_jwks_are_accepted_and_keys_are_cached(jwks_stand_in, db):
    assert _call(_signed(jwks_stand_in, role="viewer", person_id="p-10")).status_code == 200
    assert _call(_signed(jwks_stand_in, key=RSA_KEY, alg="RS256", kid="rsa-1", sub="sb-2")).status_code == 200
    assert _call(_signed(jwks_stand_in, sub="sb-3")).status_code == 200
    assert JwksHandler.requests == 1  # fetched once, then cached


def test_stand_in_sub_maps_to_one_user_with_role_and_person_from_app_metadata(jwks_stand_in, db):
    _call(_signed(jwks_stand_in, sub="sb-42", role="editor", person_id="p-02"))
    profile = Profile.objects.select_related("user").get(supabase_sub="sb-42")
    assert role_of(profile.user) == "editor" and profile.person_id == "p-02"
    _call(_signed(jwks_stand_in, sub="sb-42", role="viewer", person_id="p-03"))  # Supabase changed them
    profile.refresh_from_db()
    assert role_of(profile.user) == "viewer" and profile.person_id == "p-03"
    assert Profile.objects.filter(supabase_sub="sb-42").count() == 1
    _call(_signed(jwks_stand_in, sub="sb-43", role=None))
    assert role_of(Profile.objects.get(supabase_sub="sb-43").user) == "viewer"  # the default role


def test_stand_in_viewer_jwt_cannot_write(jwks_stand_in, db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {_signed(jwks_stand_in, role='viewer')}")
    assert client.post("/api/nodes", {"type": "fact", "label": "x"}, format="json").status_code == 403


@pytest.mark.parametrize(
    "case",
    [
        "expired",
        "wrong_issuer",
        "wrong_audience",
        "wrong_key",
        "alg_none",
        "hs256_against_jwks",
        "unknown_role",
        "garbage",
    ],
)
def test_stand_in_bad_supabase_tokens_get_401(jwks_stand_in, db, case):
    server = jwks_stand_in
    token = {
        "expired": lambda: _signed(server, expires_in=-60),
        "wrong_issuer": lambda: supabase_jwt(
            issuer="https://evil.example/auth/v1", key=EC_KEY, algorithm="ES256", headers={"kid": "ec-1"}
        ),
        "wrong_audience": lambda: _signed(server, audience="anon"),
        "wrong_key": lambda: _signed(server, key=OTHER_EC_KEY),
        "alg_none": lambda: jwt.encode(
            {"sub": "x", "aud": "authenticated", "iss": f"{server.url}/auth/v1", "exp": 9999999999},
            None,
            algorithm="none",
        ),
        # an HS256 token signed with the *public* key material must never verify
        "hs256_against_jwks": lambda: supabase_jwt(issuer=f"{server.url}/auth/v1", secret="x" * 32),
        "unknown_role": lambda: _signed(server, role="superuser"),
        "garbage": lambda: "aaa.bbb.ccc",
    }[case]()
    response = _call(token)
    assert response.status_code == 401, response.content
    assert response.json()["error"]["code"] == "authentication_failed"


def test_hs256_with_the_legacy_secret(supabase_auth, db):
    assert _call(supabase_jwt(role="editor")).status_code == 200
    assert _call(supabase_jwt(role="editor", secret="not-the-secret-but-long-enough-xx")).status_code == 401
    assert _call(supabase_jwt(role="editor", expires_in=-60)).status_code == 401
    assert _call(supabase_jwt(role="editor", audience="anon")).status_code == 401
    assert _call(supabase_jwt(role="editor", issuer="http://other/auth/v1")).status_code == 401


def test_without_supabase_url_a_jwt_is_not_accepted(settings, db):
    settings.SUPABASE_URL = ""
    settings.SUPABASE_JWT_SECRET = JWT_SECRET
    assert _call(supabase_jwt(role="admin")).status_code == 401
