"""Dense vectors of a version behind llama-index's vector-store interface (向量存储).

``ArrayVectorStore`` answers ``VectorStoreQuery``s from a memory-mapped numpy
matrix: exact cosine similarity (vectors are L2-normalised), restricted by a
``doc_id`` filter, passages decoded only for the hits. It is read-only: a
refresh writes a new version (index/search/build.py). Any other llama-index
vector store (e.g. Qdrant, index/search/qdrant.py) can answer the same queries.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from llama_index.core.bridge.pydantic import PrivateAttr
from llama_index.core.schema import BaseNode, NodeRelationship, RelatedNodeInfo, TextNode, TransformComponent
from llama_index.core.vector_stores.types import (
    BasePydanticVectorStore, FilterOperator, MetadataFilters, VectorStoreQuery, VectorStoreQueryResult,
)

from index.model import Passage, PassageKind
from index.search.version import RowTable, top_rows

METADATA_KEYS = ["passage_id", "doc_id", "kind", "section_path", "line_start", "line_end", "page"]


def passage_node(passage: Passage) -> TextNode:
    """A llama-index node for a passage; its metadata is neither embedded nor shown to an LLM."""
    metadata = {
        "passage_id": passage.passage_id,
        "doc_id": passage.doc_id,
        "kind": passage.kind.value,
        "section_path": " > ".join(passage.section_path),
        "line_start": passage.line_start,
        "line_end": passage.line_end,
        "page": passage.page,
    }
    # the source relationship makes llama-index's own "doc_id" (ref_doc_id) our document id
    return TextNode(
        id_=passage.passage_id,
        text=passage.text,
        metadata=metadata,
        excluded_embed_metadata_keys=list(METADATA_KEYS),
        excluded_llm_metadata_keys=list(METADATA_KEYS),
        relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=passage.doc_id)},
    )


def node_passage(node: BaseNode) -> Passage:
    meta = node.metadata
    return Passage(
        passage_id=meta["passage_id"],
        doc_id=meta["doc_id"],
        kind=PassageKind(meta["kind"]),
        section_path=tuple(meta["section_path"].split(" > ")) if meta["section_path"] else (),
        text=node.get_content(),
        line_start=int(meta["line_start"]),
        line_end=int(meta["line_end"]),
        page=meta.get("page"),
    )


def doc_filter(filters: MetadataFilters | None, doc_ids: list[str] | None = None) -> list[str] | None:
    """The documents a query is restricted to (a ``doc_id`` EQ/IN filter, or ``doc_ids``); None: all."""
    allowed = None if doc_ids is None else list(doc_ids)
    for item in (filters.filters if filters is not None else []):
        if getattr(item, "key", None) != "doc_id" or item.operator not in (FilterOperator.EQ, FilterOperator.IN):
            raise NotImplementedError(f"ArrayVectorStore filters on doc_id (EQ, IN) only, not {item!r}")
        values = list(item.value) if item.operator is FilterOperator.IN else [item.value]
        allowed = values if allowed is None else [d for d in allowed if d in values]
    return allowed


class NoInsert(TransformComponent):
    """The transformations of a query-only ``VectorStoreIndex``: nodes are never inserted through it.

    Given explicitly, it spares loading llama-index's default node parser (and its tokenizer, 0.4 s).
    """

    def __call__(self, nodes: Sequence[BaseNode], **kwargs: Any) -> Sequence[BaseNode]:
        raise NotImplementedError("the narrative index is written by refresh_index, not through llama-index")


class ArrayVectorStore(BasePydanticVectorStore):
    """A version's passage embeddings (memory-mapped float32 rows) with its rows as the text store."""

    stores_text: bool = True
    flat_metadata: bool = True
    _rows: RowTable = PrivateAttr()
    _vectors: np.ndarray = PrivateAttr()

    def __init__(self, rows: RowTable, vectors: np.ndarray, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._rows = rows
        self._vectors = vectors

    @classmethod
    def class_name(cls) -> str:
        return "ArrayVectorStore"

    @property
    def client(self) -> Any:
        return None

    def add(self, nodes: Sequence[BaseNode], **kwargs: Any) -> list[str]:
        raise NotImplementedError("a version is read-only: refresh_index writes a new one")

    def delete(self, ref_doc_id: str, **delete_kwargs: Any) -> None:
        raise NotImplementedError("a version is read-only: refresh_index writes a new one")

    def query(self, query: VectorStoreQuery, **kwargs: Any) -> VectorStoreQueryResult:
        if query.query_embedding is None or not len(self._rows):
            return VectorStoreQueryResult(nodes=[], similarities=[], ids=[])
        vector = np.asarray(query.query_embedding, dtype=np.float32)
        mask = self._rows.mask(doc_filter(query.filters, query.doc_ids))
        if mask is None:
            candidates, scores = None, self._vectors @ vector
        else:
            candidates = np.flatnonzero(mask)
            scores = self._vectors[candidates] @ vector if len(candidates) else np.zeros(0, np.float32)
        top = top_rows(scores, query.similarity_top_k)
        rows = top if candidates is None else candidates[top]
        nodes = [passage_node(self._rows.passage(int(row))) for row in rows]
        return VectorStoreQueryResult(nodes=nodes, similarities=[float(scores[i]) for i in top],
                                      ids=[n.node_id for n in nodes])
