"""Ask NEXUS offline answers the question asked — or says plainly that the graph doesn't know."""

import json
from pathlib import Path

import pytest

from conversations.models import ConversationTurn
from tests.actors import signed_in

ROOT = Path(__file__).resolve().parents[2]


def ask(question, conversation_id=None):
    body = {"question": question}
    if conversation_id:
        body["conversation_id"] = conversation_id
    response = signed_in("editor").post("/api/ask", body, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def cited(body):
    return [c["id"] for c in body["citations"]]


@pytest.mark.parametrize(
    "question, looked_for",
    [
        ("Who owns the vendor security review?", ["vendor", "security", "review"]),
        ("What is Rebecca Holloway's salary?", ["salary", "p-10"]),  # a real person, an unknown attribute
        ("What's the wifi password at the Leeds plant?", ["wifi", "password", "leeds", "plant"]),
        ("Who owns the Halden parking permits?", ["halden", "parking", "permits"]),  # a real topic, nothing on it
    ],
)
def test_question_the_graph_cannot_answer_says_so_and_cites_nothing(seeded_embedded, question, looked_for):
    body = ask(question)
    assert body["abstained"] is True and body["citations"] == []
    assert body["answer"].startswith("I don't know: nothing in the graph is about")
    assert "From the graph" not in body["answer"]
    assert body["looked_for"] == looked_for
    for word in looked_for:
        if not word.startswith("p-"):
            assert f'"{word}"' in body["answer"]  # says what it looked for
    # The abstention is stored like any answer (follow-ups read the history).
    turns = list(ConversationTurn.objects.filter(id=body["conversation_id"]).values_list("role", "content"))
    assert turns == [("user", question), ("assistant", body["answer"])]


def test_vendor_review_is_not_attributed_to_the_roadmap_review_owner(seeded_embedded):
    body = ask("Who owns the vendor security review?")
    assert "Rebecca Holloway" not in body["answer"].split("closest")[0]
    assert "c-07" not in cited(body) and "p-10" not in cited(body)


@pytest.mark.parametrize(
    "question, expected_ids, says",
    [
        # who: the people with more than five open commitments, from the graph (not a headcount fact)
        ("Who is overloaded?", {"p-10", "c-01", "c-07"}, "Rebecca Holloway (p-10) owns 7 open commitments"),
        ("Who heads up motion control?", {"p-03", "t-01"}, "Tomasz Kowalski (p-03) leads Motion Control"),
        (
            "Who does Kwame Mensah report to?",
            {"p-10", "p-11"},
            "Kwame Mensah (p-11) reports to Rebecca Holloway (p-10)",
        ),
        (
            "Who is migrating the telemetry database?",
            {"c-09", "p-15"},
            "Aisha Rahman (p-15) owns Migrate telemetry database",
        ),
        ("Who approves the Halden safety case?", {"q-04"}, "The graph has no answer yet: q-04"),
        # when: the due date / date field
        ("When is the Halden safety walkthrough?", {"c-10", "p-21"}, "is due 2026-12-20, owned by Samuel Adeyemi"),
        ("When was the LiFePO4 decision made?", {"d-03"}, "was decided on 2026-08-22"),
        # how many: a count
        ("How many people are in Perception?", {"t-02", "p-06"}, "4 people are in Perception (t-02)"),
        ("How many open commitments does Rebecca Holloway have?", {"p-10", "c-04"}, "owns 7 open commitment(s)"),
        ("How many robots are we sending to Halden?", {"d-04"}, "12, according to d-04"),
        # why: the recorded rationale
        ("Why did telemetry move off self-hosted Postgres?", {"d-05", "p-14"}, "caused two telemetry outages"),
        # is it true: yes / not yet / not any more, from status and progress
        ("Is the UN 38.3 customs paperwork finished?", {"c-08"}, "Yes: Complete UN 38.3 documentation pack"),
        ("Have the Fleet API rate limits been agreed with cloud?", {"c-06"}, "Not yet: Agree Fleet API rate limits"),
        ("Was the pilot shortlist limited to sites in the UK?", {"d-10"}, "Not any more: decision d-10"),
    ],
)
def test_offline_answer_addresses_the_question(seeded_embedded, question, expected_ids, says):
    body = ask(question)
    assert body["mode"] == "offline" and body["source"] == "graph" and body["abstained"] is False
    assert says in body["answer"], body["answer"]
    assert expected_ids <= set(cited(body)), body
    assert not body["answer"].startswith("From the graph")


def test_who_is_overloaded_names_only_people_above_the_limit(seeded_embedded):
    body = ask("Who is overloaded?")
    assert "headcount" not in body["answer"] and "f-12" not in cited(body)
    assert "above the limit of 5" in body["answer"]
    assert not {"p-15", "p-21"} & set(cited(body))  # they own one open commitment each


def test_answers_from_words_when_the_embedding_service_is_down_stand_in(seeded_embedded, monkeypatch):
    """Relevance is not the embedding provider's call alone: with no semantic hits at all, word
    overlap still finds the answer, and still abstains on the unanswerable."""
    from conversations import answering
    from graph.embeddings import EmbeddingUnavailable

    def down(**kwargs):
        raise EmbeddingUnavailable("stand-in outage")

    monkeypatch.setattr(answering, "search_nodes", down)
    body = ask("Who is migrating the telemetry database?")
    assert {"c-09", "p-15"} <= set(cited(body)) and body["abstained"] is False
    assert ask("Who owns the vendor security review?")["abstained"] is True


def test_a_strong_semantic_match_alone_is_not_enough_stand_in(seeded_embedded, monkeypatch):
    """A provider that scores an unrelated node as similar does not make the question answerable."""
    from conversations import answering
    from graph.models import Node
    from graph.selectors import node_values

    row = node_values(Node.objects.filter(id="c-07"))[0]
    monkeypatch.setattr(
        answering,
        "search_nodes",
        lambda **kw: [{"node": row, "similarity": 0.45, "current_freshness": row["current_freshness"]}],
    )
    body = ask("Who owns the vendor security review?")
    assert body["abstained"] is True and body["citations"] == []


def test_contradicted_and_stale_facts_are_still_called_out(seeded_embedded):
    body = ask("When does the Halden pilot start?")
    assert {"f-01", "f-02"} <= set(cited(body))
    assert "is contradicted by" in body["answer"] and "confirm which is current" in body["answer"]
    stale = ask("How fast does the Fleet API respond at p95?")
    assert "f-06" in cited(stale) and "possibly out of date" in stale["answer"]


def test_follow_up_after_an_answer_and_after_an_abstention(seeded_embedded):
    first = ask("When is the Halden safety walkthrough?")
    follow = ask("Who owns it?", first["conversation_id"])
    assert "p-21" in cited(follow) and "Samuel Adeyemi" in follow["answer"]
    nothing = ask("Who owns the vendor security review?")
    # "…and Perception's?" is still about a vendor security review: still unknown.
    same = ask("What about Perception?", nothing["conversation_id"])
    assert same["interpreted_as"] == "Who owns the vendor security review — Perception?"
    assert same["abstained"] is True and same["citations"] == []
    after = ask("Who leads the Perception team?", nothing["conversation_id"])
    assert after["abstained"] is False and {"p-06", "t-02"} <= set(cited(after))


CACHE = json.loads((ROOT / "mock_data" / "ask_cache.json").read_text())["entries"]


@pytest.mark.parametrize("entry", CACHE, ids=[e["question"] for e in CACHE])
def test_the_cached_questions_keep_their_answers(seeded_embedded, entry):
    body = ask(entry["question"])
    assert body["source"] == "ask_cache" and body["abstained"] is False
    assert body["answer"] == entry["answer"] and cited(body) == entry["node_ids"]


def test_llm_is_not_asked_when_the_graph_has_nothing_relevant(seeded_embedded, openai_stand_in):
    body = ask("Who owns the vendor security review?")
    assert body["abstained"] is True and body["citations"] == [] and openai_stand_in.requests == []
    answered = ask("Who is migrating the telemetry database? [c-09]")
    assert answered["mode"] == "llm" and len(openai_stand_in.requests) == 1


def test_labelled_question_set_is_well_formed():
    data = json.loads((ROOT / "mock_data" / "ask_benchmark.json").read_text())
    ids = {n["id"] for n in json.loads((ROOT / "mock_data" / "graph.json").read_text())["nodes"]}
    labels = {n["label"].lower() for n in json.loads((ROOT / "mock_data" / "graph.json").read_text())["nodes"]}
    assert len(data["answerable"]) >= 40 and len(data["unanswerable"]) >= 10
    for item in data["answerable"]:
        assert item["node_ids"] and set(item["node_ids"]) <= ids, item
        assert item["question"].lower().rstrip("?") not in labels  # users' words, not copied labels


def test_question_embedding_is_skipped_when_words_settle_it_stand_in(seeded_embedded, monkeypatch):
    """Embedding the question is the slow step with a local model: it runs only when no node's
    words cover every key term."""
    from conversations import answering

    calls = []
    real = answering.search_nodes
    monkeypatch.setattr(answering, "search_nodes", lambda **kw: calls.append(kw["query"]) or real(**kw))
    assert {"c-09", "p-15"} <= set(cited(ask("Who is migrating the telemetry database?")))
    assert calls == []
    ask("How long do we wait for laser scanner parts from our vendor?")
    assert calls == ["How long do we wait for laser scanner parts from our vendor?"]


def test_an_extras_list_where_an_id_is_expected_is_answered_not_a_server_error(seeded_embedded):
    from graph.models import Node

    # extras are free JSON: a writer may record two deciders as a list
    node = Node.objects.get(id="d-05")
    Node.objects.filter(id="d-05").update(extras={**node.extras, "decided_by": ["p-14", "p-15"]})
    body = ask("Why did telemetry move off self-hosted Postgres?")
    assert "caused two telemetry outages" in body["answer"], body["answer"]
    assert "d-05" in cited(body)
