"""The three roles, as Django groups: viewer < editor < admin. Superusers are admins."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, Group

VIEWER, EDITOR, ADMIN = "viewer", "editor", "admin"
ROLES = (VIEWER, EDITOR, ADMIN)
_RANK = {role: rank for rank, role in enumerate(ROLES, start=1)}
GROUPS_CACHE = "_nexus_group_names"  # on the user object, for the life of the request
OPEN_MODE_ROLE = EDITOR  # NEXUS_AUTH=open: everybody may read and write, nobody administers


def auth_is_open() -> bool:
    return settings.NEXUS_AUTH == "open"


def auth_settings() -> dict:
    """What the browser needs to know to sign in: required or open, and by whom (Django or Supabase)."""
    return {"mode": settings.NEXUS_AUTH, "provider": "supabase" if settings.SUPABASE_URL else "django"}


def role_of(user) -> str | None:
    """The user's role, or None (no role: refused everywhere but the public endpoints)."""
    if user is None or isinstance(user, AnonymousUser) or not user.is_authenticated:
        return OPEN_MODE_ROLE if auth_is_open() else None
    if not user.is_active:
        return None
    if user.is_superuser:
        return ADMIN
    names = getattr(user, GROUPS_CACHE, None)
    if names is None:  # asked several times a request (permission, notification scope): one query
        names = {group.name for group in user.groups.all()}
        setattr(user, GROUPS_CACHE, names)
    for role in reversed(ROLES):
        if role in names:
            return role
    return OPEN_MODE_ROLE if auth_is_open() else None


def has_role(user, needed: str) -> bool:
    role = role_of(user)
    return role is not None and _RANK[role] >= _RANK[needed]


def person_of(user) -> str | None:
    profile = getattr(user, "nexus_profile", None) if getattr(user, "is_authenticated", False) else None
    return profile.person_id if profile is not None else None


def notification_scope(user) -> str | None:
    """Whose notifications the user may see: None = everybody's (editor and up), else a person id
    ("" when the user is linked to no person, which matches nobody)."""
    if has_role(user, EDITOR):
        return None
    return person_of(user) or ""


def role_groups() -> dict[str, Group]:
    return {name: Group.objects.get_or_create(name=name)[0] for name in ROLES}


def notification_visible(person_id: str | None, scope: str | None) -> bool:
    """Whether a notification addressed to ``person_id`` is shown under ``notification_scope``."""
    return scope is None or (bool(scope) and person_id == scope)
