"""Stand-in passage vectors for the scale benchmark (bench/scale_probe.py), never used by the application."""
from __future__ import annotations

import hashlib

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding

DIMENSION = 384  # the default model's (multilingual-e5-small)


class StandInEmbedding(BaseEmbedding):
    """Vectors of the default model's size from a hash of the text, at no cost.

    For corpus sizes where embedding every passage would take hours on this
    machine, so that index size, opening time and query latency can still be
    measured. Dense scores over them mean nothing (BM25 is real); embedding
    speed is measured with the real model at the smaller sizes.
    """

    def _vector(self, text: str) -> list[float]:
        seed = int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "little")
        vector = np.random.default_rng(seed).standard_normal(DIMENSION).astype(np.float32)
        return (vector / np.linalg.norm(vector)).tolist()

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._vector(query)

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._vector(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._vector(text)
