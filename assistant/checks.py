"""Number checks (数字核对): every number an answer states, compared with the table cells.

``match``: a cell of the same document holds the value; ``mismatch``: the
number is tied to a table row that says otherwise (``expected``);
``computed``: derived by the formula in ``source``; ``unverified``: no cell to
compare with (e.g. a 上年 figure quoted from the narrative).
"""
from __future__ import annotations

import logging
import re
from collections import defaultdict

import duckdb

from assistant.answer import NumberCheck
from assistant.sql_engine import Figure

logger = logging.getLogger(__name__)

# A number with the unit that follows it; numbers without a unit (years, line numbers, codes) are not amounts.
NUMBER_WITH_UNIT = re.compile(r"(?<![\d.])(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*(万元|元|%|人|名|个|辆|分|平方米|户|次)")
TOLERANCE = 0.006


class CellIndex:
    """All cell values per document, for looking a number up (loaded once)."""

    def __init__(self, values: dict[str, dict[float, str]]) -> None:
        self.values = values

    @classmethod
    def load(cls, connection: duckdb.DuckDBPyConnection) -> "CellIndex":
        values: dict[str, dict[float, str]] = defaultdict(dict)
        rows = connection.execute(
            "SELECT c.doc_id, c.value, coalesce(t.number || ' ', '') || t.name, c.row_label, c.line "
            "FROM cells c JOIN tables t USING (doc_id, table_id) WHERE c.value IS NOT NULL "
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


def check_figures(figures: list[Figure], cells: CellIndex) -> list[NumberCheck]:
    """Checks of the numbers the engines produced (their provenance is known)."""
    checks = []
    for figure in figures:
        if figure.formula:
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


def check_text(text: str, doc_ids: list[str], cells: CellIndex, known: list[NumberCheck]) -> list[NumberCheck]:
    """Checks of the numbers in ``text`` that ``known`` does not cover (numbers quoted from passages)."""
    covered = {(round(c.value, 2), c.unit) for c in known}
    checks = []
    for match in NUMBER_WITH_UNIT.finditer(text):
        value, unit = float(match.group(1).replace(",", "")), match.group(2)
        if (round(value, 2), unit) in covered:
            continue
        covered.add((round(value, 2), unit))
        source = cells.find(value, doc_ids) if unit == "万元" else None
        if source:
            checks.append(NumberCheck(value, unit, "match", source))
        else:
            checks.append(NumberCheck(value, unit, "unverified", "引自说明，表中无对应单元格"))
    return checks


def numbers_with_units(text: str) -> list[tuple[float, str]]:
    """Every (number, unit) stated in ``text``."""
    return [(float(m.group(1).replace(",", "")), m.group(2)) for m in NUMBER_WITH_UNIT.finditer(text)]
