"""What the table engines hand to the answer (数字): figures with their provenance, and the SQL behind them."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Callable, Protocol

from assistant.question.catalog import DocumentRef


@dataclass(frozen=True)
class Figure:
    """One number the answer states: whose, what, how much, from where (or by which formula).

    A ``candidate`` is a cell that may be the one asked for, shown as such when the match is
    ambiguous — never stated as the answer.
    """

    doc: DocumentRef
    label: str
    value: float
    unit: str = "万元"
    source: str = ""  # "表3 单位支出总体情况表“合计”基本支出 第 207 行"
    formula: str = ""  # set for a computed number: "4876.08 ÷ 6459.22 = 75.49%"
    expected: float | None = None  # the table's value when a quoted number differs from it
    line: int | None = None  # the narrative line a quoted number comes from
    page: int | None = None  # the page of the cell or line, when the source has pages
    candidate: bool = False


@dataclass
class SqlOutcome:
    """What a table plan found: the SQL, its rows, the figures and passages to cite."""

    kind: str  # lookup | rank | rank_documents | share | change | execution | compare | sum | series
    sql: str
    rows: list[dict[str, Any]]
    figures: list[Figure] = field(default_factory=list)
    reasons: list[tuple[DocumentRef, str, str]] = field(default_factory=list)  # (doc, subject, 原因)
    passage_ids: list[str] = field(default_factory=list)
    note: str = ""  # a sentence the answer must carry (an ambiguity, a figure not found)


class QueryResultLike(Protocol):
    sql: str
    rows: list[dict[str, Any]]


Select = Callable[[str, list[Any]], QueryResultLike]


def inline(sql: str, params: list[Any]) -> str:
    """The SQL with its parameters written in as literals, for showing (re-runnable with ``assistant sql``).

    The query itself always runs with parameters; this text is only displayed.
    """
    parts = sql.split("?")
    if len(parts) != len(params) + 1:
        return sql
    out = [parts[0]]
    for value, rest in zip(params, parts[1:]):
        out.append(_literal(value) + rest)
    return "".join(out)


def _literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    if isinstance(value, (date, datetime)):
        return f"'{value.isoformat()}'"
    return "'" + str(value).replace("'", "''") + "'"
