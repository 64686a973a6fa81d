"""Who is making the current change, for the audit trail (``mutation_history.actor``).

The API layer, the admin and the seed set it around the work they do; services read it when they
record history. A context variable, so each request (thread or task) sees only its own actor.
"""

from __future__ import annotations

import contextlib
from contextvars import ContextVar, Token

SYSTEM = "system"  # seed, migrations and other work NEXUS does by itself

_actor: ContextVar[str | None] = ContextVar("nexus_actor", default=None)


def current_actor() -> str | None:
    return _actor.get()


def begin_acting(actor: str | None) -> Token:
    """For code that cannot wrap its work in ``acting_as`` (a view's initial/finalize pair)."""
    return _actor.set(actor)


def end_acting(token: Token) -> None:
    _actor.reset(token)


@contextlib.contextmanager
def acting_as(actor: str | None):
    token = begin_acting(actor)
    try:
        yield
    finally:
        end_acting(token)
