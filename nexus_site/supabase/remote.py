"""What the public anon key reaches through Supabase's REST API (``check_supabase --remote``).

Expected: nothing, or reading nodes and edges with ``NEXUS_PUBLIC_GRAPH`` — never notifications.

Every probe is harmless even where it succeeds: reads take one row; writes are sent with
``Prefer: tx=rollback`` *and* cannot touch a row anyway — inserts post an empty array, updates
and deletes filter on a primary-key value no row has. PostgREST answers a missing privilege with
401/403 and error code 42501; a missing table or function with 404. The key itself is sent only
in request headers, never printed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

from nexus_site.supabase.rls import expected_grants

PROBE_TEXT = "__nexus_probe__"
PROBE_NUMBER = -1  # NEXUS's integer keys are never negative


def expected_reads(public_graph: bool) -> frozenset:
    """{(table, "read")} the anon key may do; everything else must be denied."""
    return frozenset((table, "read") for role, table, _ in expected_grants(public_graph) if role == "anon")


@dataclass(frozen=True)
class TableTarget:
    name: str
    key_column: str
    key_is_number: bool

    @property
    def probe_value(self):
        return PROBE_NUMBER if self.key_is_number else PROBE_TEXT


@dataclass
class RemoteReport:
    results: dict = field(default_factory=dict)  # {(object, action): (verdict, detail)}
    expected: frozenset = frozenset()

    @property
    def reachable(self) -> set:
        return {key for key, (verdict, _) in self.results.items() if verdict != "denied"}

    @property
    def unexpected(self) -> list:
        return sorted(self.reachable - self.expected)

    @property
    def missing(self) -> list:
        return sorted(self.expected - self.reachable)

    @property
    def ok(self) -> bool:
        return not self.unexpected and not self.missing


def nexus_tables() -> list[TableTarget]:
    """Every table NEXUS creates (its own and Django's), with a key column to filter on."""
    from django.apps import apps
    from django.db.models import Field

    targets = {"django_migrations": TableTarget("django_migrations", "id", True)}
    for model in apps.get_models(include_auto_created=True):
        if not model._meta.managed and model._meta.proxy:
            continue
        pk = model._meta.pk
        fields = getattr(pk, "fields", None)  # CompositePrimaryKey
        column_field = fields[0] if fields else pk
        if isinstance(column_field, str):
            column_field = model._meta.get_field(column_field)
        assert isinstance(column_field, Field) and column_field.column, "a primary key is a column"
        internal = column_field.get_internal_type()
        targets[model._meta.db_table] = TableTarget(
            model._meta.db_table,
            column_field.column,
            internal in ("AutoField", "BigAutoField", "IntegerField", "BigIntegerField", "SmallAutoField"),
        )
    return sorted(targets.values(), key=lambda t: t.name)


def _verdict(response: httpx.Response) -> tuple[str, str]:
    code = ""
    try:
        body = response.json()
        if isinstance(body, dict):
            code = str(body.get("code") or "")
    except ValueError:
        pass
    if response.status_code in (401, 403) and (code in ("42501", "") or code.startswith("PGRST3")):
        return "denied", f"HTTP {response.status_code} {code}".strip()
    if response.status_code == 404:
        return "denied", f"HTTP 404 {code} (not exposed)".strip()
    if response.is_success:
        return "allowed", f"HTTP {response.status_code}"
    # Anything else got past the privilege check (e.g. a constraint error): it is reachable.
    return "unclear", f"HTTP {response.status_code} {code}".strip()


def probe_project(
    url: str,
    anon_key: str,
    *,
    dimensions: int,
    tables: list[TableTarget] | None = None,
    timeout: float = 10.0,
    client: httpx.Client | None = None,
    public_graph: bool = False,
) -> RemoteReport:
    rest = url.rstrip("/") + "/rest/v1"
    headers = {"apikey": anon_key, "Authorization": f"Bearer {anon_key}", "Content-Type": "application/json"}
    write_headers = {**headers, "Prefer": "tx=rollback, return=minimal"}
    report = RemoteReport(expected=expected_reads(public_graph))
    own_client = client is None
    client = client or httpx.Client(timeout=timeout)
    try:
        for target in tables or nexus_tables():
            path = f"{rest}/{target.name}"
            match = {target.key_column: f"eq.{target.probe_value}"}
            attempts = {
                "read": lambda: client.get(path, params={"select": "*", "limit": "1"}, headers=headers),
                "insert": lambda: client.post(path, json=[], headers=write_headers),
                "update": lambda: client.patch(
                    path, params=match, headers=write_headers, json={target.key_column: target.probe_value}
                ),
                "delete": lambda: client.delete(path, params=match, headers=write_headers),
            }
            for action, send in attempts.items():
                report.results[(target.name, action)] = _send(send)
        body = {
            "query_embedding": "[" + ",".join(["0"] * dimensions) + "]",
            "match_count": 1,
            "similarity_threshold": 0.0,
        }
        report.results[("search_similar_nodes", "execute")] = _send(
            lambda: client.post(f"{rest}/rpc/search_similar_nodes", json=body, headers=headers)
        )
    finally:
        if own_client:
            client.close()
    return report


def _send(send) -> tuple[str, str]:
    try:
        return _verdict(send())
    except httpx.HTTPError as exc:
        return "unclear", f"no answer ({type(exc).__name__})"
