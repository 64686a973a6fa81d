"""The admin renders for staff and keeps everyone else out."""

import pytest
from django.urls import reverse

ADMIN_LISTS = [
    "graph_node",
    "graph_edge",
    "graph_graphmetadata",
    "graph_nodeembedding",
    "graph_mutationhistory",
    "insights_notification",
    "insights_immunescan",
    "insights_taskgraph",
    "insights_workeranalysis",
    "insights_llmusage",
]


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("admin", "", "a-long-random-password")
    client.force_login(user)
    return client


@pytest.mark.parametrize("model", ADMIN_LISTS)
def test_admin_list_pages_render_for_staff(staff_client, seeded, model):
    response = staff_client.get(reverse(f"admin:{model}_changelist"))
    assert response.status_code == 200


@pytest.mark.parametrize("model", ADMIN_LISTS)
def test_admin_list_pages_redirect_anonymous_users_to_login(client, db, model):
    response = client.get(reverse(f"admin:{model}_changelist"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_non_staff_user_cannot_use_the_admin(client, django_user_model, db):
    user = django_user_model.objects.create_user("reader", password="a-long-random-password")
    client.force_login(user)
    response = client.get(reverse("admin:graph_node_changelist"))
    assert response.status_code == 302


def test_node_list_filters_and_search(staff_client, seeded):
    url = reverse("admin:graph_node_changelist")
    page = staff_client.get(url, {"type__exact": "team"}).content.decode()
    assert "Motion Control" in page and "Eleanor Whitmore" not in page
    page = staff_client.get(url, {"q": "Whitmore"}).content.decode()
    assert "p-01" in page


def test_node_change_page_shows_its_edges(staff_client, seeded):
    page = staff_client.get(reverse("admin:graph_node_change", args=["t-01"])).content.decode()
    assert "edges to this node" in page.lower() and "member_of" in page


def test_immune_scan_page_shows_alerts_readably(staff_client, seeded):
    from insights.models import ImmuneScan

    scan = ImmuneScan.objects.get()
    page = staff_client.get(reverse("admin:insights_immunescan_change", args=[scan.id])).content.decode()
    assert "suggested action" in page and "f-05" in page


def test_acknowledge_bulk_action(staff_client, db):
    from insights.models import Notification

    ids = [Notification.objects.create(person_id="p-01", summary=f"n{i}").id for i in range(3)]
    response = staff_client.post(
        reverse("admin:insights_notification_changelist"), {"action": "acknowledge", "_selected_action": ids[:2]}
    )
    assert response.status_code == 302
    assert list(Notification.objects.order_by("id").values_list("acknowledged", flat=True)) == [True, True, False]


def test_ensure_admin_creates_a_random_password_once(db, settings, tmp_path):
    from io import StringIO

    from django.contrib.auth import authenticate
    from django.core.management import call_command

    settings.NEXUS_HOME = tmp_path
    out = StringIO()
    call_command("ensure_admin", stdout=out)
    password = out.getvalue().split("password: ")[1].split()[0]
    from django.test import RequestFactory

    assert len(password) >= 20 and authenticate(
        RequestFactory().post("/admin/login/"), username="admin", password=password
    )
    assert (tmp_path / "admin_credentials.txt").stat().st_mode & 0o777 == 0o600
    again = StringIO()
    call_command("ensure_admin", stdout=again)
    assert password not in again.getvalue() and "admin_credentials.txt" in again.getvalue()
