"""Named actors for tests: users with a role (and a person link), signed-in clients and API tokens."""

from __future__ import annotations

from rest_framework.test import APIClient

PASSWORD = "correct-horse-battery-staple"

# The actors of the access matrix: name → (role, linked person node).
ACTORS = {
    "viewer": ("viewer", "p-10"),
    "other_viewer": ("viewer", "p-11"),
    "editor": ("editor", "p-02"),
    "admin": ("admin", None),
}


def user_with_role(role: str, *, username: str | None = None, person_id: str | None = None):
    """The user ``username`` (default ``test-<role>``) with exactly that role; created when missing."""
    from django.contrib.auth import get_user_model

    from common.accounts import services

    username = username or f"test-{role}"
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        return services.user_create(username=username, role=role, password=PASSWORD, person_id=person_id)
    services.user_set_role(user=user, role=role)
    services.user_link_person(user=user, person_id=person_id)
    return user


def signed_in(role: str = "editor", *, username: str | None = None, person_id: str | None = None) -> APIClient:
    """A DRF test client with a Django session for a user of that role."""
    client = APIClient()
    client.force_login(user_with_role(role, username=username, person_id=person_id))
    return client


def api_token(
    role: str = "admin", *, username: str | None = None, person_id: str | None = None, days: float | None = 1.0
) -> str:
    from common.accounts import services

    user = user_with_role(role, username=username, person_id=person_id)
    return services.api_token_create(user=user, days=days)[1]
