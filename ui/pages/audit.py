"""核对: the narrative's numbers against the tables, and the tables against themselves."""
from __future__ import annotations

import streamlit as st

from index.config import Settings
from ui import audit_report as audit
from ui import browse, frames
from ui.pages import common

def render() -> None:
    st.title("核对：文中数字与表格")
    st.caption("情况说明里的每个数额都对照它所说的表格单元格；占比、增减率、完成率按表格重算；表格上下级合计互相核对。")
    common.shown("audit page", show, common.settings())


def show(settings: Settings) -> None:
    from index.store.findings import read_findings

    with common.read_connection(settings) as connection:
        doc_id, labels = common.pick_document(browse.loaded_documents(connection))
        frame = read_findings(connection, doc_id)
    summary = audit.summarize(frame).assign(doc_id=lambda f: f["doc_id"].map(labels).fillna(f["doc_id"]))
    common.show_table(frames.readable(summary, labels={**audit.SUMMARY_LABELS, "coverage_pct": "对应率"}, unit=""))
    problems = audit.ranked_problems(frame)
    if problems.empty:
        st.success("没有发现问题：文中数字与表格一致，或差额都在舍入范围内。")
    else:
        problems = problems.assign(文件=problems["文件"].map(labels).fillna(problems["文件"]))
        common.show_table(frames.readable(problems, unit=""), widths={"文件": 160, "文中": 320, "核算": 320})
    rounded = audit.rounding_differences(frame)
    if not rounded.empty and st.toggle("显示尾差（舍入可以解释的差额）", value=False, key="rounding",
                                       bind="query-params"):
        rounded = rounded.assign(文件=rounded["文件"].map(labels).fillna(rounded["文件"]))
        common.show_table(frames.readable(rounded, unit=""), widths={"文件": 160, "说明": 420})
    left, right = st.columns(2)
    left.download_button("下载 CSV", audit.render_findings(frame, "csv").encode("utf-8-sig"),
                         "audit_findings.csv", "text/csv", key="audit-csv", on_click="ignore")
    right.download_button("下载 Markdown", audit.render_findings(frame, "markdown").encode("utf-8"),
                          "audit_findings.md", "text/markdown", key="audit-md", on_click="ignore")
