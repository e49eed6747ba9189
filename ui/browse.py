"""What the app's pages show, as plain DataFrames and dicts (浏览): no Streamlit here.

Every function takes an open (read-only) DuckDB connection or plain values
and returns pandas objects, so the pages stay thin and the logic is tested
without a browser: the loaded documents (已载入文件), the variance and
budget-execution tables (增减变动 / 预算执行), a document's tables rendered
as tables and its sections as text, the passage behind a line, and the
sentence of a quoted passage to highlight.
"""
from __future__ import annotations

import logging
from collections import Counter
from typing import Any, Sequence

import duckdb
import pandas as pd

from assistant.sentences import NUMBER, SENTENCE_END, char_pairs
from index.store.database import BudgetStore, DocumentSummary

logger = logging.getLogger(__name__)

CHANGE_COLUMNS = ("change_amount", "change", "difference", "delta", "增减额")
# Columns a person reads, in order, with their labels (``ui.frames.readable`` adds the units);
# the rest (ids, links) stay hidden.
VARIANCE_COLUMNS = {
    "subject": "科目", "amount": "本年数", "change_amount": "增减额", "change_pct": "增减率", "reason": "原因",
    "document": "文件", "subject_code": "科目编码", "line_start": "行", "agrees": "与表格一致", "direction": "增减",
}
EXECUTION_COLUMNS = {
    "subject": "科目", "initial_budget": "年初预算", "final_amount": "决算数", "difference": "差额",
    "completion_pct": "完成率", "reason": "原因", "document": "文件", "subject_code": "科目编码", "line_start": "行",
    "agrees": "与表格一致",
}


def loaded_documents(con: duckdb.DuckDBPyConnection) -> list[DocumentSummary]:
    """已载入文件, by year and department, with tables and passages counted."""
    return BudgetStore(con, None).documents()


def document_label(document: DocumentSummary) -> str:
    """A short label: 轮台县人力资源和社会保障局 2024 预算."""
    return f"{document.department} {document.year} {document.kind}"


def document_labels(documents: Sequence[DocumentSummary]) -> dict[str, str]:
    """Each document's short label, made unique (部门 / 单位 added where two would read the same).

    The labels are what a shared link names a document by (a bound widget puts its shown value in the URL).
    """
    short = {d.doc_id: document_label(d) for d in documents}
    counts = Counter(short.values())
    return {d.doc_id: short[d.doc_id] + (f" {d.scope}" if counts[short[d.doc_id]] > 1 else "") for d in documents}


def example_questions(documents: Sequence[DocumentSummary]) -> list[str]:
    """Questions that work on the loaded documents: a lookup, a reason, a concept, a comparison."""
    questions = ["什么是三公经费？"]
    if documents:
        first = documents[0]
        questions.insert(0, f"{first.department}{first.year}年三公经费一共多少？")
        questions.append(f"{first.department}{first.year}年支出增减的主要原因是什么？")
    if len({d.doc_id for d in documents}) > 1:
        questions.append("各部门的三公经费分别是多少？")
    return questions


def table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    row = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'main' AND table_name = ?", [name]
    ).fetchone()
    return bool(row[0])


def variances(con: duckdb.DuckDBPyConnection, doc_id: str | None = None) -> pd.DataFrame:
    """增减变动说明: the ``variances`` table, one document or all; empty when not loaded."""
    return _doc_rows(con, "variances", doc_id)


def budget_execution(con: duckdb.DuckDBPyConnection, doc_id: str | None = None) -> pd.DataFrame:
    """预算执行 (决算 vs 预算): the ``budget_execution`` table, one document or all; empty when not loaded.

    ``difference`` (差额) is added: final amount minus initial budget.
    """
    frame = _doc_rows(con, "budget_execution", doc_id)
    if {"final_amount", "initial_budget"} <= set(frame.columns):
        frame["difference"] = (frame["final_amount"] - frame["initial_budget"]).round(2)
    return frame


def with_document_labels(frame: pd.DataFrame, documents: Sequence[DocumentSummary]) -> pd.DataFrame:
    """Add ``document``: the short label of each row's doc_id (轮台县人力资源和社会保障局 2024 预算)."""
    if frame.empty or "doc_id" not in frame:
        return frame
    labels = document_labels(documents)
    return frame.assign(document=frame["doc_id"].map(labels).fillna(frame["doc_id"]))


def shown_columns(frame: pd.DataFrame, labels: dict[str, str]) -> dict[str, str]:
    """The labelled columns present in ``frame``, in the labels' order."""
    return {name: label for name, label in labels.items() if name in frame.columns}


def change_column(frame: pd.DataFrame) -> str | None:
    """The column holding the change (增减额), by name, else the first numeric column named like one."""
    for name in CHANGE_COLUMNS:
        if name in frame and pd.api.types.is_numeric_dtype(frame[name]):
            return name
    for name in frame.columns:
        if ("change" in str(name) or "增减" in str(name)) and pd.api.types.is_numeric_dtype(frame[name]):
            return name
    return None


def sort_by_change(frame: pd.DataFrame, largest_first: bool = True) -> pd.DataFrame:
    """Rows by the size of their change (absolute value), largest first unless told otherwise."""
    column = change_column(frame)
    if column is None or frame.empty:
        return frame.reset_index(drop=True)
    order = frame[column].abs().sort_values(ascending=not largest_first, na_position="last").index
    return frame.loc[order].reset_index(drop=True)


def passage_at(con: duckdb.DuckDBPyConnection, doc_id: str, line: int) -> dict[str, Any] | None:
    """The narrowest passage covering ``line`` (else the section): doc_id, section, lines, page, text."""
    return passage_at_any(con, [doc_id], line)


def passage_at_any(con: duckdb.DuckDBPyConnection, doc_ids: Sequence[str], line: int) -> dict[str, Any] | None:
    """``passage_at`` in the first of ``doc_ids`` that has a passage (or section) covering ``line``."""
    for table, path in (("passages", "section_path"), ("sections", "path")):
        row = con.execute(
            f"""
            SELECT doc_id, {path}, line_start, line_end, page, text FROM {table}
            WHERE doc_id IN (SELECT unnest(?)) AND line_start <= ? AND line_end >= ?
            ORDER BY array_position(?, doc_id), line_end - line_start LIMIT 1
            """,
            [list(doc_ids), line, line, list(doc_ids)],
        ).fetchone()
        if row is not None:
            return {"doc_id": row[0], "section": row[1] or "", "lines": _lines(row[2], row[3]), "page": row[4],
                    "text": row[5]}
    return None


def row_passage(con: duckdb.DuckDBPyConnection, row: dict[str, Any]) -> dict[str, Any] | None:
    """The passage a variance / execution row came from: by passage_id, else by its line."""
    passage_id = row.get("passage_id")
    if isinstance(passage_id, str) and passage_id:
        found = con.execute(
            "SELECT doc_id, section_path, line_start, line_end, page, text FROM passages WHERE passage_id = ?",
            [passage_id],
        ).fetchone()
        if found is not None:
            return {"doc_id": found[0], "section": found[1] or "", "lines": _lines(found[2], found[3]),
                    "page": found[4], "text": found[5]}
    line = row_line(row)
    return passage_at(con, row["doc_id"], line) if line is not None else None


def row_line(row: dict[str, Any]) -> int | None:
    """The source line a variance / execution row points at (line, line_start, or the first of 'lines')."""
    for key in ("line", "line_start", "passage_line"):
        value = row.get(key)
        if value is not None and not pd.isna(value):
            return int(value)
    lines = row.get("lines")
    if isinstance(lines, str) and NUMBER.match(lines):
        return int(NUMBER.match(lines).group())
    return None


def document_tables(con: duckdb.DuckDBPyConnection, doc_id: str) -> pd.DataFrame:
    """The tables of a document in order: table_id, number, name, kind, unit, lines, note."""
    return con.execute(
        """
        SELECT table_id, number, name, kind, unit, line_start, line_end, page, note
        FROM tables WHERE doc_id = ? ORDER BY table_id
        """,
        [doc_id],
    ).df()


def table_frames(con: duckdb.DuckDBPyConnection, doc_id: str, table_id: int) -> list[tuple[str | None, pd.DataFrame]]:
    """A table as printed (in its own unit), one frame per panel of a side-by-side table.

    Rows keep the document's order; columns are the header paths in order of
    first appearance; a blank cell stays empty.
    """
    cells = con.execute(
        """
        SELECT row_index, row_label, panel, subject_code, column_path,
               coalesce(original_value, value) AS amount, line
        FROM cells WHERE doc_id = ? AND table_id = ?
        ORDER BY row_index, line
        """,
        [doc_id, table_id],
    ).df()
    if cells.empty:
        return []
    frames = []
    for panel, part in cells.groupby(cells["panel"].fillna(""), sort=False):
        columns = list(dict.fromkeys(part["column_path"]))
        labels = part.groupby("row_index", sort=False).agg(
            科目编码=("subject_code", "first"), 项目=("row_label", "first"))
        values = part.pivot_table(index="row_index", columns="column_path", values="amount",
                                  aggfunc="first", dropna=False, sort=False)
        frame = labels.join(values.reindex(columns=columns))
        if frame["科目编码"].isna().all():
            frame = frame.drop(columns="科目编码")
        frames.append((panel or None, frame.reset_index(drop=True)))
    return frames


def document_sections(con: duckdb.DuckDBPyConnection, doc_id: str) -> pd.DataFrame:
    """The sections of a document in order: path, level, title, lines, text."""
    return con.execute(
        """
        SELECT section_id, path, level, title, line_start, line_end, page, text
        FROM sections WHERE doc_id = ? ORDER BY section_id
        """,
        [doc_id],
    ).df()


def sentences(text: str) -> list[str]:
    """The sentences of a passage, in order (split as the answer's quotes are)."""
    return [p for p in SENTENCE_END.split(text) if p and p.strip()]


def quoted_sentence(text: str, question: str, answer: str) -> tuple[str, str, str]:
    """Split a passage into (before, the sentence to highlight, after).

    The sentence is the one sharing most numbers with the answer, then most
    character pairs with the question; the text is returned whole.
    """
    pieces = [p for p in SENTENCE_END.split(text) if p]
    if not pieces:
        return "", text, ""
    numbers = set(NUMBER.findall(answer))
    pairs = char_pairs(question) | char_pairs(answer)

    def score(piece: str) -> tuple[int, int]:
        return len(numbers & set(NUMBER.findall(piece))), len(pairs & char_pairs(piece))

    best = max(range(len(pieces)), key=lambda i: score(pieces[i]))
    start = sum(len(p) for p in pieces[:best])
    start = text.find(pieces[best], start)
    end = start + len(pieces[best])
    return text[:start], text[start:end], text[end:]


def _lines(start: int | None, end: int | None) -> str:
    if start is None:
        return ""
    return str(start) if end in (None, start) else f"{start}-{end}"


def _doc_rows(con: duckdb.DuckDBPyConnection, table: str, doc_id: str | None) -> pd.DataFrame:
    if not table_exists(con, table):
        logger.info("table %s is not in the database", table)
        return pd.DataFrame()
    if doc_id is None:
        return con.execute(f'SELECT * FROM "{table}" ORDER BY doc_id').df()
    return con.execute(f'SELECT * FROM "{table}" WHERE doc_id = ?', [doc_id]).df()
