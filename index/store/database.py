"""Loading into DuckDB (入库): one transaction per document.

``BudgetStore`` writes a parsed ``Document`` (its tables, cells, sections),
its passages, variances and budget executions, and the source files it came
from. Either all of a document is written or nothing is; a document already
loaded under the same ``doc_id`` is replaced in the same transaction.

Rows go in as Arrow tables (``INSERT … SELECT`` over a registered frame),
one statement per table, so loading a document costs a handful of statements.

The answering side opens the file with ``connect_read_only``. DuckDB lets
several processes read a file at once, but not read while another writes:
writers here hold their connection only for the duration of an ingest.
"""
from __future__ import annotations

import hashlib

import dataclasses
import logging
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any, Iterable, Protocol, Sequence

import duckdb
import pyarrow as pa

from index.errors import DatabaseUnavailableError
from index.model import Document, Passage

logger = logging.getLogger(__name__)

SCHEMA = Path(__file__).with_name("schema.sql")
# Bump when the parser's output changes meaning: a database of another format
# is rebuilt from its source files (it is a cache of the documents).
DATA_FORMAT = 3
SECTION_SEPARATOR = " > "
# The base tables a document's rows go to, in loading order (views are computed from them).
BASE_TABLES = ("documents", "source_files", "tables", "cells", "sections", "passages", "variances",
               "budget_execution", "audit_findings")


class SourceFile(Protocol):
    """A file a document was read from; ``index.model.SourceText`` is one."""

    path: str
    sha256: str
    n_bytes: int


@dataclass(frozen=True)
class DocumentSummary:
    """One loaded document (已载入文件) with the size of what was loaded."""

    doc_id: str
    department: str
    region: str
    year: int
    kind: str
    scope: str
    title: str
    n_tables: int
    n_cells: int
    n_passages: int
    source_files: tuple[str, ...]
    recognised_share: float | None = None  # numeric cells in tables of a recognised kind, of all in table rows
    warnings: tuple[str, ...] = ()  # what could not be read

    @property
    def recognised_text(self) -> str:
        return f"{self.recognised_share:.0%}" if self.recognised_share is not None else "–"


def connect_read_only(path: Path | str) -> duckdb.DuckDBPyConnection:
    """A plain read-only connection for the answering side (no schema changes, no writes).

    Raises ``DatabaseUnavailableError`` when the file is missing or another
    process holds it for writing. The SQL guard (statement checks, row and
    time limits) is the caller's business.
    """
    path = Path(path)
    if not path.exists():
        raise DatabaseUnavailableError(str(path), "文件不存在")
    return _connect(path, read_only=True)


def format_version() -> str:
    """DATA_FORMAT and a hash of schema.sql: any change to either makes older databases stale."""
    schema = hashlib.sha256(SCHEMA.read_bytes()).hexdigest()[:12]
    return f"{DATA_FORMAT}-{schema}"


def read_format(connection: duckdb.DuckDBPyConnection) -> str | None:
    """The format recorded in a database; "" when it has tables but no record (an older database)."""
    tables = {row[0] for row in connection.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}
    if "data_format" in tables:
        row = connection.execute("SELECT version FROM data_format").fetchone()
        return row[0] if row else ""
    return "" if tables else None


def _connect(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        reason = "正被其他进程占用" if "lock" in str(exc).lower() else str(exc)
        raise DatabaseUnavailableError(str(path), reason) from exc
    except duckdb.ConnectionException as exc:
        raise DatabaseUnavailableError(str(path), "本进程已以另一种模式打开该数据库") from exc


class BudgetStore:
    """The budget database (预算数据库) in one DuckDB file."""

    def __init__(self, connection: duckdb.DuckDBPyConnection, path: Path) -> None:
        self.connection = connection
        self.path = path
        self._tables: list[str] | None = None

    @classmethod
    def open(cls, path: Path | str, read_only: bool = False) -> "BudgetStore":
        """Open (and, unless read-only, create) the database and its schema."""
        path = Path(path)
        if read_only:
            return cls(connect_read_only(path), path)
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = _connect(path, read_only=False)
        store = cls(connection, path)
        if store.format() is None:
            store._create_schema()
        return store

    def format(self) -> str | None:
        """The data format this database was written in; None for a new (empty) file."""
        return read_format(self.connection)

    @property
    def is_current(self) -> bool:
        return self.format() == format_version()

    def reset(self) -> list[str]:
        """Drop everything and recreate the schema; returns the paths of the files that were loaded."""
        paths = [row[0] for row in self.connection.execute("SELECT path FROM source_files ORDER BY path").fetchall()]
        objects = self.connection.execute(
            "SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = 'main'").fetchall()
        for name, kind in sorted(objects, key=lambda o: o[1] != "VIEW"):
            self.connection.execute(f'DROP {"VIEW" if kind == "VIEW" else "TABLE"} IF EXISTS "{name}"')
        self._create_schema()
        self._tables = None
        return paths

    def _create_schema(self) -> None:
        self.connection.execute(SCHEMA.read_text(encoding="utf-8"))
        self.connection.execute("CREATE TABLE IF NOT EXISTS data_format (version VARCHAR)")
        self.connection.execute("DELETE FROM data_format")
        self.connection.execute("INSERT INTO data_format VALUES (?)", [format_version()])

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> "BudgetStore":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def has_source(self, sha256: str) -> bool:
        """True when a file with these exact bytes is already loaded."""
        return self.source_doc_id(sha256) is not None

    def source_doc_id(self, sha256: str) -> str | None:
        """The document a loaded file (by content hash) belongs to."""
        known = self.source_file(sha256)
        return known[0] if known else None

    def source_file(self, sha256: str) -> tuple[str, str] | None:
        """(doc_id, path) of a loaded file, by content hash."""
        return self.connection.execute("SELECT doc_id, path FROM source_files WHERE sha256 = ?", [sha256]).fetchone()

    def source_files(self, doc_id: str) -> list[tuple[str, str]]:
        """(path, sha256) of the files a loaded document was read from, by path."""
        return self.connection.execute(
            "SELECT path, sha256 FROM source_files WHERE doc_id = ? ORDER BY path", [doc_id]
        ).fetchall()

    def move_source(self, sha256: str, path: str) -> None:
        """Record the path a loaded file is now found at (a renamed or moved file is not re-parsed)."""
        self.connection.execute("UPDATE source_files SET path = ? WHERE sha256 = ?", [str(path), sha256])

    def has_document(self, doc_id: str) -> bool:
        row = self.connection.execute("SELECT 1 FROM documents WHERE doc_id = ?", [doc_id]).fetchone()
        return row is not None

    def documents(self) -> list[DocumentSummary]:
        """The loaded documents (已载入文件), by year, department, kind and scope."""
        rows = self.connection.execute(
            """
            SELECT d.doc_id, d.department, coalesce(d.region, ''), d.year, d.kind, d.scope, coalesce(d.title, ''),
                   (SELECT count(*) FROM tables t WHERE t.doc_id = d.doc_id),
                   (SELECT count(*) FROM cells c WHERE c.doc_id = d.doc_id),
                   (SELECT count(*) FROM passages p WHERE p.doc_id = d.doc_id),
                   (SELECT coalesce(list(s.path ORDER BY s.path), []) FROM source_files s WHERE s.doc_id = d.doc_id),
                   CASE WHEN d.numeric_cells > 0 THEN d.recognised_cells / d.numeric_cells END,
                   coalesce(d.warnings, [])
            FROM documents d
            ORDER BY d.year, d.department, d.kind, d.scope
            """
        ).fetchall()
        return [DocumentSummary(*row[:10], source_files=tuple(row[10]), recognised_share=row[11],
                                warnings=tuple(row[12])) for row in rows]

    def load_document(
        self,
        document: Document,
        passages: Sequence[Passage] = (),
        variances: Sequence[Any] = (),
        executions: Sequence[Any] = (),
        source_files: Sequence[SourceFile] = (),
        findings: Sequence[Any] = (),
    ) -> bool:
        """Write one document in one transaction; return True when it replaced a loaded one.

        ``variances``, ``executions`` and ``findings`` are dataclasses whose field
        names are the columns of ``variances``, ``budget_execution`` and ``audit_findings``.
        On any error the transaction is rolled back and the error re-raised:
        the database is exactly as before.
        """
        return self.load_frames(
            document.meta.doc_id,
            document_frames(document, passages, variances, executions, source_files, findings),
        )

    def load_frames(self, doc_id: str, frames: dict[str, pa.Table]) -> bool:
        """Write one document's rows (``document_frames``) in one transaction; True when it replaced one.

        On any error the transaction is rolled back and the error re-raised.
        """
        con = self.connection
        con.begin()
        try:
            replaced = self.has_document(doc_id)
            if replaced:
                self._delete_document(doc_id)
            for table in BASE_TABLES:
                if table in frames:
                    self._insert(table, frames[table])
            con.commit()
        except Exception:
            con.rollback()
            raise
        logger.info(
            "%s %s: %d tables, %d cells, %d sections, %d passages",
            "replaced" if replaced else "loaded", doc_id,
            *(frames[t].num_rows if t in frames else 0 for t in ("tables", "cells", "sections", "passages")),
        )
        return replaced

    def _delete_document(self, doc_id: str) -> None:
        for table in self._base_tables():
            self.connection.execute(f'DELETE FROM "{table}" WHERE doc_id = ?', [doc_id])

    def _insert(self, table: str, frame: pa.Table) -> None:
        columns = ", ".join(f'"{name}"' for name in frame.column_names)
        self.connection.register("_load_frame", frame)
        try:
            self.connection.execute(f'INSERT INTO "{table}" ({columns}) SELECT {columns} FROM _load_frame')
        finally:
            self.connection.unregister("_load_frame")

    def _base_tables(self) -> list[str]:
        """Base tables with a doc_id column (views excluded), by name."""
        if self._tables is None:
            self._tables = self._query_base_tables()
        return self._tables

    def _query_base_tables(self) -> list[str]:
        rows = self.connection.execute(
            """
            SELECT c.table_name FROM information_schema.columns c
            JOIN information_schema.tables t USING (table_schema, table_name)
            WHERE t.table_type = 'BASE TABLE' AND c.column_name = 'doc_id' AND t.table_schema = 'main'
            ORDER BY c.table_name
            """
        ).fetchall()
        return [row[0] for row in rows]


def document_frames(
    document: Document,
    passages: Sequence[Passage] = (),
    variances: Sequence[Any] = (),
    executions: Sequence[Any] = (),
    source_files: Sequence[SourceFile] = (),
    findings: Sequence[Any] = (),
) -> dict[str, pa.Table]:
    """The rows of every base table for one document (文档行), as Arrow tables; tables without rows left out.

    A pure function of its arguments (and the clock, for ``ingested_at``): the
    single-process ingest and the cluster path (index/cluster) both load what it returns.
    """
    doc_id = document.meta.doc_id
    frames = {
        "documents": _document_frame(document),
        "source_files": _source_frame(doc_id, source_files),
        "tables": _tables_frame(document),
        "cells": _cells_frame(document),
        "sections": _sections_frame(document),
        "passages": _passages_frame(passages),
        "variances": _dataclass_frame(doc_id, variances),
        "budget_execution": _dataclass_frame(doc_id, executions),
        "audit_findings": _dataclass_frame(doc_id, findings),
    }
    return {table: frame for table, frame in frames.items() if frame is not None}


def _frame(rows: list[dict[str, Any]]) -> pa.Table | None:
    if not rows:
        return None
    columns = {name: [row[name] for row in rows] for name in rows[0]}
    return pa.table(columns)


def _document_frame(document: Document) -> pa.Table:
    meta = document.meta
    texts = pa.list_(pa.string())
    frame = _frame([{
        "doc_id": meta.doc_id, "department": meta.department, "region": meta.region, "year": meta.year,
        "kind": meta.kind.value, "scope": meta.scope.value, "title": meta.title,
        "identity_source": meta.identity_source, "numeric_cells": document.numeric_cells,
        "recognised_cells": document.recognised_cells,
        "n_lines": len(document.lines), "ingested_at": datetime.now(),
    }])
    frame = frame.append_column("aliases", pa.array([list(meta.aliases)], type=texts))
    return frame.append_column("warnings", pa.array([list(document.warnings)], type=texts))


def _source_frame(doc_id: str, sources: Iterable[SourceFile]) -> pa.Table | None:
    now = datetime.now()
    return _frame([
        {"sha256": s.sha256, "doc_id": doc_id, "path": str(s.path), "bytes": s.n_bytes, "ingested_at": now}
        for s in sources
    ])


def _tables_frame(document: Document) -> pa.Table | None:
    doc_id = document.meta.doc_id
    return _frame([
        {"doc_id": doc_id, "table_id": table_id, "number": t.number, "name": t.name, "kind": t.kind.value,
         "unit": t.unit, "line_start": t.line_start, "line_end": t.line_end, "page": t.page, "note": t.note}
        for table_id, t in enumerate(document.tables, start=1)
    ])


def _cells_frame(document: Document) -> pa.Table | None:
    """One row per Cell, with its row's label, subject, project and panel."""
    doc_id = document.meta.doc_id
    columns: dict[str, list[Any]] = {name: [] for name in (
        "doc_id", "table_id", "row_index", "row_label", "panel", "subject_code", "subject_level",
        "subject_parent", "subject_system", "subject_name", "project_name", "column_path", "measure",
        "value", "unit", "raw", "original_value", "original_unit", "line", "page")}
    for table_id, table in enumerate(document.tables, start=1):
        for row in table.rows:
            subject = row.subject
            for cell in row.cells:
                columns["doc_id"].append(doc_id)
                columns["table_id"].append(table_id)
                columns["row_index"].append(row.index)
                columns["row_label"].append(row.label)
                columns["panel"].append(row.panel)
                columns["subject_code"].append(subject.code if subject else None)
                columns["subject_level"].append(subject.level if subject else None)
                columns["subject_parent"].append(subject.parent if subject else None)
                columns["subject_system"].append(subject.system.value if subject else None)
                columns["subject_name"].append(subject.name if subject else None)
                columns["project_name"].append(row.project)
                columns["column_path"].append(cell.column_path)
                columns["measure"].append(cell.measure.value if cell.measure else None)
                columns["value"].append(_float(cell.value))
                columns["unit"].append(cell.unit)
                columns["raw"].append(cell.raw)
                columns["original_value"].append(_float(cell.original_value))
                columns["original_unit"].append(cell.original_unit)
                columns["line"].append(cell.line)
                columns["page"].append(cell.page if cell.page is not None else table.page)
    if not columns["doc_id"]:
        return None
    return pa.table(columns)


def _sections_frame(document: Document) -> pa.Table | None:
    doc_id = document.meta.doc_id
    return _frame([
        {"doc_id": doc_id, "section_id": section_id, "path": SECTION_SEPARATOR.join(s.path), "level": s.level,
         "title": s.title, "text": s.text, "line_start": s.line_start, "line_end": s.line_end, "page": s.page}
        for section_id, s in enumerate(document.sections, start=1)
    ])


def _passages_frame(passages: Iterable[Passage]) -> pa.Table | None:
    return _frame([
        {"passage_id": p.passage_id, "doc_id": p.doc_id, "kind": p.kind.value,
         "section_path": SECTION_SEPARATOR.join(p.section_path), "text": p.text,
         "line_start": p.line_start, "line_end": p.line_end, "page": p.page}
        for p in passages
    ])


def _dataclass_frame(doc_id: str, items: Sequence[Any]) -> pa.Table | None:
    """Rows of a dataclass whose field names are the table's columns; doc_id added when absent."""
    rows = []
    for item in items:
        row = {f.name: _scalar(getattr(item, f.name)) for f in dataclasses.fields(item)}
        row.setdefault("doc_id", doc_id)
        rows.append(row)
    return _frame(rows)


def _scalar(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple) and all(isinstance(v, str) for v in value):
        return SECTION_SEPARATOR.join(value)
    return value


def _float(value: float | None) -> float | None:
    return None if value is None else float(value)
