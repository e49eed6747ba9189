"""Number checks (数字核对): every number an answer states, compared with the table cells.

``match``: the table cell it describes holds the value; ``mismatch``: that
cell says otherwise (``expected``); ``computed``: derived by the formula in
``source``; ``unverified``: no cell to compare with (e.g. a 上年 figure).

A number quoted from a passage is checked through the audit's link for that
sentence (``audit_findings``, made at ingest by ``index.audit.narrative`` with
``index.audit.linking``): one linking implementation for audit and answers. A number
the audit did not link falls back to a value lookup in the document's cells.
"""
from __future__ import annotations

import logging
import re
from collections import defaultdict
from dataclasses import dataclass

import duckdb

from assistant.answer import NumberCheck
from assistant.engines.figures import Figure

logger = logging.getLogger(__name__)

# A number with the unit that follows it; numbers without a unit (years, line numbers, codes) are not amounts.
NUMBER_WITH_UNIT = re.compile(r"(?<![\d.])(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*(万元|元|%|人|名|个|辆|分|平方米|户|次)")
TOLERANCE = 0.006


class CellValues:
    """All cell values per document, for looking a number up (loaded once)."""

    def __init__(self, values: dict[str, dict[float, str]]) -> None:
        self.values = values

    @classmethod
    def load(cls, connection: duckdb.DuckDBPyConnection) -> "CellValues":
        values: dict[str, dict[float, str]] = defaultdict(dict)
        rows = connection.execute(
            "SELECT c.doc_id, c.value, coalesce(t.number || ' ', '') || t.name, c.row_label, c.line "
            "FROM cells c JOIN tables t USING (doc_id, table_id) WHERE c.value IS NOT NULL AND c.unit = '万元' "
            "ORDER BY c.doc_id, c.table_id, c.row_index").fetchall()
        for doc_id, value, table, label, line in rows:
            values[doc_id].setdefault(round(value, 2), f"{table} {label} 第 {line} 行")
        return cls(dict(values))

    def find(self, value: float, doc_ids: list[str]) -> str | None:
        for doc_id in doc_ids:
            source = self.values.get(doc_id, {}).get(round(value, 2))
            if source:
                return source
        return None


@dataclass(frozen=True)
class QuotedRange:
    """Lines of a cited passage: numbers quoted from them are checked by the audit's links."""

    doc_id: str
    line_start: int
    line_end: int


@dataclass(frozen=True)
class _Link:
    line: int
    value: float
    unit: str
    status: str
    source: str
    table_value: float | None


class NarrativeLinks:
    """The audit's narrative findings (文表核对, 比率复算) per document, loaded once."""

    def __init__(self, links: dict[str, list[_Link]]) -> None:
        self.links = links

    @classmethod
    def load(cls, connection: duckdb.DuckDBPyConnection) -> "NarrativeLinks":
        links: dict[str, list[_Link]] = defaultdict(list)
        rows = connection.execute(
            "SELECT doc_id, line_start, stated_value, unit, status, message, table_value FROM audit_findings "
            "WHERE kind IN ('narrative_vs_table', 'recomputed_ratio') AND stated_value IS NOT NULL "
            "ORDER BY doc_id, seq").fetchall()
        for doc_id, line, value, unit, status, message, table_value in rows:
            links[doc_id].append(_Link(line, value, unit, status, message, table_value))
        return cls(dict(links))

    def find(self, value: float, unit: str, quoted: list[QuotedRange]) -> _Link | None:
        for where in quoted:
            for link in self.links.get(where.doc_id, []):
                if (where.line_start <= link.line <= where.line_end and link.unit == unit
                        and abs(link.value - value) < TOLERANCE):
                    return link
        return None


def check_figures(figures: list[Figure], cells: CellValues, links: NarrativeLinks) -> list[NumberCheck]:
    """Checks of the numbers the engines produced (their provenance is known)."""
    checks = []
    for figure in figures:
        if figure.candidate:
            checks.append(NumberCheck(figure.value, figure.unit, "unverified", f"候选，未作为答案：{figure.source}"))
            continue
        link = None
        if figure.line is not None and figure.expected is None:
            link = links.find(figure.value, figure.unit, [QuotedRange(figure.doc.doc_id, figure.line, figure.line)])
        if link is not None and link.status in ("match", "rounding", "mismatch"):  # rounding (尾差) agrees
            expected = link.table_value if link.status == "mismatch" else None
            status = "mismatch" if link.status == "mismatch" else "match"
            checks.append(NumberCheck(figure.value, figure.unit, status, link.source, expected=expected))
        elif figure.formula:
            checks.append(NumberCheck(figure.value, figure.unit, "computed", figure.formula))
        elif figure.expected is not None:
            checks.append(NumberCheck(figure.value, figure.unit, "mismatch",
                                      f"{figure.source}；表中为 {figure.expected:.2f}", expected=figure.expected))
        elif figure.unit == "万元" and cells.find(figure.value, [figure.doc.doc_id]):
            checks.append(NumberCheck(figure.value, figure.unit, "match", figure.source or
                                      cells.find(figure.value, [figure.doc.doc_id]) or ""))
        else:
            checks.append(NumberCheck(figure.value, figure.unit, "unverified", f"{figure.source}；表中无对应单元格"))
    return checks


def check_text(text: str, doc_ids: list[str], quoted: list[QuotedRange], cells: CellValues,
               links: NarrativeLinks, known: list[NumberCheck]) -> list[NumberCheck]:
    """Checks of the numbers in ``text`` that ``known`` does not cover (numbers quoted from passages)."""
    covered = {(round(c.value, 2), c.unit) for c in known}
    checks = []
    for match in NUMBER_WITH_UNIT.finditer(text):
        value, unit = float(match.group(1).replace(",", "")), match.group(2)
        if (round(value, 2), unit) in covered:
            continue
        covered.add((round(value, 2), unit))
        checks.append(_check_quoted(value, unit, doc_ids, quoted, cells, links))
    return checks


def _check_quoted(value: float, unit: str, doc_ids: list[str], quoted: list[QuotedRange], cells: CellValues,
                  links: NarrativeLinks) -> NumberCheck:
    link = links.find(value, unit, quoted)
    if link is not None and link.status in ("match", "rounding"):  # a 尾差 is no mismatch
        return NumberCheck(value, unit, "match", link.source)
    if link is not None and link.status == "mismatch":
        return NumberCheck(value, unit, "mismatch", link.source, expected=link.table_value)
    source = cells.find(value, doc_ids) if unit == "万元" else None
    if source:
        return NumberCheck(value, unit, "match", f"同值单元格：{source}")
    return NumberCheck(value, unit, "unverified", "引自说明，表中无对应单元格")


def numbers_with_units(text: str) -> list[tuple[float, str]]:
    """Every (number, unit) stated in ``text``."""
    return [(float(m.group(1).replace(",", "")), m.group(2)) for m in NUMBER_WITH_UNIT.finditer(text)]
