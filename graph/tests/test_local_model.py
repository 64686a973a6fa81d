"""The local provider is all-MiniLM-L6-v2: equal to sentence-transformers' vectors, no PyTorch, no
network, and it finds what users mean on the mock organisation."""

import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command
from django.test import override_settings

from graph.embeddings import LocalProvider, get_provider
from graph.minilm import get_model

REFERENCE = Path(__file__).parent / "fixtures" / "minilm_reference.json"
ROOT = Path(__file__).resolve().parents[2]


def test_vectors_equal_sentence_transformers_reference():
    reference = json.loads(REFERENCE.read_text())
    assert len(reference["sentences"]) == 20
    ours = get_model().encode(reference["sentences"])
    theirs = np.asarray(reference["vectors"], dtype=np.float64)
    assert ours.shape == theirs.shape == (20, 384)
    cosines = (ours * theirs).sum(1) / (np.linalg.norm(ours, axis=1) * np.linalg.norm(theirs, axis=1))
    for sentence, cosine in zip(reference["sentences"], cosines):
        assert cosine >= 0.999, (sentence[:60], cosine)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)


def test_batching_and_order_do_not_change_vectors():
    texts = ["Who is overloaded?", "a much longer sentence about lidar supplier lead times and vendors", ""]
    model = get_model()
    together = model.encode(texts, batch_size=2)
    alone = np.vstack([model.encode([t]) for t in texts])
    assert np.allclose(together, alone, atol=1e-5)


def test_runs_without_torch_transformers_or_network():
    code = (
        "import socket, sys\n"
        "def no_network(*a, **k): raise RuntimeError('network used')\n"
        "socket.socket.connect = no_network\n"
        "from graph.minilm import get_model\n"
        "v = get_model().encode(['offline sentence'])\n"
        "assert v.shape == (1, 384)\n"
        "bad = [m for m in ('torch', 'transformers', 'sentence_transformers') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


_VECTORS: dict[str, list[float]] = {}


@pytest.fixture
def local_seeded(seeded, monkeypatch):
    """The mock organisation embedded by the local model (each text computed once per run: the
    real model's vectors, memoised for speed)."""
    embed = LocalProvider.embed

    def memoised(self, texts, *, task_type="embedding"):
        missing = [t for t in dict.fromkeys(texts) if t not in _VECTORS]
        _VECTORS.update(zip(missing, embed(self, missing, task_type=task_type)))
        return [_VECTORS[t] for t in texts]

    monkeypatch.setattr(LocalProvider, "embed", memoised)
    with override_settings(EMBEDDING_PROVIDER="local"):
        call_command("rebuild_embeddings", recreate=True, stdout=io.StringIO(), stderr=io.StringIO())
        yield


@pytest.mark.parametrize("mode", ["vector", "hybrid"])
@pytest.mark.parametrize(
    "question, node_id",
    [
        ("How long do we wait for laser scanner parts from our vendor?", "f-07"),
        ("Is there good wireless at the customer's site?", "f-14"),
    ],
)
def test_local_model_finds_what_users_mean(api, local_seeded, mode, question, node_id):
    assert isinstance(get_provider(), LocalProvider)
    status, body = api.get("/api/search", q=question, k=5, mode=mode)
    assert status == 200, body
    assert body["provider"]["provider"] == "local" and body["provider"]["dimensions"] == 384
    assert node_id in [r["node"]["id"] for r in body["results"]]
