"""Info Drop reads dates, people and promises the way people write them (a fixed "today")."""

from datetime import date

import pytest

from graph.directory import Directory
from graph.models import Edge, Node
from insights import dates, services
from insights.extraction import extract_offline

TUESDAY = date(2026, 12, 1)  # a Tuesday


@pytest.mark.parametrize(
    "text, expected",
    [
        ("deliver the report by Friday", "2026-12-04"),
        ("ship it next Tuesday", "2026-12-08"),
        ("by end of month", "2026-12-31"),
        ("by the end of next month", "2027-01-31"),
        ("in two weeks", "2026-12-15"),
        ("by 12 Dec", "2026-12-12"),
        ("by 3 March", "2027-03-03"),  # no year: the next 3 March
        ("by 1 December", "2026-12-01"),  # …today itself included
        ("due 2027-01-04", "2027-01-04"),
        ("by 12 December 2026", "2026-12-12"),
        ("tomorrow", "2026-12-02"),
        ("by the end of the quarter", "2026-12-31"),
        ("We may ship it soon", None),  # "may" is not a month without a day
    ],
)
def test_dates_resolve_against_the_given_today(text, expected):
    resolved = dates.resolve(text, TUESDAY)
    assert (resolved.isoformat() if resolved else None) == expected


def test_friday_depends_on_today_not_the_wall_clock():
    assert dates.resolve("by Friday", date(2026, 12, 8)).isoformat() == "2026-12-11"
    assert dates.resolve("by end of month", date(2027, 2, 3)).isoformat() == "2027-02-28"


def drop(text, author=""):
    return services.info_drop_process(text=text, source="slack", author=author, today=TUESDAY)


def test_priya_from_robotics_commitment_has_owner_due_date_and_division(seeded_embedded):
    body = drop("Priya from Robotics committed to deliver the arm calibration report by Friday.")
    [item] = body["items"]
    assert item["type"] == "commitment" and item["owner"] == "p-02" and item["due_date"] == "2026-12-04"
    node = Node.objects.get(id=item["node_id"])
    assert node.extras["owner_id"] == "p-02" and node.extras["due_date"] == "2026-12-04"
    assert (node.division, node.department, node.team) == ("Engineering", "Robotics Platform", "Motion Control")
    assert Edge.objects.filter(source_id="p-02", target_id=node.id, type="owns").exists()


@pytest.mark.parametrize(
    "text, owner, due",
    [
        ("Priya will deliver the arm calibration report by Friday.", "p-02", "2026-12-04"),
        ("Tomasz promised the drive firmware fix next Tuesday.", "p-03", "2026-12-08"),
        ("Aisha Rahman: telemetry cutover plan by end of month.", "p-15", "2026-12-31"),
        ("Hannah has committed to finishing the MPC tuning in two weeks.", "p-04", "2026-12-15"),
        ("Marcus will deliver the Fleet API quota proposal by 12 Dec.", "p-14", "2026-12-12"),
    ],
)
def test_commitments_recognised_with_owner_and_due_date(seeded_embedded, text, owner, due):
    [item] = drop(text)["items"]
    assert (item["type"], item["owner"], item["due_date"]) == ("commitment", owner, due)


@pytest.mark.parametrize(
    "text",
    [
        "The Halden pilot will go live on 3 March 2027.",  # a date, but nobody promised anything
        "Robots will need new batteries next year.",
    ],
)
def test_statements_with_a_date_but_no_promise_stay_facts(seeded_embedded, text):
    [item] = drop(text)["items"]
    assert item["type"] == "fact"


def test_first_name_and_team_pick_the_right_person_among_namesakes(seeded_embedded):
    Node.objects.create(
        id="p-98",
        type="person",
        label="Priya Shah",
        division="Operations",
        department="Manufacturing",
        team="Assembly & Test",
        x=1500.0,
        y=300.0,
    )
    directory = Directory.load()
    robotics = extract_offline(
        "Priya from Robotics will send the arm calibration report by Friday.", directory, author_id=None, today=TUESDAY
    )
    assert robotics[0].owner == "p-02" and robotics[0].due_date == "2026-12-04"
    assembly = extract_offline(
        "Priya in Assembly & Test will recalibrate the torque rig by next Tuesday.",
        directory,
        author_id=None,
        today=TUESDAY,
    )
    assert assembly[0].owner == "p-98"
    alone = extract_offline("Priya will tidy the lab by Friday.", directory, author_id=None, today=TUESDAY)
    assert alone[0].owner is None  # two Priyas and no team: no guess


def test_new_nodes_sit_next_to_their_person_never_on_another_node(seeded_embedded):
    body = drop(
        "Priya will deliver the arm calibration report by Friday. "
        "Priya will deliver the gripper torque study by next Tuesday. "
        "Who reviews Priya's calibration report?",
        author="Priya Raman",
    )
    created = Node.objects.filter(id__in=body["nodes_created"])
    assert created.count() == 3
    anchor = Node.objects.get(id="p-02")
    spots = [(n.x, n.y) for n in created]
    assert len(set(spots)) == 3
    for x, y in spots:
        assert ((x - anchor.x) ** 2 + (y - anchor.y) ** 2) ** 0.5 < 250  # next to Priya
    everything = list(Node.objects.exclude(x=None).values_list("id", "x", "y"))
    for node in created:
        for other_id, x, y in everything:
            if other_id != node.id:
                assert (node.x - x) ** 2 + (node.y - y) ** 2 >= 40**2, (node.id, other_id)


def test_placement_is_deterministic(seeded_embedded):
    from insights.info_drop import free_spot

    assert free_spot(314.3, 121.2, "p-02|commitment|x") == free_spot(314.3, 121.2, "p-02|commitment|x")
    assert free_spot(314.3, 121.2, "p-02|commitment|x") != free_spot(314.3, 121.2, "p-02|commitment|y")
