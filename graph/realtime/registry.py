"""Which tables realtime carries, and who may see their rows.

Each app registers its own tables from its ``AppConfig.ready`` (realtime registers the graph's
nodes and edges; insights its notifications, immune alert states, immune scans and task graphs):
graph cannot import the apps above it, so the list cannot be written down here. A registered table
needs the capture triggers (``realtime_capture_changes``), which the owning app's migration creates;
a trigger argument names the key column that pairs an UPDATE's old and new rows (``key``).

Everything that needs the list asks here: the websocket's bindings, the resume endpoint, the
column lists sent with each change, ``/api/config`` (the browser subscribes to what it names) and
the Supabase lockdown (which tables signed-in users may read, so Supabase Realtime delivers them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from graph.realtime.access import Subscriber

RowRule = Callable[[dict, "Subscriber"], bool]


@dataclass(frozen=True)
class RealtimeTable:
    name: str
    key: str = "id"  # the primary key column the UPDATE trigger pairs old and new rows by
    visible: RowRule | None = None  # None: every subscriber (each has a role) sees every row
    app_label: str = ""


_TABLES: dict[str, RealtimeTable] = {}


def register(name: str, *, key: str = "id", visible: RowRule | None = None, app_label: str = "") -> None:
    """Carry ``name`` on realtime. Registering the same table again replaces its entry (a reload)."""
    _TABLES[name] = RealtimeTable(name, key, visible, app_label)


def tables() -> tuple[str, ...]:
    """The registered tables, in registration (INSTALLED_APPS) order."""
    return tuple(_TABLES)


def entries() -> tuple[RealtimeTable, ...]:
    return tuple(_TABLES.values())


def get(name: str) -> RealtimeTable | None:
    return _TABLES.get(name)


def has_rule(table: str) -> bool:
    """Whether only some subscribers may see rows of ``table``."""
    entry = _TABLES.get(table)
    return entry is not None and entry.visible is not None


def may_see(table: str, record: dict, subscriber: Subscriber) -> bool:
    """Whether ``subscriber`` may receive a change of ``table`` whose row is ``record``."""
    entry = _TABLES.get(table)
    if entry is None:
        return False
    return entry.visible is None or entry.visible(record, subscriber)
