"""Who may subscribe on the realtime websocket, and from which pages.

* Origin: a browser always sends one, so a page on another site is refused at the handshake
  (Channels' OriginValidator against ALLOWED_HOSTS). Scripts (supabase-py, supabase-js under Node)
  send none; they are not exposed to cross-site requests and authenticate like anyone else.
* Each ``phx_join`` is authenticated: the join payload's ``access_token``, the ``apikey`` URL
  parameter (a NEXUS API token or a Supabase JWT, as supabase-js / supabase-py send them), or the
  browser's session cookie — the first that names an active user with a role.
"""

from __future__ import annotations

from dataclasses import dataclass

from channels.auth import get_user
from channels.db import database_sync_to_async
from channels.security.websocket import OriginValidator
from django.conf import settings

from common.accounts import roles
from common.accounts.authentication import user_for_token


class BrowserOriginValidator(OriginValidator):
    def valid_origin(self, parsed_origin):
        if parsed_origin is None:  # not a browser: nothing cross-site to guard against
            return True
        return self.validate_origin(parsed_origin)


def origin_checked(application):
    return BrowserOriginValidator(application, settings.ALLOWED_HOSTS)


@dataclass(frozen=True)
class Subscriber:
    username: str | None
    notification_scope: str | None  # None: every notification; else only this person's


@database_sync_to_async
def _subscriber_for_token(token: str) -> Subscriber | None:
    user = user_for_token(token)
    if user is None or roles.role_of(user) is None:
        return None
    return Subscriber(user.get_username(), roles.notification_scope(user))


@database_sync_to_async
def _subscriber_for_user(user) -> Subscriber | None:
    if not user.is_authenticated or roles.role_of(user) is None:
        return None
    return Subscriber(user.get_username(), roles.notification_scope(user))


async def subscriber_for_join(scope, access_token, apikey) -> Subscriber | None:
    """The identity a join runs under, or None (refused)."""
    for token in (access_token, apikey):
        if isinstance(token, str) and token:
            subscriber = await _subscriber_for_token(token)
            if subscriber is not None:
                return subscriber
    if "session" in scope:
        subscriber = await _subscriber_for_user(await get_user(scope))
        if subscriber is not None:
            return subscriber
    if roles.auth_is_open():
        return Subscriber(None, roles.notification_scope(None))
    return None
