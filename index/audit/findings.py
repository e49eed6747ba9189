"""An audit finding (核对结果): one row of ``audit_findings``, made by the narrative and table checks.

Statuses: ``match`` (the numbers agree), ``rounding`` (they differ by no more than the rounding of
the printed figures explains: 尾差, shown apart), ``mismatch`` (a problem), ``not_found`` (a narrative
amount no table cell describes: a coverage figure, never listed as a problem).

Severity (严重程度) ranks the problems: 3 the text contradicts its own numbers or its tables (a wrong
amount, rate, share or base; one quantity stated with two values), 2 the tables contradict
themselves (sums, 合计 = 基本 + 项目, totals between tables), 1 wording (an empty reason, a reason
against the direction of the change, a note saying a filled table is empty); 0 not a problem.
"""
from __future__ import annotations

from dataclasses import dataclass, fields

PROBLEM_SEVERITY = {
    "narrative_vs_table": 3, "recomputed_ratio": 3, "change_statement": 3, "duplicate_value": 3,
    "parent_sum": 2, "total_split": 2, "cross_table": 2,
    "reason": 1, "table_note": 1,
}


@dataclass
class Finding:
    """One audit result; the columns of ``audit_findings``."""

    doc_id: str
    seq: int  # order in the document's findings, from 1
    kind: str  # a key of PROBLEM_SEVERITY
    status: str  # match | rounding | mismatch | not_found
    statement: str  # the narrative sentence, or the left side of an internal check
    line_start: int | None
    line_end: int | None
    section: str  # section path joined with " > " (the table for internal checks)
    stated_value: float | None  # the amount or percentage as stated (left side)
    unit: str  # 万元 | %
    table_id: int | None
    table_number: str | None
    table_name: str | None
    row_label: str | None
    column_path: str | None  # the cell's column; for a change, the base it is compared with (上年预算 …)
    table_value: float | None  # the linked cell, or the recomputed figure (right side)
    difference: float | None  # stated_value - table_value
    message: str  # both sides and the arithmetic, in Chinese
    page: int | None = None  # PDF page of line_start, when the source has pages
    severity: int = 0  # 3 high … 1 low; 0 for match, rounding and not_found


COLUMNS = [f.name for f in fields(Finding)]


def severity(kind: str, status: str) -> int:
    """How serious a finding is: by its kind when it is a problem (mismatch), else 0."""
    return PROBLEM_SEVERITY.get(kind, 1) if status == "mismatch" else 0


def is_problem(finding: Finding) -> bool:
    """A finding to list: a mismatch (rounding and not linked are figures, not problems)."""
    return finding.status == "mismatch"


def link_coverage(findings: list[Finding]) -> tuple[int, int]:
    """(linked, subject amounts): narrative amounts linked to a cell, of all subject amounts found."""
    narrative = [f for f in findings if f.kind == "narrative_vs_table"]
    return sum(f.status != "not_found" for f in narrative), len(narrative)
