"""The OpenAI path, against a local HTTP stand-in (OpenAI itself is unreachable from tests)."""

import json
import logging

import pytest

from insights import llm
from insights.llm_usage import cost_usd
from insights.models import LlmUsage
from tests.actors import signed_in

MESSAGES = [{"role": "user", "content": "Say hello"}]


@pytest.mark.django_db
def test_openai_stand_in_request_shape_and_usage_row_with_cost(openai_stand_in):
    reply = llm.chat(messages=MESSAGES, task_type="ask", max_tokens=50)
    assert reply.text == "stand-in answer" and reply.mode == "llm" and not reply.cached
    [request] = openai_stand_in.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["headers"]["Authorization"] == "Bearer sk-stand-in-secret-key"
    assert request["body"]["model"] == "gpt-4o-mini"
    assert request["body"]["messages"] == MESSAGES and request["body"]["max_tokens"] == 50
    row = LlmUsage.objects.get()
    assert (row.model, row.input_tokens, row.output_tokens, row.task_type) == ("gpt-4o-mini", 1000, 200, "ask")
    assert row.cost_usd == pytest.approx(cost_usd("gpt-4o-mini", 1000, 200)) == pytest.approx(0.00027)


@pytest.mark.django_db
def test_openai_stand_in_cache_hit_records_no_usage(openai_stand_in):
    llm.chat(messages=MESSAGES, task_type="ask")
    again = llm.chat(messages=MESSAGES, task_type="ask")
    assert again.cached and again.text == "stand-in answer"
    assert len(openai_stand_in.requests) == 1 and LlmUsage.objects.count() == 1
    llm.chat(messages=[{"role": "user", "content": "Something else"}], task_type="ask")
    assert len(openai_stand_in.requests) == 2 and LlmUsage.objects.count() == 2


@pytest.mark.django_db
def test_openai_stand_in_cache_expires_after_ttl(openai_stand_in, monkeypatch):
    llm.chat(messages=MESSAGES, task_type="ask")
    monkeypatch.setattr(llm, "CACHE_TTL_SECONDS", -1.0)
    llm.cache_clear()
    llm.chat(messages=MESSAGES, task_type="ask")
    llm.chat(messages=MESSAGES, task_type="ask")  # stored already expired → a new call
    assert len(openai_stand_in.requests) == 3 and LlmUsage.objects.count() == 3


@pytest.mark.django_db
def test_openai_stand_in_timeout_falls_back_without_logging_the_key(openai_stand_in, settings, caplog):
    settings.OPENAI_TIMEOUT_SECONDS = 0.3
    openai_stand_in.delay = 1.0
    with caplog.at_level(logging.WARNING, logger="nexus.llm"):
        assert llm.chat(messages=MESSAGES, task_type="ask") is None
    assert "offline path" in caplog.text and "sk-stand-in-secret-key" not in caplog.text
    assert LlmUsage.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("status", [401, 429, 500])
def test_openai_stand_in_api_error_falls_back(openai_stand_in, caplog, status):
    openai_stand_in.status = status
    with caplog.at_level(logging.WARNING, logger="nexus.llm"):
        assert llm.chat(messages=MESSAGES, task_type="info_drop") is None
    assert f"HTTP {status}" in caplog.text and "sk-stand-in" not in caplog.text
    assert LlmUsage.objects.count() == 0


@pytest.mark.django_db
def test_openai_stand_in_unreachable_falls_back(openai_stand_in, settings):
    settings.OPENAI_BASE_URL = "http://127.0.0.1:9/v1"  # discard port: nothing listens
    assert llm.chat(messages=MESSAGES, task_type="ask") is None


def test_offline_without_key_makes_no_call(settings):
    settings.OPENAI_API_KEY = ""
    assert llm.is_available() is False and llm.chat(messages=MESSAGES, task_type="ask") is None


def test_openai_stand_in_ask_uses_llm_and_sends_history(openai_stand_in, seeded_embedded):
    openai_stand_in.reply_text = "Perception is led by Mei Lin Zhao [p-06] in team [t-02]."
    client = signed_in("editor")
    first = client.post("/api/ask", {"question": "Who leads the Perception team?"}, format="json").json()
    assert first["mode"] == "llm" and first["source"] == "llm"
    assert [c["id"] for c in first["citations"]] == ["p-06", "t-02"]
    assert all("current_freshness" in c for c in first["citations"])
    follow = client.post(
        "/api/ask", {"question": "And their mission?", "conversation_id": first["conversation_id"]}, format="json"
    ).json()
    assert follow["mode"] == "llm"
    sent = openai_stand_in.requests[-1]["body"]["messages"]
    assert {"role": "user", "content": "Who leads the Perception team?"} in sent
    assert {"role": "assistant", "content": openai_stand_in.reply_text} in sent
    assert LlmUsage.objects.filter(task_type="ask").count() == 2


def test_openai_stand_in_ask_timeout_answers_offline(openai_stand_in, seeded_embedded, settings):
    settings.OPENAI_TIMEOUT_SECONDS = 0.3
    openai_stand_in.delay = 1.0
    response = signed_in("editor").post("/api/ask", {"question": "Who leads the Perception team?"}, format="json")
    assert response.status_code == 200 and response.json()["mode"] == "offline"


def test_openai_stand_in_info_drop_llm_mode_validates_ids(openai_stand_in, seeded_embedded):
    openai_stand_in.reply_text = json.dumps(
        {
            "items": [
                {
                    "type": "commitment",
                    "label": "Kwame delivers the Halden load test",
                    "people": ["p-11", "p-404"],
                    "teams": [],
                    "topics": ["tp-02", "tp-999"],
                    "owner": "p-11",
                    "due_date": "2026-12-12",
                },
                {"type": "nonsense", "label": "dropped"},
            ]
        }
    )
    body = (
        signed_in("editor")
        .post("/api/info-drop", {"text": "Kwame will deliver the Halden load test by 12 Dec."}, format="json")
        .json()
    )
    assert body["mode"] == "llm"
    [item] = body["items"]
    assert (item["type"], item["owner"], item["topics"], item["due_date"]) == (
        "commitment",
        "p-11",
        ["tp-02"],
        "2026-12-12",
    )
    assert openai_stand_in.requests[0]["body"]["response_format"] == {"type": "json_object"}
    assert LlmUsage.objects.filter(task_type="info_drop").count() == 1


@pytest.mark.django_db
def test_openai_stand_in_info_drop_ignores_an_owner_that_is_not_an_id(openai_stand_in, seeded_embedded):
    openai_stand_in.reply_text = json.dumps(
        {"items": [{"type": "commitment", "label": "Kwame delivers the Halden load test", "owner": ["p-11"]}]}
    )
    response = signed_in("editor").post(
        "/api/info-drop", {"text": "Kwame will deliver the Halden load test by 12 Dec."}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["mode"] == "llm"
    [item] = body["items"]
    assert (item["label"], item["owner"]) == ("Kwame delivers the Halden load test", None)  # like an unknown id


def test_openai_stand_in_info_drop_bad_json_falls_back_offline(openai_stand_in, seeded_embedded):
    openai_stand_in.reply_text = "not json at all"
    body = (
        signed_in("editor")
        .post("/api/info-drop", {"text": "Kwame will deliver the Halden load test by 12 Dec."}, format="json")
        .json()
    )
    assert body["mode"] == "offline" and body["items"][0]["owner"] == "p-11"


def test_openai_stand_in_usage_report_by_model_task_and_day(openai_stand_in, db):
    llm.chat(messages=MESSAGES, task_type="ask")
    llm.chat(messages=[{"role": "user", "content": "x"}], task_type="info_drop")
    LlmUsage.objects.create(
        model="gpt-4o", input_tokens=100, output_tokens=10, cost_usd=cost_usd("gpt-4o", 100, 10), task_type="ask"
    )
    report = signed_in("editor").get("/api/usage").json()
    assert report["totals"]["calls"] == 3 and report["totals"]["input_tokens"] == 2100
    assert report["totals"]["cost_usd"] == pytest.approx(2 * 0.00027 + cost_usd("gpt-4o", 100, 10))
    assert {r["model"]: r["calls"] for r in report["by_model"]} == {"gpt-4o": 1, "gpt-4o-mini": 2}
    assert {r["task_type"]: r["calls"] for r in report["by_task_type"]} == {"ask": 2, "info_drop": 1}
    assert report["cost_per_feature"]["info_drop"] == pytest.approx(0.00027)
    assert len(report["by_day"]) == 1 and report["by_day"][0]["calls"] == 3
    assert signed_in("editor").get("/api/usage?days=0").status_code == 400


def test_openai_stand_in_immune_scan_summary_in_llm_mode(openai_stand_in, seeded):
    openai_stand_in.reply_text = "Reconcile the ROS 2 decisions [d-01] [d-02] first."
    body = signed_in("editor").post("/api/immune/scan", {}, format="json").json()
    assert body["mode"] == "llm" and body["summary"] == openai_stand_in.reply_text
    assert body["total_findings"] >= 7  # the agents themselves are the same rules
    assert "[high]" in openai_stand_in.requests[0]["body"]["messages"][1]["content"]
    assert LlmUsage.objects.filter(task_type="immune_scan").count() == 1


@pytest.mark.django_db
def test_openai_stand_in_hang_up_falls_back(openai_stand_in):
    openai_stand_in.status = 0
    assert llm.chat(messages=MESSAGES, task_type="ask") is None
    assert LlmUsage.objects.count() == 0
