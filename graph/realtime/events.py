"""Change-log rows → Supabase postgres_changes events, binding filters, and gap-safe reading.

Shared by the websocket bridge (async psycopg) and the resume endpoint (Django ORM cursor).

The cursor: every event carries its change-log id as ``_change_id`` inside the record(s) — the
only place @supabase/realtime-js and supabase-py pass through to the callback unchanged (they
rebuild the payload from ``schema, table, commit_timestamp, type, errors`` plus the records, and
``convertChangeData`` keeps unknown keys). It is in ``new`` for INSERT/UPDATE and in ``old`` for
UPDATE/DELETE; raw protocol clients also get ``data.change_id``.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from graph.realtime import registry
from graph.realtime.models import WRITER_LOCK_KEY  # noqa: F401

SCHEMA = "public"
CURSOR_FIELD = "_change_id"
NOTIFY_CHANNEL = "realtime_changes"

_COLUMNS = (
    "id, table_name, event_type, new_record, old_record, commit_time, "
    "extract(epoch FROM clock_timestamp() - commit_time)::float8 AS age"
)
SELECT_AFTER = f"SELECT {_COLUMNS} FROM realtime_changes WHERE id > %s ORDER BY id LIMIT %s"
# The same rows without their records: enough to find the head and the gaps below it, without
# reading thousands of (possibly large) rows a fresh client never gets.
SELECT_IDS_AFTER = (
    "SELECT id, table_name, event_type, NULL::jsonb, NULL::jsonb, commit_time, "
    "extract(epoch FROM clock_timestamp() - commit_time)::float8 FROM realtime_changes "
    "WHERE id > %s ORDER BY id LIMIT %s"
)
SELECT_RANGES = (
    f"SELECT {_COLUMNS} FROM realtime_changes WHERE id BETWEEN %s AND %s AND EXISTS "
    "(SELECT 1 FROM unnest(%s::bigint[], %s::bigint[]) AS g(lo, hi) WHERE id BETWEEN g.lo AND g.hi) "
    "ORDER BY id"
)
# Other transactions that wrote to the change log and have not finished (see WRITER_LOCK_KEY).
COUNT_WRITERS = (
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 0 AND objid = %s "
    "AND objsubid = 1 AND granted AND pid <> pg_backend_pid() "
    "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)
SELECT_COLUMNS = """
SELECT c.relname, a.attname, t.typname
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_type t ON t.oid = a.atttypid
WHERE c.relname = ANY(%s) AND c.relnamespace = current_schema()::regnamespace
  AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY c.relname, a.attnum
"""


def iso_timestamp(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Change:
    """One change-log row, with its wire form encoded once for every subscriber."""

    id: int
    table: str
    type: str
    new: dict | None
    old: dict | None
    commit_time: datetime
    age: float = 0.0  # seconds since the writing statement, by the database's clock
    _data_json: str | None = field(default=None, repr=False)
    # Shared by every client during fan-out: each distinct frame and filter result is computed once.
    frames: dict = field(default_factory=dict, repr=False)
    matched: dict = field(default_factory=dict, repr=False)
    fan_out: dict = field(default_factory=dict, repr=False)  # a client signature → its frames

    @classmethod
    def from_row(cls, row) -> Change:
        id_, table, type_, new, old, commit_time, age = row
        if isinstance(new, str):  # Django's cursor may hand jsonb back as text
            new = json.loads(new)
        if isinstance(old, str):
            old = json.loads(old)
        return cls(id_, table, type_, new, old, commit_time, age)

    def _records(self) -> tuple[dict | None, dict | None]:
        new = {**self.new, CURSOR_FIELD: self.id} if self.new is not None else None
        old = {**self.old, CURSOR_FIELD: self.id} if self.old is not None else None
        return new, old

    def filter_record(self) -> dict:
        """The row a binding filter is tested against (the old row for DELETE)."""
        return (self.old if self.type == "DELETE" else self.new) or {}

    def data(self, columns: dict[str, list[dict]]) -> dict:
        """Supabase's wire ``data`` object of a postgres_changes message."""
        new, old = self._records()
        data: dict[str, Any] = {
            "schema": SCHEMA,
            "table": self.table,
            "commit_timestamp": iso_timestamp(self.commit_time),
            "type": self.type,
            "columns": columns.get(self.table, []),
            "errors": None,
            "change_id": self.id,
        }
        if self.type in ("INSERT", "UPDATE"):
            data["record"] = new or {}
        if self.type in ("UPDATE", "DELETE"):
            data["old_record"] = old or {}
        return data

    def data_json(self, columns: dict[str, list[dict]]) -> str:
        if self._data_json is None:
            self._data_json = json.dumps(self.data(columns), separators=(",", ":"), default=str)
        return self._data_json

    def payload(self) -> dict:
        """The shape realtime-js hands a postgres_changes callback, plus the change-log id."""
        new, old = self._records()
        return {
            "id": self.id,
            "schema": SCHEMA,
            "table": self.table,
            "commit_timestamp": iso_timestamp(self.commit_time),
            "eventType": self.type,
            "new": new or {},
            "old": old or {},
            "errors": None,
        }


# ── Gap-safe reading ────────────────────────────────────────────────────────
# Ids come from a sequence when a row is written but become visible when its transaction commits,
# so id 11 can be seen before id 10. A reader that saw 11 and moved its cursor past 10 would lose
# 10 for good. So: at a gap, ask whether any change-log writer is still running (the triggers hold
# a shared advisory lock until their transaction ends). None running → re-read the gap with a new
# snapshot (a writer that committed meanwhile is visible now); what is still missing was rolled
# back. Writers running → stop before the gap and look again shortly (the commit's NOTIFY wakes
# us). A gap older than the timeout (a long transaction, e.g. a big seed) is stepped over but
# kept on watch, and its rows are delivered late when they commit.
@dataclass
class Gap:
    lo: int
    hi: int
    seen: set[int] = field(default_factory=set)


def find_gaps(changes: list[Change], cursor: int) -> list[Gap]:
    gaps, expected = [], cursor + 1
    for change in changes:
        if change.id > expected:
            gaps.append(Gap(expected, change.id - 1))
        expected = change.id + 1
    return gaps


def gap_bounds(gaps: list[Gap]) -> tuple:
    """Parameters of SELECT_RANGES for these gaps."""
    return (min(g.lo for g in gaps), max(g.hi for g in gaps), [g.lo for g in gaps], [g.hi for g in gaps])


@dataclass
class Plan:
    deliver: list[Change]
    cursor: int
    held: bool = False  # stopped before a gap a running writer may still fill
    late_gaps: list[Gap] = field(default_factory=list)  # stepped over after the timeout


def plan_delivery(changes: list[Change], cursor: int, writers_running: bool, gap_timeout_seconds: float) -> Plan:
    """Which of ``changes`` (id order) to deliver now; with no writer running, gaps are final."""
    plan = Plan(deliver=[], cursor=cursor)
    expected = cursor + 1
    for change in changes:
        if change.id > expected and writers_running:
            if change.age < gap_timeout_seconds:
                plan.held = True
                break
            plan.late_gaps.append(Gap(expected, change.id - 1))
        plan.deliver.append(change)
        plan.cursor = change.id
        expected = change.id + 1
    return plan


def merge(changes: list[Change], more: list[Change]) -> list[Change]:
    by_id = {c.id: c for c in changes}
    by_id.update({c.id: c for c in more})
    return [by_id[i] for i in sorted(by_id)]


# ── Binding filters (PostgREST-style: column=op.value) ──────────────────────
class FilterError(ValueError):
    pass


OPERATORS = ("eq", "neq", "lt", "lte", "gt", "gte", "in", "is", "like", "ilike")


@dataclass(frozen=True)
class RowFilter:
    column: str
    op: str
    value: str | tuple[str, ...]
    negate: bool = False  # the not. prefix
    pattern: LikePattern | None = None  # like / ilike

    def matches(self, record: dict) -> bool:
        if self.column not in record:
            return False
        return self._test(record[self.column]) != self.negate

    def _test(self, actual) -> bool:
        if self.op == "in":
            return any(_compare(actual, v) == 0 for v in self.value)
        value = cast(str, self.value)  # a tuple only for "in"
        if self.op == "is":  # is.null / is.true / is.false
            return {"null": actual is None, "true": actual is True, "false": actual is False}[value]
        if self.pattern is not None:
            return isinstance(actual, str) and self.pattern.matches(actual)
        order = _compare(actual, value)
        if order is None:  # incomparable (null, type mismatch): only neq holds
            return self.op == "neq"
        return {
            "eq": order == 0,
            "neq": order != 0,
            "lt": order < 0,
            "lte": order <= 0,
            "gt": order > 0,
            "gte": order >= 0,
        }[self.op]


def _compare(actual, expected: str) -> int | None:
    if actual is None:
        return 0 if expected == "null" else None
    if isinstance(actual, bool):
        return 0 if str(actual).lower() == expected.lower() else None
    if isinstance(actual, (int, float)):
        try:
            number = float(expected)
        except ValueError:
            return None
        return (actual > number) - (actual < number)
    text = actual if isinstance(actual, str) else json.dumps(actual, separators=(",", ":"))
    return (text > expected) - (text < expected)


# ── LIKE / ILIKE without regular expressions ──
# A backtracking regex for ``%a%a%a…b`` takes exponential time on the event loop. Instead: split
# the pattern on ``%`` into segments (literal runs and ``_``); the first segment must sit at the
# start, the last at the end, and each middle one is found left to right at its earliest place
# (str.find on its longest literal run). The earliest place is always the best choice, so nothing
# is ever retried: at most O(len(text) · len(pattern)), in practice one C-level scan.
@dataclass(frozen=True)
class _Segment:
    length: int  # characters it covers (literals and ``_``)
    runs: tuple[tuple[int, str], ...]  # (offset, literal text), longest first

    def at(self, text: str, pos: int) -> bool:
        return all(text.startswith(run, pos + offset) for offset, run in self.runs)

    def find(self, text: str, start: int, limit: int) -> int:
        """The first position >= start where this segment matches and ends by ``limit``, or -1."""
        last = limit - self.length
        if last < start:
            return -1
        if not self.runs:
            return start
        offset, anchor = self.runs[0]
        begin, end = start + offset, last + offset + len(anchor)
        while (i := text.find(anchor, begin, end)) >= 0:
            if self.at(text, i - offset):
                return i - offset
            begin = i + 1
        return -1


@dataclass(frozen=True)
class LikePattern:
    """PostgreSQL LIKE (``%`` any run, ``_`` one character, backslash escapes the next character;
    PostgREST's ``*`` is ``%`` too), case-insensitive for ILIKE."""

    segments: tuple[_Segment, ...]
    ignore_case: bool

    @classmethod
    def compile(cls, pattern: str, ignore_case: bool) -> LikePattern:
        if ignore_case:
            pattern = pattern.lower()
        segments: list[_Segment] = []
        items: list[str | None] = []  # a character, or None for ``_``
        escaped = False
        for ch in pattern:
            if escaped:
                items.append(ch)
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch in "%*":
                segments.append(_segment(items))
                items = []
            else:
                items.append(None if ch == "_" else ch)
        if escaped:
            raise FilterError("a like pattern must not end with the escape character \\")
        segments.append(_segment(items))
        return cls(tuple(segments), ignore_case)

    def matches(self, text: str) -> bool:
        if self.ignore_case:
            text = text.lower()
        first, *middle, last = self.segments if len(self.segments) > 1 else (self.segments[0], None)
        if last is None:  # no ``%``: the whole text, character for character
            return len(text) == first.length and first.at(text, 0)
        tail = len(text) - last.length
        if tail < first.length or not first.at(text, 0) or not last.at(text, tail):
            return False
        pos = first.length
        for segment in middle:
            found = segment.find(text, pos, tail)
            if found < 0:
                return False
            pos = found + segment.length
        return True


def _segment(items: list[str | None]) -> _Segment:
    runs, start = [], None
    for i, item in enumerate([*items, None]):
        if item is not None and start is None:
            start = i
        elif item is None and start is not None:
            runs.append((start, "".join(cast(list[str], items[start:i]))))  # a run holds no None
            start = None
    runs.sort(key=lambda run: -len(run[1]))  # the longest run is the search anchor
    return _Segment(len(items), tuple(runs))


def max_filter_length() -> int:
    from django.conf import settings

    return int(getattr(settings, "REALTIME_MAX_FILTER_LENGTH", 256))


def parse_filter(text: str, table: str | None, columns: set[str]) -> RowFilter:
    """Parse ``person_id=eq.p-12``, ``id=in.(1,2,3)``, ``status=not.is.null``, ``label=ilike.*ops*``."""
    if not isinstance(text, str) or "=" not in text:
        raise FilterError(f"invalid filter {text!r}: expected column=operator.value")
    if table in (None, "*"):
        raise FilterError("a filter needs a table")
    limit = max_filter_length()
    if len(text) > limit:
        raise FilterError(f"filter too long: {len(text)} characters, at most {limit} (REALTIME_MAX_FILTER_LENGTH)")
    column, _, rest = text.partition("=")
    negate = rest.startswith("not.")
    op, dot, value = rest.removeprefix("not.").partition(".")
    if column not in columns:
        raise FilterError(f"invalid filter {text!r}: {table} has no column {column!r}")
    if op not in OPERATORS or not dot:
        raise FilterError(
            f"invalid filter {text!r}: operator must be one of {', '.join(OPERATORS)} (optionally after not.)"
        )
    if op == "in":
        if not (value.startswith("(") and value.endswith(")")):
            raise FilterError(f"invalid filter {text!r}: in needs a list like in.(a,b)")
        items = tuple(v.strip().strip('"') for v in value[1:-1].split(",") if v.strip())
        if not items:
            raise FilterError(f"invalid filter {text!r}: empty in list")
        return RowFilter(column, op, items, negate)
    if op != "in" and re.search(r",\s*\w+=", value):
        raise FilterError(f"invalid filter {text!r}: combining filters with commas is not supported")
    if op == "is" and value not in ("null", "true", "false"):
        raise FilterError(f"invalid filter {text!r}: is takes null, true or false")
    pattern = LikePattern.compile(value, op == "ilike") if op in ("like", "ilike") else None
    return RowFilter(column, op, value, negate, pattern)


@functools.cache
def table_columns() -> dict[str, set[str]]:
    """Column names of the realtime tables, from the models (no database needed; called once the
    apps have registered their tables)."""
    from django.apps import apps

    names: dict[str, set[str]] = {}
    wanted = set(registry.tables())
    for model in apps.get_models():
        if model._meta.db_table in wanted:
            names[model._meta.db_table] = {cast(str, f.column) for f in model._meta.concrete_fields}
    return names
