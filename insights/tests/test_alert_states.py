"""Acting on immune alerts: resolve, dismiss, assign, set an owner; the state persists and a later
scan does not raise a resolved or dismissed alert again unless its evidence changed."""

from urllib.parse import quote

import pytest
from django.db import connection

from graph import services as graph_services
from graph.models import Edge, MutationHistory, Node
from insights.models import ImmuneAlertState, Notification
from insights.tests.test_immune import anchor_mock_dates_to_today
from tests.actors import signed_in

STALE = "staleness:f-05"
ORPHAN = "orphan:c-12"
CONTRADICTION = "contradiction:f-01+f-02"


def url(fingerprint: str, action: str) -> str:
    return f"/api/immune/alerts/{quote(fingerprint, safe='')}/{action}"


@pytest.fixture
def editor(seeded):
    anchor_mock_dates_to_today()
    client = signed_in("editor", username="alert-editor", person_id="p-02")
    assert client.post("/api/immune/scan", {}, format="json").status_code == 201
    return client


def alerts(client) -> dict[str, dict]:
    body = client.get("/api/immune/alerts").json()
    return {a["fingerprint"]: a for a in body["alerts"]}


def rescan(client) -> dict:
    response = client.post("/api/immune/scan", {}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_alerts_carry_a_fingerprint_and_open_state(editor):
    listed = alerts(editor)
    assert {STALE, ORPHAN, CONTRADICTION, "overload:p-10", "duplicate:f-03+f-04"} <= set(listed)
    assert listed[ORPHAN]["state"]["state"] == "open" and listed[ORPHAN]["action"] == {
        "kind": "set_owner",
        "commitment_id": "c-12",
    }
    assert "POST /api" not in listed["overload:p-10"]["suggested_action"]


def test_dismiss_persists_with_reason_and_a_rescan_does_not_raise_it_again(editor):
    response = editor.post(url(STALE, "dismiss"), {"reason": "Archived on purpose"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "dismissed"
    row = ImmuneAlertState.objects.get(fingerprint=STALE)
    assert (row.state, row.reason, row.actor, row.agent) == (
        "dismissed",
        "Archived on purpose",
        "alert-editor",
        "staleness",
    )
    assert alerts(editor)[STALE]["state"]["reason"] == "Archived on purpose"
    scan = rescan(editor)
    assert STALE not in {a["fingerprint"] for a in scan["alerts"]}
    assert scan["total_findings"] == scan["alerts_generated"] + 1
    body = editor.get("/api/immune/alerts").json()
    assert STALE not in {a["fingerprint"] for a in body["alerts"]}
    assert [(s["fingerprint"], s["state"]["state"], s["state"]["reason"]) for s in body["suppressed"]] == [
        (STALE, "dismissed", "Archived on purpose")
    ]
    assert "staleness:f-06" in {a["fingerprint"] for a in body["alerts"]}  # the others stay


def test_a_resolved_alert_comes_back_when_its_evidence_changes(editor):
    assert editor.post(url(CONTRADICTION, "resolve"), {}, format="json").status_code == 200
    assert CONTRADICTION not in {a["fingerprint"] for a in rescan(editor)["alerts"]}
    # Someone edits one side of the contradiction, and it still contradicts: new evidence.
    f01 = Node.objects.get(id="f-01")
    graph_services.node_update(node_id="f-01", label=f01.label + " (confirmed)")
    scan = rescan(editor)
    assert CONTRADICTION in {a["fingerprint"] for a in scan["alerts"]}
    row = ImmuneAlertState.objects.get(fingerprint=CONTRADICTION)
    assert row.state == "open" and "evidence changed" in row.reason
    assert alerts(editor)[CONTRADICTION]["state"]["state"] == "open"


def test_a_node_moved_on_the_canvas_is_not_new_evidence(editor):
    editor.post(url(STALE, "dismiss"), {"reason": "known"}, format="json")
    graph_services.node_update(node_id="f-05", x=10.0, y=20.0)
    assert STALE not in {a["fingerprint"] for a in rescan(editor)["alerts"]}


def test_assign_notifies_the_person(editor):
    before = Notification.objects.filter(person_id="p-11").count()
    response = editor.post(url(ORPHAN, "assign"), {"person_id": "p-11"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["assignee_id"] == "p-11" and response.json()["state"] == "open"
    note = Notification.objects.filter(person_id="p-11").order_by("-id").first()
    assert Notification.objects.filter(person_id="p-11").count() == before + 1
    assert note.person_name == Node.objects.get(id="p-11").label
    assert "alert-editor assigned you an alert" in note.summary and note.source_unit["alert"] == ORPHAN
    # the person (a viewer linked to p-11) sees it in their own list
    mine = signed_in("viewer", username="p11-viewer", person_id="p-11").get("/api/notifications").json()
    assert note.id in {n["id"] for n in mine["results"]}
    assert alerts(editor)[ORPHAN]["state"]["assignee_id"] == "p-11"


def test_set_owner_carries_out_the_orphan_suggestion(editor):
    response = editor.post(url(ORPHAN, "set-owner"), {"person_id": "p-11"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "resolved"
    c12 = Node.objects.get(id="c-12")
    assert c12.extras["owner_id"] == "p-11"
    assert Edge.objects.filter(source_id="p-11", target_id="c-12", type="owns").exists()
    assert MutationHistory.objects.filter(action="create_edge", actor="alert-editor").exists()
    assert ORPHAN not in {a["fingerprint"] for a in rescan(editor)["alerts"]}


def test_set_owner_only_where_the_suggestion_is_an_owner(editor):
    response = editor.post(url(STALE, "set-owner"), {"person_id": "p-11"}, format="json")
    assert response.status_code == 400
    assert not ImmuneAlertState.objects.exists()


def test_apply_reverifies_a_stale_node(editor):
    response = editor.post(url(STALE, "apply"), {}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "resolved" and response.json()["reason"].startswith("Re-verified")
    assert Node.objects.get(id="f-05").freshness_score == 1.0
    assert MutationHistory.objects.filter(node_id="f-05", action="update_node", actor="alert-editor").exists()
    assert STALE not in {a["fingerprint"] for a in rescan(editor)["alerts"]}


def test_apply_supersedes_the_older_side_of_a_contradiction(editor):
    action = alerts(editor)[CONTRADICTION]["action"]
    assert action["kind"] == "supersede" and {action["node_id"], action["keep_id"]} == {"f-01", "f-02"}
    assert editor.post(url(CONTRADICTION, "apply"), {}, format="json").status_code == 200
    assert Node.objects.get(id=action["node_id"]).status == "superseded"
    assert Node.objects.get(id=action["keep_id"]).status != "superseded"
    assert CONTRADICTION not in {a["fingerprint"] for a in rescan(editor)["alerts"]}


def _counts():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM immune_alert_states), (SELECT count(*) FROM notifications),"
            " (SELECT count(*) FROM edges), (SELECT count(*) FROM mutation_history)"
        )
        return cursor.fetchone()


@pytest.mark.parametrize(
    "fingerprint, action, body, status, field",
    [
        (STALE, "dismiss", {}, 400, "reason"),
        (STALE, "dismiss", {"reason": "   "}, 400, "reason"),
        (STALE, "assign", {"person_id": "c-01"}, 400, "person_id"),  # not a person
        (STALE, "assign", {}, 400, "person_id"),
        (ORPHAN, "set-owner", {"person_id": "nobody"}, 400, "person_id"),
        ("staleness:f-99", "resolve", {}, 404, None),
        (ORPHAN, "apply", {}, 400, None),  # needs a person: set-owner
    ],
)
def test_bad_alert_actions_are_4xx_and_write_nothing(editor, fingerprint, action, body, status, field):
    before = _counts()
    response = editor.post(url(fingerprint, action), body, format="json")
    assert response.status_code == status, response.content
    error = response.json()["error"]
    if field:
        assert field in error["fields"], error
    assert _counts() == before


@pytest.mark.parametrize(
    "action, body",
    [
        ("resolve", {}),
        ("dismiss", {"reason": "x"}),
        ("assign", {"person_id": "p-11"}),
        ("set-owner", {"person_id": "p-11"}),
        ("reopen", {}),
        ("apply", {}),
    ],
)
def test_viewers_cannot_act_on_alerts(editor, action, body):
    before = _counts()
    response = signed_in("viewer", username="alert-viewer", person_id="p-10").post(
        url(ORPHAN, action), body, format="json"
    )
    assert response.status_code == 403
    assert _counts() == before


def test_reopen_brings_a_dismissed_alert_back(editor):
    editor.post(url(STALE, "dismiss"), {"reason": "later"}, format="json")
    rescan(editor)  # not raised: still reachable, to reopen it
    assert editor.post(url(STALE, "reopen"), {}, format="json").json()["state"] == "open"
    assert STALE in {a["fingerprint"] for a in rescan(editor)["alerts"]}


@pytest.mark.django_db
def test_the_table_has_database_defaults_and_refuses_an_unknown_state():
    from django.db import IntegrityError, transaction

    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO immune_alert_states (fingerprint, agent, evidence_hash) VALUES ('orphan:c-1', 'orphan', 'h')"
        )
        cursor.execute("SELECT state, node_ids, created_at IS NOT NULL FROM immune_alert_states")
        assert cursor.fetchone() == ("open", "[]", True)
        with pytest.raises(IntegrityError), transaction.atomic():
            cursor.execute("UPDATE immune_alert_states SET state = 'snoozed'")
