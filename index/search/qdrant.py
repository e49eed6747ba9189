"""Passage vectors in Qdrant (optional: requirements-cluster.txt), behind llama-index's QdrantVectorStore.

With ``BUDGET_QDRANT_URL`` set, an index version keeps its passages and BM25
index in the index folder as usual, and its vectors in the Qdrant collection
``budget_passages_<model>``: a server URL (``http://host:6333``) for a cluster,
a folder path for qdrant-client's embedded local mode (one process at a time),
or ``:memory:`` (tests). Points are keyed by the passage's row key, so a refresh
syncs by difference: points of passages no longer wanted are deleted, missing
ones upserted, vectors of known texts fetched back from the collection. The
sync is idempotent: a refresh killed halfway is finished by the next one.
"""
from __future__ import annotations

import atexit
import logging
import uuid
from contextlib import contextmanager
from functools import cache
from typing import Any, Callable, Iterator

import numpy as np

from index.errors import IndexUnavailableError
from index.search.embedding_cache import EmbeddingCache
from index.search.layout import stage

logger = logging.getLogger(__name__)

NAMESPACE = uuid.UUID("6f1d2c62-5b0e-4c53-9d1e-3a8f0f6b2a41")
BATCH = 512


@cache
def qdrant_client(location: str) -> Any:
    """One client per location and process (embedded local mode allows a single client per folder)."""
    try:
        from qdrant_client import QdrantClient
    except ImportError as exc:
        raise IndexUnavailableError(location, "未安装 qdrant-client（见 requirements-cluster.txt）") from exc
    if location.startswith(("http://", "https://")):
        client = QdrantClient(url=location)
    elif location == ":memory:":
        client = QdrantClient(location=":memory:")
    else:
        client = QdrantClient(path=location)
    atexit.register(client.close)  # before interpreter shutdown, when closing still works
    return client


@contextmanager
def reporting(location: str) -> Iterator[None]:
    """Qdrant failures (server down, refused request) as ``IndexUnavailableError``."""
    from qdrant_client.http.exceptions import ApiException, ResponseHandlingException

    try:
        yield
    except (ApiException, ResponseHandlingException, OSError, RuntimeError) as exc:
        raise IndexUnavailableError(location, f"Qdrant：{str(exc)[:200]}") from exc


def collection_name(model_slug: str) -> str:
    return f"budget_passages_{model_slug}".replace("-", "_")


def point_id(row_key: bytes) -> str:
    return str(uuid.uuid5(NAMESPACE, row_key.decode("ascii")))


def vector_store(location: str, collection: str) -> Any:
    """The llama-index vector store over the collection (stores text: hits come back as passage nodes)."""
    from llama_index.vector_stores.qdrant import QdrantVectorStore

    server = location.startswith(("http://", "https://"))  # embedded mode has no payload indexes
    return QdrantVectorStore(collection_name=collection, client=qdrant_client(location), index_doc_id=server)


def point_count(location: str, collection: str) -> int:
    client = qdrant_client(location)
    if not client.collection_exists(collection):
        return 0
    return int(client.count(collection, exact=True).count)


def sync(location: str, collection: str, wanted: Any, cache: EmbeddingCache,
         load_model: Callable[[], Any]) -> tuple[int, int, int]:
    """Make the collection hold exactly ``wanted``'s passages; (embedded, reused, dimension)."""
    from index.search.vector_store import passage_node

    client = qdrant_client(location)
    ids = [point_id(key) for key in wanted.row_keys]
    present = _present_ids(client, collection)
    stale = list(present - set(ids))
    missing = [i for i, point in enumerate(ids) if point not in present]
    texts = {wanted.text_keys[i]: wanted.passages[i].text for i in missing}
    store = vector_store(location, collection)
    if texts and present:
        _fetch_known(client, collection, store.dense_vector_name, texts, cache)
    embedded = cache.embed(texts, load_model)
    dim = next((int(v.shape[0]) for v in cache.vectors.values()), 0) or _dimension(client, collection)
    for start in range(0, len(missing), BATCH):
        nodes = []
        for i in missing[start:start + BATCH]:
            node = passage_node(wanted.passages[i])
            node.id_ = ids[i]
            node.metadata["text_key"] = wanted.text_keys[i].decode("ascii")
            node.embedding = cache.vectors[wanted.text_keys[i]].tolist()
            nodes.append(node)
        store.add(nodes)
        stage(f"upserted {min(start + BATCH, len(missing))}/{len(missing)}")
    if stale:
        store.delete_nodes(node_ids=stale)
    logger.info("qdrant %s: %d points added, %d removed, %d embedded", collection, len(missing), len(stale), embedded)
    return embedded, len(ids) - embedded, dim


def _present_ids(client: Any, collection: str) -> set[str]:
    if not client.collection_exists(collection):
        return set()
    ids: set[str] = set()
    offset = None
    while True:
        points, offset = client.scroll(collection, limit=10_000, offset=offset, with_payload=False,
                                       with_vectors=False)
        ids.update(str(p.id) for p in points)
        if offset is None:
            return ids


def _fetch_known(client: Any, collection: str, vector_name: str, texts: dict[bytes, str],
                 cache: EmbeddingCache) -> None:
    """Vectors of texts the collection already holds (e.g. a passage whose lines moved), by text key."""
    from qdrant_client import models

    keys = [k.decode("ascii") for k in texts]
    for start in range(0, len(keys), 1000):
        condition = models.FieldCondition(key="text_key", match=models.MatchAny(any=keys[start:start + 1000]))
        points, _ = client.scroll(collection, scroll_filter=models.Filter(must=[condition]), limit=10_000,
                                  with_payload=["text_key"], with_vectors=True)
        for p in points:
            vector = p.vector[vector_name] if isinstance(p.vector, dict) else p.vector
            cache.add_known(np.array([p.payload["text_key"]], dtype="S64"), np.asarray([vector], dtype=np.float32))


def _dimension(client: Any, collection: str) -> int:
    if not client.collection_exists(collection):
        return 0
    vectors = client.get_collection(collection).config.params.vectors
    return int(next(iter(vectors.values())).size if isinstance(vectors, dict) else vectors.size)
