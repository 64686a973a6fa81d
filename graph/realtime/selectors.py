"""Reads of the change log for the resume endpoint (GET /api/realtime/changes)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from common.errors import NexusError
from graph.realtime import events, registry
from graph.realtime.access import Subscriber
from graph.realtime.bridge import gap_timeout_seconds


class ResyncRequired(NexusError):
    """The cursor is older than the retained log (rows after it were pruned) or from another log:
    the client reloads the graph and starts from the current cursor (410)."""

    status, code = 410, "resync_required"

    def __init__(
        self,
        message: str = (
            "The cursor is older than the retained change log (or from another database); "
            "reload the graph and start from the cursor GET /api/realtime/changes returns."
        ),
    ):
        super().__init__(message)


@dataclass
class ChangesPage:
    changes: list[events.Change]
    cursor: int
    has_more: bool
    held: bool = False  # stopped before a gap a running transaction may fill; ask again


def changes_after(
    *, after: int | None, tables: tuple[str, ...], limit: int, subscriber: Subscriber | None = None
) -> ChangesPage:
    """Changes after ``after`` in id order, never past a gap a running writer may still fill.

    ``after=None`` returns no changes and the current cursor (where a fresh client starts);
    ``after=0`` reads from the oldest retained change. Rows ``subscriber`` may not see by their
    table's rule (another person's notifications, for a viewer) are left out; the cursor moves past
    them. ``subscriber=None``: every row (the server's own reads).
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM realtime_changes")
        lowest, highest = cursor.fetchone()
        if after is None:
            return ChangesPage([], _safe_head(cursor, highest or 0), False)
        if after > 0 and (highest is None or after > highest or after < lowest - 1):
            raise ResyncRequired
        cursor.execute(events.SELECT_AFTER, [after, limit])
        rows = [events.Change.from_row(r) for r in cursor.fetchall()]
        plan = _plan(cursor, rows, after)
    wanted = [c for c in plan.deliver if c.table in tables and visible_to(c, subscriber)]
    return ChangesPage(wanted, plan.cursor, has_more=len(rows) == limit and not plan.held, held=plan.held)


def visible_to(change: events.Change, subscriber: Subscriber | None) -> bool:
    if subscriber is None:
        return registry.get(change.table) is not None
    return registry.may_see(change.table, change.filter_record(), subscriber)


def _plan(cursor, rows: list[events.Change], after: int) -> events.Plan:
    gaps = events.find_gaps(rows, after)
    running = False
    if gaps:
        cursor.execute(events.COUNT_WRITERS, [events.WRITER_LOCK_KEY])
        running = cursor.fetchone()[0] > 0
        if not running:  # a new statement, a new snapshot: writers that committed meanwhile show
            cursor.execute(events.SELECT_RANGES, list(events.gap_bounds(gaps)))
            rows = events.merge(rows, [events.Change.from_row(r) for r in cursor.fetchall()])
    # The endpoint keeps no state, so it cannot deliver late: past the timeout a gap is final.
    plan = events.plan_delivery(rows, after, running, gap_timeout_seconds())
    plan.late_gaps = []
    return plan


def _safe_head(cursor, highest: int) -> int:
    """Where a fresh client starts: the newest id with no gap before it that a writer may fill."""
    start = max(highest - 5000, 0)
    cursor.execute(events.SELECT_AFTER, [start, 5001])
    rows = [events.Change.from_row(r) for r in cursor.fetchall()]
    if not rows:
        return highest
    return _plan(cursor, rows[1:], rows[0].id).cursor
