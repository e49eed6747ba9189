"""Ingestion (载入): files → read → parse → passages, variances → one DuckDB transaction each.

``ingest_paths`` takes files and folders (a folder's own text, PDF and HTML files,
sorted by name, subfolders not entered). Per file:

- bytes already loaded (same sha256) → ``unchanged``, nothing is parsed;
- a new document → ``loaded``; a new version of a loaded document → ``replaced``;
- any ``BudgetError`` → ``failed`` with its message; the other files go on
  and the database is unchanged for that file.

Files naming the same document (``doc_id``) are either its parts (a narrative
PDF and a tables PDF: no table type or passage in common), joined and loaded
as one document (see index/parts.py), or copies: the first in the run keeps
the document and a later copy fails with ``DocumentConflictError``, so a
folder holding two copies gives the same result every run. A part ingested
in a later run joins the parts already loaded that are still on disk.

A lock file beside the database keeps two processes from ingesting at once;
the second waits. After a run that changed anything (or found loaded files
and a narrative index that is missing, stale or damaged) the narrative index is
refreshed (``index.search.retriever.refresh_index``), after the write connection is closed.
"""
from __future__ import annotations

import logging
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Literal, Sequence

from index.config import Settings
from index.errors import BudgetError, DatabaseUnavailableError, DocumentConflictError, UnreadableDocumentError
from index.model import Document, Passage, SourceText
from index.read.files import SUFFIXES, read_source
from index.read.parts import join_sources, parts_overlap
from index.store.database import BudgetStore, connect_read_only, format_version, read_format

try:
    import fcntl
except ImportError:  # Windows: no cross-process lock
    fcntl = None

logger = logging.getLogger(__name__)

LOCK_TIMEOUT_S = 600.0
Status = Literal["loaded", "replaced", "unchanged", "failed"]
STATUSES: tuple[Status, ...] = ("loaded", "replaced", "unchanged", "failed")


@dataclass(frozen=True)
class IngestEntry:
    """One file's outcome: ``detail`` is the doc_id, or the error message when failed."""

    file: str
    status: Status
    detail: str
    seconds: dict[str, float] = field(default_factory=dict)  # read / parse / cut / load


@dataclass
class IngestReport:
    """What one ingestion run did (载入报告)."""

    entries: list[IngestEntry] = field(default_factory=list)
    seconds: float = 0.0  # reading, parsing and loading the files
    index_refreshed: bool = False
    index_message: str = ""  # why the narrative index was not refreshed, when it was not
    index_seconds: float = 0.0

    @property
    def counts(self) -> dict[str, int]:
        return {status: sum(e.status == status for e in self.entries) for status in STATUSES}

    @property
    def failed(self) -> bool:
        return any(e.status == "failed" for e in self.entries)

    @property
    def changed(self) -> bool:
        return any(e.status in ("loaded", "replaced") for e in self.entries)


@dataclass
class PreparedDocument:
    """A file parsed and cut, ready to load in one transaction."""

    source: SourceText
    document: Document
    passages: list[Passage]
    variances: list[Any]
    executions: list[Any]
    findings: list[Any]
    seconds: dict[str, float]


def ingest_paths(
    paths: Sequence[Path | str], settings: Settings, progress: bool = False, refresh: bool = True
) -> IngestReport:
    """Ingest files and folders into ``settings.db_path``; ``refresh=False`` skips the narrative index."""
    with ingest_lock(settings):
        return _ingest(paths, settings, progress, refresh)


def ensure_database(settings: Settings, progress: bool = False, refresh: bool = True) -> IngestReport | None:
    """Build the database from ``settings.data_dir`` when missing, empty or of an older format; None when nothing to do.

    A database of an older format is rebuilt from the files it was loaded from (wherever they are) and
    the data folder's. The report may hold no entries: there are no documents, and the caller decides
    what to tell the user.
    """
    if _has_documents(settings.db_path):
        return None
    folder = [settings.data_dir] if settings.data_dir.is_dir() else []
    if not settings.db_path.exists() and not expand_paths(folder):
        return IngestReport()
    with ingest_lock(settings):
        if _has_documents(settings.db_path):
            return None
        logger.info("building %s from %s", settings.db_path, settings.data_dir)
        return _ingest(folder, settings, progress, refresh)


def expand_paths(paths: Sequence[Path | str]) -> list[Path]:
    """Files as given, and a folder's readable files (``SUFFIXES``) sorted by name; each file once."""
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES))
        else:
            files.append(path)
    seen: set[Path] = set()
    unique = []
    for path in files:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(path)
    return unique


def read_file(path: Path, settings: Settings) -> SourceText:
    """Read one file (读取); raises ``UnreadableDocumentError`` for a missing path."""
    if not path.is_file():
        raise UnreadableDocumentError(path.name, "文件不存在")
    return read_source(path, max_bytes=settings.max_file_mb * 1024 * 1024)


def prepare_source(source: SourceText) -> PreparedDocument:
    """Parse a read file; cut its passages, variances and executions; audit it (解析)."""
    from index.audit.narrative import audit_document
    from index.parse.document import parse_document
    from index.narrative.passages import cut_blocks, cut_passages
    from index.narrative.variances import extract_executions, extract_variances

    started = time.perf_counter()
    document = parse_document(source)
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


@contextmanager
def ingest_lock(settings: Settings, timeout_s: float = LOCK_TIMEOUT_S) -> Iterator[None]:
    """Hold ``<db_file>.lock`` in the data folder; wait while another process ingests."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if fcntl is None:
        yield
        return
    lock_path = settings.data_dir / f"{settings.db_file}.lock"
    with open(lock_path, "a+") as handle:
        deadline = time.monotonic() + timeout_s
        waited = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise DatabaseUnavailableError(str(settings.db_path), "另一个进程正在载入文件") from None
                if not waited:
                    logger.info("waiting for %s: another process is ingesting", lock_path)
                    waited = True
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@dataclass(eq=False)
class _FileState:
    """One file of a run: read, maybe parsed, and its outcome once decided."""

    path: Path
    source: SourceText | None = None
    prepared: PreparedDocument | None = None
    doc_id: str | None = None
    entry: IngestEntry | None = None
    seconds: dict[str, float] = field(default_factory=dict)

    def fail(self, message: str) -> None:
        self.entry = IngestEntry(str(self.path), "failed", message, self.seconds)


def _ingest(paths: Sequence[Path | str], settings: Settings, progress: bool, refresh: bool) -> IngestReport:
    started = time.perf_counter()
    with BudgetStore.open(settings.db_path) as store:
        if not store.is_current:
            earlier = [p for p in store.reset() if Path(p).is_file()]
            logger.warning("%s was written by another version: rebuilding it from %d files", settings.db_path,
                           len(earlier))
            paths = [*earlier, *paths]
        files = expand_paths(paths)
        states = [_examine(path, settings, store) for path in _progress(files, progress)]
        groups: dict[str, list[_FileState]] = {}
        for state in states:
            if state.doc_id is not None:
                groups.setdefault(state.doc_id, []).append(state)
        for doc_id, members in groups.items():
            if any(m.entry is None for m in members):
                _load_group(doc_id, members, store, settings)
    report = IngestReport(entries=[state.entry for state in states])
    for entry in report.entries:
        logger.info("%s: %s %s", entry.file, entry.status, entry.detail)
    report.seconds = time.perf_counter() - started
    if refresh and (report.changed or (report.counts["unchanged"] > 0 and _index_needs_repair(settings))):
        _refresh_index(settings, report)
    return report


def _examine(path: Path, settings: Settings, store: BudgetStore) -> _FileState:
    """Read a file; bytes already loaded are ``unchanged``, anything else is parsed for loading."""
    state = _FileState(path)
    with _failing(state):
        started = time.perf_counter()
        state.source = read_file(path, settings)
        state.seconds["read"] = time.perf_counter() - started
        known = store.source_file(state.source.sha256)
        if known is not None:
            state.doc_id, loaded_from = known
            if loaded_from != str(path) and not Path(loaded_from).exists():
                store.move_source(state.source.sha256, str(path))
            state.entry = IngestEntry(str(path), "unchanged", state.doc_id, state.seconds)
            return state
        _prepare(state)
        state.doc_id = state.prepared.document.meta.doc_id
    return state


def _load_group(doc_id: str, members: list[_FileState], store: BudgetStore, settings: Settings) -> None:
    """Load the files of one document: its parts joined, a copy of a kept file refused.

    Candidates in priority order: this run's files as given, then files loaded
    earlier for this document that are still on disk unchanged (other parts).
    """
    in_run = {str(m.path) for m in members}
    earlier = [_FileState(Path(path)) for path, sha256 in store.source_files(doc_id) if path not in in_run]
    kept: list[_FileState] = []
    for candidate in [*members, *earlier]:
        if candidate in earlier and not _reload(candidate, settings, store, doc_id):
            continue
        if candidate.prepared is None and not _try_prepare(candidate):
            continue
        clash = next((k for k in kept if _overlap(k, candidate)), None)
        if clash is None:
            kept.append(candidate)
        elif candidate in members:
            kept_name = clash.path.name
            candidate.fail(DocumentConflictError(
                candidate.path.name, f"与 {kept_name} 是同一文件 {doc_id}，已保留 {kept_name}").user_message)
    new = [k for k in kept if k.entry is None]
    if not new:
        return
    kept.sort(key=lambda k: k.path.name)
    loading = _FileState(new[0].path)
    with _failing(loading):
        prepared = kept[0].prepared if len(kept) == 1 else prepare_source(join_sources([k.source for k in kept]))
        started = time.perf_counter()
        replaced = store.load_document(
            prepared.document, prepared.passages, prepared.variances, prepared.executions,
            [k.source for k in kept], prepared.findings,
        )
        load_seconds = time.perf_counter() - started
    for state in new:
        if loading.entry is not None:
            state.fail(loading.entry.detail)
            continue
        state.seconds["load"] = load_seconds
        status = "replaced" if replaced else "loaded"
        state.entry = IngestEntry(str(state.path), status, prepared.document.meta.doc_id, state.seconds)


def _reload(state: _FileState, settings: Settings, store: BudgetStore, doc_id: str) -> bool:
    """Read an earlier part again; False when it is gone or changed since it was loaded."""
    if not state.path.is_file():
        return False
    try:
        state.source = read_file(state.path, settings)
    except BudgetError:
        return False
    return store.source_doc_id(state.source.sha256) == doc_id


def _try_prepare(state: _FileState) -> bool:
    try:
        _prepare(state)
    except BudgetError as exc:
        logger.warning("%s no longer parses, left out of its document: %s", state.path, exc.user_message)
        return False
    return True


def _prepare(state: _FileState) -> None:
    state.prepared = prepare_source(state.source)
    state.seconds.update(state.prepared.seconds)


def _overlap(a: _FileState, b: _FileState) -> bool:
    return parts_overlap(a.prepared.document, a.prepared.passages, b.prepared.document, b.prepared.passages)


@contextmanager
def _failing(state: _FileState) -> Iterator[None]:
    """Turn an error into the file's ``failed`` outcome (its message); other files go on."""
    try:
        yield
    except BudgetError as exc:
        state.fail(exc.user_message)
    except Exception as exc:
        logger.exception("ingesting %s failed unexpectedly", state.path)
        state.fail(f"{state.path.name}: 内部错误（{type(exc).__name__}: {exc}）")


def _index_needs_repair(settings: Settings) -> bool:
    """No narrative index yet, or one left stale or damaged (e.g. by a refresh that was killed)."""
    from index.search.build import index_is_stale

    return not settings.index_path.exists() or index_is_stale(settings)


def _refresh_index(settings: Settings, report: IngestReport) -> None:
    """Rebuild the narrative index from the passages table."""
    from index.search.retriever import refresh_index

    started = time.perf_counter()
    try:
        refresh_index(settings)
    except BudgetError as exc:
        report.index_message = exc.user_message
        return
    finally:
        report.index_seconds = time.perf_counter() - started
    report.index_refreshed = True


def _has_documents(db_path: Path) -> bool:
    """The database exists, is of the current format and holds documents."""
    if not db_path.exists():
        return False
    try:
        connection = connect_read_only(db_path)
    except DatabaseUnavailableError:
        return False
    try:
        if read_format(connection) != format_version():
            return False
        return connection.execute("SELECT count(*) FROM documents").fetchone()[0] > 0
    finally:
        connection.close()


def _progress(files: list[Path], enabled: bool) -> Iterator[Path]:
    if not enabled:
        yield from files
        return
    from tqdm import tqdm

    with tqdm(files, desc="载入", unit="个文件", file=sys.stderr) as bar:
        for path in bar:
            bar.set_postfix_str(path.name)
            yield path
