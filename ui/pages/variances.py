"""增减变动: the narrative's variance statements and 决算 budget executions, each with its passage."""
from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from index.config import Settings
from ui import browse, frames
from ui.markdown import escape
from ui.pages import common

# Pixel widths that fit the first columns in the page at 1280 px (the rest scroll): amounts, then text.
WIDTHS = {"科目": 170, "原因": 210, "文件": 120}


def render() -> None:
    st.title("增减变动")
    common.shown("variance page", show, common.settings())


def show(settings: Settings) -> None:
    with common.read_connection(settings) as connection:
        documents = browse.loaded_documents(connection)
        chosen, labels = common.pick_document(documents)
        largest_first = st.toggle("变动最大的在前", value=True, key="largest", bind="query-params")
        variances, executions = st.tabs(["增减变动说明", "预算执行（决算对比预算）"])
        with variances:
            frame = browse.sort_by_change(frames.signed_changes(browse.variances(connection, chosen)), largest_first)
            show_rows_with_passages(connection, browse.with_document_labels(frame, documents),
                                    browse.VARIANCE_COLUMNS, labels, "variance-table")
        with executions:
            frame = browse.sort_by_change(browse.budget_execution(connection, chosen), largest_first)
            show_rows_with_passages(connection, browse.with_document_labels(frame, documents),
                                    browse.EXECUTION_COLUMNS, labels, "execution-table")


def show_rows_with_passages(connection: Any, frame: pd.DataFrame, columns: dict[str, str],
                            documents: dict[str, str], key: str) -> None:
    """A readable table whose selected row (the first when none is) shows the passage it came from."""
    if frame.empty:
        st.info("没有记录。")
        return
    shown = browse.shown_columns(frame, columns)
    if frame["doc_id"].nunique() == 1:
        shown.pop("document", None)
    table = frames.readable(frame[list(shown)], labels=shown)
    event = common.show_table(table, widths=WIDTHS, key=key, on_select="rerun", selection_mode="single-row")
    st.download_button("下载 CSV", frames.safe_csv(frame[list(shown)].rename(columns=shown)),
                       file_name=f"{key}.csv", mime="text/csv", key=f"{key}-csv", on_click="ignore")
    selected = event.selection.rows if event is not None else []
    row = frame.iloc[selected[0] if selected else 0].to_dict()
    st.caption("所选行的原文段落：" if selected else "第一行的原文段落（选中一行可查看它的段落）：")
    show_passage(browse.row_passage(connection, row), documents)


def show_passage(passage: dict[str, Any] | None, documents: dict[str, str]) -> None:
    if passage is None:
        st.info("这一行没有对应的段落。")
        return
    document = documents.get(passage["doc_id"], passage["doc_id"])
    st.markdown(f"**{escape(document)} · {escape(passage['section'])} · 第 {passage['lines']} 行**")
    st.text(passage["text"])
