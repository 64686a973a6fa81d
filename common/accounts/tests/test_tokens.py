"""API tokens for scripts: hashed at rest, expiring, revocable, created by create_api_token."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from common.accounts.roles import role_of
from tests.actors import api_token, user_with_role


def _bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def test_create_api_token_creates_the_user_and_prints_the_token_last(db):
    out = StringIO()
    call_command("create_api_token", "ci-bot", "--role", "editor", stdout=out)
    token = out.getvalue().strip().splitlines()[-1]
    assert token.startswith("nexus_") and " " not in token
    from django.contrib.auth import get_user_model

    assert role_of(get_user_model().objects.get(username="ci-bot")) == "editor"
    assert _bearer(token).post("/api/nodes", {"type": "fact", "label": "by token"}, format="json").status_code == 201
    # a second token for the same user; the role stays unless asked
    out = StringIO()
    call_command("create_api_token", "ci-bot", stdout=out)
    assert AuthToken.objects.filter(user__username="ci-bot").count() == 2


def test_create_api_token_for_an_unknown_user_needs_a_role(db):
    with pytest.raises(CommandError, match="pass --role"):
        call_command("create_api_token", "ghost", stdout=StringIO())


def test_tokens_are_stored_hashed(db):
    token = api_token("viewer")
    stored = AuthToken.objects.get()
    assert token not in (stored.digest, stored.token_key)
    assert len(stored.digest) == 128  # sha512 hex
    assert token.startswith(stored.token_key)  # only the lookup prefix is kept in clear


def test_expired_and_revoked_tokens_are_refused(db):
    token = api_token("viewer")
    client = _bearer(token)
    assert client.get("/api/graph/metadata").status_code == 200
    AuthToken.objects.update(expiry=timezone.now() - timedelta(seconds=1))
    assert client.get("/api/graph/metadata").status_code == 401
    other = api_token("viewer", username="v2")
    assert _bearer(other).get("/api/graph/metadata").status_code == 200
    AuthToken.objects.filter(user__username="v2").delete()  # revoke (the admin's delete)
    refused = _bearer(other).get("/api/graph/metadata")
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "authentication_failed"


def test_a_wrong_token_is_401_and_a_deactivated_user_is_refused(db):
    assert _bearer("nexus_" + "0" * 64).get("/api/graph/metadata").status_code == 401
    token = api_token("editor", username="leaver")
    user = user_with_role("editor", username="leaver")
    user.is_active = False
    user.save()
    assert _bearer(token).get("/api/graph/metadata").status_code == 401


def test_tokens_are_listed_in_the_admin(db, client):
    api_token("viewer", username="listed-user")
    client.force_login(user_with_role("admin"))
    page = client.get("/admin/knox/authtoken/").content.decode()
    assert "listed-user" in page
