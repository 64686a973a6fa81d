"""seed_nexus: counts match the files, a second run is a no-op, bad files write nothing."""

import json
import shutil
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from graph.models import Edge, GraphMetadata, MutationHistory, Node
from graph.seed import DEFAULT_DATA_DIR
from insights.models import ImmuneScan

MOCK = {
    name: json.loads((DEFAULT_DATA_DIR / name).read_text()) for name in ("graph.json", "hierarchy.json", "alerts.json")
}


def seed(*args):
    out = StringIO()
    call_command("seed_nexus", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def counts():
    return (Node.objects.count(), Edge.objects.count(), GraphMetadata.objects.count(), ImmuneScan.objects.count())


@pytest.mark.django_db
def test_seed_loads_every_record_of_the_files():
    output = seed()
    graph = MOCK["graph.json"]
    assert counts() == (len(graph["nodes"]), len(graph["edges"]), len(MOCK["hierarchy.json"]), 1)
    assert f"Seeded {len(graph['nodes'])} nodes, {len(graph['edges'])} edges" in output
    first = graph["nodes"][0]
    node = Node.objects.get(id=first["id"])
    assert (node.label, node.type, node.x, node.extras) == (first["label"], first["type"], first["x"], first["extras"])
    assert GraphMetadata.objects.get(key="divisions").value == MOCK["hierarchy.json"]["divisions"]
    scan = ImmuneScan.objects.get()
    assert scan.alerts_generated == len(MOCK["alerts.json"]["alerts"])
    assert scan.alerts == MOCK["alerts.json"]["alerts"]


@pytest.mark.django_db
def test_seed_sets_updated_at_from_updated_days_ago():
    from django.utils import timezone

    seed()
    stale = max(MOCK["graph.json"]["nodes"], key=lambda n: n["updated_days_ago"])
    age = timezone.now() - Node.objects.get(id=stale["id"]).updated_at
    assert abs(age.total_seconds() / 86400 - stale["updated_days_ago"]) < 0.01


@pytest.mark.django_db
def test_second_run_changes_nothing_and_says_so():
    seed()
    before = counts()
    Node.objects.filter(id="p-01").update(label="Renamed by a user")
    output = seed()
    assert "Already seeded: nothing changed." in output
    assert counts() == before
    assert Node.objects.get(id="p-01").label == "Renamed by a user"  # user edits are kept


@pytest.mark.django_db
def test_seed_after_a_partial_graph_adds_only_the_missing_rows():
    seed()
    Node.objects.filter(id__in=["f-01", "f-02"]).delete()  # cascades their edges
    missing_edges = Edge.objects.count()
    output = seed()
    assert Node.objects.count() == len(MOCK["graph.json"]["nodes"])
    assert Edge.objects.count() > missing_edges
    assert "Seeded 2 nodes" in output


@pytest.mark.django_db
def test_reset_starts_over():
    seed()
    Node.objects.create(id="extra", type="fact", label="Not in the files")
    MutationHistory.objects.create(action="note")
    seed("--reset")
    assert not Node.objects.filter(id="extra").exists()
    assert MutationHistory.objects.count() == 0
    assert counts()[0] == len(MOCK["graph.json"]["nodes"])


@pytest.mark.django_db
def test_if_empty_skips_a_database_that_has_a_graph():
    seed()
    Node.objects.filter(id="p-01").delete()
    assert "not seeding" in seed("--if-empty")
    assert not Node.objects.filter(id="p-01").exists()


def _bad_dir(tmp_path, mutate=None, raw_graph=None):
    for name in ("graph.json", "hierarchy.json", "alerts.json", "ask_cache.json"):
        shutil.copy(DEFAULT_DATA_DIR / name, tmp_path / name)
    if raw_graph is not None:
        (tmp_path / "graph.json").write_text(raw_graph)
    elif mutate:
        graph = json.loads((DEFAULT_DATA_DIR / "graph.json").read_text())
        mutate(graph)
        (tmp_path / "graph.json").write_text(json.dumps(graph))
    return tmp_path


def _set(path, value):
    def mutate(graph):
        kind, index, key = path
        graph[kind][index][key] = value

    return mutate


BAD_FILES = {
    "unknown node type": (
        _set(("nodes", 5, "type"), "spaceship"),
        "graph.json: nodes[5] (id 'p-06'): field 'type': unknown node type 'spaceship'",
    ),
    "edge to a missing node": (
        _set(("edges", 3, "target"), "p-999"),
        "graph.json: edges[3] (id 'e-004'): field 'target': no node with id 'p-999'",
    ),
    "duplicate node id": (
        _set(("nodes", 7, "id"), "p-01"),
        "graph.json: nodes[7] (id 'p-01'): field 'id': duplicate id (first used by nodes[0])",
    ),
    "missing label": (
        _set(("nodes", 2, "label"), ""),
        "graph.json: nodes[2] (id 'p-03'): field 'label' is missing or empty",
    ),
    "wrong number type": (
        _set(("nodes", 1, "x"), "left"),
        "graph.json: nodes[1] (id 'p-02'): field 'x' must be a number",
    ),
    # the API's rules (graph.validation), not a second copy of them
    "freshness above 1": (
        _set(("nodes", 4, "freshness_score"), 1.5),
        "graph.json: nodes[4] (id 'p-05'): field 'freshness_score' must be between 0.0 and 1.0",
    ),
    "half-life below 1": (
        _set(("nodes", 4, "half_life_days"), 0),
        "graph.json: nodes[4] (id 'p-05'): field 'half_life_days' must be between 1 and",
    ),
    "label too long": (
        _set(("nodes", 4, "label"), "x" * 10_001),
        "graph.json: nodes[4] (id 'p-05'): field 'label' is longer than 10000 characters",
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_graph_file_names_file_record_and_field_and_writes_nothing(tmp_path, case):
    mutate, message = BAD_FILES[case]
    data_dir = _bad_dir(tmp_path, mutate)
    with pytest.raises(CommandError) as excinfo:
        seed("--data-dir", str(data_dir))
    assert message in str(excinfo.value)
    assert "Nothing was written" in str(excinfo.value)
    assert counts() == (0, 0, 0, 0)


@pytest.mark.django_db
def test_malformed_json_names_the_file_and_position(tmp_path):
    data_dir = _bad_dir(tmp_path, raw_graph='{"nodes": [ {"id": "p-01",, } ]}')
    with pytest.raises(CommandError, match=r"graph\.json: malformed JSON at line 1, column 27"):
        seed("--data-dir", str(data_dir))
    assert counts() == (0, 0, 0, 0)


@pytest.mark.django_db
def test_bad_hierarchy_file_writes_nothing(tmp_path):
    data_dir = _bad_dir(tmp_path)
    (data_dir / "hierarchy.json").write_text('{"divisions": "not a list"}')
    with pytest.raises(CommandError, match="hierarchy.json: field 'divisions' must be a list"):
        seed("--data-dir", str(data_dir))
    assert counts() == (0, 0, 0, 0)


@pytest.mark.django_db
def test_duplicate_edge_in_file_is_rejected(tmp_path):
    def mutate(graph):
        dup = dict(graph["edges"][0], id="e-999")
        graph["edges"].append(dup)

    data_dir = _bad_dir(tmp_path, mutate)
    with pytest.raises(CommandError, match=r"edges\[176\] \(id 'e-999'\): duplicate edge"):
        seed("--data-dir", str(data_dir))
    assert counts() == (0, 0, 0, 0)


def test_mock_data_plants_the_problems_the_immune_system_must_find():
    """The planted ground truth agrees with graph.json (guards edits to the mock data)."""
    planted = json.loads((DEFAULT_DATA_DIR / "planted.json").read_text())
    nodes = {n["id"]: n for n in MOCK["graph.json"]["nodes"]}
    edges = MOCK["graph.json"]["edges"]
    current = {i: n["freshness_score"] * 0.5 ** (n["updated_days_ago"] / n["half_life_days"]) for i, n in nodes.items()}
    assert sorted(i for i, f in current.items() if f < 0.25) == sorted(planted["stale_facts"])
    contradicts = {frozenset((e["source"], e["target"])) for e in edges if e["type"] == "contradicts"}
    assert contradicts == {frozenset(pair) for pair in planted["contradictions"]}
    owned = [e["source"] for e in edges if e["type"] == "owns"]
    assert max(set(owned), key=owned.count) == planted["overloaded_person"]
    owned_targets = {e["target"] for e in edges if e["type"] == "owns"}
    orphans = [i for i, n in nodes.items() if n["type"] == "commitment" and i not in owned_targets]
    assert orphans == planted["orphan_commitments"]
    assert len(nodes) >= 80 and len(edges) >= 150
    assert {n["type"] for n in nodes.values()} == {
        "person",
        "agent",
        "team",
        "decision",
        "fact",
        "commitment",
        "question",
        "topic",
    }
