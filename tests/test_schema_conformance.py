"""The OpenAPI schema tells the truth: schemathesis sends schema-generated requests (valid and
invalid) to every operation of a real daphne on the seeded organisation and checks: no 5xx,
documented status codes and content types, response bodies that match their schemas. Bounded
(SCHEMATHESIS_MAX_EXAMPLES per operation and mode) so it runs in about a minute.

Access control: every request carries ``api_auth_headers`` (the schema request too); hand it
credentials there and nowhere else.
"""

import os

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, reject, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "10"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    positive_data_acceptance,
]
# Schema-valid requests these operations still reject with 400, for rules OpenAPI cannot state
# (they are in each operation's description / the README instead).
SEMANTIC_RULES = {
    "POST /api/edges": "source and target must be existing nodes",
    "POST /api/graph/mutations": "each op takes its own fields and refers to existing ids",
    "POST /api/info-drop": "text must hold a statement of two or more words",
    "POST /api/tasks": "depends_on must name tasks of the same graph, without cycles",
    "GET /api/realtime/changes": "after must be a cursor the retained log has (else 410 resync_required)",
    "GET /api/graph": "as_of must not be in the future nor before the compacted history",
    "GET /api/graph/diff": "from and to must not be in the future nor before the compacted history; from <= to",
}
# Twisted (daphne) closes the connection on a request line over 16 KB before any app sees it
# (README "Reliability"); a generated URL can be longer (2,000 characters of 4-byte UTF-8).
TWISTED_MAX_LINE = 16384
# schemathesis' own pytest plugin (schema.parametrize) does not run on pytest 9.2 (it sets
# Node._nodeid), so the operations are driven with plain Hypothesis here.


@pytest.fixture
def api_auth_headers(nexus_server) -> dict:
    """Headers that authenticate every schemathesis request: the server's admin API token."""
    return {"Authorization": f"Bearer {nexus_server.token}"}


def _since_after_until(case) -> bool:
    """GET /api/graph/history: since <= until is a rule across two parameters (OpenAPI cannot say it)."""
    from datetime import datetime

    query = case.query or {}
    try:
        return datetime.fromisoformat(str(query["since"])) > datetime.fromisoformat(str(query["until"]))
    except (KeyError, ValueError, TypeError):
        return False


def _holds_nul(value) -> bool:
    """NUL in a body: the parser rejects it anywhere. Typed strings say so in their pattern; free-form
    JSON (``extras``, property names) cannot in OpenAPI 3.0, so such "valid" cases are not sent."""
    if isinstance(value, dict):
        return any("\x00" in str(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return isinstance(value, str) and "\x00" in value


def _summary(exc: BaseException) -> str:
    """The failure without the (long) reproduction command."""
    text = str(exc).strip().split("Reproduce with")[0]
    return "\n".join(line[:300] for line in text.splitlines()[:40]) or type(exc).__name__


def test_every_operation_conforms_to_the_schema(nexus_server, seeded, api_auth_headers):
    schema = schemathesis.openapi.from_url(
        nexus_server.url + "/api/schema/?format=json", headers=dict(api_auth_headers), timeout=30
    )
    failures, operations = {}, 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        excluded = [positive_data_acceptance] if operation.label in SEMANTIC_RULES else []
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=MAX_EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            def check(case):
                if mode == GenerationMode.POSITIVE and (_since_after_until(case) or _holds_nul(case.body)):
                    reject()
                try:
                    case.call_and_validate(
                        base_url=nexus_server.url,
                        headers=dict(api_auth_headers),
                        checks=[c for c in CHECKS if c not in excluded],
                        timeout=60,
                    )
                except requests.ConnectionError:
                    request = requests.Request(**case.as_transport_kwargs(base_url=nexus_server.url)).prepare()
                    if len(request.path_url) + 20 < TWISTED_MAX_LINE:
                        raise
                    reject()  # refused by Twisted, as documented

            try:
                check()
            except Unsatisfiable:
                pass  # nothing to negate (no parameters or body): the positive run covers it
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 — collect them all, report all
                failures[f"{operation.label} ({mode.value})"] = _summary(exc)
    assert operations >= 30
    assert not failures, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())
    assert "Traceback" not in nexus_server.log()
