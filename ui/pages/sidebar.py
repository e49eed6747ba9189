"""The sidebar of every page: the loaded documents, the upload box and example questions."""
from __future__ import annotations

from typing import Any

import streamlit as st

from index.config import Settings
from index.read.files import SUFFIX_NAMES
from ui import browse
from ui.markdown import escape, label
from ui.pages import chat, common


def show(settings: Settings, failures: list[str]) -> None:
    with st.sidebar:
        listing = st.container()
        show_upload(settings)
        kind, notice = st.session_state.get("upload_notice", (None, None))
        if notice:
            getattr(st, kind)(escape(notice))
        with listing:
            st.subheader("已载入文件")
            for failure in failures:
                st.warning(escape(failure))
            documents, error = common.attempt("listing documents", common.loaded_documents, settings)
            if error:
                st.error(escape(error))
            elif not documents:
                st.info("还没有载入文件，请在下方上传。")
            for d in documents or []:
                st.markdown(f"**{escape(d.department)}**  \n{d.year} · {escape(d.kind)} · {escape(d.scope)} · "
                            f"{d.n_tables} 表 · {d.n_passages} 段")
            st.subheader("示例问题")
            for i, example in enumerate(browse.example_questions(documents or [])):
                st.button(label(example), key=f"example-{i}", on_click=chat.queue_question, args=(example,),
                          width="stretch")


def upload(settings: Settings, name: str, data: bytes) -> Any:
    """Ingest an uploaded file, unless its bytes are loaded already; connections are released first."""
    from ui.uploads import UploadResult, check_upload, ingest_upload, loaded_as

    check_upload(name, len(data), settings)
    if settings.db_path.exists():
        with common.read_connection(settings) as connection:
            doc_id = loaded_as(connection, data)
        if doc_id is not None:
            return UploadResult(name, "unchanged", doc_id, 0.0)
    bar = st.progress(0.0, text=f"正在处理 {label(name)}…")
    common.release_connections()
    try:
        return ingest_upload(name, data, settings, step=lambda fraction, text: bar.progress(fraction, text=label(text)))
    finally:
        bar.empty()


def show_upload(settings: Settings) -> None:
    uploaded = st.file_uploader(f"上传文件（{'、'.join(SUFFIX_NAMES)}，不超过 {settings.max_file_mb} MB）",
                                type=list(SUFFIX_NAMES), max_upload_size=settings.max_file_mb, key="upload")
    if uploaded is None or st.session_state.get("uploaded_id") == uploaded.file_id:
        return
    st.session_state.uploaded_id = uploaded.file_id
    result, error = common.attempt("upload", upload, settings, uploaded.name, uploaded.getvalue())
    if error:
        st.session_state.upload_notice = ("error", error)
    elif result.status in ("unchanged", "duplicate"):
        st.session_state.upload_notice = ("info", f"{result.file} 已载入过（{result.doc_id}），未作改动。")
    else:
        verb = "已替换" if result.status == "replaced" else "已载入"
        st.session_state.upload_notice = ("success", f"{verb} {result.file} → {result.doc_id}")
