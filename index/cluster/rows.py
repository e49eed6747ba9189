"""One publication's files → the rows of every table (文档行): the pure function every runner runs.

``publication_rows`` reads the file (or the parts of a split publication,
joined in the order given), parses it, cuts its passages, variances and
executions, audits it, and returns the rows of every base table
(``index.store.database.document_frames``) with what the orchestrator decides
on: the doc_id, the parts key (index/read/parts.py), pages and timings. It
touches no database and no shared state, so it runs alike in this process, in
a process pool and on a Ray worker.
"""
from __future__ import annotations

import logging
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Sequence

import pyarrow as pa

from index.config import Settings
from index.errors import BudgetError, UnreadableDocumentError
from index.model import Document, Passage, SourceText
from index.parse.metadata import IdentityOverride
from index.read.files import read_source
from index.read.parts import PartKey, join_sources, part_key

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FileInput:
    """A file to ingest: its path as given (recorded in ``source_files``), and its bytes when shipped to a worker."""

    path: str
    data: bytes | None = None
    identity: IdentityOverride | None = None  # what the user stated about the document (ingest --department …)


@dataclass
class PublicationRows:
    """A publication parsed into rows: ``frames`` in memory, or ``shards`` (table → Parquet file) once written."""

    doc_id: str
    sha256: str  # of the file, or of the joined parts' hashes
    frames: dict[str, pa.Table]
    part: PartKey
    pages: int
    lines: int
    seconds: dict[str, float]
    shards: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RowsFailure:
    """Why a publication could not be turned into rows: the message the user sees."""

    message: str
    seconds: dict[str, float]


@dataclass
class PreparedDocument:
    """A file parsed and cut, ready to become rows."""

    source: SourceText
    document: Document
    passages: list[Passage]
    variances: list[Any]
    executions: list[Any]
    findings: list[Any]
    seconds: dict[str, float]


def run_publication(files: Sequence[FileInput], settings: Settings) -> PublicationRows | RowsFailure:
    """``publication_rows`` that never raises: a failure comes back as its message (picklable across processes)."""
    seconds: dict[str, float] = {}
    try:
        return publication_rows(files, settings, seconds)
    except BudgetError as exc:
        return RowsFailure(exc.user_message, seconds)
    except Exception as exc:
        name = Path(files[0].path).name
        logger.exception("ingesting %s failed unexpectedly", name)
        return RowsFailure(f"{name}: 内部错误（{type(exc).__name__}: {exc}）", seconds)


def publication_rows(
    files: Sequence[FileInput], settings: Settings, seconds: dict[str, float] | None = None
) -> PublicationRows:
    """Read, join, parse and cut one publication into the rows of every table (解析入行); raises ``BudgetError``."""
    from index.store.database import document_frames

    seconds = {} if seconds is None else seconds
    started = time.perf_counter()
    sources = [_read(file, settings) for file in files]
    seconds["read"] = time.perf_counter() - started
    source = join_sources(sources)
    prepared = prepare_source(source, files[0].identity)
    seconds.update(prepared.seconds)
    started = time.perf_counter()
    frames = document_frames(
        prepared.document, prepared.passages, prepared.variances, prepared.executions, sources, prepared.findings,
    )
    seconds["rows"] = time.perf_counter() - started
    return PublicationRows(
        doc_id=prepared.document.meta.doc_id,
        sha256=source.sha256,
        frames=frames,
        part=part_key(prepared.document, prepared.passages),
        pages=max((line.page or 0 for line in source.lines), default=0),
        lines=len(source.lines),
        seconds=seconds,
    )


def read_file(path: Path, settings: Settings) -> SourceText:
    """Read one file (读取); raises ``UnreadableDocumentError`` for a missing path."""
    if not path.is_file():
        raise UnreadableDocumentError(path.name, "文件不存在")
    return read_source(path, max_bytes=settings.max_file_mb * 1024 * 1024)


def prepare_source(source: SourceText, identity: IdentityOverride | None = None) -> PreparedDocument:
    """Parse a read file (``identity``: what the user stated); cut its passages, variances and executions;
    audit it (解析)."""
    from index.audit.narrative import audit_document
    from index.narrative.passages import cut_blocks, cut_passages
    from index.narrative.variances import extract_executions, extract_variances
    from index.parse.document import parse_document

    started = time.perf_counter()
    document = parse_document(source, identity)
    parsed = time.perf_counter()
    blocks = cut_blocks(document)
    passages = cut_passages(document, blocks)
    variances = extract_variances(document, blocks)
    executions = extract_executions(document, blocks)
    findings = audit_document(document, blocks)
    done = time.perf_counter()
    return PreparedDocument(
        source, document, passages, variances, executions, findings,
        seconds={"parse": parsed - started, "cut": done - parsed},
    )


def _read(file: FileInput, settings: Settings) -> SourceText:
    """The file at its path, or its shipped bytes read under the same name (the path is what is recorded)."""
    if file.data is None:
        return read_file(Path(file.path), settings)
    with tempfile.TemporaryDirectory(prefix="budget-ingest-") as folder:
        local = Path(folder) / Path(file.path).name
        local.write_bytes(file.data)
        return replace(read_file(local, settings), path=file.path)
