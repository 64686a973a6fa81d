"""The change log in the database: triggers, NOTIFY, gaps, retention, migration, resume endpoint."""

import json
import time
from datetime import timedelta

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from graph.models import Edge, Node
from graph.realtime import events, registry, selectors
from graph.realtime.bridge import connection_kwargs
from graph.realtime.models import RealtimeChange
from insights.models import Notification


def pg(autocommit=True):
    return psycopg.connect(**connection_kwargs(may_start_embedded=True), autocommit=autocommit)


def changes():
    return list(
        RealtimeChange.objects.order_by("id").values_list("table_name", "event_type", "new_record", "old_record")
    )


@pytest.mark.django_db
def test_orm_and_sql_writes_are_captured_with_old_and_new_rows():
    RealtimeChange.objects.all().delete()
    a = Node.objects.create(id="a", type="person", label="Ada")
    Node.objects.create(id="b", type="team", label="Core")
    Edge.objects.create(id="e", source=a, target_id="b", type="member_of")
    Node.objects.filter(id="a").update(label="Ada L.")
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO notifications (person_id, summary) VALUES ('p-12', 'hi')")
    Node.objects.filter(id="a").delete()  # the database cascades the edge
    got = [(t, e, (n or o)["id"]) for t, e, n, o in changes()]
    assert got == [
        ("nodes", "INSERT", "a"),
        ("nodes", "INSERT", "b"),
        ("edges", "INSERT", "e"),
        ("nodes", "UPDATE", "a"),
        ("notifications", "INSERT", got[4][2]),
        ("nodes", "DELETE", "a"),
        ("edges", "DELETE", "e"),
    ]
    update = changes()[3]
    assert update[3]["label"] == "Ada" and update[2]["label"] == "Ada L."
    assert update[2]["health"] == "green"  # database defaults are in the captured row
    assert Notification.objects.get().person_id == "p-12"


@pytest.mark.django_db(transaction=True)
def test_one_notify_per_statement_carrying_the_id_not_the_row():
    with pg() as listener, pg() as writer:
        listener.execute("LISTEN realtime_changes")
        big = json.dumps({"blob": "x" * 20_000})  # a NOTIFY of the row would fail the write
        writer.execute("INSERT INTO nodes (id, type, label, extras) VALUES ('big', 'fact', 'big', %s)", (big,))
        writer.execute(
            "INSERT INTO nodes (id, type, label) SELECT 'n' || g, 'fact', 'n' FROM generate_series(1, 1000) g"
        )
        notifies = list(listener.notifies(timeout=1.0))
    top = RealtimeChange.objects.order_by("-id").first().id
    assert [n.payload for n in notifies] == [str(top - 1000), str(top)]
    assert RealtimeChange.objects.filter(table_name="nodes", event_type="INSERT").count() == 1001


@pytest.mark.django_db(transaction=True)
def test_a_write_never_fails_because_of_realtime():
    with pg(autocommit=False) as conn:
        conn.execute("ALTER TABLE realtime_changes RENAME TO realtime_changes_away")  # capture will fail
        conn.execute("INSERT INTO nodes (id, type, label) VALUES ('survives', 'fact', 'x')")
        conn.execute("ALTER TABLE realtime_changes_away RENAME TO realtime_changes")
        conn.commit()
    assert Node.objects.filter(id="survives").exists()
    assert not RealtimeChange.objects.filter(new_record__id="survives").exists()


@pytest.mark.django_db(transaction=True)
def test_hundred_thousand_row_write_is_one_capture_not_pathological():
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO nodes (id, type, label) SELECT 'bulk-' || g, 'fact', 'n' FROM generate_series(1, 100000) g"
        )
    with_capture = time.monotonic() - started
    assert RealtimeChange.objects.filter(event_type="INSERT").count() == 100_000
    assert with_capture < 60, f"100k-row insert took {with_capture:.1f}s"


@pytest.mark.django_db(transaction=True)
def test_resume_stops_before_a_gap_a_running_transaction_may_fill_then_delivers_in_order():
    start = selectors.changes_after(after=None, tables=registry.tables(), limit=100).cursor
    with pg(autocommit=False) as slow, pg() as fast:
        slow.execute("INSERT INTO nodes (id, type, label) VALUES ('slow', 'fact', 'x')")  # takes the lower id
        fast.execute("INSERT INTO nodes (id, type, label) VALUES ('fast', 'fact', 'x')")  # commits first
        held = selectors.changes_after(after=start, tables=registry.tables(), limit=100)
        assert held.changes == [] and held.held and held.cursor == start
        slow.commit()
    page = selectors.changes_after(after=start, tables=registry.tables(), limit=100)
    assert [c.new["id"] for c in page.changes] == ["slow", "fast"] and not page.held

    with pg(autocommit=False) as doomed, pg() as fast:
        doomed.execute("INSERT INTO nodes (id, type, label) VALUES ('doomed', 'fact', 'x')")
        fast.execute("INSERT INTO nodes (id, type, label) VALUES ('fast2', 'fact', 'x')")
        doomed.rollback()  # its id is a permanent gap: nothing waits for it
    after = selectors.changes_after(after=page.cursor, tables=registry.tables(), limit=100)
    assert [c.new["id"] for c in after.changes] == ["fast2"] and not after.held


def test_plan_delivery_holds_at_gaps_while_writers_run_and_steps_over_old_ones():
    now = timezone.now()
    rows = [
        events.Change(5, "nodes", "INSERT", {}, None, now, age=60.0),
        events.Change(6, "nodes", "INSERT", {}, None, now, age=0.1),
        events.Change(8, "nodes", "INSERT", {}, None, now, age=0.1),
    ]
    assert [(g.lo, g.hi) for g in events.find_gaps(rows, 3)] == [(4, 4), (7, 7)]
    plan = events.plan_delivery(rows, cursor=3, writers_running=True, gap_timeout_seconds=30)
    assert [c.id for c in plan.deliver] == [5, 6] and plan.cursor == 6 and plan.held
    assert [(g.lo, g.hi) for g in plan.late_gaps] == [(4, 4)]
    final = events.plan_delivery(rows, cursor=3, writers_running=False, gap_timeout_seconds=30)
    assert [c.id for c in final.deliver] == [5, 6, 8] and not final.held and not final.late_gaps


@pytest.mark.parametrize(
    "text,record,expected",
    [
        ("person_id=eq.p-12", {"person_id": "p-12"}, True),
        ("person_id=eq.p-12", {"person_id": "p-1"}, False),
        ("person_id=neq.p-12", {"person_id": "p-1"}, True),
        ("id=in.(1,2,3)", {"id": 2}, True),
        ("id=in.(1,2,3)", {"id": 4}, False),
        ('person_id=in.(p-12,"p-13")', {"person_id": "p-13"}, True),
        ("id=gt.10", {"id": 11}, True),
        ("id=gte.10", {"id": 10}, True),
        ("id=lt.10", {"id": 10}, False),
        ("id=lte.10.5", {"id": 10}, True),
        ("acknowledged=eq.true", {"acknowledged": True}, True),
        ("person_name=eq.null", {"person_name": None}, True),
        ("person_name=eq.Ann", {"person_name": None}, False),
        ("person_name=is.null", {"person_name": None}, True),
        ("person_name=not.is.null", {"person_name": "Ann"}, True),
        ("acknowledged=is.false", {"acknowledged": False}, True),
        ("person_id=not.in.(p-12,p-13)", {"person_id": "p-12"}, False),
        ("person_id=not.eq.p-12", {"person_id": "p-1"}, True),
        ("person_name=like.An%", {"person_name": "Ann"}, True),
        ("person_name=like.an%", {"person_name": "Ann"}, False),
        ("person_name=ilike.*NN", {"person_name": "Ann"}, True),
        ("person_name=like.A_n", {"person_name": "Ann"}, True),
        ("person_name=like.A.n", {"person_name": "Ann"}, False),
    ],
)
def test_filters(text, record, expected):
    columns = {"id", "person_id", "acknowledged", "person_name"}
    assert events.parse_filter(text, "notifications", columns).matches(record) is expected


@pytest.mark.parametrize(
    "text",
    [
        "person_id",
        "nope=eq.1",
        "id=match.1",
        "id=in.1,2",
        "id=in.()",
        "id=eq",
        "id=is.maybe",
        "id=not.nope.1",
        "id=eq.1,person_id=eq.p-1",
    ],
)
def test_bad_filters_are_rejected_with_a_reason(text):
    with pytest.raises(events.FilterError):
        events.parse_filter(text, "notifications", {"id", "person_id"})


@pytest.mark.django_db(transaction=True)
def test_migration_reverses_and_reapplies_cleanly():
    call_command("migrate", "graph", "0002", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('realtime_changes'), to_regproc('realtime_capture_changes')")
        assert cursor.fetchone() == (None, None)
        cursor.execute("INSERT INTO nodes (id, type, label) VALUES ('plain', 'fact', 'x')")  # no triggers left
    call_command("migrate", "graph", verbosity=0)
    Node.objects.create(id="again", type="fact", label="x")
    assert RealtimeChange.objects.get().new_record["id"] == "again"


# ── retention and the HTTP endpoints ───────────────────────────────────────
@pytest.mark.django_db
def test_prune_keeps_recent_and_newest_and_old_cursors_get_410(editor_client):
    RealtimeChange.objects.all().delete()
    for i in range(4):
        Node.objects.create(id=f"r{i}", type="fact", label="x")
    ids = list(RealtimeChange.objects.order_by("id").values_list("id", flat=True))
    RealtimeChange.objects.filter(id__in=ids[:2]).update(commit_time=timezone.now() - timedelta(hours=30))
    assert editor_client.get(f"/api/realtime/changes?after={ids[0] - 1}").status_code == 200
    call_command("prune_changes", stdout=open("/dev/null", "w"))  # default retention 24 h
    assert list(RealtimeChange.objects.values_list("id", flat=True)) == ids[2:]

    response = editor_client.get(f"/api/realtime/changes?after={ids[0]}")
    assert response.status_code == 410
    assert response.json()["error"]["code"] == "resync_required"
    ok = editor_client.get(f"/api/realtime/changes?after={ids[1]}").json()
    assert [c["id"] for c in ok["changes"]] == ids[2:] and ok["cursor"] == ids[3]
    assert (
        editor_client.get(f"/api/realtime/changes?after={ids[3] + 50}").status_code == 410
    )  # another database's cursor

    RealtimeChange.objects.update(commit_time=timezone.now() - timedelta(hours=30))
    call_command("prune_changes", "--hours", "1", stdout=open("/dev/null", "w"))
    assert list(RealtimeChange.objects.values_list("id", flat=True)) == ids[3:]  # the newest always stays


@pytest.mark.django_db
def test_changes_endpoint_head_cursor_and_validation(editor_client):
    Node.objects.create(id="h", type="fact", label="x")
    head = editor_client.get("/api/realtime/changes").json()
    assert head == {
        "changes": [],
        "cursor": RealtimeChange.objects.order_by("-id").first().id,
        "has_more": False,
        "pending": False,
    }
    for query in ("tables=secrets", "limit=0", "limit=99999", "after=-1", "after=abc"):
        response = editor_client.get(f"/api/realtime/changes?{query}")
        assert response.status_code == 400, query
        assert response.json()["error"]["code"] == "invalid"


@pytest.mark.django_db
def test_every_registered_table_has_capture_triggers_pairing_updates_by_its_key():
    """The registry (what the server serves) and the migrations (what the database captures) agree."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, t.tgname, t.tgargs FROM pg_trigger t "
            "JOIN pg_class c ON c.oid = t.tgrelid WHERE t.tgname LIKE 'realtime_capture_%%' AND NOT t.tgisinternal"
        )
        # tgargs: the trigger's arguments, each ending in a NUL byte
        triggers = {(table, name): bytes(args).split(b"\0")[:-1] for table, name, args in cursor.fetchall()}
    for entry in registry.entries():
        for op in ("insert", "update", "delete", "truncate"):
            assert (entry.name, f"realtime_capture_{op}") in triggers, (entry.name, op)
        key_args = triggers[(entry.name, "realtime_capture_update")]
        assert (key_args[0].decode() if key_args else "id") == entry.key, entry.name
    assert {table for table, _ in triggers} == set(registry.tables())  # nothing captured that is not served
