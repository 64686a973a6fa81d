"""Browser sign-in: ``GET /api/auth/session``, ``POST /api/auth/login``, ``POST /api/auth/logout``.

Django sessions with CSRF: the session endpoint hands out the CSRF token (and cookie) that every
unsafe request must echo in ``X-CSRFToken``; sign-in itself is CSRF-checked too. Failed sign-ins
are counted by django-axes (per username and per client address), which answers 429 past the limit.
"""

from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.models import AnonymousUser
from django.middleware.csrf import get_token
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from common.accounts import roles
from common.accounts.authentication import CsrfSessionAuthentication
from common.accounts.permissions import Public
from common.accounts.throttles import lockout_body
from common.api import ApiView, validated_body

SessionUserOut = inline_serializer(
    "SessionUser",
    {
        "username": serializers.CharField(),
        "role": serializers.ChoiceField(choices=roles.ROLES, allow_null=True),
        "person_id": serializers.CharField(allow_null=True),
    },
    allow_null=True,
)  # null when nobody is signed in
SessionOut = inline_serializer(
    "Session",
    {
        "authenticated": serializers.BooleanField(),
        "user": SessionUserOut,
        "auth": inline_serializer(
            "AuthMode",
            {
                "mode": serializers.ChoiceField(choices=["required", "open"]),
                "provider": serializers.ChoiceField(choices=["django", "supabase"]),
            },
        ),
        "csrf_token": serializers.CharField(),
    },
)


class LoginIn(serializers.Serializer):
    username = serializers.CharField(max_length=150, trim_whitespace=False)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)


def session_body(request) -> dict:
    user = request.user
    signed_in = bool(user and user.is_authenticated)
    return {
        "authenticated": signed_in,
        "user": {"username": user.get_username(), "role": roles.role_of(user), "person_id": roles.person_of(user)}
        if signed_in
        else None,
        "auth": roles.auth_settings(),
        "csrf_token": get_token(request._request if hasattr(request, "_request") else request),
    }


class SessionView(ApiView):
    permission_classes = [Public]

    @extend_schema(
        operation_id="auth_session",
        responses={200: SessionOut},
        summary="Who is signed in (and the CSRF token for unsafe requests)",
    )
    def get(self, request):
        return Response(session_body(request))


class LoginView(ApiView):
    permission_classes = [Public]
    authentication_classes = [CsrfSessionAuthentication]

    @extend_schema(
        operation_id="auth_login",
        request=LoginIn,
        responses={200: SessionOut},
        summary="Sign in with username and password (Django session)",
    )
    def post(self, request):
        CsrfSessionAuthentication().enforce_csrf(request)  # login CSRF: checked before anyone is signed in
        body = validated_body(LoginIn, request)
        user = authenticate(request._request, username=body["username"], password=body["password"])
        if getattr(request._request, "axes_locked_out", False):
            return Response(lockout_body(), status=429)
        if user is None or roles.role_of(user) is None:
            return Response(
                {"error": {"status": 400, "code": "invalid_credentials", "message": "Wrong username or password."}},
                status=400,
            )
        login(request._request, user)
        request.user = user
        return Response(session_body(request))


class LogoutView(ApiView):
    permission_classes = [Public]

    @extend_schema(operation_id="auth_logout", request=None, responses={200: SessionOut}, summary="Sign out")
    def post(self, request):
        logout(request._request)
        request.user = AnonymousUser()
        return Response(session_body(request))
