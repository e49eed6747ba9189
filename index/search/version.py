"""One version of the narrative index (索引版本): passages, vectors and BM25, row-aligned.

    manifest.json          format, fingerprint (passages + model), model, dimension, row count, document ids
    passages.jsonl         one JSON object per row; passages.offsets.npy: byte offsets (n + 1)
    row_keys.npy           md5 of each whole passage (what changed); text_keys.npy: sha256 of its text
    doc_index.npy          each row's document, as an index into manifest["doc_ids"]
    vectors.npy            float32 (n, dim) passage embeddings (absent when the vectors live in Qdrant)
    tokens.npy             BM25 token ids of every row, concatenated; tokens.offsets.npy (n + 1)
    bm25/                  bm25s score matrix and vocabulary (absent when there are no rows)

Arrays are opened memory-mapped and a passage is decoded from JSON only when it is a
hit, so opening a version costs milliseconds at any size. ``open_version`` checks
every file against the manifest and raises ``DamagedIndexError`` on any mismatch.
"""
from __future__ import annotations

import json
import mmap
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from index.model import Passage, PassageKind
from index.search.layout import fsync_dir, stage

FORMAT = 1
MANIFEST = "manifest.json"
ROWS = "passages.jsonl"
BM25 = "bm25"


class DamagedIndexError(Exception):
    """A version whose files are missing, truncated or inconsistent (repaired by rebuilding)."""


def passage_json(passage: Passage) -> bytes:
    return json.dumps({
        "passage_id": passage.passage_id, "doc_id": passage.doc_id, "kind": passage.kind.value,
        "section_path": list(passage.section_path), "text": passage.text,
        "line_start": passage.line_start, "line_end": passage.line_end, "page": passage.page,
    }, ensure_ascii=False).encode("utf-8")


def passage_from_json(raw: bytes) -> Passage:
    row = json.loads(raw)
    return Passage(row["passage_id"], row["doc_id"], PassageKind(row["kind"]), tuple(row["section_path"]),
                   row["text"], row["line_start"], row["line_end"], row["page"])


class RowTable:
    """The passages of a version, by row number."""

    def __init__(self, data: Any, offsets: np.ndarray, row_keys: np.ndarray, text_keys: np.ndarray,
                 doc_index: np.ndarray, doc_ids: list[str]) -> None:
        self._data = data
        self.offsets = offsets
        self.row_keys = row_keys
        self.text_keys = text_keys
        self.doc_index = doc_index
        self.doc_ids = doc_ids

    def __len__(self) -> int:
        return len(self.row_keys)

    def raw(self, row: int) -> bytes:
        return bytes(self._data[int(self.offsets[row]):int(self.offsets[row + 1])])

    def passage(self, row: int) -> Passage:
        return passage_from_json(self.raw(row))

    def mask(self, doc_ids: Iterable[str] | None) -> np.ndarray | None:
        """Rows of the given documents (None: every row)."""
        if doc_ids is None:
            return None
        wanted = set(doc_ids)
        allowed = np.array([i for i, doc in enumerate(self.doc_ids) if doc in wanted], dtype=np.int32)
        return np.isin(self.doc_index, allowed)


@dataclass
class IndexVersion:
    """An opened version: its manifest, rows, vectors and BM25 index."""

    path: Path
    manifest: dict
    rows: RowTable
    vectors: np.ndarray | None
    tokens: np.ndarray
    token_offsets: np.ndarray

    @property
    def fingerprint(self) -> str:
        return self.manifest["fingerprint"]

    @property
    def embed_model(self) -> str:
        return self.manifest["embed_model"]

    @property
    def bm25_path(self) -> Path | None:
        return self.path / BM25 if len(self.rows) else None

    def vocab(self) -> dict[str, int]:
        """The BM25 vocabulary (token → id) of this version; empty when there are no rows."""
        if not len(self.rows):
            return {}
        return json.loads((self.path / BM25 / "vocab.index.json").read_text(encoding="utf-8"))


def open_version(path: Path) -> IndexVersion:
    """Open a version read-only (memory-mapped); ``DamagedIndexError`` when anything is off."""
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
        if manifest.get("format") != FORMAT:
            raise DamagedIndexError(f"{path.name}: format {manifest.get('format')!r}, expected {FORMAT}")
        n, dim = int(manifest["count"]), int(manifest["dim"])
        offsets = _load(path / "passages.offsets.npy", (n + 1,))
        data = _map(path / ROWS, int(offsets[-1]) if n else 0)
        row_keys = _load(path / "row_keys.npy", (n,))
        text_keys = _load(path / "text_keys.npy", (n,))
        doc_index = _load(path / "doc_index.npy", (n,))
        vectors = _load(path / "vectors.npy", (n, dim)) if manifest["vectors"] == "local" else None
        token_offsets = _load(path / "tokens.offsets.npy", (n + 1,))
        tokens = _load(path / "tokens.npy", (int(token_offsets[-1]),))
        if n:
            _check_bm25(path / BM25, n)
    except DamagedIndexError:
        raise
    except (OSError, ValueError, KeyError, TypeError, EOFError) as exc:
        raise DamagedIndexError(f"{path.name}: {type(exc).__name__}: {str(exc)[:200]}") from exc
    rows = RowTable(data, offsets, row_keys, text_keys, doc_index, list(manifest["doc_ids"]))
    return IndexVersion(path, manifest, rows, vectors, tokens, token_offsets)


@dataclass
class VersionContent:
    """Everything a new version holds, row-aligned."""

    rows: list[bytes]
    row_keys: np.ndarray
    text_keys: np.ndarray
    doc_ids: list[str]
    doc_index: np.ndarray
    vectors: np.ndarray | None
    tokens: np.ndarray
    token_offsets: np.ndarray
    bm25: Any


def write_version(path: Path, manifest: dict, content: VersionContent) -> None:
    """Write a version into the empty folder ``path``, every file flushed to disk; the manifest last."""
    offsets = np.zeros(len(content.rows) + 1, dtype=np.int64)
    np.cumsum([len(r) for r in content.rows], out=offsets[1:])
    with open(path / ROWS, "wb") as handle:
        handle.write(b"".join(content.rows))
        _flush(handle)
    stage(f"written {ROWS}")
    arrays = {
        "passages.offsets.npy": offsets, "row_keys.npy": content.row_keys, "text_keys.npy": content.text_keys,
        "doc_index.npy": content.doc_index, "tokens.npy": content.tokens,
        "tokens.offsets.npy": content.token_offsets,
    }
    if content.vectors is not None:
        arrays["vectors.npy"] = content.vectors
    for name, array in arrays.items():
        with open(path / name, "wb") as handle:
            np.save(handle, np.ascontiguousarray(array))
            _flush(handle)
        stage(f"written {name}")
    if content.bm25 is not None:
        content.bm25.save(str(path / BM25), show_progress=False)
        for file in (path / BM25).iterdir():
            with open(file, "rb+") as handle:
                os.fsync(handle.fileno())
        fsync_dir(path / BM25)
        stage("written bm25")
    manifest = {"format": FORMAT, **manifest, "count": len(content.rows), "doc_ids": content.doc_ids}
    with open(path / MANIFEST, "w", encoding="utf-8") as handle:
        json.dump(manifest, handle, ensure_ascii=False)
        _flush(handle)
    fsync_dir(path)
    stage(f"written {MANIFEST}")


def top_rows(scores: np.ndarray, k: int) -> np.ndarray:
    """Row numbers of the ``k`` highest scores, best first (ties in row order)."""
    if len(scores) > k:
        part = np.argpartition(-scores, k - 1)[:k]
        return part[np.lexsort((part, -scores[part]))]
    return np.lexsort((np.arange(len(scores)), -scores))


def _check_bm25(path: Path, rows: int) -> None:
    """The bm25s files are all there and score ``rows`` rows (they are loaded by index/search/tokens.py)."""
    params = json.loads((path / "params.index.json").read_text(encoding="utf-8"))
    if int(params["num_docs"]) != rows:
        raise DamagedIndexError(f"{path.parent.name}/{path.name}: {params['num_docs']} rows, expected {rows}")
    if not (path / "vocab.index.json").is_file():
        raise DamagedIndexError(f"{path.parent.name}/{path.name}/vocab.index.json is missing")
    indptr = np.load(path / "indptr.csc.index.npy", mmap_mode="r", allow_pickle=False)
    nnz = int(indptr[-1])
    _load(path / "data.csc.index.npy", (nnz,))
    _load(path / "indices.csc.index.npy", (nnz,))


def _load(path: Path, shape: tuple[int, ...]) -> np.ndarray:
    array = np.load(path, mmap_mode="r", allow_pickle=False) if shape[0] else np.load(path, allow_pickle=False)
    if array.shape != shape and not (shape[0] == 0 and array.shape[0] == 0):
        raise DamagedIndexError(f"{path.parent.name}/{path.name}: shape {array.shape}, expected {shape}")
    return array


def _map(path: Path, size: int) -> Any:
    if path.stat().st_size != size:
        raise DamagedIndexError(f"{path.parent.name}/{path.name}: {path.stat().st_size} bytes, expected {size}")
    if size == 0:
        return b""
    with open(path, "rb") as handle:
        return mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)


def _flush(handle: Any) -> None:
    handle.flush()
    os.fsync(handle.fileno())
