"""Where each number and quote of an answer came from (出处): a table cell or a passage's lines.

The answer contract names its sources in words: a check's ``source`` ("表10
… 第 420 行", or the audit's "文中 209.44 万元 = 表5 …“行政运行”合计 …"),
a citation's document, lines and page. ``answer_sources`` turns them into
``SourceRef``s by looking the value up in the ``cells`` of the answer's
documents (its rows' and citations' doc_ids: same line and value, else same
table, row label and value); a number found only in a quoted passage points
at the passage's sentence that holds it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Sequence

import duckdb

from assistant.answer import Answer, Citation, NumberCheck
from index.text import compact, name_key
from ui import browse

TOLERANCE = 0.006
LINE_OF = re.compile(r"第\s*(\d+)\s*行")
TABLE_NUMBER = re.compile(r"(?:公开)?表[0-9一二三四五六七八九十]+|公开\d+表")
QUOTED = re.compile(r"“([^”]+)”")
CELL_KEYS = ("rowid", "doc_id", "line", "page", "raw", "row_label", "number", "name", "subject_code")


@dataclass(frozen=True)
class SourceRef:
    """One source to show: a cell (``kind`` "cell") or a sentence of a passage ("text").

    ``line``/``line_end`` and ``page`` are the document's own (running on
    through the files of a split publication); ``needle`` is the printed
    value or the sentence to mark; ``row_values`` the printed values of the
    cell's text line in column order and ``position`` which of the equal
    values is the cell, ``row_code`` its subject code; ``focus`` a number to
    mark inside the sentence.
    """

    label: str
    doc_id: str
    kind: str
    line: int
    line_end: int
    page: int | None
    needle: str
    row_label: str = ""
    row_values: tuple[str, ...] = ()
    position: int = 0
    row_code: str = ""
    focus: str = ""


def answer_sources(con: duckdb.DuckDBPyConnection,
                   answer: Answer) -> tuple[list[SourceRef | None], list[SourceRef | None]]:
    """The source of each check (None when it has none, e.g. a formula) and of each citation, in order."""
    doc_ids = _answer_documents(con, answer)
    checks = [check_source(con, check, doc_ids, answer.citations) for check in answer.checks]
    quotes = [citation_source(c, answer.question, answer.answer, n) for n, c in enumerate(answer.citations, 1)]
    return checks, quotes


def check_source(con: duckdb.DuckDBPyConnection, check: NumberCheck, doc_ids: Sequence[str],
                 citations: Sequence[Citation] = ()) -> SourceRef | None:
    """The cell a checked number was read from, else the cited sentence stating it; None for a formula."""
    if check.status == "computed" or not doc_ids:
        return None
    label = f"{check.value:g} {check.unit}"
    line = LINE_OF.search(check.source)
    cell = None
    if line:
        cell = _cell(con, doc_ids, check.value, "c.line = ?", [int(line.group(1))])
    if cell is None:
        cell = _cell_named(con, doc_ids, check.value, check.source)
    if cell is not None:
        return cell_ref(con, cell, label)
    if line:
        passage = browse.passage_at_any(con, doc_ids, int(line.group(1)))
        if passage is not None:
            return _number_in_passage(passage, check.value, label)
    for citation in citations:
        ref = _number_in_passage(_citation_passage(citation), check.value, label)
        if ref is not None:
            return ref
    return None


def citation_source(citation: Citation, question: str, answer: str, number: int) -> SourceRef | None:
    """The sentence of a quoted passage that the answer highlights."""
    first, last = _line_range(citation.lines)
    if first is None:
        return None
    _, sentence, _ = browse.quoted_sentence(citation.text, question, answer)
    return SourceRef(f"引文 {number}", citation.doc, "text", first, last, citation.page, sentence.strip())


def cell_ref(con: duckdb.DuckDBPyConnection, cell: dict[str, Any], label: str) -> SourceRef:
    """A reference to one stored cell, with the printed values of its text line for telling equal values apart.

    A printed cell may be stored more than once (under two measures, e.g. 合计 and 人员经费): the line's
    values are its printed cells, one per table row and column, in the order they were stored.
    """
    printed = con.execute(
        """
        SELECT any_value(raw), min(rowid) AS first, bool_or(rowid = ?) AS ours
        FROM cells WHERE doc_id = ? AND line = ? AND raw IS NOT NULL AND raw <> ''
        GROUP BY table_id, row_index, panel, column_path ORDER BY first
        """,
        [cell["rowid"], cell["doc_id"], cell["line"]],
    ).fetchall()
    values = tuple(raw for raw, _, _ in printed)
    ours = next((i for i, (_, _, mine) in enumerate(printed) if mine), 0)
    position = sum(1 for raw in values[:ours] if raw == cell["raw"])
    return SourceRef(label, cell["doc_id"], "cell", cell["line"], cell["line"], cell["page"], cell["raw"],
                     row_label=cell["row_label"] or "", row_values=values, position=position,
                     row_code=cell.get("subject_code") or "")


def _answer_documents(con: duckdb.DuckDBPyConnection, answer: Answer) -> list[str]:
    """The documents an answer speaks of: its rows' and citations' doc_ids, else those it names."""
    named = [row["doc_id"] for row in answer.rows if isinstance(row.get("doc_id"), str)]
    named += [c.doc for c in answer.citations]
    if named:
        return list(dict.fromkeys(named))
    documents = con.execute("SELECT doc_id, department FROM documents").fetchall()
    return [doc_id for doc_id, department in documents if department and department in answer.answer]


def _cell(con: duckdb.DuckDBPyConnection, doc_ids: Sequence[str], value: float, where: str,
          params: list[Any]) -> dict[str, Any] | None:
    found = con.execute(
        f"""
        SELECT c.rowid, c.doc_id, c.line, c.page, c.raw, c.row_label, t.number, t.name, c.subject_code
        FROM cells c JOIN tables t USING (doc_id, table_id)
        WHERE c.doc_id IN (SELECT unnest(?)) AND {where} AND c.raw IS NOT NULL
          AND (abs(c.value - ?) < ? OR abs(c.original_value - ?) < ?)
        ORDER BY c.table_id, c.row_index, c.rowid
        """,
        [list(doc_ids), *params, value, TOLERANCE, value, TOLERANCE],
    ).fetchall()
    if not found:
        return None
    return dict(zip(CELL_KEYS, found[0]))


def _cell_named(con: duckdb.DuckDBPyConnection, doc_ids: Sequence[str], value: float,
                source: str) -> dict[str, Any] | None:
    """A cell of the value whose table the source names (by number or title), its row label preferred."""
    numbers = TABLE_NUMBER.findall(source)
    rows = con.execute(
        """
        SELECT c.rowid, c.doc_id, c.line, c.page, c.raw, c.row_label, t.number, t.name, c.subject_code
        FROM cells c JOIN tables t USING (doc_id, table_id)
        WHERE c.doc_id IN (SELECT unnest(?)) AND c.raw IS NOT NULL AND c.line IS NOT NULL
          AND (abs(c.value - ?) < ? OR abs(c.original_value - ?) < ?)
        ORDER BY c.table_id, c.row_index, c.rowid
        """,
        [list(doc_ids), value, TOLERANCE, value, TOLERANCE],
    ).fetchall()
    key = name_key(source)
    labels = {name_key(q) for q in QUOTED.findall(source)}
    best, best_score = None, 0
    for row in rows:
        number, name, row_label = row[6], row[7], row[5]
        table_named = (number and number in numbers) or (name and name_key(name) in key)
        if not table_named:
            continue
        score = 1 + (2 if row_label and name_key(row_label) in labels else 0)
        if score > best_score:
            best, best_score = row, score
    if best is None:
        return None
    return dict(zip(CELL_KEYS, best))


def _number_in_passage(passage: dict[str, Any] | None, value: float, label: str) -> SourceRef | None:
    """The sentence of a passage stating ``value`` (as printed: 2103.5, 2,103.50 …), with the number as focus."""
    if passage is None:
        return None
    first, last = _line_range(passage["lines"])
    for sentence in browse.sentences(passage["text"]):
        printed = _printed(sentence, value)
        if printed:
            return SourceRef(label, passage["doc_id"], "text", first, last, passage.get("page"), sentence.strip(),
                             focus=printed)
    return None


def _printed(text: str, value: float) -> str | None:
    for match in re.finditer(r"(?<![\d.])\d{1,3}(?:,\d{3})+(?:\.\d+)?|(?<![\d.,])\d+(?:\.\d+)?", compact(text)):
        if abs(float(match.group().replace(",", "")) - value) < TOLERANCE:
            return match.group()
    return None


def _citation_passage(citation: Citation) -> dict[str, Any]:
    return {"doc_id": citation.doc, "lines": citation.lines, "text": citation.text, "page": citation.page}


def _line_range(lines: str) -> tuple[int | None, int]:
    numbers = [int(n) for n in re.findall(r"\d+", lines or "")]
    if not numbers:
        return None, 0
    return numbers[0], numbers[-1]
