"""预算问答 in a browser: ``streamlit run app.py``.

Navigation only: the pages are modules of ``ui/pages`` (问答, 对比, 增减变动, 文件浏览,
核对), the sidebar is ``ui/pages/sidebar.py``; what they show comes from the
plain helpers in ``ui/``. The data folder is ``BUDGET_DATA_DIR`` (default
``data``), read by ``Settings.from_env()``.
"""
from __future__ import annotations

import logging

import streamlit as st

from ui.markdown import escape
from ui.pages import audit, chat, common, compare, documents, sidebar, variances

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def main() -> None:
    st.set_page_config(page_title="预算问答", page_icon="📊", layout="wide")
    pages = [
        st.Page(chat.render, title="问答", icon=":material/forum:", url_path="chat", default=True),
        st.Page(compare.render, title="对比", icon=":material/compare_arrows:", url_path="compare"),
        st.Page(variances.render, title="增减变动", icon=":material/trending_up:", url_path="variances"),
        st.Page(documents.render, title="文件浏览", icon=":material/description:", url_path="documents"),
        st.Page(audit.render, title="核对", icon=":material/fact_check:", url_path="audit"),
    ]
    navigation = st.navigation(pages)
    settings = common.settings()
    failures, error = common.attempt("preparing the database", common.prepared_database, settings)
    if error:
        st.error(escape(error))
    sidebar.show(settings, failures or [])
    if "pending_question" in st.session_state and navigation is not pages[0]:
        st.switch_page(pages[0])
    navigation.run()


main()
