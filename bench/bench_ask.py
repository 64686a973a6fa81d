"""Ask NEXUS and search quality on the labelled question set (mock_data/ask_benchmark.json).

The mock organisation is seeded and embedded inside one transaction that is rolled back at the end
(the bench database keeps nothing). For every embedding provider that can run here, and every
search mode ``graph.search.search_nodes`` offers, it measures:

- search hit@5: one of the question's answering node ids among the top 5 results;
- Ask citation hit: the offline answer cites one of them (and does not abstain);
- abstention: Ask says it doesn't know, citing nothing, for the questions the graph cannot answer;
- search and Ask p50 latency (in-process: the service call, no HTTP).

The baseline for hit@5 is a plain word-overlap ranking of the same nodes (no embeddings at all),
measured in the same run. ``PROVIDERS`` and ``search_modes`` are the hook for more providers and
modes: a provider whose settings produce a provider/model already measured is skipped.
"""

from __future__ import annotations

import inspect
import json
import statistics
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.test import override_settings

DATASET = Path(__file__).resolve().parent.parent / "mock_data" / "ask_benchmark.json"
# Settings that select each provider; providers that cannot run here (no key, no model) are skipped.
PROVIDERS = {
    "hash": {"EMBEDDING_PROVIDER": "hash", "OPENAI_API_KEY": ""},
    "local": {"EMBEDDING_PROVIDER": "local", "OPENAI_API_KEY": ""},
}
TARGETS = {
    "ask_citation_hit": 0.9,
    "abstention": 0.9,
    "ask_p50_ms": 300.0,
    "search_p50_ms": 50.0,
    "hybrid_local_hit5": 0.95,
}


class _Rollback(Exception):
    pass


def load_dataset(path: Path = DATASET) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def search_modes() -> list[str | None]:
    """The ``mode`` values search_nodes accepts, or [None] when it has a single mode."""
    from graph.search import search_nodes

    return ["vector", "text", "hybrid"] if "mode" in inspect.signature(search_nodes).parameters else [None]


def _p50_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 1) if samples else float("nan")


def _word_overlap_hit5(answerable: list[dict]) -> float:
    """Baseline: rank nodes by how many of the question's content words their label shares."""
    from graph.models import Node
    from graph.text import tokens

    labels = list(Node.objects.values_list("id", "label"))
    hits = 0
    for item in answerable:
        q = set(tokens(item["question"]))
        ranked = sorted(labels, key=lambda row: (-len(q & set(tokens(row[1]))), row[0]))[:5]
        hits += any(node_id in item["node_ids"] for node_id, _ in ranked)
    return hits / len(answerable)


def measure_search(answerable: list[dict], mode: str | None) -> dict:
    from graph.search import search_nodes

    kwargs: dict[str, Any] = {"mode": mode} if mode else {}
    hits, times, misses = 0, [], []
    search_nodes(query="warm-up", k=5, **kwargs)
    for item in answerable:
        started = time.perf_counter()
        found = [h["node"]["id"] for h in search_nodes(query=item["question"], k=5, **kwargs)]
        times.append(time.perf_counter() - started)
        if set(found) & set(item["node_ids"]):
            hits += 1
        else:
            misses.append({"question": item["question"], "expected": item["node_ids"], "got": found})
    return {"hit5": round(hits / len(answerable), 3), "p50_ms": _p50_ms(times), "misses": misses}


def measure_ask(answerable: list[dict], unanswerable: list[str]) -> dict:
    from conversations.services import answer_question

    hit, times, misses, false_abstain = 0, [], [], 0
    answer_question(question="warm-up: who leads Perception?")
    for item in answerable:
        started = time.perf_counter()
        body = answer_question(question=item["question"])
        times.append(time.perf_counter() - started)
        cited = [c["id"] for c in body["citations"]]
        false_abstain += body["abstained"]
        if not body["abstained"] and set(cited) & set(item["node_ids"]):
            hit += 1
        else:
            misses.append(
                {"question": item["question"], "expected": item["node_ids"], "cited": cited, "answer": body["answer"]}
            )
    abstained, wrong = 0, []
    for question in unanswerable:
        started = time.perf_counter()
        body = answer_question(question=question)
        times.append(time.perf_counter() - started)
        if body["abstained"] and not body["citations"]:
            abstained += 1
        else:
            wrong.append({"question": question, "answer": body["answer"]})
    return {
        "citation_hit": round(hit / len(answerable), 3),
        "abstention": round(abstained / len(unanswerable), 3),
        "false_abstention": round(false_abstain / len(answerable), 3),
        "p50_ms": _p50_ms(times),
        "misses": misses,
        "answered_unanswerable": wrong,
    }


def prepare_embeddings():
    """Every node embedded by the provider in effect, the column resized to it if need be
    (``rebuild_embeddings --recreate``: DDL, so the surrounding rollback restores the column)."""
    import io

    from django.core.management import call_command

    call_command("rebuild_embeddings", recreate=True, stdout=io.StringIO(), stderr=io.StringIO())


def _provider_runs():
    """(name, provider description) for each provider that runs here, each provider/model once."""
    from graph.embeddings import describe_provider

    seen = set()
    for name, overrides in PROVIDERS.items():
        with override_settings(**overrides):
            try:
                described = describe_provider()
            except Exception as exc:  # noqa: BLE001 — a provider that cannot start is reported, not fatal
                yield name, None, f"unavailable: {exc}"
                continue
            key = (described.get("provider"), described.get("model"))
            if key in seen:
                continue
            seen.add(key)
            yield name, described, overrides


def run(quick: bool = True) -> dict:
    from nexus_site import seed

    data = load_dataset()
    answerable, unanswerable = data["answerable"], data["unanswerable"]
    rows, details = [], {}
    try:
        with transaction.atomic():
            seed.write_seed_data(seed.load_seed_data(), reset=True)
            baseline = round(_word_overlap_hit5(answerable), 3)
            for name, described, overrides in list(_provider_runs()):
                if described is None:
                    details[name] = overrides
                    continue
                with override_settings(**overrides):
                    label = described.get("model") or name
                    try:
                        with transaction.atomic():
                            prepare_embeddings()
                    except Exception as exc:  # noqa: BLE001
                        details[name] = f"could not embed: {exc}"
                        continue
                    for mode in search_modes():
                        s = measure_search(answerable, mode)
                        tag = f"{label}, {mode}" if mode else label
                        is_target = name == "local" and mode == "hybrid"
                        target = TARGETS["hybrid_local_hit5"] if is_target else None
                        rows.append(
                            {
                                "metric": f"search hit@5 [{tag}]",
                                "value": s["hit5"],
                                "baseline": baseline,
                                "ratio": round(s["hit5"] / baseline, 2) if baseline else "",
                                "target": f">= {target}" if target else "",
                                "met": s["hit5"] >= target if target else "",
                            }
                        )
                        rows.append(
                            {
                                "metric": f"search p50 ms [{tag}]",
                                "value": s["p50_ms"],
                                "baseline": "",
                                "ratio": "",
                                "target": f"<= {TARGETS['search_p50_ms']}",
                                "met": s["p50_ms"] <= TARGETS["search_p50_ms"],
                            }
                        )
                        details[f"search {tag}"] = s["misses"]
                    a = measure_ask(answerable, unanswerable)
                    rows += [
                        {
                            "metric": f"Ask citation hit [{label}]",
                            "value": a["citation_hit"],
                            "baseline": "",
                            "ratio": "",
                            "target": f">= {TARGETS['ask_citation_hit']}",
                            "met": a["citation_hit"] >= TARGETS["ask_citation_hit"],
                        },
                        {
                            "metric": f"Ask abstention on unanswerable [{label}]",
                            "value": a["abstention"],
                            "baseline": "",
                            "ratio": "",
                            "target": f">= {TARGETS['abstention']}",
                            "met": a["abstention"] >= TARGETS["abstention"],
                        },
                        {
                            "metric": f"Ask false abstention on answerable [{label}]",
                            "value": a["false_abstention"],
                            "baseline": "",
                            "ratio": "",
                            "target": "",
                            "met": "",
                        },
                        {
                            "metric": f"Ask p50 ms [{label}]",
                            "value": a["p50_ms"],
                            "baseline": "",
                            "ratio": "",
                            "target": f"<= {TARGETS['ask_p50_ms']}",
                            "met": a["p50_ms"] <= TARGETS["ask_p50_ms"],
                        },
                    ]
                    details[f"ask {label}"] = {
                        "misses": a["misses"],
                        "answered_unanswerable": a["answered_unanswerable"],
                    }
            raise _Rollback
    except _Rollback:
        pass
    return {
        "title": f"Ask NEXUS and search on {len(answerable)} answerable + {len(unanswerable)} unanswerable "
        f"questions (mock organisation)",
        "rows": rows,
        "details": details,
        "embedding_dimensions": settings.EMBEDDING_DIMENSIONS,
    }
