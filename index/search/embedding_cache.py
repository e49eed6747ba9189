"""Passage embeddings by text (向量缓存): reused from the current version, new ones saved as they come.

A refresh looks each passage text up by its sha256 key in the current version
(same model), then in the cache folder, and embeds only what is left: in
batches across documents, shortest texts first (less padding), each batch saved
as its own shard (written whole, then renamed) before the next starts. A
refresh killed while embedding resumes where it stopped; the shards are removed
once a version holding their vectors is switched in.
"""
from __future__ import annotations

import logging
import os
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import numpy as np

from index.search.layout import stage

if TYPE_CHECKING:
    from llama_index.core.base.embeddings.base import BaseEmbedding

logger = logging.getLogger(__name__)

CHUNK = 256  # passages embedded between two saved shards


class EmbeddingCache:
    """Known vectors by text key, and the shard folder of one model."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.vectors: dict[bytes, np.ndarray] = {}
        for shard in sorted(folder.glob("*.npz")) if folder.is_dir() else []:
            self._read(shard)

    def add_known(self, keys: np.ndarray, vectors: np.ndarray) -> None:
        """Vectors already stored elsewhere (the current version, an older cache file)."""
        for key, vector in zip(keys.tolist(), vectors):
            self.vectors.setdefault(key, vector)

    def read_legacy(self, path: Path) -> None:
        """The single .npz cache of the older index layout (same sha256 text keys)."""
        if path.exists():
            self._read(path, legacy=True)

    def embed(self, texts: dict[bytes, str], load_model: Callable[[], "BaseEmbedding"]) -> int:
        """Embed the texts whose key is not known yet, saving a shard per batch; returns how many."""
        missing = sorted(((k, t) for k, t in texts.items() if k not in self.vectors), key=lambda kt: len(kt[1]))
        if not missing:
            return 0
        model = load_model()
        self.folder.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        stage(f"embedding {len(missing)}")
        for start in range(0, len(missing), CHUNK):
            batch = missing[start:start + CHUNK]
            vectors = np.asarray(model.get_text_embedding_batch([t for _, t in batch]), dtype=np.float32)
            keys = np.array([k for k, _ in batch], dtype="S64")
            self._write(keys, vectors)
            self.add_known(keys, vectors)
            stage(f"embedded {start + len(batch)}/{len(missing)}")
        elapsed = time.perf_counter() - started
        logger.info("embedded %d passages in %.1fs (%.1f/s)", len(missing), elapsed, len(missing) / max(elapsed, 1e-9))
        return len(missing)

    def clear(self) -> None:
        """Drop the shards (their vectors are in the version just switched in)."""
        shutil.rmtree(self.folder, ignore_errors=True)

    def _write(self, keys: np.ndarray, vectors: np.ndarray) -> None:
        name = f"{time.time_ns():019d}-{os.getpid()}"
        tmp = self.folder / f"{name}.tmp"
        with open(tmp, "wb") as handle:
            np.savez(handle, keys=keys, vectors=vectors)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.folder / f"{name}.npz")

    def _read(self, path: Path, legacy: bool = False) -> None:
        try:
            with np.load(path, allow_pickle=False) as data:
                keys = data["keys"].astype("S64") if legacy else data["keys"]
                self.add_known(keys, np.asarray(data["vectors"], dtype=np.float32))
        except (OSError, ValueError, KeyError) as exc:
            logger.warning("embedding cache %s unreadable, ignored: %s", path, exc)
