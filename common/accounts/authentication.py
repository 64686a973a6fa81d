"""How a request says who it is (DRF authentication classes, in the order they are tried):

* ``Authorization: Bearer <jwt>`` — a Supabase Auth access token (only when SUPABASE_URL is set);
* ``Authorization: Bearer <token>`` — a NEXUS API token (django-rest-knox: hashed, expiring);
* the browser's Django session cookie, with CSRF enforced on unsafe methods.

``user_for_token`` does the same for the realtime websocket's ``access_token`` / ``apikey``.
"""

from __future__ import annotations

from django.conf import settings
from knox.auth import TokenAuthentication
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication, get_authorization_header

from common.accounts import services, supabase_jwt

BEARER = "Bearer"


def _bearer(request) -> str | None:
    parts = get_authorization_header(request).split()
    if len(parts) == 2 and parts[0].lower() == BEARER.lower().encode():
        try:
            return parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("Invalid token.") from None
    return None


def supabase_user(token: str):
    identity = supabase_jwt.verify(token)
    return services.supabase_user_sync(
        sub=identity.sub, email=identity.email, role=identity.role, person_id=identity.person_id
    )


class SupabaseJWTAuthentication(BaseAuthentication):
    def authenticate(self, request):
        token = _bearer(request)
        if not token or not settings.SUPABASE_URL or not supabase_jwt.looks_like_jwt(token):
            return None
        try:
            return supabase_user(token), token
        except supabase_jwt.InvalidSupabaseToken as exc:
            raise exceptions.AuthenticationFailed(f"Invalid Supabase access token: {exc}") from None

    def authenticate_header(self, request):
        return BEARER


class ApiTokenAuthentication(TokenAuthentication):
    """knox's token check, reached with ``Authorization: Bearer`` (REST_KNOX AUTH_HEADER_PREFIX)."""


class CsrfSessionAuthentication(SessionAuthentication):
    """DRF's session authentication (CSRF checked on unsafe methods)."""


def user_for_token(token: str):
    """The active user a NEXUS API token or a Supabase JWT belongs to, or None."""
    if not token:
        return None
    try:
        if settings.SUPABASE_URL and supabase_jwt.looks_like_jwt(token):
            user = supabase_user(token)
        else:
            user, _ = ApiTokenAuthentication().authenticate_credentials(token.encode())
    except (supabase_jwt.InvalidSupabaseToken, exceptions.AuthenticationFailed, UnicodeError):
        return None
    return user if user.is_active else None
