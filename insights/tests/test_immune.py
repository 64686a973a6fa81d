"""Immune system: every planted problem in mock_data/planted.json is found, and nothing else."""

import json
from datetime import date

import pytest
from django.conf import settings
from django.utils import timezone

from graph.models import Edge, Node
from insights.models import ImmuneScan
from tests.actors import signed_in

PLANTED = json.loads((settings.BASE_DIR / "mock_data" / "planted.json").read_text())
MOCK_TODAY = date(2026, 11, 25)  # "today" of the mock organisation (mock_data/README.md)


def anchor_mock_dates_to_today():
    """The mock data's absolute dates (asked_on) are relative to 2026-11-25; shift them so the
    test means the same thing whatever day it runs."""
    shift = timezone.now().date() - MOCK_TODAY
    for q in Node.objects.filter(type="question"):
        asked = q.extras.get("asked_on")
        if asked:
            q.extras["asked_on"] = (date.fromisoformat(asked) + shift).isoformat()
            q.save(update_fields=["extras"])


def flagged(scan: dict, agent: str) -> list[dict]:
    return [a for a in scan["alerts"] if a["agent"] == agent]


@pytest.fixture
def scan(seeded):
    anchor_mock_dates_to_today()
    before = ImmuneScan.objects.count()
    response = signed_in("editor").post("/api/immune/scan", {}, format="json")
    assert response.status_code == 201, response.content
    assert ImmuneScan.objects.count() == before + 1
    return response.json()


def test_scan_flags_exactly_the_stale_facts(scan):
    stale = flagged(scan, "staleness")
    assert sorted(i for a in stale for i in a["node_ids"]) == sorted(PLANTED["stale_facts"])
    assert all(a["freshness"] < 0.25 and a["suggested_action"] for a in stale)


def test_scan_flags_exactly_the_contradictions(scan):
    pairs = {tuple(sorted(a["pair"])) for a in flagged(scan, "contradiction")}
    assert pairs == {tuple(sorted(p)) for p in PLANTED["contradictions"]}
    assert all(a["severity"] == "high" for a in flagged(scan, "contradiction"))


def test_scan_flags_exactly_the_overloaded_person(scan):
    alerts = flagged(scan, "overload")
    assert [a["person_id"] for a in alerts] == [PLANTED["overloaded_person"]]
    assert alerts[0]["commitment_ids"] == PLANTED["overload_commitments"]
    assert "Rebecca Holloway" in alerts[0]["title"]


def test_scan_flags_exactly_the_orphans_and_unanswered_questions(scan):
    firsts = sorted(a["node_ids"][0] for a in flagged(scan, "orphan"))
    assert firsts == sorted(PLANTED["orphan_commitments"] + PLANTED["unanswered_questions"])


def test_scan_flags_exactly_the_near_duplicates(scan):
    pairs = {tuple(sorted(a["pair"])) for a in flagged(scan, "duplicate")}
    assert pairs == {tuple(sorted(p)) for p in PLANTED["near_duplicates"]}


def test_scan_is_persisted_with_counts_and_listed(scan):
    row = ImmuneScan.objects.get(id=scan["id"])
    assert row.total_findings == len(scan["alerts"]) == row.alerts_generated == 9
    assert set(row.agents_run) == {"staleness", "contradiction", "overload", "orphan", "duplicate"}
    assert row.by_agent["staleness"]["findings"] == 3
    client = signed_in("editor")
    listed = client.get("/api/immune/scans?limit=1").json()
    assert listed["count"] >= 2 and listed["results"][0]["id"] == scan["id"]
    latest = client.get("/api/immune/alerts").json()
    assert latest["scan_id"] == scan["id"] and len(latest["alerts"]) == 9


def test_scan_thresholds_are_configurable(seeded):
    anchor_mock_dates_to_today()
    body = (
        signed_in("editor")
        .post("/api/immune/scan", {"overload_limit": 7, "staleness_threshold": 0.03}, format="json")
        .json()
    )
    assert flagged(body, "overload") == []
    assert [a["node_ids"][0] for a in flagged(body, "staleness")] == ["f-05"]


@pytest.mark.parametrize("payload", [{"overload_limit": -1}, {"staleness_threshold": 2}, [1, 2]])
def test_scan_bad_input_is_400_and_writes_nothing(seeded, payload):
    before = ImmuneScan.objects.count()
    response = signed_in("editor").post("/api/immune/scan", payload, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["status"] == 400
    assert ImmuneScan.objects.count() == before


def test_resolving_a_contradiction_clears_it(seeded):
    Edge.objects.filter(type="contradicts", source_id="d-02").delete()
    Node.objects.filter(id="d-01").update(status="superseded")
    body = signed_in("editor").post("/api/immune/scan", {}, format="json").json()
    assert {tuple(sorted(a["pair"])) for a in flagged(body, "contradiction")} == {("f-01", "f-02")}


def test_embedding_duplicates_count_when_embeddings_exist(seeded):
    """With stored embeddings (offline provider) the same pair — and only it — is flagged."""
    from graph.embeddings import get_provider
    from graph.models import NodeEmbedding

    provider = get_provider()
    nodes = list(Node.objects.filter(type__in=["fact", "decision", "commitment", "question"]))
    vectors = provider.embed([n.label for n in nodes])
    NodeEmbedding.objects.bulk_create(
        [NodeEmbedding(node=n, text_content=n.label, embedding=v, model=provider.model) for n, v in zip(nodes, vectors)]
    )
    body = signed_in("editor").post("/api/immune/scan", {}, format="json").json()
    pairs = {tuple(sorted(a["pair"])) for a in flagged(body, "duplicate")}
    assert pairs == {tuple(sorted(p)) for p in PLANTED["near_duplicates"]}


@pytest.mark.parametrize("through_index", [False, True], ids=["exact", "hnsw"])
def test_vectors_of_another_model_are_not_compared(seeded, monkeypatch, through_index):
    """Identical vectors recorded under another model (a provider switch not yet rebuilt) are not
    compared; once the configured model made them, every pair is — exactly or through the index."""
    from graph.embeddings import embedding_dimensions, get_provider
    from graph.models import NodeEmbedding
    from insights import similarity
    from insights.similarity import embedding_similarities

    if through_index:
        monkeypatch.setattr(similarity, "EXACT_PAIRS_UP_TO", 0)

    nodes = list(Node.objects.filter(type__in=["fact", "decision"]).order_by("id")[:6])
    same = [1.0] + [0.0] * (embedding_dimensions() - 1)
    NodeEmbedding.objects.bulk_create(
        [NodeEmbedding(node=n, text_content=n.label, embedding=same, model="some-other-model") for n in nodes]
    )
    ids = [n.id for n in nodes]
    assert embedding_similarities(ids, 0.5) == {}
    NodeEmbedding.objects.filter(node__in=nodes).update(model=get_provider().model)
    assert len(embedding_similarities(ids, 0.5)) == len(nodes) * (len(nodes) - 1) // 2


@pytest.mark.django_db
def test_scan_and_analysis_on_an_empty_graph():
    client = signed_in("editor")
    scan = client.post("/api/immune/scan", {}, format="json")
    assert scan.status_code == 201 and scan.json()["total_findings"] == 0
    analysis = client.post("/api/workers/analyze")
    assert analysis.status_code == 201 and analysis.json()["overloads"] == []
    assert client.get("/api/immune/alerts").json()["alerts"] == []


def test_offline_scan_summary_counts_by_agent(scan):
    assert scan["mode"] == "offline"
    assert scan["summary"] == "9 finding(s): 2 contradiction, 1 duplicate, 2 orphan, 1 overload, 3 staleness."
