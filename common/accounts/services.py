"""Writes for users, roles and API tokens."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import transaction
from knox.models import AuthToken

from common.accounts.models import Profile
from common.accounts.roles import ADMIN, GROUPS_CACHE, ROLES, role_groups, role_of
from common.errors import Invalid


def user_set_role(*, user: User, role: str) -> None:
    """Give the user exactly one role. Admins are Django superusers (the admin site and everything)."""
    if role not in ROLES:
        raise Invalid(f"Unknown role {role!r}; expected one of {', '.join(ROLES)}.", field="role")
    groups = role_groups()
    user.__dict__.pop(GROUPS_CACHE, None)
    user.groups.remove(*[group for name, group in groups.items() if name != role])
    user.groups.add(groups[role])
    admin = role == ADMIN
    if user.is_staff != admin or user.is_superuser != admin:
        user.is_staff = user.is_superuser = admin
        user.save(update_fields=["is_staff", "is_superuser"])


def user_link_person(*, user: User, person_id: str | None) -> None:
    Profile.objects.update_or_create(user=user, defaults={"person_id": person_id or None})


@transaction.atomic
def user_create(*, username: str, role: str, password: str | None = None, person_id: str | None = None) -> User:
    """A user with a role (and optionally a password and a person link). No password: token-only."""
    User = get_user_model()
    user = User(username=username)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    user_set_role(user=user, role=role)
    if person_id:
        user_link_person(user=user, person_id=person_id)
    return user


def api_token_create(*, user: User, days: float | None) -> tuple[AuthToken, str]:
    """A new API token for the user: stored hashed (knox), shown once. ``days=None``: no expiry."""
    expiry = timedelta(days=days) if days is not None else None
    return AuthToken.objects.create(user=user, expiry=expiry)


@transaction.atomic
def supabase_user_sync(*, sub: str, email: str | None, role: str, person_id: str | None) -> User:
    """The Django user behind a Supabase Auth identity, created on first sight; the role and
    person link follow the token's app_metadata every time (Supabase is the source of truth)."""
    User = get_user_model()
    user, created = User.objects.get_or_create(username=f"supabase:{sub}"[:150], defaults={"email": email or ""})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    profile, _ = Profile.objects.get_or_create(user=user, defaults={"supabase_sub": sub, "person_id": person_id})
    if profile.person_id != person_id:
        profile.person_id = person_id
        profile.save(update_fields=["person_id"])
    if role_of(user) != role:
        user_set_role(user=user, role=role)
    return user
