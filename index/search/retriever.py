"""Narrative retrieval (段落检索): BM25 over jieba tokens + dense similarity, fused by reciprocal rank.

The index in ``settings.index_path`` is a series of complete versions behind a
pointer file (index/search/layout.py, version.py). ``refresh_index(settings)``
brings it up to date with the ``passages`` table, incrementally
(index/search/build.py). ``NarrativeRetriever.load(settings)`` opens the current
version memory-mapped, checks it against the passages table and repairs it when
it is stale or damaged; the embedding model and jieba's dictionary load in
background threads meanwhile.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Literal

import numpy as np
from llama_index.core import VectorStoreIndex
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle
from llama_index.core.vector_stores import FilterOperator, MetadataFilter, MetadataFilters

from index.config import Settings
from index.errors import DatabaseUnavailableError, IndexMissingError, IndexUnavailableError
from index.model import Passage
from index.search.build import (
    BUSY, build_version, current_version, database_digest, fingerprint, index_is_stale, read_wanted, refresh,
    wanted_from_passages,
)
from index.search.embeddings import build_embed_model
from index.search.layout import IndexLayout
from index.search.tokens import Tokenizer, load_bm25, shared_tokenizer
from index.search.vector_store import ArrayVectorStore, NoInsert, node_passage, passage_node
from index.search.version import IndexVersion, RowTable, top_rows

logger = logging.getLogger(__name__)

__all__ = ["IndexMissingError", "NarrativeRetriever", "ScoredPassage", "build_index", "data_version",
           "index_is_stale", "passage_node", "read_manifest", "read_passages", "refresh_index"]

Mode = Literal["hybrid", "bm25", "dense"]
RRF_K = 60
WARM_UP_QUERY = "预算"


@dataclass(frozen=True)
class ScoredPassage:
    passage: Passage
    score: float


def data_version(settings: Settings) -> tuple[int, int]:
    """Changes whenever the database is rewritten or a new index version is switched in (readers reload then)."""
    db = settings.db_path
    return (db.stat().st_mtime_ns if db.exists() else 0, IndexLayout(settings.index_path).pointer_stamp())


def refresh_index(settings: Settings, embed_model: BaseEmbedding | None = None) -> None:
    """Bring the index up to date with the passages table (索引更新): a no-op when current.

    A new version is written when the passages or the model changed, or the
    current version is damaged or missing; only new passage texts are embedded.
    """
    refresh(settings, embed_model)


def build_index(passages: list[Passage], index_path: Path, model_name: str, embed_model: BaseEmbedding,
                qdrant_url: str = "") -> dict:
    """Write a version holding ``passages`` (no database) into ``index_path``; returns its manifest."""
    layout = IndexLayout(index_path)
    with layout.lock() as held:
        if not held:
            raise IndexUnavailableError(index_path, BUSY)
        return build_version(wanted_from_passages(passages), layout, model_name, lambda: embed_model, qdrant_url)


def read_manifest(index_path: Path) -> dict | None:
    """The current version's manifest (None when there is none, or it is damaged)."""
    version = current_version(IndexLayout(index_path))
    return version.manifest if version is not None else None


def read_passages(db_path: Path) -> list[Passage]:
    """The ``passages`` table, read-only, in document/line order."""
    return read_wanted(db_path).passages


class _Later:
    """A value made in a background thread (model, tokenizer) while the rest of the index opens."""

    def __init__(self, name: str, make: Callable[[], Any]) -> None:
        self._make = make
        self._value: Any = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._value = self._make()
        except BaseException as exc:  # re-raised in the caller's thread by get()
            self._error = exc

    def get(self) -> Any:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value


class JiebaBM25Retriever(BaseRetriever):
    """BM25 over a version's rows; llama-index's own BM25 retriever cannot tokenize Chinese."""

    def __init__(self, rows: RowTable, bm25: Any, tokenizer: Tokenizer, top_k: int = 20,
                 doc_ids: list[str] | None = None) -> None:
        super().__init__()
        self._rows = rows
        self._bm25 = bm25
        self._tokenize = tokenizer
        self.top_k = top_k
        self.doc_ids = doc_ids

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        if self._bm25 is None:
            return []
        ids = self._bm25.get_tokens_ids(self._tokenize(query_bundle.query_str))
        if not ids:
            return []
        scores = self._bm25.get_scores(ids)
        mask = self._rows.mask(self.doc_ids)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        top = top_rows(scores, self.top_k)
        return [NodeWithScore(node=passage_node(self._rows.passage(i)), score=float(scores[i]))
                for i in top if scores[i] > 0]


class NarrativeRetriever:
    """Hybrid retrieval over one index version, restricted to given documents on request."""

    def __init__(self, version: IndexVersion, model: _Later, lexical: _Later, qdrant_url: str = "") -> None:
        self._version = version
        self._qdrant_url = qdrant_url
        self._model = model
        self._lexical = lexical  # (Tokenizer, bm25s index)
        self._dense_index: VectorStoreIndex | None = None
        self._lock = threading.Lock()  # shared by app sessions; the model is not known to be thread-safe

    @classmethod
    def load(cls, settings: Settings, embed_model: BaseEmbedding | None = None) -> "NarrativeRetriever":
        """Open the current version, rebuilding it first when it is stale or damaged (see ``_checked``)."""
        started = time.perf_counter()
        version = _checked(settings, embed_model)
        words = tuple(version.manifest.get("words", ()))  # cut the query as the index was cut
        tokenizer = _Later("tokenizer", lambda: shared_tokenizer(words))  # jieba's dictionary: the longest part
        if embed_model is not None:
            model = _Later("embed-model", lambda: embed_model)
        else:
            model = _Later("embed-model", lambda: _warm(build_embed_model(version.embed_model)))
        lexical = _Later("bm25", lambda: (tokenizer.get(), load_bm25(version.bm25_path)))
        logger.info("narrative index %s opened: %d passages in %.2fs", version.path.name, len(version.rows),
                    time.perf_counter() - started)
        return cls(version, model, lexical, settings.qdrant_url)

    @classmethod
    def build(cls, passages: list[Passage], settings: Settings,
              embed_model: BaseEmbedding | None = None) -> "NarrativeRetriever":
        """Index ``passages`` directly (no database) into settings.index_path and open it."""
        embed_model = embed_model or build_embed_model(settings.embed_model)
        build_index(passages, settings.index_path, settings.embed_model, embed_model, settings.qdrant_url)
        return cls.load(settings, embed_model)

    def __len__(self) -> int:
        return len(self._version.rows)

    def retrieve(self, query: str, doc_ids: list[str] | None = None, k: int = 5,
                 mode: Mode = "hybrid") -> list[ScoredPassage]:
        """The ``k`` passages that best answer ``query`` (in ``doc_ids`` when given), best first."""
        if mode not in ("hybrid", "bm25", "dense"):
            raise ValueError(f"unknown retrieval mode {mode!r}")
        query = query.strip()
        if not query or not len(self) or (doc_ids is not None and not doc_ids):
            return []
        with self._lock:
            return self._retrieve(query, doc_ids, k, mode)

    def _retrieve(self, query: str, doc_ids: list[str] | None, k: int, mode: Mode) -> list[ScoredPassage]:
        started = time.perf_counter()
        depth = max(4 * k, 20)
        ranked: list[list[NodeWithScore]] = []
        if mode in ("hybrid", "bm25"):
            tokenizer, bm25 = self._lexical.get()
            ranked.append(JiebaBM25Retriever(self._version.rows, bm25, tokenizer, depth, doc_ids).retrieve(query))
        if mode in ("hybrid", "dense"):
            ranked.append(self._dense_hits(query, depth, doc_ids))
        if mode == "hybrid":
            hits = _fuse(ranked)[:k]
        else:
            hits = [(h.node, float(h.score or 0.0)) for h in ranked[0][:k]]
        result = [ScoredPassage(node_passage(node), score) for node, score in hits]
        logger.info("retrieve mode=%s k=%d docs=%s: %d hits in %.1f ms", mode, k,
                    len(doc_ids) if doc_ids is not None else "all", len(result),
                    1000 * (time.perf_counter() - started))
        return result

    def _dense_hits(self, query: str, depth: int, doc_ids: list[str] | None) -> list[NodeWithScore]:
        if self._version.manifest["vectors"] != "qdrant":
            return self._dense(depth, doc_ids).retrieve(query)
        from index.search.qdrant import reporting

        with reporting(self._qdrant_url):
            return self._dense(depth, doc_ids).retrieve(query)

    def _dense(self, depth: int, doc_ids: list[str] | None) -> Any:
        if self._dense_index is None:
            manifest = self._version.manifest
            if manifest["vectors"] == "qdrant":
                from index.search.qdrant import vector_store

                store = vector_store(self._qdrant_url, manifest["collection"])
            else:
                store = ArrayVectorStore(self._version.rows, self._version.vectors)
            self._dense_index = VectorStoreIndex.from_vector_store(store, embed_model=self._model.get(),
                                                                   transformations=[NoInsert()])
        filters = None
        if doc_ids is not None:
            filters = MetadataFilters(filters=[MetadataFilter(key="doc_id", value=list(doc_ids),
                                                              operator=FilterOperator.IN)])
        return self._dense_index.as_retriever(similarity_top_k=depth, filters=filters)


def _checked(settings: Settings, embed_model: BaseEmbedding | None) -> IndexVersion:
    """The current version, verified against the passages table (its fingerprint) and repaired when off.

    An index never built raises ``IndexMissingError`` (ingestion builds it); a
    stale or damaged one, or what a killed refresh left, is rebuilt here. Without
    a database there is nothing to check against (an index built from passages
    directly). When another process is writing a new version, or the database
    is busy, a stale but complete version is used as it is.
    """
    layout = IndexLayout(settings.index_path)
    version = current_version(layout)
    if version is None and not layout.holds_files():
        raise IndexMissingError(settings.index_path)
    try:
        digest = database_digest(settings.db_path) if settings.db_path.exists() else None
    except DatabaseUnavailableError as exc:
        logger.warning("narrative index not checked: %s", exc.user_message)
        digest = None
    wanted = None if digest is None else fingerprint(digest, settings.embed_model, settings.qdrant_url)
    if wanted is not None and (version is None or version.fingerprint != wanted):
        logger.warning("narrative index %s: rebuilding it from the passages table",
                       "is missing or damaged" if version is None else "is out of date")
        try:
            refresh(settings, embed_model, wait=version is None)
        except (DatabaseUnavailableError, IndexUnavailableError) as exc:
            if version is None:
                raise
            logger.warning("narrative index left as it is for now: %s", exc.user_message)
            return version
        version = current_version(layout)
    if version is None:
        raise IndexMissingError(settings.index_path)
    return version


def _warm(model: BaseEmbedding) -> BaseEmbedding:
    """The model after one query (the first one pays for loading weights and starting threads)."""
    model.get_query_embedding(WARM_UP_QUERY)
    return model


def _fuse(rankings: list[list[NodeWithScore]]) -> list[tuple[Any, float]]:
    """Reciprocal rank fusion by passage id: score = Σ 1 / (60 + rank); (node, score) best first."""
    scores: dict[str, float] = {}
    nodes: dict[str, Any] = {}
    for ranking in rankings:
        for rank, hit in enumerate(ranking, start=1):
            key = hit.node.metadata["passage_id"]
            scores[key] = scores.get(key, 0.0) + 1.0 / (RRF_K + rank)
            nodes[key] = hit.node
    return [(nodes[node_id], score) for node_id, score in sorted(scores.items(), key=lambda item: -item[1])]
