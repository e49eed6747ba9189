"""Uploading a document from the app (上传文件): check, save into the data folder, ingest, index.

``ingest_upload`` either loads the file and refreshes the narrative index, or
raises a ``BudgetError`` with the reader's or parser's message and leaves the
data folder and the database exactly as they were (the saved copy is removed).
The caller must hold no open connection to the database while it runs:
DuckDB refuses a writer while a reader has the file open.
"""
from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from index.config import Settings
from index.errors import BudgetError, UnreadableDocumentError, UnsupportedDocumentError
from index.ingest import ingest_paths
from index.read.files import SUFFIX_NAMES, format_size, unsupported_type

logger = logging.getLogger(__name__)

UPLOAD_TYPES = SUFFIX_NAMES
MAX_NAME_BYTES = 240  # file systems hold 255 bytes; 9 are kept for the "-<hash>" a clashing name gets
UNSAFE_NAME = re.compile(r"[\\/:*?\"<>|\x00-\x1f]")

Step = Callable[[float, str], None]


@dataclass(frozen=True)
class UploadResult:
    """What an upload did: ``status`` is loaded, replaced, unchanged or duplicate; ``doc_id`` the document."""

    file: str
    status: str
    doc_id: str
    seconds: float


def loaded_as(connection: Any, data: bytes) -> str | None:
    """The document these exact bytes were already loaded as (by content hash), else None."""
    digest = hashlib.sha256(data).hexdigest()
    row = connection.execute("SELECT doc_id FROM source_files WHERE sha256 = ?", [digest]).fetchone()
    return row[0] if row else None


def check_upload(name: str, size: int, settings: Settings) -> None:
    """Refuse a file of another type, an empty one, one over ``max_file_mb``, or a name the file system
    cannot hold (over ``MAX_NAME_BYTES``), before it is saved."""
    length = len(Path(name).name.encode("utf-8"))
    if length > MAX_NAME_BYTES:
        shown = Path(name).name[:40] + "…"
        raise UnreadableDocumentError(shown, f"文件名太长（{length} 字节，上限 {MAX_NAME_BYTES} 字节），请改短文件名后再上传")
    suffix = Path(name).suffix.lower().lstrip(".")
    if suffix not in UPLOAD_TYPES:
        raise UnsupportedDocumentError(name, unsupported_type(f".{suffix}" if suffix else ""))
    if size == 0:
        raise UnreadableDocumentError(name, "文件为空")
    limit = settings.max_file_mb * 1024 * 1024
    if size > limit:
        raise UnreadableDocumentError(name, f"文件大小 {format_size(size)} 超过上限 {format_size(limit)}")


def upload_path(name: str, data: bytes, data_dir: Path) -> Path:
    """Where to save: the file's own name in the data folder, made unique when another file has it."""
    clean = UNSAFE_NAME.sub("_", Path(name).name).strip(" .") or "upload.txt"
    path = data_dir / clean
    if path.exists() and path.read_bytes() != data:
        digest = hashlib.sha256(data).hexdigest()[:8]
        path = path.with_name(f"{path.stem}-{digest}{path.suffix}")
    return path


def ingest_upload(name: str, data: bytes, settings: Settings, step: Step | None = None) -> UploadResult:
    """Save, parse, load and index one uploaded file; ``step(fraction, text)`` reports progress."""
    step = step or (lambda fraction, text: None)
    check_upload(name, len(data), settings)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    path = upload_path(name, data, settings.data_dir)
    created = not path.exists()
    step(0.1, f"保存 {path.name}")
    path.write_bytes(data)
    kept = False
    try:
        step(0.3, "解析并载入表格与段落")
        report = ingest_paths([path], settings, refresh=False)
        entry = report.entries[0]
        if entry.status == "failed":
            raise BudgetError(entry.detail)
        kept = entry.status in ("loaded", "replaced")
    finally:
        if created and not kept:
            path.unlink(missing_ok=True)
    if kept:
        step(0.7, "更新叙述索引")
        from index.search.retriever import refresh_index

        refresh_index(settings)
    step(1.0, "完成")
    logger.info("upload %s: %s %s in %.1fs", path.name, entry.status, entry.detail, report.seconds)
    return UploadResult(path.name, entry.status, entry.detail, report.seconds)
