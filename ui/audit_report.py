"""Audit findings for people: a summary per document, labels, and text / CSV / Markdown renderings."""
from __future__ import annotations

from dataclasses import asdict

import pandas as pd

from index.audit.findings import COLUMNS, Finding
from index.audit.linking import format_amount
from ui.frames import neutralised

SUMMARY_LABELS = {"doc_id": "文件", "subject_amounts": "叙述数额", "linked": "已对应", "coverage_pct": "对应率%",
                  "narrative_vs_table_mismatch": "文表不一致", "recomputed_ratio_mismatch": "比率不一致",
                  "parent_sum_mismatch": "上下级合计不符", "total_split_mismatch": "合计≠基本+项目",
                  "cross_table_mismatch": "表间不一致", "not_found": "未找到"}
STATUS_LABELS = {"match": "一致", "mismatch": "不一致", "not_found": "未找到"}
KIND_LABELS = {"narrative_vs_table": "文表核对", "recomputed_ratio": "比率复算", "parent_sum": "上下级合计",
               "total_split": "合计=基本+项目", "cross_table": "表间一致"}


def findings_frame(findings: list[Finding]) -> pd.DataFrame:
    """Findings as a DataFrame with the ``audit_findings`` columns."""
    return pd.DataFrame([asdict(f) for f in findings], columns=COLUMNS)


def summarize(frame: pd.DataFrame) -> pd.DataFrame:
    """Per document: subject amounts, linked, coverage %, and mismatches / not found by kind."""
    rows = []
    for doc_id, group in frame.groupby("doc_id", sort=False):
        narrative = group[group["kind"] == "narrative_vs_table"]
        linked = int((narrative["status"] != "not_found").sum())
        problems = group[group["status"] != "match"]
        rows.append({
            "doc_id": doc_id,
            "subject_amounts": len(narrative),
            "linked": linked,
            "coverage_pct": round(100 * linked / len(narrative), 1) if len(narrative) else None,
            **{f"{kind}_mismatch": int((problems["kind"] == kind).sum()) for kind in KIND_LABELS},
            "not_found": int((group["status"] == "not_found").sum()),
        })
    return pd.DataFrame(rows)


def render_findings(frame: pd.DataFrame, fmt: str = "text") -> str:
    """text: a summary and every problem; csv: every finding (formula-like text neutralised); markdown:
    summary and problem tables."""
    if fmt == "csv":
        return neutralised(frame).to_csv(index=False)
    summary = summarize(frame)
    problems = frame[frame["status"] != "match"]
    if fmt == "markdown":
        parts = ["## 核对汇总", "", _markdown(summary.rename(columns=SUMMARY_LABELS)), ""]
        for doc_id, group in problems.groupby("doc_id", sort=False):
            table = pd.DataFrame({
                "类型": group["kind"].map(KIND_LABELS), "结果": group["status"].map(STATUS_LABELS),
                "行": group.apply(_line_range, axis=1), "文中": group.apply(_stated, axis=1),
                "表格": group.apply(_cell, axis=1), "差额": group["difference"].map(_plain),
                "说明": group["message"],
            })
            parts += [f"## {doc_id}", "", _markdown(table), ""]
        return "\n".join(parts).rstrip() + "\n"
    lines = []
    for record in summary.to_dict("records"):
        doc_problems = problems[problems["doc_id"] == record["doc_id"]]
        lines.append(f"{record['doc_id']}：叙述数额 {record['subject_amounts']} 个，对应到表格 {record['linked']} 个"
                     f"（{record['coverage_pct']}%），问题 {len(doc_problems)} 个")
        for finding in doc_problems.to_dict("records"):
            lines.append(f"  [{STATUS_LABELS[finding['status']]}·{KIND_LABELS[finding['kind']]}] "
                         f"第 {_line_range(finding)} 行（{finding['section']}）：{finding['message']}")
    return "\n".join(lines)


def _line_range(finding) -> str:
    start, end = finding["line_start"], finding["line_end"]
    if pd.isna(start):
        return ""
    return f"{int(start)}" if pd.isna(end) or int(end) == int(start) else f"{int(start)}-{int(end)}"


def _stated(finding) -> str:
    value = finding["stated_value"]
    return "" if pd.isna(value) else f"{format_amount(value)} {finding['unit']}"


def _cell(finding) -> str:
    if pd.isna(finding["table_number"]) and pd.isna(finding["table_name"]):
        return ""
    unit = " %" if finding["unit"] == "%" else ""
    value = "" if pd.isna(finding["table_value"]) else f" = {format_amount(finding['table_value'])}{unit}"
    title = " ".join(str(v) for v in (finding["table_number"], finding["table_name"]) if not pd.isna(v))
    return f"{title}“{finding['row_label']}”{finding['column_path']}{value}"


def _plain(value) -> str:
    return "" if pd.isna(value) else f"{value:+.2f}"


def _markdown(frame: pd.DataFrame) -> str:
    def cell(value) -> str:
        text = "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)
        return text.replace("|", "\\|").replace("\n", " ")

    header = "| " + " | ".join(frame.columns) + " |"
    rule = "| " + " | ".join("---" for _ in frame.columns) + " |"
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *body])
