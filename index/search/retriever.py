"""Narrative retrieval (段落检索): BM25 over jieba tokens + dense similarity, fused by reciprocal rank.

The persisted index lives in ``settings.index_path``:

    manifest.json                 fingerprint of the passages + model, node order
    docstore.json, …              llama-index VectorStoreIndex (SimpleVectorStore)
    bm25/                         bm25s index over jieba tokens
    embeddings-<model>.npz        embedding cache keyed by passage-text hash

``refresh_index(settings)`` rebuilds it from the ``passages`` table when the
passages or the model changed; unchanged passage texts are not re-embedded.
``NarrativeRetriever.load(settings)`` opens it for questions.
"""
from __future__ import annotations

import hashlib
import json
import logging
import re
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import bm25s
import numpy as np
from llama_index.core import StorageContext, VectorStoreIndex, load_index_from_storage
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeRelationship, NodeWithScore, QueryBundle, RelatedNodeInfo, TextNode
from llama_index.core.storage.docstore import SimpleDocumentStore
from llama_index.core.storage.index_store import SimpleIndexStore
from llama_index.core.vector_stores import FilterOperator, MetadataFilter, MetadataFilters, SimpleVectorStore
from llama_index.core.vector_stores.simple import SimpleVectorStoreData

from index.config import Settings
from index.search.embeddings import build_embed_model
from index.errors import IndexMissingError
from index.model import Passage, PassageKind

logger = logging.getLogger(__name__)
logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s sets its own logger to DEBUG on import

Mode = Literal["hybrid", "bm25", "dense"]
RRF_K = 60
MANIFEST = "manifest.json"
METADATA_KEYS = ["passage_id", "doc_id", "kind", "section_path", "line_start", "line_end", "page"]
DOMAIN_WORDS = [
    "一般公共预算", "政府性基金预算", "国有资本经营预算", "三公经费", "机关运行经费", "财政拨款",
    "基本支出", "项目支出", "人员经费", "公用经费", "结转结余", "政府采购", "社会保险补贴",
    "公益性岗位", "就业补助", "职业年金", "养老保险", "住房公积金", "绩效目标", "名词解释",
    "年初预算", "决算数", "预算数", "三支一扶", "国有资产", "公务用车", "公务接待",
]
STOPWORDS = set("的 了 是 在 和 与 及 为 有 等 吗 呢 么 啊 哪 请 问 多少 什么 哪些 如何 怎么 怎样 为什么 是否 情况 一下".split())
_TOKEN = re.compile(r"[\u4e00-\u9fff0-9a-zA-Z]")


@dataclass(frozen=True)
class ScoredPassage:
    passage: Passage
    score: float


def data_version(settings: Settings) -> tuple[int, int]:
    """Changes whenever the database or the narrative index is rewritten (readers reload then)."""
    manifest = settings.index_path / MANIFEST
    return tuple(p.stat().st_mtime_ns if p.exists() else 0 for p in (settings.db_path, manifest))


class _Tokenizer:
    """jieba (search mode) with budget terms added, on a private dictionary instance."""

    def __init__(self) -> None:
        import jieba

        jieba.setLogLevel(logging.WARNING)  # jieba logs its dictionary loading to stderr at DEBUG
        self._jieba = jieba.Tokenizer()
        self._jieba.initialize()
        for word in DOMAIN_WORDS:
            self._jieba.add_word(word)

    def __call__(self, text: str) -> list[str]:
        tokens = (t.strip().lower() for t in self._jieba.cut_for_search(text.replace("“", "").replace("”", "")))
        return [t for t in tokens if t and _TOKEN.search(t) and t not in STOPWORDS]


class JiebaBM25Retriever(BaseRetriever):
    """BM25 (bm25s) over jieba tokens; llama-index's own BM25 retriever cannot tokenize Chinese."""

    def __init__(self, nodes: list[TextNode], bm25: bm25s.BM25, tokenizer: _Tokenizer, top_k: int = 20,
                 doc_ids: set[str] | None = None) -> None:
        super().__init__()
        self._nodes = nodes
        self._bm25 = bm25
        self._tokenize = tokenizer
        self.top_k = top_k
        self.allowed_doc_ids = doc_ids

    def configured(self, top_k: int, doc_ids: list[str] | None) -> "JiebaBM25Retriever":
        """A retriever over the same index with its own depth and document restriction (thread-safe use)."""
        return JiebaBM25Retriever(self._nodes, self._bm25, self._tokenize, top_k,
                                  set(doc_ids) if doc_ids is not None else None)

    @classmethod
    def build(cls, nodes: list[TextNode], tokenizer: _Tokenizer) -> "JiebaBM25Retriever":
        bm25 = bm25s.BM25()
        bm25.index([tokenizer(bm25_text(node)) or ["_"] for node in nodes], show_progress=False)
        return cls(nodes, bm25, tokenizer)

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        if not self._nodes:
            return []
        tokens = self._tokenize(query_bundle.query_str)
        ids = self._bm25.get_tokens_ids(tokens)
        if not ids:
            return []
        scores = self._bm25.get_scores(ids)
        order = np.argsort(-scores, kind="stable")
        hits = []
        for i in order:
            if scores[i] <= 0 or len(hits) >= self.top_k:
                break
            node = self._nodes[int(i)]
            if self.allowed_doc_ids is None or node.metadata["doc_id"] in self.allowed_doc_ids:
                hits.append(NodeWithScore(node=node, score=float(scores[i])))
        return hits


def bm25_text(node: TextNode) -> str:
    """What BM25 sees: the passage, its section heading and its department (dense sees the passage only)."""
    meta = node.metadata
    department = meta["doc_id"].split("-", 3)[-1]
    heading = meta["section_path"].rsplit(" > ", 1)[-1]
    return f"{department}\n{heading}\n{node.text}"


def _text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _slug(name: str) -> str:
    return re.sub(r"[^0-9A-Za-z]+", "-", name).strip("-")[-60:] or "model"


def _fingerprint(passages: list[Passage], model_name: str) -> str:
    digest = hashlib.sha256(model_name.encode("utf-8"))
    for p in passages:
        digest.update(f"\x00{p.passage_id}\x00{p.kind.value}\x00{'>'.join(p.section_path)}\x00".encode("utf-8"))
        digest.update(p.text.encode("utf-8"))
    return digest.hexdigest()


def _node(passage: Passage) -> TextNode:
    metadata = {
        "passage_id": passage.passage_id,
        "doc_id": passage.doc_id,
        "kind": passage.kind.value,
        "section_path": " > ".join(passage.section_path),
        "line_start": passage.line_start,
        "line_end": passage.line_end,
        "page": passage.page,
    }
    # the source relationship makes llama-index's own "doc_id" (ref_doc_id) our document id,
    # so vector-store filters on doc_id work
    return TextNode(
        id_=passage.passage_id,
        text=passage.text,
        metadata=metadata,
        excluded_embed_metadata_keys=list(METADATA_KEYS),
        excluded_llm_metadata_keys=list(METADATA_KEYS),
        relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=passage.doc_id)},
    )


def _passage(node: TextNode) -> Passage:
    meta = node.metadata
    return Passage(
        passage_id=meta["passage_id"],
        doc_id=meta["doc_id"],
        kind=PassageKind(meta["kind"]),
        section_path=tuple(meta["section_path"].split(" > ")) if meta["section_path"] else (),
        text=node.text,
        line_start=int(meta["line_start"]),
        line_end=int(meta["line_end"]),
        page=meta.get("page"),
    )


class EmbeddingCache:
    """Passage embeddings keyed by text hash, one .npz per model, so re-ingestion re-embeds only new text."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.vectors: dict[str, np.ndarray] = {}
        self.hits = 0
        self.misses = 0
        if path.exists():
            with np.load(path) as data:
                self.vectors = dict(zip(data["keys"].tolist(), data["vectors"]))

    def embed(self, texts: list[str], model: BaseEmbedding) -> list[list[float]]:
        keys = [_text_key(t) for t in texts]
        missing = sorted({k: t for k, t in zip(keys, texts) if k not in self.vectors}.items())
        self.misses = len(missing)
        self.hits = len(set(keys)) - self.misses
        if missing:
            started = time.perf_counter()
            vectors = model.get_text_embedding_batch([t for _, t in missing])
            for (key, _), vector in zip(missing, vectors):
                self.vectors[key] = np.asarray(vector, dtype=np.float32)
            logger.info("embedded %d passages in %.1fs", len(missing), time.perf_counter() - started)
        return [self.vectors[k].tolist() for k in keys]

    def save(self) -> None:
        keys = sorted(self.vectors)
        vectors = np.stack([self.vectors[k] for k in keys]) if keys else np.zeros((0, 0), dtype=np.float32)
        tmp = self.path.with_suffix(".tmp.npz")
        np.savez(tmp, keys=np.array(keys), vectors=vectors)
        tmp.replace(self.path)


def build_index(passages: list[Passage], index_path: Path, model_name: str, embed_model: BaseEmbedding) -> dict:
    """Write the index for ``passages`` to ``index_path``; returns the manifest (with cache hits/misses)."""
    started = time.perf_counter()
    index_path.mkdir(parents=True, exist_ok=True)
    nodes = [_node(p) for p in passages]
    cache = EmbeddingCache(index_path / f"embeddings-{_slug(model_name)}.npz")
    for node, vector in zip(nodes, cache.embed([n.text for n in nodes], embed_model)):
        node.embedding = vector
    cache.save()

    for stale in ("docstore.json", "index_store.json", "default__vector_store.json", "graph_store.json",
                  "image__vector_store.json"):
        (index_path / stale).unlink(missing_ok=True)
    shutil.rmtree(index_path / "bm25", ignore_errors=True)
    storage = StorageContext.from_defaults()
    VectorStoreIndex(nodes=nodes, storage_context=storage, embed_model=embed_model, show_progress=False)
    storage.persist(persist_dir=str(index_path))
    if nodes:
        JiebaBM25Retriever.build(nodes, _Tokenizer())._bm25.save(str(index_path / "bm25"), show_progress=False)

    manifest = {
        "fingerprint": _fingerprint(passages, model_name),
        "embed_model": model_name,
        "node_ids": [n.node_id for n in nodes],
        "cache_hits": cache.hits,
        "cache_misses": cache.misses,
    }
    (index_path / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    logger.info("narrative index: %d passages, %d embedded, %d from cache, %.1fs",
                len(nodes), cache.misses, cache.hits, time.perf_counter() - started)
    return manifest


def read_manifest(index_path: Path) -> dict | None:
    path = index_path / MANIFEST
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def read_passages(db_path: Path) -> list[Passage]:
    """The ``passages`` table, read-only, in document/line order."""
    import duckdb

    if not db_path.exists():
        return []
    with duckdb.connect(str(db_path), read_only=True) as con:
        known = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        if "passages" not in known:
            return []
        rows = con.execute(
            "SELECT passage_id, doc_id, kind, section_path, text, line_start, line_end, page "
            "FROM passages ORDER BY doc_id, line_start, passage_id"
        ).fetchall()
    return [
        Passage(pid, doc, PassageKind(kind), tuple(path.split(" > ")) if path else (), text, start, end, page)
        for pid, doc, kind, path, text, start, end, page in rows
    ]


def refresh_index(settings: Settings, embed_model: BaseEmbedding | None = None) -> None:
    """Rebuild the persisted index from the passages table when passages or model changed (索引更新)."""
    passages = read_passages(settings.db_path)
    manifest = read_manifest(settings.index_path)
    if manifest and manifest["fingerprint"] == _fingerprint(passages, settings.embed_model):
        logger.info("narrative index is up to date (%d passages)", len(passages))
        return
    build_index(passages, settings.index_path, settings.embed_model,
                embed_model or build_embed_model(settings.embed_model))


class NarrativeRetriever:
    """Hybrid retrieval over the persisted passages, restricted to given documents on request."""

    def __init__(self, index: VectorStoreIndex, bm25: JiebaBM25Retriever, nodes: dict[str, TextNode]) -> None:
        self._index = index
        self._bm25 = bm25
        self._nodes = nodes
        self._lock = threading.Lock()  # shared by app sessions; the BM25 retriever is reconfigured per query

    @classmethod
    def load(cls, settings: Settings, embed_model: BaseEmbedding | None = None) -> "NarrativeRetriever":
        started = time.perf_counter()
        path = settings.index_path
        manifest = read_manifest(path)
        if manifest is None:
            raise IndexMissingError(path)
        embed_model = embed_model or build_embed_model(manifest["embed_model"])
        storage = StorageContext.from_defaults(
            docstore=SimpleDocumentStore.from_persist_dir(str(path)),
            index_store=SimpleIndexStore.from_persist_dir(str(path)),
            vector_store=_load_vector_store(path),
        )
        index = load_index_from_storage(storage, embed_model=embed_model)
        docstore = index.docstore.docs
        nodes = [docstore[node_id] for node_id in manifest["node_ids"]]
        tokenizer = _Tokenizer()
        if nodes:
            bm25 = JiebaBM25Retriever(nodes, bm25s.BM25.load(str(path / "bm25")), tokenizer)
        else:
            bm25 = JiebaBM25Retriever([], bm25s.BM25(), tokenizer)
        logger.info("narrative index loaded: %d passages in %.2fs", len(nodes), time.perf_counter() - started)
        return cls(index, bm25, {n.node_id: n for n in nodes})

    @classmethod
    def build(cls, passages: list[Passage], settings: Settings,
              embed_model: BaseEmbedding | None = None) -> "NarrativeRetriever":
        """Index ``passages`` directly (no database) into settings.index_path and open it."""
        embed_model = embed_model or build_embed_model(settings.embed_model)
        build_index(passages, settings.index_path, settings.embed_model, embed_model)
        return cls.load(settings, embed_model)

    def __len__(self) -> int:
        return len(self._nodes)

    def retrieve(self, query: str, doc_ids: list[str] | None = None, k: int = 5,
                 mode: Mode = "hybrid") -> list[ScoredPassage]:
        """The ``k`` passages that best answer ``query`` (in ``doc_ids`` when given), best first."""
        with self._lock:
            return self._retrieve(query, doc_ids, k, mode)

    def _retrieve(self, query: str, doc_ids: list[str] | None, k: int, mode: Mode) -> list[ScoredPassage]:
        if mode not in ("hybrid", "bm25", "dense"):
            raise ValueError(f"unknown retrieval mode {mode!r}")
        query = query.strip()
        if not query or not self._nodes or (doc_ids is not None and not doc_ids):
            return []
        started = time.perf_counter()
        depth = max(4 * k, 20)
        ranked: list[list[NodeWithScore]] = []
        if mode in ("hybrid", "bm25"):
            ranked.append(self._bm25.configured(depth, doc_ids).retrieve(query))
        if mode in ("hybrid", "dense"):
            ranked.append(self._dense(depth, doc_ids).retrieve(query))
        if mode == "hybrid":
            hits = _fuse(ranked)[:k]
        else:
            hits = [(h.node.node_id, float(h.score or 0.0)) for h in ranked[0][:k]]
        result = [ScoredPassage(_passage(self._nodes[node_id]), score) for node_id, score in hits]
        logger.info("retrieve mode=%s k=%d docs=%s: %d hits in %.1f ms", mode, k,
                    len(doc_ids) if doc_ids is not None else "all", len(result),
                    1000 * (time.perf_counter() - started))
        return result

    def _dense(self, depth: int, doc_ids: list[str] | None) -> BaseRetriever:
        filters = None
        if doc_ids is not None:
            filters = MetadataFilters(filters=[MetadataFilter(key="doc_id", value=list(doc_ids),
                                                              operator=FilterOperator.IN)])
        return self._index.as_retriever(similarity_top_k=depth, filters=filters)


def _load_vector_store(path: Path) -> SimpleVectorStore:
    """The persisted SimpleVectorStore, read with json (its own loader decodes floats one by one: seconds)."""
    data = json.loads((path / "default__vector_store.json").read_text(encoding="utf-8"))
    return SimpleVectorStore(data=SimpleVectorStoreData(**data))


def _fuse(rankings: list[list[NodeWithScore]]) -> list[tuple[str, float]]:
    """Reciprocal rank fusion: score = Σ 1 / (60 + rank)."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, hit in enumerate(ranking, start=1):
            scores[hit.node.node_id] = scores.get(hit.node.node_id, 0.0) + 1.0 / (RRF_K + rank)
    return sorted(scores.items(), key=lambda item: -item[1])
