"""Admin edits of nodes and edges go through the graph services: validated the same way, recorded
in history with the admin as actor, embedded; API writes record their user too."""

import pytest
from django.urls import reverse

from graph.models import Edge, MutationHistory, Node, NodeEmbedding
from tests.actors import signed_in, user_with_role


@pytest.fixture
def admin_client(client, db):
    client.force_login(user_with_role("admin", username="root-admin"))
    return client


def _node_form(**fields):
    base = {
        "type": "fact",
        "label": "Admin fact",
        "division": "",
        "department": "",
        "team": "",
        "health": "",
        "status": "",
        "size": "",
        "x": "",
        "y": "",
        "freshness_score": "",
        "half_life_days": "",
        "source_type": "",
        "source_id": "",
        "extras": "{}",
        "id": "f-admin-1",
        # the read-only edge inlines still send their management forms
        "source_edges-TOTAL_FORMS": "0",
        "source_edges-INITIAL_FORMS": "0",
        "target_edges-TOTAL_FORMS": "0",
        "target_edges-INITIAL_FORMS": "0",
    }
    return {**base, **fields}


def _inline_prefixes(admin_client, url):
    page = admin_client.get(url).content.decode()
    import re

    return set(re.findall(r'name="([\w-]+)-TOTAL_FORMS"', page))


def _post_node(admin_client, url, **fields):
    data = _node_form(**fields)
    for prefix in _inline_prefixes(admin_client, url):
        data.setdefault(f"{prefix}-TOTAL_FORMS", "0")
        data.setdefault(f"{prefix}-INITIAL_FORMS", "0")
    return admin_client.post(url, data)


def test_admin_node_create_change_delete_go_through_the_services(admin_client, seeded):
    response = _post_node(admin_client, reverse("admin:graph_node_add"), label="Lidar lead time is 9 weeks")
    assert response.status_code == 302, response.content.decode()[:2000]
    node = Node.objects.get(id="f-admin-1")
    created = MutationHistory.objects.get(node_id=node.id, action="create_node")
    assert created.actor == "root-admin"
    assert NodeEmbedding.objects.get(node_id=node.id).text_content.startswith("Lidar lead time")

    change = reverse("admin:graph_node_change", args=[node.id])
    page = admin_client.get(change).content.decode()
    assert 'name="id"' not in page  # the id is read-only once created
    # the change form posts every field with its current value; only the label is edited
    current = {
        "health": node.health,
        "status": node.status,
        "size": str(node.size),
        "freshness_score": str(node.freshness_score),
        "half_life_days": str(node.half_life_days),
    }
    response = _post_node(admin_client, change, label="Lidar lead time is 11 weeks", **current)
    assert response.status_code == 302
    updated = MutationHistory.objects.get(node_id=node.id, action="update_node")
    assert updated.actor == "root-admin" and updated.data["changed"] == ["label", "updated_at"]
    assert "11 weeks" in NodeEmbedding.objects.get(node_id=node.id).text_content

    response = admin_client.post(reverse("admin:graph_node_delete", args=[node.id]), {"post": "yes"})
    assert response.status_code == 302
    assert MutationHistory.objects.get(node_id=node.id, action="delete_node").actor == "root-admin"
    assert not Node.objects.filter(id=node.id).exists()


def test_admin_node_form_shows_the_services_validation_and_writes_nothing(admin_client, seeded):
    response = _post_node(admin_client, reverse("admin:graph_node_add"), freshness_score="2.5")
    assert response.status_code == 200
    assert "Ensure this value is less than or equal to 1.0" in response.content.decode()
    assert not Node.objects.filter(id="f-admin-1").exists()
    assert not MutationHistory.objects.filter(node_id="f-admin-1").exists()


def test_admin_edge_create_and_delete_go_through_the_services(admin_client, seeded):
    data = {"id": "e-admin-1", "source": "p-01", "target": "p-14", "type": "mentors", "weight": "1.0", "extras": "{}"}
    assert admin_client.post(reverse("admin:graph_edge_add"), data).status_code == 302
    assert MutationHistory.objects.get(edge_id="e-admin-1", action="create_edge").actor == "root-admin"
    duplicate = admin_client.post(reverse("admin:graph_edge_add"), {**data, "id": "e-admin-2"})
    assert duplicate.status_code == 200 and not Edge.objects.filter(id="e-admin-2").exists()
    assert admin_client.post(reverse("admin:graph_edge_delete", args=["e-admin-1"]), {"post": "yes"}).status_code == 302
    assert MutationHistory.objects.get(edge_id="e-admin-1", action="delete_edge").actor == "root-admin"


def test_api_writes_record_their_user_in_history_and_node_details(seeded):
    client = signed_in("editor", username="priya")
    node = client.post("/api/nodes", {"type": "fact", "label": "Actor check"}, format="json").json()
    client.patch(f"/api/nodes/{node['id']}", {"label": "Actor check 2"}, format="json")
    history = client.get(f"/api/graph/history?node={node['id']}").json()["results"]
    assert [h["actor"] for h in history] == ["priya", "priya"]
    detail = client.get(f"/api/nodes/{node['id']}").json()
    assert {h["actor"] for h in detail["history"]} == {"priya"}


def test_rows_written_by_sql_have_no_actor(seeded):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO mutation_history (action, node_id) VALUES ('note', 'p-01')")
    assert MutationHistory.objects.get(action="note").actor is None


def test_admin_edge_form_shows_the_services_validation_and_writes_nothing(admin_client, seeded):
    data = {"id": "e-admin-3", "source": "p-01", "target": "p-14", "type": "x" * 101, "weight": "1.0", "extras": "{}"}
    response = admin_client.post(reverse("admin:graph_edge_add"), data)
    assert response.status_code == 200
    assert "no more than 100 characters" in response.content.decode()
    assert not Edge.objects.filter(id="e-admin-3").exists()
