"""Supabase Auth access tokens, verified locally with PyJWT.

Asymmetric keys (ES256/RS256) come from the project's JWKS endpoint, fetched and cached by
``PyJWKClient``; projects still on the legacy shared secret use HS256 with SUPABASE_JWT_SECRET.
Each key type accepts only its own algorithms, so an HS256 token can never be checked against a
public key, and ``alg: none`` is never accepted.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import jwt
from django.conf import settings

from common.accounts.roles import ROLES, VIEWER

ASYMMETRIC = ["ES256", "RS256"]
SYMMETRIC = ["HS256"]


class InvalidSupabaseToken(Exception):
    pass


@dataclass(frozen=True)
class SupabaseIdentity:
    sub: str
    email: str | None
    role: str
    person_id: str | None


def looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2


def issuer() -> str:
    return settings.SUPABASE_URL.rstrip("/") + "/auth/v1"


@functools.lru_cache(maxsize=4)
def _jwks_client(url: str) -> jwt.PyJWKClient:
    return jwt.PyJWKClient(
        url,
        cache_keys=True,
        lifespan=settings.SUPABASE_JWKS_CACHE_SECONDS,
        timeout=settings.SUPABASE_JWKS_TIMEOUT_SECONDS,
    )


def _key_for(token: str, header: dict):
    alg = header.get("alg")
    if alg in SYMMETRIC:
        if not settings.SUPABASE_JWT_SECRET:
            raise InvalidSupabaseToken("HS256 tokens need SUPABASE_JWT_SECRET on the server.")
        return settings.SUPABASE_JWT_SECRET, SYMMETRIC
    if alg in ASYMMETRIC:
        try:
            return _jwks_client(issuer() + "/.well-known/jwks.json").get_signing_key_from_jwt(token).key, ASYMMETRIC
        except jwt.PyJWKClientError as exc:
            raise InvalidSupabaseToken(f"No usable signing key: {exc}") from None
    raise InvalidSupabaseToken(f"Unsupported token algorithm {alg!r}.")


def verify(token: str) -> SupabaseIdentity:
    """The identity in a valid Supabase access token; InvalidSupabaseToken otherwise."""
    try:
        header = jwt.get_unverified_header(token)
        key, algorithms = _key_for(token, header)
        claims = jwt.decode(
            token,
            key,
            algorithms=algorithms,
            audience="authenticated",
            issuer=issuer(),
            options={"require": ["exp", "sub", "iss", "aud"]},
            leeway=settings.SUPABASE_JWT_LEEWAY_SECONDS,
        )
    except jwt.PyJWTError as exc:
        raise InvalidSupabaseToken(str(exc)) from None
    metadata = claims.get("app_metadata") or {}
    if not isinstance(metadata, dict):
        metadata = {}
    role = metadata.get("nexus_role") or VIEWER
    if role not in ROLES:
        raise InvalidSupabaseToken(f"app_metadata.nexus_role {role!r} is not one of {', '.join(ROLES)}.")
    person = metadata.get("nexus_person_id")
    return SupabaseIdentity(
        sub=str(claims["sub"]), email=claims.get("email"), role=role, person_id=str(person) if person else None
    )
