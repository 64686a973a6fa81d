"""Alert states, immune scans and task graphs on the realtime change log: captured by the database
(insert, update paired by the table's key, delete), delivered to every signed-in viewer over the
websocket and the resume endpoint — while notifications stay per person — and added to a database
that current main migrated, without losing what it holds."""

import asyncio

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from graph.models import Node
from graph.realtime import registry
from graph.realtime.models import RealtimeChange
from graph.realtime.tests.test_realtime_ws import RawClient, asql, sql
from insights import services
from insights.models import ImmuneAlertState, ImmuneScan, TaskGraph
from tests.actors import api_token, signed_in

SHARED = ("immune_alert_states", "immune_scans", "task_graphs")


def log(table: str) -> list[tuple[str, dict | None, dict | None]]:
    return list(
        RealtimeChange.objects.filter(table_name=table)
        .order_by("id")
        .values_list("event_type", "new_record", "old_record")
    )


def alert_state(fingerprint: str, **fields) -> ImmuneAlertState:
    return ImmuneAlertState.objects.create(
        fingerprint=fingerprint, agent="staleness", node_ids=["f-05"], title="Stale fact", evidence_hash="e1", **fields
    )


def test_the_tables_are_registered_after_the_graphs_own():
    assert registry.tables() == ("nodes", "edges", "notifications", *SHARED)
    assert registry.get("immune_alert_states").key == "fingerprint"


@pytest.mark.django_db
def test_alert_state_changes_are_captured_and_updates_pair_by_fingerprint():
    RealtimeChange.objects.all().delete()
    alert_state("staleness:f-05")
    alert_state("orphan:c-12")
    alert_state("overload:p-10")
    # One statement updating several rows: each old row must meet its own new row.
    ImmuneAlertState.objects.filter(fingerprint__in=["staleness:f-05", "orphan:c-12"]).update(
        state="dismissed", reason="on purpose", actor="alert-editor", updated_at=timezone.now()
    )
    ImmuneAlertState.objects.filter(fingerprint="overload:p-10").delete()

    rows = log("immune_alert_states")
    assert [(e, (n or o)["fingerprint"]) for e, n, o in rows[:3]] == [
        ("INSERT", "staleness:f-05"),
        ("INSERT", "orphan:c-12"),
        ("INSERT", "overload:p-10"),
    ]
    updates = [(n, o) for e, n, o in rows if e == "UPDATE"]
    assert len(updates) == 2  # one per row, never an unpaired half
    for new, old in updates:
        assert new["fingerprint"] == old["fingerprint"]
        assert (old["state"], new["state"], new["reason"]) == ("open", "dismissed", "on purpose")
    assert rows[-1][0] == "DELETE" and rows[-1][2]["fingerprint"] == "overload:p-10" and rows[-1][1] is None


@pytest.mark.django_db
def test_a_saved_plan_and_a_scan_are_captured(seeded):
    RealtimeChange.objects.all().delete()
    first, _ = services.task_graph_create(tasks=[{"id": "t1", "name": "Design", "duration_days": 2}])
    second, _ = services.task_graph_create(tasks=[{"id": "t1", "name": "Design", "duration_days": 3}], base_id=first.id)
    plans = log("task_graphs")
    assert [(e, (n or o)["id"]) for e, n, o in plans] == [
        ("INSERT", first.id),
        ("UPDATE", first.id),  # the previous plan stops being active
        ("INSERT", second.id),
    ]
    assert plans[1][2]["active"] is True and plans[1][1]["active"] is False
    assert plans[2][1]["tasks"][0]["duration_days"] == 3

    scan = services.immune_scan_run()
    assert [(e, n["id"]) for e, n, _ in log("immune_scans")] == [("INSERT", scan.id)]


@pytest.mark.django_db
def test_existing_tables_still_pair_updates_by_id():
    Node.objects.create(id="k1", type="fact", label="one")
    Node.objects.create(id="k2", type="fact", label="two")
    RealtimeChange.objects.all().delete()
    Node.objects.filter(id__in=["k1", "k2"]).update(label="renamed")
    updates = log("nodes")
    assert len(updates) == 2
    assert all(e == "UPDATE" and n["id"] == o["id"] and n["label"] == "renamed" for e, n, o in updates)


@pytest.mark.django_db
def test_a_viewer_catches_up_on_alert_and_plan_changes_but_not_others_notifications():
    viewer = signed_in("viewer", username="rt-viewer", person_id="p-10")
    head = viewer.get("/api/realtime/changes").json()["cursor"]
    alert_state("staleness:f-05")
    TaskGraph.objects.create(tasks=[], critical_path=[], active=True)
    ImmuneScan.objects.create(agents_run=["staleness"], alerts=[])
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO notifications (person_id, summary) VALUES ('p-11', 'not for p-10')")
        cursor.execute("INSERT INTO notifications (person_id, summary) VALUES ('p-10', 'for p-10')")
    page = viewer.get(f"/api/realtime/changes?after={head}").json()
    seen = [(c["table"], c["new"].get("summary")) for c in page["changes"]]
    assert seen == [
        ("immune_alert_states", None),
        ("task_graphs", None),
        ("immune_scans", None),
        ("notifications", "for p-10"),
    ]
    only = viewer.get(f"/api/realtime/changes?after={head}&tables=immune_alert_states,task_graphs").json()
    assert [c["table"] for c in only["changes"]] == ["immune_alert_states", "task_graphs"]
    assert only["cursor"] == page["cursor"]
    assert viewer.get("/api/realtime/changes?tables=worker_analyses").status_code == 400


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_the_websocket_delivers_alert_and_plan_changes_to_a_viewer(nexus_server):
    token = api_token("viewer", username="ws-viewer", person_id="p-10")

    async def scenario():
        client = await RawClient.connect(nexus_server, token=token)
        bindings = [{"event": "*", "schema": "public", "table": t} for t in (*SHARED, "notifications")]
        reply = await client.join("realtime:work", bindings)
        assert reply["payload"]["status"] == "ok", reply
        await asql(
            "INSERT INTO immune_alert_states (fingerprint, agent, evidence_hash) VALUES ('orphan:c-12', 'orphan', 'e')"
        )
        await asql(
            "UPDATE immune_alert_states SET state = 'dismissed', reason = 'fine' WHERE fingerprint = 'orphan:c-12'"
        )
        await asql("INSERT INTO notifications (person_id, summary) VALUES ('p-11', 'someone else')")
        await asql("INSERT INTO task_graphs (tasks, critical_path) VALUES ('[]', '[]')")
        got = await client.changes(3)
        assert await client.changes(1, timeout=1.0) == []  # p-11's notification never arrives
        await client.close()
        return got

    got = asyncio.run(scenario())
    assert [(c["data"]["table"], c["data"]["type"]) for c in got] == [
        ("immune_alert_states", "INSERT"),
        ("immune_alert_states", "UPDATE"),
        ("task_graphs", "INSERT"),
    ], nexus_server.log()[-3000:]
    update = got[1]["data"]
    assert update["old_record"]["state"] == "open" and update["record"]["state"] == "dismissed"
    assert {c["name"] for c in update["columns"]} >= {"fingerprint", "state", "reason", "assignee_id"}


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_clients_with_the_same_subscription_still_get_only_what_each_may_see(nexus_server):
    """The server computes a change's frames once per subscription shape and shares them: an editor
    and two viewers joined alike must still each get their own notifications only, and a client
    that left the channel gets nothing."""
    tokens = {
        "editor": api_token("editor", username="ws-editor"),
        "p-10": api_token("viewer", username="ws-viewer-10", person_id="p-10"),
        "p-11": api_token("viewer", username="ws-viewer-11", person_id="p-11"),
        "left": api_token("editor", username="ws-editor-left"),
    }
    binding = [{"event": "INSERT", "schema": "public", "table": "notifications"}]

    async def scenario():
        clients = {name: await RawClient.connect(nexus_server, token=token) for name, token in tokens.items()}
        for client in clients.values():
            assert (await client.join("realtime:inbox", binding))["payload"]["status"] == "ok"
        ref = await clients["left"].send("realtime:inbox", "phx_leave", {}, join_ref="1")
        assert (await clients["left"].reply_to(ref))["payload"]["status"] == "ok"
        await asql("INSERT INTO notifications (person_id, summary) VALUES ('p-11', 'for eleven')")
        await asql("INSERT INTO notifications (person_id, summary) VALUES ('p-10', 'for ten')")
        got = {
            name: await client.changes(2 if name == "editor" else 1, timeout=5.0) for name, client in clients.items()
        }
        for name, client in clients.items():  # and nothing more arrives for anyone
            got[name] += await client.changes(1, timeout=0.5)
            await client.close()
        return got

    got = asyncio.run(scenario())
    summaries = {name: [c["data"]["record"]["summary"] for c in changes] for name, changes in got.items()}
    assert summaries == {
        "editor": ["for eleven", "for ten"],
        "p-10": ["for ten"],
        "p-11": ["for eleven"],
        "left": [],
    }, nexus_server.log()[-3000:]


@pytest.mark.django_db(transaction=True)
def test_a_database_migrated_by_the_previous_release_migrates_forward():
    """Back to where the change log covered nodes, edges and notifications only (realtime 0001,
    insights 0002, supabase 0001), then forward: the new tables are captured, the old ones too."""
    call_command("migrate", "realtime", "0001", verbosity=0)
    RealtimeChange.objects.all().delete()
    assert not {("insights", "0003_realtime_capture"), ("supabase", "0002_publish_insights_tables")} & _applied()
    sql(
        "INSERT INTO immune_alert_states (fingerprint, agent, evidence_hash) VALUES ('staleness:f-05', 'staleness', 'e')"
    )
    assert not RealtimeChange.objects.filter(table_name="immune_alert_states").exists()  # not captured before

    call_command("migrate", verbosity=0)
    sql("UPDATE immune_alert_states SET state = 'resolved' WHERE fingerprint = 'staleness:f-05'")
    sql("INSERT INTO notifications (person_id, summary) VALUES ('p-10', 'still captured')")
    ((event, new, old),) = log("immune_alert_states")
    assert (event, old["state"], new["state"]) == ("UPDATE", "open", "resolved")
    assert log("notifications")[-1][1]["summary"] == "still captured"
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_publication_tables WHERE pubname = 'supabase_realtime' ORDER BY 1")
        assert {r[0] for r in cursor.fetchall()} >= set(registry.tables())


def _applied() -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations")
        return set(cursor.fetchall())
