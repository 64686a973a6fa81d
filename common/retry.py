"""Transactions that survive contention: deadlocks and serialization failures are retried.

PostgreSQL aborts one of two transactions that wait on each other (40P01 deadlock_detected) and,
under REPEATABLE READ/SERIALIZABLE, a transaction that lost a race (40001). Both are safe to run
again from the start, so the outermost transaction retries them up to DATABASE_CONFLICT_RETRIES
times with jittered exponential backoff; then the API reports 409 ``conflict`` — contention is
never an outage (503). A lock wait past DATABASE_LOCK_TIMEOUT (55P03) is a 409 at once.
"""

from __future__ import annotations

import functools
import logging
import random
import time

from django.conf import settings
from django.db import OperationalError, transaction

from common.errors import Conflict

logger = logging.getLogger("nexus.retry")

RETRYABLE = {"40P01": "deadlock", "40001": "serialization failure"}
LOCK_NOT_AVAILABLE = "55P03"


def sqlstate(exc: BaseException) -> str | None:
    return getattr(exc.__cause__, "sqlstate", None) or getattr(exc, "sqlstate", None)


def contention_conflict(exc: BaseException) -> Conflict | None:
    """The conflict a contention error stands for (None: not contention)."""
    state = sqlstate(exc)
    if state in RETRYABLE:
        return Conflict(
            f"The write collided with concurrent writes ({RETRYABLE[state]}) and was not applied; try again."
        )
    if state == LOCK_NOT_AVAILABLE:
        return Conflict("A row this write needs was locked by another write for too long; try again.")
    return None


def retrying_atomic(func):
    """Like ``transaction.atomic``, retried on deadlock / serialization failure when outermost.

    Inside an enclosing transaction it is a plain savepoint: only the whole transaction can be
    retried, so the error goes up to the outermost ``retrying_atomic`` (or becomes a 409).
    """
    atomic_func = transaction.atomic(func)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if transaction.get_connection().in_atomic_block:
            return atomic_func(*args, **kwargs)
        retries = settings.DATABASE_CONFLICT_RETRIES
        for attempt in range(retries + 1):
            try:
                return atomic_func(*args, **kwargs)
            except OperationalError as exc:
                state = sqlstate(exc)
                if state not in RETRYABLE or attempt == retries:
                    conflict = contention_conflict(exc)
                    if conflict is None:
                        raise
                    logger.info("%s: giving up after %d attempts (%s)", func.__name__, attempt + 1, state)
                    raise conflict from exc
                delay = random.uniform(0, settings.DATABASE_CONFLICT_BACKOFF * 2**attempt)
                logger.info("%s: %s, retry %d in %.3f s", func.__name__, RETRYABLE[state], attempt + 1, delay)
                time.sleep(delay)

    return wrapper
