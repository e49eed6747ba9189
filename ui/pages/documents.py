"""文件浏览: a document's tables as printed (in their own unit) and its sections as text."""
from __future__ import annotations

import streamlit as st

from index.config import Settings
from ui import browse, frames
from ui.markdown import escape, label
from ui.pages import common


def render() -> None:
    st.title("文件浏览")
    common.shown("document page", show, common.settings())


def show(settings: Settings) -> None:
    with common.read_connection(settings) as connection:
        documents = browse.loaded_documents(connection)
        if not documents:
            st.info("还没有载入文件。")
            return
        doc_id, _ = common.pick_document(documents, every=False)
        tables_tab, sections_tab = st.tabs(["表格", "章节"])
        with tables_tab:
            for table in browse.document_tables(connection, doc_id).itertuples():
                title = " ".join(str(p) for p in (table.number, table.name) if p)
                where = f"单位：{table.unit or '—'}，第 {table.line_start}-{table.line_end} 行"
                with st.expander(label(f"{title}（{where}）")):
                    if table.note:
                        st.caption(escape(table.note))
                    for panel, frame in browse.table_frames(connection, doc_id, table.table_id):
                        if panel:
                            st.markdown(f"**{escape(panel)}**")
                        st.table(frames.table_styler(frames.readable(frame, unit="")), hide_index=True)
        with sections_tab:
            for section in browse.document_sections(connection, doc_id).itertuples():
                with st.expander(label(f"{section.path}（第 {section.line_start}-{section.line_end} 行）")):
                    st.text(section.text)
