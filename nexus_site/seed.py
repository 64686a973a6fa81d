"""The seed of the whole house: mock_data/ through each app's own loader, in one transaction.

Validation of every file happens first, so a bad file writes nothing; a second run is a no-op.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.db import transaction

from graph import seed as graph_seed
from graph.seed import DEFAULT_DATA_DIR, SeedError  # noqa: F401  (the command's default and error)
from insights import seed as insights_seed


@dataclass
class SeedData:
    graph: graph_seed.SeedData
    alerts: dict | None


@dataclass
class SeedResult:
    nodes: int = 0
    edges: int = 0
    metadata: int = 0
    immune_scans: int = 0

    @property
    def changed(self) -> bool:
        return any((self.nodes, self.edges, self.metadata, self.immune_scans))


def load_seed_data(data_dir: Path = DEFAULT_DATA_DIR, *, now: datetime | None = None) -> SeedData:
    """Read and validate every file; raise SeedError on the first problem."""
    return SeedData(graph=graph_seed.load_seed_data(data_dir, now=now), alerts=insights_seed.load_alerts(data_dir))


def reset_database(*, forget_history: bool = False) -> None:
    """Empty the seeded tables (see graph.seed.reset_graph for what happens to the history)."""
    graph_seed.reset_graph(forget_history=forget_history)
    insights_seed.reset_immune_scans()


@transaction.atomic
def write_seed_data(data: SeedData, *, reset: bool = False, forget_history: bool = False) -> SeedResult:
    if reset:
        insights_seed.reset_immune_scans()
    written = graph_seed.write_seed_data(data.graph, reset=reset, forget_history=forget_history)
    result = SeedResult(nodes=written.nodes, edges=written.edges, metadata=written.metadata)
    if data.alerts is not None:
        result.immune_scans = insights_seed.seed_immune_scan(alerts=data.alerts)
    return result


def database_is_empty() -> bool:
    return graph_seed.database_is_empty()
