"""Audit findings for people: a summary per document, problems ranked by severity, rounding apart.

Plain functions over the ``audit_findings`` frame (``index.store.findings.read_findings``), for the
CLI (text / CSV / Markdown) and the app's 核对 page:

- ``summarize(frame)``: per document, narrative amounts linked (coverage), the base its changes use,
  problems by severity, rounding differences;
- ``ranked_problems(frame)``: the problems, most severe first, with page, line, sentence, cells and
  the arithmetic — what the page lists;
- ``rounding_differences(frame)``: the differences that rounding explains (尾差), shown apart.
"""
from __future__ import annotations

from dataclasses import asdict

import pandas as pd

from index.audit.findings import COLUMNS, Finding
from index.audit.linking import format_amount
from ui.frames import neutralised

SUMMARY_LABELS = {"doc_id": "文件", "subject_amounts": "叙述数额", "linked": "已对应", "coverage_pct": "对应率%",
                  "bases": "比较基数", "problems": "问题", "high": "高", "medium": "中", "low": "低",
                  "rounding": "尾差"}
STATUS_LABELS = {"match": "一致", "rounding": "尾差", "mismatch": "不一致", "not_found": "未对应"}
SEVERITY_LABELS = {3: "高", 2: "中", 1: "低", 0: ""}
KIND_LABELS = {"narrative_vs_table": "文表核对", "recomputed_ratio": "比率复算", "change_statement": "增减复算",
               "duplicate_value": "前后不一", "reason": "原因", "table_note": "表注", "parent_sum": "上下级合计",
               "total_split": "合计=基本+项目", "cross_table": "表间一致"}
PROBLEM_COLUMNS = {"doc_id": "文件", "severity": "严重程度", "page": "页", "lines": "行", "kind": "类型",
                   "statement": "文中", "cells": "表格", "arithmetic": "核算", "difference": "差额"}


def findings_frame(findings: list[Finding]) -> pd.DataFrame:
    """Findings as a DataFrame with the ``audit_findings`` columns."""
    return pd.DataFrame([asdict(f) for f in findings], columns=COLUMNS)


def summarize(frame: pd.DataFrame) -> pd.DataFrame:
    """Per document: subject amounts, linked, coverage %, the bases of its changes, problems by severity, 尾差."""
    rows = []
    for doc_id, group in frame.groupby("doc_id", sort=False):
        narrative = group[group["kind"] == "narrative_vs_table"]
        linked = int((narrative["status"] != "not_found").sum())
        problems = group[group["status"] == "mismatch"]
        bases = group[group["kind"].isin(["recomputed_ratio", "change_statement"]) & group["table_id"].isna()]
        rows.append({
            "doc_id": doc_id,
            "subject_amounts": len(narrative),
            "linked": linked,
            "coverage_pct": round(100 * linked / len(narrative), 1) if len(narrative) else None,
            "bases": "、".join(bases["column_path"].dropna().value_counts().index),
            "problems": len(problems),
            "high": int((problems["severity"] == 3).sum()),
            "medium": int((problems["severity"] == 2).sum()),
            "low": int((problems["severity"] == 1).sum()),
            "rounding": int((group["status"] == "rounding").sum()),
        })
    return pd.DataFrame(rows, columns=list(SUMMARY_LABELS))


def ranked_problems(frame: pd.DataFrame) -> pd.DataFrame:
    """The problems, most severe first (then the largest relative difference), one row each, labelled columns."""
    problems = frame[frame["status"] == "mismatch"].copy()
    if problems.empty:
        return pd.DataFrame(columns=list(PROBLEM_COLUMNS.values()))
    size = (problems["difference"].abs() / problems["table_value"].abs().clip(lower=0.01)).fillna(0.0)
    problems = problems.assign(_size=size).sort_values(["doc_id", "severity", "_size", "seq"],
                                                       ascending=[True, False, False, True], kind="stable")
    shown = pd.DataFrame({
        "doc_id": problems["doc_id"],
        "severity": problems["severity"].map(SEVERITY_LABELS),
        "page": problems["page"].map(lambda p: "" if pd.isna(p) else int(p)),
        "lines": problems.apply(_line_range, axis=1),
        "kind": problems["kind"].map(KIND_LABELS).fillna(problems["kind"]),
        "statement": problems["statement"].map(_one_line),
        "cells": problems.apply(_cell, axis=1),
        "arithmetic": problems["message"],
        "difference": problems["difference"].map(_plain),
    })
    return shown.rename(columns=PROBLEM_COLUMNS).reset_index(drop=True)


def rounding_differences(frame: pd.DataFrame) -> pd.DataFrame:
    """Differences that the rounding of the printed figures explains (尾差): not problems, shown apart."""
    rounded = frame[frame["status"] == "rounding"]
    return pd.DataFrame({"文件": rounded["doc_id"], "页": rounded["page"].map(lambda p: "" if pd.isna(p) else int(p)),
                         "行": rounded.apply(_line_range, axis=1), "说明": rounded["message"]}).reset_index(drop=True)


def render_findings(frame: pd.DataFrame, fmt: str = "text") -> str:
    """text: a summary and the ranked problems; csv: every finding (formula-like text neutralised); markdown:
    summary, problems and 尾差 tables."""
    if fmt == "csv":
        return neutralised(frame).to_csv(index=False)
    summary = summarize(frame)
    problems = ranked_problems(frame)
    rounded = rounding_differences(frame)
    if fmt == "markdown":
        parts = ["## 核对汇总", "", _markdown(summary.rename(columns=SUMMARY_LABELS)), ""]
        for doc_id, group in problems.groupby("文件", sort=False):
            parts += [f"## {doc_id}", "", _markdown(group.drop(columns="文件")), ""]
        if not rounded.empty:
            parts += ["## 尾差（舍入可以解释的差额，不算问题）", "", _markdown(rounded), ""]
        return "\n".join(parts).rstrip() + "\n"
    lines = []
    for record in summary.to_dict("records"):
        doc_id = record["doc_id"]
        coverage = "" if record["coverage_pct"] is None else f"（{record['coverage_pct']}%）"
        bases = f"；比较基数：{record['bases']}" if record["bases"] else ""
        lines.append(f"{doc_id}：叙述数额 {record['subject_amounts']} 个，对应到表格 {record['linked']} 个{coverage}"
                     f"{bases}；问题 {record['problems']} 个（高 {record['high']}、中 {record['medium']}、"
                     f"低 {record['low']}），尾差 {record['rounding']} 个")
        for problem in problems[problems["文件"] == doc_id].to_dict("records"):
            page = f"第 {problem['页']} 页 " if problem["页"] != "" else ""
            lines.append(f"  [{problem['严重程度']}·{problem['类型']}] {page}第 {problem['行']} 行：{problem['核算']}")
            lines.append(f"      文中：{problem['文中']}")
    return "\n".join(lines)


def _line_range(finding) -> str:
    start, end = finding["line_start"], finding["line_end"]
    if pd.isna(start):
        return ""
    return f"{int(start)}" if pd.isna(end) or int(end) == int(start) else f"{int(start)}-{int(end)}"


def _one_line(text) -> str:
    return "" if not isinstance(text, str) else " ".join(text.split())


def _cell(finding) -> str:
    if pd.isna(finding["table_number"]) and pd.isna(finding["table_name"]):
        return ""
    unit = " %" if finding["unit"] == "%" else ""
    value = "" if pd.isna(finding["table_value"]) else f" = {format_amount(finding['table_value'])}{unit}"
    title = " ".join(str(v) for v in (finding["table_number"], finding["table_name"]) if not pd.isna(v))
    row = "" if pd.isna(finding["row_label"]) else f"“{finding['row_label']}”"
    column = "" if pd.isna(finding["column_path"]) else finding["column_path"]
    return f"{title}{row}{column}{value}"


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
