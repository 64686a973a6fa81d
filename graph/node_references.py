"""Rows of later apps that name a node by id without a foreign key — notifications addressed to a
person, alerts assigned to one — so deleting the node neither removes nor blocks them: they stay,
naming a node that no longer exists. graph cannot import those apps, so each registers its columns
here (from its AppConfig.ready) and the delete confirmation (selectors.node_cascade) counts them.
Foreign keys need no registration: the database cascades them (edges, embedding, search document).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection


@dataclass(frozen=True)
class NodeReference:
    table: str
    column: str
    app_label: str = ""


_REFERENCES: dict[tuple[str, str], NodeReference] = {}


def register(table: str, column: str, *, app_label: str = "") -> None:
    _REFERENCES[(table, column)] = NodeReference(table, column, app_label)


def registered() -> tuple[NodeReference, ...]:
    return tuple(_REFERENCES.values())


def counts(node_id: str) -> list[dict]:
    """[{table, column, count}] for every registered column, in registration order: one query."""
    refs = registered()
    if not refs:
        return []
    q = connection.ops.quote_name
    select = ", ".join(f"(SELECT count(*) FROM {q(r.table)} WHERE {q(r.column)} = %s)" for r in refs)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {select}", [node_id] * len(refs))
        row = cursor.fetchone()
    return [{"table": r.table, "column": r.column, "count": n} for r, n in zip(refs, row, strict=True)]
