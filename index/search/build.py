"""Refreshing the narrative index (索引更新): the passages table → a new version, incrementally.

Each passage row has a key (md5 of all its fields, computed by DuckDB) and a
text key (sha256 of its text). The index fingerprint is a digest of every row
key plus the model name and the index format: ``refresh_index`` compares it with
the current version's and, when they differ (or the version is damaged), writes a
new version that reuses what did not change: rows, BM25 token ids and vectors
of unchanged passages are copied, vectors of known texts are looked up, and only
new texts are embedded (index/search/embedding_cache.py). Then the pointer is
switched (index/search/layout.py).
"""
from __future__ import annotations

import hashlib
import logging
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from index.config import Settings
from index.errors import DatabaseUnavailableError, IndexUnavailableError
from index.model import Passage, PassageKind
from index.search.embedding_cache import EmbeddingCache
from index.search.layout import IndexLayout, stage
from index.search.version import (
    FORMAT, DamagedIndexError, IndexVersion, VersionContent, open_version, passage_json, write_version,
)

logger = logging.getLogger(__name__)

ROWS_SQL = """
SELECT passage_id, doc_id, kind, section_path, text, line_start, line_end, page,
       md5(concat_ws(chr(31), passage_id, doc_id, kind, coalesce(section_path, ''), text,
                     coalesce(CAST(line_start AS VARCHAR), ''), coalesce(CAST(line_end AS VARCHAR), ''),
                     coalesce(CAST(page AS VARCHAR), ''))) AS row_key,
       sha256(text) AS text_key
FROM passages
"""
DIGEST_SQL = f"SELECT count(*), md5(coalesce(string_agg(row_key, ',' ORDER BY passage_id), '')) FROM ({ROWS_SQL})"
ORDERED_ROWS_SQL = f"{ROWS_SQL} ORDER BY doc_id, line_start, passage_id"
EMPTY_DIGEST = f"0:{hashlib.md5(b'').hexdigest()}"  # what DIGEST_SQL gives for no rows
BUSY = "另一个进程正在更新段落索引"


@dataclass
class WantedRows:
    """The passages an index should hold, with their keys, and the digest of all row keys."""

    passages: list[Passage]
    row_keys: list[bytes]
    text_keys: list[bytes]
    digest: str
    words: tuple[str, ...] = ()  # the catalog's words for the tokenizer (tokens.catalog_words)


def fingerprint(digest: str, model_name: str, qdrant_url: str = "") -> str:
    """What a version must record to be current: index format, tokenizer, embedding model, where vectors
    live, passages."""
    from index.search.tokens import SIGNATURE

    key = f"{FORMAT}\n{SIGNATURE}\n{model_name}\n{qdrant_url}\n{digest}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def model_slug(name: str) -> str:
    return re.sub(r"[^0-9A-Za-z]+", "-", name).strip("-")[-60:] or "model"


def database_digest(db_path: Path) -> str:
    """The digest of the ``passages`` table (of no rows when there is no database or no such table).

    Raises ``DatabaseUnavailableError`` when the database cannot be read now (e.g. another process writes it).
    """
    if not db_path.exists():
        return EMPTY_DIGEST
    with _connect(db_path) as con:
        if not _has_passages(con):
            return EMPTY_DIGEST
        count, digest = con.execute(DIGEST_SQL).fetchone()
    return f"{count}:{digest}"


def read_wanted(db_path: Path) -> WantedRows:
    """The ``passages`` table (empty when there is no database or no such table), in document/line order."""
    if not db_path.exists():
        return WantedRows([], [], [], EMPTY_DIGEST)
    with _connect(db_path) as con:
        if not _has_passages(con):
            return WantedRows([], [], [], EMPTY_DIGEST)
        return _wanted(con)


def wanted_from_passages(passages: list[Passage]) -> WantedRows:
    """Keys of passages given directly (no database), computed by the same SQL as for the table."""
    import duckdb
    import pyarrow as pa

    table = pa.table({
        "passage_id": [p.passage_id for p in passages], "doc_id": [p.doc_id for p in passages],
        "kind": [p.kind.value for p in passages], "section_path": [" > ".join(p.section_path) for p in passages],
        "text": [p.text for p in passages], "line_start": pa.array([p.line_start for p in passages], pa.int32()),
        "line_end": pa.array([p.line_end for p in passages], pa.int32()),
        "page": pa.array([p.page for p in passages], pa.int32()),
    })
    with duckdb.connect(":memory:") as con:
        con.register("passages", table)
        return _wanted(con)


def index_is_stale(settings: Settings) -> bool:
    """The index needs a refresh: one was interrupted, or the current version is damaged or differs from the
    passages table (or the model). An empty or missing folder is not stale (there is nothing to repair)."""
    layout = IndexLayout(settings.index_path)
    if layout.pending:
        return True
    if layout.current() is None:
        return layout.holds_files()
    version = current_version(layout)
    if version is None:
        return True
    try:
        digest = database_digest(settings.db_path)
    except DatabaseUnavailableError:
        return False
    return version.fingerprint != fingerprint(digest, settings.embed_model, settings.qdrant_url)


def current_version(layout: IndexLayout) -> IndexVersion | None:
    """The version ``CURRENT`` names, or None when there is none or it is damaged (logged)."""
    for _ in range(3):
        path = layout.current()
        if path is None:
            return None
        try:
            return open_version(path)
        except DamagedIndexError as exc:
            if layout.current() == path:  # else a writer switched versions meanwhile: open the new one
                logger.warning("narrative index version %s is damaged and will be rebuilt: %s", path.name, exc)
                return None
    return None


def _build_version(wanted: WantedRows, layout: IndexLayout, model_name: str, load_model: Callable[[], Any],
                   qdrant_url: str) -> dict:
    started = time.perf_counter()
    layout.mark_pending()
    current = current_version(layout)
    damaged = layout.current() if current is None else None
    old_rows = {key: i for i, key in enumerate(current.rows.row_keys.tolist())} if current else {}
    old = [old_rows.get(key) for key in wanted.row_keys]
    new = [i for i, row in enumerate(old) if row is None]

    cache = EmbeddingCache(layout.cache_dir(model_slug(model_name)))
    location: dict[str, Any] = {"vectors": "local"}
    if qdrant_url:
        from index.search import qdrant

        location = {"vectors": "qdrant", "collection": qdrant.collection_name(model_slug(model_name))}
        with qdrant.reporting(qdrant_url):
            embedded, reused, dim = qdrant.sync(qdrant_url, location["collection"], wanted, cache, load_model)
        vectors = None
    else:
        same_model = current is not None and current.embed_model == model_name and current.vectors is not None
        vectors, embedded, reused = _vectors(wanted, old, current if same_model else None,
                                             _previous(layout, current, model_name), cache,
                                             layout.root / f"embeddings-{model_slug(model_name)}.npz", load_model)
        dim = int(vectors.shape[1])
    words = tuple(sorted(set(wanted.words) | set(current.manifest.get("words", ()) if current else ())))
    tokens, token_offsets, vocab = _tokens(wanted, old, current, words)
    from index.search.tokens import SIGNATURE, build_bm25

    stage("indexing")
    bm25 = build_bm25(tokens, token_offsets, vocab)
    doc_ids = sorted({p.doc_id for p in wanted.passages})
    doc_number = {doc: i for i, doc in enumerate(doc_ids)}
    content = VersionContent(
        rows=[current.rows.raw(o) if o is not None else passage_json(p) for p, o in zip(wanted.passages, old)],
        row_keys=np.array(wanted.row_keys, dtype="S32"), text_keys=np.array(wanted.text_keys, dtype="S64"),
        doc_ids=doc_ids, doc_index=np.array([doc_number[p.doc_id] for p in wanted.passages], dtype=np.int32),
        vectors=vectors, tokens=tokens, token_offsets=token_offsets, bm25=bm25,
    )
    manifest = {
        "fingerprint": fingerprint(wanted.digest, model_name, qdrant_url), "embed_model": model_name, "dim": dim,
        **location, "tokenizer": SIGNATURE, "new_rows": len(new), "embedded": embedded, "reused": reused,
        "words": list(words),
    }
    version = layout.new_version()
    write_version(version, manifest, content)
    stage("switching")
    layout.switch(version)
    stage("switched")
    cache.clear()
    layout.clear_pending()
    if damaged is not None:
        shutil.rmtree(damaged, ignore_errors=True)
    layout.cleanup()
    logger.info("narrative index %s: %d passages (%d new, %d embedded, %d vectors reused) in %.1fs",
                version.name, len(wanted.passages), len(new), embedded, reused, time.perf_counter() - started)
    return open_version(version).manifest


def _vectors(wanted: WantedRows, old: list[int | None], source: IndexVersion | None,
             previous: IndexVersion | None, cache: EmbeddingCache, legacy: Path,
             load_model: Callable[[], Any]) -> tuple[np.ndarray, int, int]:
    """Row-aligned vectors (copied for unchanged rows, looked up by text, the rest embedded), embedded, reused.

    ``source`` is the current version when it was embedded by the same model, else None;
    ``previous`` an older version of the same model, looked up by text too.
    """
    old = old if source is not None else [None] * len(old)
    missing = {wanted.text_keys[i]: wanted.passages[i].text for i, o in enumerate(old) if o is None}
    for version in (source, previous):
        if missing and version is not None:
            known = {key: i for i, key in enumerate(version.rows.text_keys.tolist()) if key in missing}
            if known:
                rows = np.fromiter(known.values(), dtype=np.int64, count=len(known))
                cache.add_known(np.array(list(known), dtype="S64"), np.asarray(version.vectors[rows]))
    if missing:
        cache.read_legacy(legacy)
    embedded = cache.embed(missing, load_model)
    kept = [(i, o) for i, o in enumerate(old) if o is not None]
    dim = _dim(source, cache, kept)
    vectors = np.empty((len(wanted.passages), dim), dtype=np.float32)
    if kept:
        positions, rows = (np.array(v, dtype=np.int64) for v in zip(*kept))
        vectors[positions] = source.vectors[rows]
    for i, o in enumerate(old):
        if o is None:
            vectors[i] = cache.vectors[wanted.text_keys[i]]
    return vectors, embedded, len(wanted.passages) - embedded


def _previous(layout: IndexLayout, current: IndexVersion | None, model_name: str) -> IndexVersion | None:
    """The newest intact version other than the current one, embedded by the same model."""
    for path in reversed(layout.versions()):
        if current is not None and path == current.path:
            continue
        try:
            version = open_version(path)
        except DamagedIndexError:
            continue
        if version.embed_model == model_name and version.vectors is not None:
            return version
    return None


def _tokens(wanted: WantedRows, old: list[int | None], current: IndexVersion | None, words: tuple[str, ...]
            ) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
    """BM25 token ids of every row, concatenated, with row offsets and the vocabulary.

    Unchanged rows copy their ids from the current version; new rows are tokenized (jieba, with the
    catalog's ``words``, which only grow: an older row keeps the pieces of a name added later, which a
    query cut in search mode also yields).
    """
    from index.search.tokens import SIGNATURE, bm25_text, shared_tokenizer, token_ids

    if current is not None and current.manifest.get("tokenizer") != SIGNATURE:
        old, current = [None] * len(old), None  # tokenized otherwise: every row again
    vocab = current.vocab() if current is not None else {}
    new_rows = [p for p, o in zip(wanted.passages, old) if o is None]
    tokenizer = shared_tokenizer(words) if new_rows else None
    new_ids = [token_ids(tokenizer(bm25_text(p)), vocab) for p in new_rows]
    old_tokens = np.asarray(current.tokens) if current is not None else np.zeros(0, np.int32)
    old_offsets = np.asarray(current.token_offsets) if current is not None else np.zeros(1, np.int64)
    source = np.concatenate([old_tokens, np.fromiter((t for ids in new_ids for t in ids), dtype=np.int32)])
    new_lengths = np.array([len(ids) for ids in new_ids], dtype=np.int64)
    rows = np.array([-1 if o is None else o for o in old], dtype=np.int64)
    kept = rows >= 0
    starts, lengths = np.zeros(len(old), np.int64), np.zeros(len(old), np.int64)
    starts[kept], lengths[kept] = old_offsets[rows[kept]], old_offsets[rows[kept] + 1] - old_offsets[rows[kept]]
    starts[~kept], lengths[~kept] = len(old_tokens) + np.cumsum(new_lengths) - new_lengths, new_lengths
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    positions = np.arange(offsets[-1], dtype=np.int64) + np.repeat(starts - offsets[:-1], lengths)
    return source[positions].astype(np.int32), offsets, vocab


def _dim(source: IndexVersion | None, cache: EmbeddingCache, kept: list) -> int:
    if kept:
        return int(source.vectors.shape[1])
    for vector in cache.vectors.values():
        return int(vector.shape[0])
    return int(source.manifest["dim"]) if source is not None else 0


def _wanted(con: Any) -> WantedRows:
    rows = con.execute(ORDERED_ROWS_SQL).fetchall()
    count, digest = con.execute(DIGEST_SQL).fetchone()
    passages = [Passage(pid, doc, PassageKind(kind), tuple(path.split(" > ")) if path else (), text, start, end, page)
                for pid, doc, kind, path, text, start, end, page, _, _ in rows]
    from index.search.tokens import catalog_words

    return WantedRows(passages, [r[8].encode("ascii") for r in rows], [r[9].encode("ascii") for r in rows],
                      f"{count}:{digest}", catalog_words(con))


def _has_passages(con: Any) -> bool:
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    return "passages" in tables


def _connect(db_path: Path) -> Any:
    from index.store.database import connect_read_only

    return connect_read_only(db_path)


def refresh(settings: Settings, embed_model: Any = None, wait: bool = True) -> dict | None:
    """Bring ``settings.index_path`` up to date with the passages table; the new manifest, None when it was current.

    Raises ``DatabaseUnavailableError`` when the database cannot be read, ``IndexUnavailableError`` when
    another process is writing a version (at once when ``wait`` is off, else after a timeout) or the
    disk refuses the new one.
    """
    from index.search.embeddings import build_embed_model

    layout = IndexLayout(settings.index_path)
    with layout.lock(wait=wait) as held:
        if not held:
            raise IndexUnavailableError(settings.index_path, BUSY)
        current = current_version(layout)
        wanted = fingerprint(database_digest(settings.db_path), settings.embed_model, settings.qdrant_url)
        if current is not None and current.fingerprint == wanted and _vectors_present(current, settings):
            if layout.pending:
                layout.clear_pending()
                layout.cleanup()
            logger.info("narrative index is up to date (%d passages)", len(current.rows))
            return None
        return build_version(read_wanted(settings.db_path), layout, settings.embed_model,
                             lambda: embed_model or build_embed_model(settings.embed_model), settings.qdrant_url)


def build_version(wanted: WantedRows, layout: IndexLayout, model_name: str, load_model: Callable[[], Any],
                  qdrant_url: str = "") -> dict:
    """Write and switch in a version holding ``wanted``; call with the layout's lock held. Returns its manifest.

    With ``qdrant_url`` the vectors go to a Qdrant collection (index/search/qdrant.py), not into the version.
    A disk error (full, read-only) is an ``IndexUnavailableError``; the current version stays as it was.
    """
    try:
        return _build_version(wanted, layout, model_name, load_model, qdrant_url)
    except OSError as exc:
        raise IndexUnavailableError(layout.root, f"写入失败：{exc.strerror or exc}") from exc


def _vectors_present(version: IndexVersion, settings: Settings) -> bool:
    """The version's vectors are all there: in its folder (checked on opening) or in its Qdrant collection."""
    if version.manifest["vectors"] != "qdrant":
        return True
    from index.search import qdrant

    with qdrant.reporting(settings.qdrant_url):
        return qdrant.point_count(settings.qdrant_url, version.manifest["collection"]) == len(version.rows)
