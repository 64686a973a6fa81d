"""Critical path: scheduling on a known DAG, validation errors, one active graph."""

import pytest

from insights.critical_path import ScheduleError, schedule
from insights.models import TaskGraph
from tests.actors import signed_in

# Classic example: A(3) → B(2) → D(4); A → C(5) → D; C → E(1). Critical: A, C, D (12 days).
DAG = [
    {"id": "A", "name": "Design", "duration_days": 3, "depends_on": []},
    {"id": "B", "name": "Build API", "duration_days": 2, "depends_on": ["A"], "owner": "p-16"},
    {"id": "C", "name": "Build robot firmware", "duration_days": 5, "depends_on": ["A"]},
    {"id": "D", "name": "Integrate", "duration_days": 4, "depends_on": ["B", "C"]},
    {"id": "E", "name": "Docs", "duration_days": 1, "depends_on": ["C"]},
]


def test_schedule_known_dag_critical_path_and_slack():
    plan = schedule(DAG)
    by_id = {t["id"]: t for t in plan.tasks}
    assert plan.critical_path == ["A", "C", "D"]
    assert plan.project_duration_days == 12
    assert (by_id["B"]["earliest_start"], by_id["B"]["latest_start"], by_id["B"]["slack"]) == (3, 6, 3)
    assert (by_id["E"]["earliest_start"], by_id["E"]["latest_start"], by_id["E"]["slack"]) == (8, 11, 3)
    assert by_id["D"]["earliest_start"] == 8 and by_id["D"]["slack"] == 0
    assert [t["id"] for t in plan.tasks if t["critical"]] == ["A", "C", "D"]


def test_schedule_cycle_names_the_cycle():
    tasks = [
        {"id": "x", "name": "x", "duration_days": 1, "depends_on": ["z"]},
        {"id": "y", "name": "y", "duration_days": 1, "depends_on": ["x"]},
        {"id": "z", "name": "z", "duration_days": 1, "depends_on": ["y"]},
    ]
    with pytest.raises(ScheduleError) as err:
        schedule(tasks)
    assert err.value.code == "cycle"
    assert set(err.value.fields["cycle"]) == {"x", "y", "z"}


def test_post_tasks_persists_active_graph_and_deactivates_previous(seeded):
    client = signed_in("editor")
    first = client.post("/api/tasks", {"tasks": DAG}, format="json")
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["critical_path"] == ["A", "C", "D"] and body["project_duration_days"] == 12
    assert body["active"] is True
    second = client.post("/api/tasks", {"tasks": DAG[:2]}, format="json").json()
    assert list(TaskGraph.objects.filter(active=True).values_list("id", flat=True)) == [second["id"]]
    assert TaskGraph.objects.get(id=body["id"]).active is False
    current = client.get("/api/tasks/current").json()
    assert current["id"] == second["id"] and current["critical_path"] == ["A", "B"]
    assert current["tasks"][1]["owner"] == "p-16"


@pytest.mark.django_db
def test_current_without_graph_is_404_json():
    response = signed_in("editor").get("/api/tasks/current")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    "tasks, needle",
    [
        (
            [
                {"id": "a", "name": "a", "duration_days": 1, "depends_on": ["b"]},
                {"id": "b", "name": "b", "duration_days": 1, "depends_on": ["a"]},
            ],
            "cycle",
        ),
        ([{"id": "a", "name": "a", "duration_days": 1, "depends_on": ["nope"]}], "unknown task 'nope'"),
        ([{"id": "a", "name": "a", "duration_days": 1}, {"id": "a", "name": "again", "duration_days": 2}], "Duplicate"),
        ([{"id": "a", "name": "a", "duration_days": -1}], "negative"),
        ([{"id": "a", "name": "a", "duration_days": 1, "depends_on": ["a"]}], "itself"),
        ([{"id": "a", "duration_days": 1}], "name"),
        ([{"id": "a", "name": "a", "duration_days": "soon"}], "duration_days"),
        ([], "tasks"),
    ],
)
def test_post_tasks_bad_input_is_400_and_writes_nothing(seeded, tasks, needle):
    client = signed_in("editor")
    client.post("/api/tasks", {"tasks": DAG}, format="json")
    response = client.post("/api/tasks", {"tasks": tasks}, format="json")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert needle in error["message"] or needle in str(error.get("fields")), error
    assert TaskGraph.objects.count() == 1 and TaskGraph.objects.get().active is True


@pytest.mark.django_db
def test_post_tasks_cycle_message_names_the_cycle():
    tasks = [
        {"id": "a", "name": "a", "duration_days": 1, "depends_on": ["b"]},
        {"id": "b", "name": "b", "duration_days": 1, "depends_on": ["a"]},
    ]
    error = signed_in("editor").post("/api/tasks", {"tasks": tasks}, format="json").json()["error"]
    assert error["code"] == "cycle"
    assert "a → b → a" in error["message"] or "b → a → b" in error["message"]
