"""An audit finding (核对结果): one row of ``audit_findings``, made by the narrative and table checks."""
from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass
class Finding:
    """One audit result; the columns of ``audit_findings``."""

    doc_id: str
    seq: int  # order in the document's findings, from 1
    kind: str  # narrative_vs_table | recomputed_ratio | parent_sum | total_split | cross_table
    status: str  # match | mismatch | not_found
    statement: str  # the narrative clause, or the left side of an internal check
    line_start: int | None
    line_end: int | None
    section: str  # section path joined with " > " (the table for internal checks)
    stated_value: float | None  # the amount or percentage as stated (left side)
    unit: str  # 万元 | %
    table_id: int | None
    table_number: str | None
    table_name: str | None
    row_label: str | None
    column_path: str | None
    table_value: float | None  # the linked cell, or the recomputed figure (right side)
    difference: float | None  # stated_value - table_value
    message: str


COLUMNS = [f.name for f in fields(Finding)]


def link_coverage(findings: list[Finding]) -> tuple[int, int]:
    """(linked, subject amounts): narrative amounts linked to a cell, of all subject amounts found."""
    narrative = [f for f in findings if f.kind == "narrative_vs_table"]
    return sum(f.status != "not_found" for f in narrative), len(narrative)
