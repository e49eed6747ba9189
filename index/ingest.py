"""Ingestion (载入): files → read → parse → passages, variances → one DuckDB transaction each.

``ingest_paths`` takes files and folders (a folder's own text, PDF and HTML files,
sorted by name, subfolders not entered). Per file, decided by its bytes first:

- bytes already loaded (same sha256) → ``unchanged``, nothing is parsed; the
  same bytes at another path that still exists → ``duplicate`` of the loaded
  file. A file takes the recorded one's place (``unchanged``, its path
  recorded) when that one is gone, or lies outside the data folder while this
  one is inside it (a data folder copied or moved with its database);
- bytes met earlier in the same run → ``duplicate`` of that file (or ``failed``
  with its reason, when that file failed);
- anything else is parsed (index/cluster: one process per document on this
  machine, or Ray tasks) → ``loaded`` for a new document, ``replaced`` for a new
  version of a loaded one, ``failed`` with its message for any ``BudgetError``:
  the other files go on and the database is unchanged for that file.

So a folder of identical copies reads "1 loaded, N−1 duplicate" on the first
run and "1 unchanged, N−1 duplicate" on every later run, exit code 0 both times.

Different files naming the same document (``doc_id``) are either its parts (a
narrative PDF and a tables PDF: no table type or passage in common), joined and
loaded as one document (see index/read/parts.py), or conflicting versions: the
first in the run keeps the document and a later one fails with
``DocumentConflictError`` naming the kept file, the same every run. A part
ingested in a later run joins the parts already loaded that are still on disk.

Parsing runs in parallel; loading stays in this process, one transaction per
document, after every file of the run is parsed. A lock file beside the
database keeps two processes from ingesting at once; the second waits. After a
run that changed anything (or found loaded files and a narrative index that is
missing, stale or damaged) the narrative index is refreshed
(``index.search.retriever.refresh_index``), after the write connection is closed.
"""
from __future__ import annotations

import hashlib
import logging
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Literal, Sequence

from index.cluster import Runner, open_runner
from index.cluster.rows import FileInput, PublicationRows, RowsFailure
from index.config import Settings
from index.errors import BudgetError, DatabaseUnavailableError, DocumentConflictError
from index.parse.metadata import IdentityOverride
from index.read.files import SUFFIXES
from index.read.parts import keys_overlap
from index.store.database import BudgetStore, connect_read_only, format_version, read_format

try:
    import fcntl
except ImportError:  # Windows: no cross-process lock
    fcntl = None

logger = logging.getLogger(__name__)

LOCK_TIMEOUT_S = 600.0
Status = Literal["loaded", "replaced", "unchanged", "duplicate", "failed"]
STATUSES: tuple[Status, ...] = ("loaded", "replaced", "unchanged", "duplicate", "failed")


@dataclass(frozen=True)
class IngestEntry:
    """One file's outcome: ``detail`` is the doc_id, or the error message when failed.

    ``same_as`` names the file whose identical bytes were kept, for a ``duplicate``.
    """

    file: str
    status: Status
    detail: str
    seconds: dict[str, float] = field(default_factory=dict)  # read / parse / cut / rows / load
    same_as: str = ""


@dataclass
class IngestReport:
    """What one ingestion run did (载入报告)."""

    entries: list[IngestEntry] = field(default_factory=list)
    seconds: float = 0.0  # reading, parsing and loading the files
    index_refreshed: bool = False
    index_message: str = ""  # why the narrative index was not refreshed, when it was not
    index_seconds: float = 0.0
    pages: int = 0  # pages (PDF) parsed in this run

    @property
    def counts(self) -> dict[str, int]:
        return {status: sum(e.status == status for e in self.entries) for status in STATUSES}

    @property
    def failed(self) -> bool:
        return any(e.status == "failed" for e in self.entries)

    @property
    def changed(self) -> bool:
        return any(e.status in ("loaded", "replaced") for e in self.entries)


def ingest_paths(
    paths: Sequence[Path | str], settings: Settings, progress: bool = False, refresh: bool = True,
    identity: IdentityOverride | None = None,
) -> IngestReport:
    """Ingest files and folders into ``settings.db_path``; ``refresh=False`` skips the narrative index;
    ``identity`` is what the user states about these files' document (department, year, kind, scope)."""
    with ingest_lock(settings):
        return _ingest(paths, settings, progress, refresh, identity)


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
    """One file of a run: its bytes' hash, maybe its rows, and its outcome once decided."""

    path: Path
    sha256: str | None = None
    rows: PublicationRows | None = None
    doc_id: str | None = None
    same_as: "_FileState | None" = None  # the earlier file of this run with the same bytes
    entry: IngestEntry | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    identity: IdentityOverride | None = None  # what the user stated about this run's files

    @property
    def input(self) -> FileInput:
        return FileInput(str(self.path), identity=self.identity)

    @property
    def pending(self) -> bool:
        return self.entry is None and self.same_as is None and self.rows is None

    def fail(self, message: str) -> None:
        self.entry = IngestEntry(str(self.path), "failed", message, self.seconds)


def _ingest(paths: Sequence[Path | str], settings: Settings, progress: bool, refresh: bool,
            identity: IdentityOverride | None = None) -> IngestReport:
    started = time.perf_counter()
    report = IngestReport()
    earlier_paths: set[str] = set()
    with BudgetStore.open(settings.db_path) as store:
        if not store.is_current:
            earlier = [p for p in store.reset() if Path(p).is_file()]
            earlier_paths = set(earlier)
            logger.warning("%s was written by another version: rebuilding it from %d files", settings.db_path,
                           len(earlier))
            paths = [*earlier, *paths]
        states = [_FileState(path, identity=identity if str(path) not in earlier_paths else None)
                  for path in expand_paths(paths)]
        _sort_by_content(states, store, settings)
        runner = open_runner(settings)
        try:
            report.pages = _parse([s for s in states if s.pending], runner, progress)
            groups: dict[str, list[_FileState]] = {}
            for state in states:
                if state.doc_id is not None:
                    groups.setdefault(state.doc_id, []).append(state)
            loaded = []
            for doc_id, members in groups.items():
                if any(m.entry is None for m in members):
                    loaded.append(_load_group(doc_id, members, store, runner, settings))
            runner.finish([rows for rows in loaded if rows is not None])
        finally:
            runner.close()
    _settle_duplicates(states)
    report.entries = [state.entry for state in states]
    for entry in report.entries:
        logger.info("%s: %s %s", entry.file, entry.status, entry.detail)
    report.seconds = time.perf_counter() - started
    if refresh and (report.changed or (report.counts["unchanged"] > 0 and _index_needs_repair(settings))):
        _refresh_index(settings, report)
    return report


def _sort_by_content(states: list[_FileState], store: BudgetStore, settings: Settings) -> None:
    """Decide by the bytes alone: already loaded (unchanged or a duplicate), a copy met earlier, or to parse."""
    first_with: dict[str, _FileState] = {}
    max_bytes = settings.max_file_mb * 1024 * 1024
    for state in states:
        state.sha256 = file_sha256(state.path, max_bytes)
        if state.sha256 is None:
            continue  # the reader says what is wrong with it
        known = store.source_file(state.sha256)
        if known is not None:
            doc_id, loaded_from = known
            if _takes_the_place_of(state.path, Path(loaded_from), settings.data_dir):
                if loaded_from != str(state.path):
                    store.move_source(state.sha256, str(state.path))
                state.doc_id = doc_id
                state.entry = IngestEntry(str(state.path), "unchanged", doc_id)
            else:
                state.entry = IngestEntry(str(state.path), "duplicate", doc_id, same_as=loaded_from)
        elif state.sha256 in first_with:
            state.same_as = first_with[state.sha256]
        else:
            first_with[state.sha256] = state


def _takes_the_place_of(path: Path, loaded_from: Path, data_dir: Path) -> bool:
    """This file is the loaded one: the same path, the recorded one is gone, or this one is in the data folder
    and the recorded one is not (a data folder copied or moved with its database)."""
    if path == loaded_from or not loaded_from.exists():
        return True
    return _inside(path, data_dir) and not _inside(loaded_from, data_dir)


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def file_sha256(path: Path, max_bytes: int) -> str | None:
    """sha256 of a readable, non-empty file within the size limit; None otherwise."""
    try:
        if not path.is_file() or not 0 < path.stat().st_size <= max_bytes:
            return None
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def _parse(states: list[_FileState], runner: Runner, progress: bool) -> int:
    """Parse every state in parallel (one task per file); returns the pages parsed."""
    pages = 0
    with _progress(len(states), progress) as advance:
        for i, result in runner.run([[state.input] for state in states]):
            state = states[i]
            state.seconds.update(result.seconds)
            if isinstance(result, RowsFailure):
                state.fail(result.message)
            else:
                state.rows, state.doc_id = result, result.doc_id
                pages += result.pages
            advance(state.path.name)
    return pages


def _load_group(
    doc_id: str, members: list[_FileState], store: BudgetStore, runner: Runner, settings: Settings
) -> PublicationRows | None:
    """Load the files of one document: its parts joined, a conflicting version refused; the rows loaded.

    Candidates in priority order: this run's files as given, then files loaded
    earlier for this document that are still on disk unchanged (other parts).
    """
    in_run = {str(m.path) for m in members}
    earlier = [_FileState(Path(path), sha256) for path, sha256 in store.source_files(doc_id) if path not in in_run]
    max_bytes = settings.max_file_mb * 1024 * 1024
    kept: list[_FileState] = []
    for candidate in [*members, *earlier]:
        if candidate in earlier and file_sha256(candidate.path, max_bytes) != candidate.sha256:
            continue  # gone, or changed since it was loaded
        if candidate.rows is None and not _parse_again(candidate, runner):
            continue
        clash = next((k for k in kept if keys_overlap(k.rows.part, candidate.rows.part)), None)
        if clash is None:
            kept.append(candidate)
        elif candidate in members:
            kept_name = clash.path.name
            candidate.fail(DocumentConflictError(
                candidate.path.name, f"与 {kept_name} 是同一文件 {doc_id}，已保留 {kept_name}").user_message)
    new = [k for k in kept if k.entry is None]
    if not new:
        return None
    kept.sort(key=lambda k: k.path.name)
    loading = _FileState(new[0].path)
    rows = None
    with _failing(loading):
        rows = kept[0].rows if len(kept) == 1 else _parse_joined(kept, runner)
        started = time.perf_counter()
        replaced = store.load_frames(rows.doc_id, runner.tables(rows))
        load_seconds = time.perf_counter() - started
    for state in new:
        if loading.entry is not None:
            state.fail(loading.entry.detail)
            continue
        state.seconds["load"] = load_seconds
        state.entry = IngestEntry(str(state.path), "replaced" if replaced else "loaded", rows.doc_id, state.seconds)
    return None if loading.entry is not None else rows


def _parse_again(state: _FileState, runner: Runner) -> bool:
    """Parse a file needed to decide on its document (an unchanged or earlier part); False when it no longer parses."""
    [(_, result)] = runner.run([[state.input]])
    if isinstance(result, RowsFailure):
        logger.warning("%s no longer parses, left out of its document: %s", state.path, result.message)
        return False
    state.rows = result
    return True


def _parse_joined(parts: list[_FileState], runner: Runner) -> PublicationRows:
    """The parts of one publication read as one text, in file-name order."""
    [(_, result)] = runner.run([[part.input for part in parts]])
    if isinstance(result, RowsFailure):
        raise BudgetError(result.message)
    return result


def _settle_duplicates(states: list[_FileState]) -> None:
    """A copy of a file met earlier in the run shares its outcome: a duplicate of it, or its failure."""
    for state in states:
        first = state.same_as
        if first is None:
            continue
        if first.entry.status == "failed":
            state.fail(f"{state.path.name}: 与 {first.path.name} 内容相同（{first.entry.detail}）")
        else:
            state.entry = IngestEntry(str(state.path), "duplicate", first.entry.detail, same_as=str(first.path))


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


@contextmanager
def _progress(total: int, enabled: bool) -> Iterator:
    """A callable advancing a progress bar by one parsed file (a no-op when disabled or nothing to parse)."""
    if not enabled or not total:
        yield lambda name: None
        return
    from tqdm import tqdm

    with tqdm(total=total, desc="解析", unit="个文件", file=sys.stderr) as bar:
        def advance(name: str) -> None:
            bar.set_postfix_str(name)
            bar.update()

        yield advance
