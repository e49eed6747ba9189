"""核对: the narrative's numbers against the tables, and the tables against themselves."""
from __future__ import annotations

import streamlit as st

from index.config import Settings
from ui import audit_report as audit
from ui import browse, frames
from ui.pages import common

ALL = "全部文件"
COLUMNS = {"doc_id": "文件", "line_start": "行", "kind": "类型", "status": "结果", "message": "说明",
           "statement": "原文", "table_number": "表", "row_label": "行名", "column_path": "列",
           "stated_value": "文中数", "table_value": "表中数", "difference": "差额", "section": "章节"}


def render() -> None:
    st.title("核对：文中数字与表格")
    st.caption("情况说明里的每个数额都对照它所说的表格单元格；占比、增减率、完成率按表格重算；表格上下级合计互相核对。")
    common.shown("audit page", show, common.settings())


def show(settings: Settings) -> None:
    from index.store.findings import read_findings

    with common.read_connection(settings) as connection:
        documents = browse.loaded_documents(connection)
        labels = browse.document_labels(documents)
        doc_id = st.selectbox("文件", [ALL, *labels], key="doc", bind="query-params",
                              format_func=lambda d: labels.get(d, d))
        frame = read_findings(connection, None if doc_id == ALL else doc_id)
    summary = audit.summarize(frame).assign(doc_id=lambda f: f["doc_id"].map(labels).fillna(f["doc_id"]))
    common.show_table(frames.readable(summary, labels={**audit.SUMMARY_LABELS, "coverage_pct": "对应率"}, unit=""))
    only_problems = st.toggle("只看不一致和未找到", value=True, key="problems", bind="query-params")
    shown_frame = frame[frame["status"] != "match"] if only_problems else frame
    if shown_frame.empty:
        st.success("没有发现不一致：文中数字都与表格一致。")
    else:
        labelled = shown_frame.assign(kind=shown_frame["kind"].map(audit.KIND_LABELS),
                                      status=shown_frame["status"].map(audit.STATUS_LABELS),
                                      doc_id=shown_frame["doc_id"].map(labels).fillna(shown_frame["doc_id"]))
        common.show_table(frames.readable(labelled[list(COLUMNS)], labels=COLUMNS, unit=""),
                          widths={"文件": 160, "说明": 320, "原文": 320})
    left, right = st.columns(2)
    left.download_button("下载 CSV", audit.render_findings(frame, "csv").encode("utf-8-sig"),
                         "audit_findings.csv", "text/csv", key="audit-csv", on_click="ignore")
    right.download_button("下载 Markdown", audit.render_findings(frame, "markdown").encode("utf-8"),
                          "audit_findings.md", "text/markdown", key="audit-md", on_click="ignore")
