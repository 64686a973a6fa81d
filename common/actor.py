"""Who is making the current change, for the audit trail (``mutation_history.actor``).

The API layer, the admin and the seed set it around the work they do; services read it when they
record history. A context variable, so each request (thread or task) sees only its own actor.
"""
from __future__ import annotations

import contextlib
from contextvars import ContextVar

SYSTEM = "system"  # seed, migrations and other work NEXUS does by itself

_actor: ContextVar[str | None] = ContextVar("nexus_actor", default=None)


def current_actor() -> str | None:
    return _actor.get()


@contextlib.contextmanager
def acting_as(actor: str | None):
    token = _actor.set(actor)
    try:
        yield
    finally:
        _actor.reset(token)
