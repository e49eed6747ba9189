"""对比: departments and years side by side — the standard quantities, their change, a chart and a CSV."""
from __future__ import annotations

import streamlit as st

from index.config import Settings
from ui import browse, charts, compare, frames
from ui.pages import common

SMALL = ("三公经费", "因公出国（境）费", "公务用车购置及运行费", "公务用车购置费", "公务用车运行费", "公务接待费", "机关运行经费")


def render() -> None:
    st.title("对比：部门与年度")
    st.caption("选部门和年度，并排看收支总计、财政拨款、基本/项目支出、人员/公用经费、三公经费和机关运行经费，"
               "以及同一部门与上一年度（左边一列）相比的增减。")
    common.shown("compare page", show, common.settings())


def show(settings: Settings) -> None:
    with common.read_connection(settings) as connection:
        documents = browse.loaded_documents(connection)
        departments = sorted({d.department for d in documents})
        years = sorted({d.year for d in documents})
        left, right = st.columns([3, 1])
        chosen_departments = left.multiselect("部门", departments, key="dept", bind="query-params",
                                              placeholder="全部部门")
        chosen_years = right.multiselect("年度", years, key="year", bind="query-params", placeholder="全部年度")
        chosen = [d for d in sorted(documents, key=lambda d: (d.department, d.year, d.kind, d.scope))
                  if (not chosen_departments or d.department in chosen_departments)
                  and (not chosen_years or d.year in chosen_years)]
        if not chosen:
            st.info("没有符合所选部门和年度的文件。")
            return
        frame = compare.compare_frame(connection, [d.doc_id for d in chosen])
    wide = compare.wide_frame(frame)
    st.table(frames.table_styler(frames.readable(wide)), hide_index=True)
    st.caption("空白：文件中没有这一项（或未能识别）。“引自文字”的数取自情况说明，不是表格单元格。每个数的出处见 CSV。")
    labels = {"quantity": "项目", "doc_id": "文件编号", "department": "部门", "document": "文件",
              "value": "金额（万元）", "change": "增减（万元）",
              "change_pct": "增减率（%）", "source": "出处", "line": "行", "page": "页"}
    st.download_button("下载 CSV", frames.safe_csv(frame.rename(columns=labels)), file_name="compare.csv",
                       mime="text/csv", key="compare-csv", on_click="ignore")
    large, small = st.columns(2)
    for column, part, title in ((large, frame[~frame["quantity"].isin(SMALL)], "收支与支出结构"),
                                (small, frame[frame["quantity"].isin(SMALL)], "三公经费与机关运行经费")):
        chart = charts.comparison_chart(part, title)
        if chart is not None:
            column.altair_chart(chart, width="stretch")
