"""问答: the chat, each answer with its rows, citations, number checks, sources and a link to share it."""
from __future__ import annotations

import logging
import time
from typing import Any

import pandas as pd
import streamlit as st

from assistant.answer import Answer
from index.config import Settings
from index.search.retriever import data_version
from ui import browse, charts, frames, share
from ui.excerpts import excerpt_markdown
from ui.markdown import check_line, citation_heading, escape, label, quote, text_markdown
from ui.pages import common
from ui.provenance import SourceRef, answer_sources
from ui.sources import SourceView, source_view

logger = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 500  # the assistant gets its own cap; the chat box and links stop here
PLACEHOLDER = "输入问题，例如：三公经费一共多少？"


def render() -> None:
    settings = common.settings()
    st.session_state.setdefault("messages", [])
    st.title("预算问答")
    st.caption("问部门预算、决算里的数字和原因；每个数字都对照表格核对，每段引文都注明出处，可查看原文页面。")
    common.shown("loading the narrative index", lambda: common.session_assistant(settings).warm_up())
    documents = {d.doc_id: d for d in (common.attempt("listing documents", common.loaded_documents, settings)[0]
                                       or [])}
    labels = browse.document_labels(list(documents.values()))
    chosen = st.multiselect("只问这些文件（可选）", list(documents), key="doc", bind="query-params",
                            format_func=labels.get, placeholder="全部已载入的文件")
    for i, message in enumerate(st.session_state.messages):
        with st.chat_message(message["role"]):
            if message["role"] == "user":
                show_question(message)
            else:
                show_answer(message, i)
    typed = st.chat_input(PLACEHOLDER, key="question", max_chars=MAX_QUESTION_CHARS)
    question = typed or st.session_state.pop("pending_question", None) or linked_question()
    if question and question.strip():
        ask_and_show(settings, question.strip(), [documents[d] for d in chosen if d in documents], labels)


def queue_question(question: str) -> None:
    """Ask ``question`` on the next run (an example button's callback)."""
    st.session_state.pending_question = question


def linked_question() -> str | None:
    """The ``?q=`` of the address, once per distinct question (a shared link asks it on opening)."""
    question = st.query_params.get(share.QUESTION_PARAM)
    if not question or question == st.session_state.get("linked_question"):
        return None
    st.session_state.linked_question = question
    if len(question) > MAX_QUESTION_CHARS:
        st.warning(f"链接里的问题超过 {MAX_QUESTION_CHARS} 字，只问前 {MAX_QUESTION_CHARS} 字。")
        question = question[:MAX_QUESTION_CHARS]
    return question


def ask_and_show(settings: Settings, question: str, scope: list[Any], labels: dict[str, str]) -> None:
    """Ask (limited to ``scope`` when documents are chosen), show the answer, and put it in the address.

    ``labels`` name the documents in the answer's link (as the document choice shows them).
    """
    messages = st.session_state.messages
    asked = share.scoped_question(question, scope) if scope else question
    user = {"role": "user", "question": question, "asked": asked}
    with st.chat_message("user"):
        show_question(user)
    with st.chat_message("assistant"):
        with st.spinner("正在查找…"):
            started = time.perf_counter()
            answer, error = common.attempt("answering", ask, settings, asked)
            seconds = time.perf_counter() - started
            sources = common.attempt("locating sources", locate, settings, answer)[0] if answer else None
        message = {"role": "assistant", "answer": answer, "error": error, "seconds": seconds, "sources": sources,
                   "question": question, "link_docs": [labels[d.doc_id] for d in scope]}
        show_answer(message, len(messages) + 1)
    if answer is not None:
        logger.info("answered in %.2fs by %s: %s", seconds, answer.route, asked)
    messages.extend([user, message])
    st.session_state.linked_question = question
    st.query_params[share.QUESTION_PARAM] = question


def ask(settings: Settings, question: str) -> Answer:
    return common.session_assistant(settings).ask(question)


def locate(settings: Settings, answer: Answer) -> tuple[list[SourceRef | None], list[SourceRef | None]]:
    with common.read_connection(settings) as connection:
        return answer_sources(connection, answer)


def show_question(message: dict[str, Any]) -> None:
    st.markdown(escape(message["question"]))
    if message.get("asked", message["question"]) != message["question"]:
        st.caption("按所选文件提问：" + escape(message["asked"]))


def show_answer(message: dict[str, Any], key: int) -> None:
    """Text, route, SQL, rows (+ CSV, chart), citations, number checks, sources and sharing of one answer."""
    if message.get("error"):
        st.error(escape(message["error"]))
        return
    answer: Answer = message["answer"]
    check_refs, quote_refs = message.get("sources") or ([None] * len(answer.checks), [None] * len(answer.citations))
    numbered = [ref for ref in (*quote_refs, *check_refs) if ref is not None]
    number = {id(ref): n for n, ref in enumerate(numbered, 1)}
    st.markdown(text_markdown(answer.answer))
    route = share.ROUTE_LABELS.get(answer.route, answer.route)
    reason = f" · {escape(answer.reason)}" if answer.reason else ""
    st.caption(f"{escape(route)}{reason} · 用时 {message['seconds']:.2f} 秒")
    if answer.sql:
        with st.expander("SQL"):
            st.code(answer.sql, language="sql")
    if answer.rows:
        show_rows(answer.rows, key)
    if answer.citations:
        st.markdown("**引用**")
        for citation, ref in zip(answer.citations, quote_refs):
            where = f" :gray-badge[出处 {number[id(ref)]}]" if ref is not None else ""
            before, sentence, after = browse.quoted_sentence(citation.text, answer.question, answer.answer)
            st.markdown(f"**{escape(citation_heading(citation))}**{where}\n\n" + quote(before, sentence, after))
    if answer.checks:
        lines = [check_line(c, number.get(id(ref)) if ref is not None else None)
                 for c, ref in zip(answer.checks, check_refs)]
        st.markdown("**数字核对**\n\n" + "\n".join(lines))
    if numbered:
        show_sources(numbered, key)
    show_sharing(answer, message.get("question", answer.question), message.get("link_docs", []), key)


def show_rows(rows: list[dict[str, Any]], key: int) -> None:
    common.show_table(frames.readable(pd.DataFrame(rows)))
    st.download_button("下载 CSV", frames.safe_csv(pd.DataFrame(rows)), file_name=f"answer-{key}.csv",
                       mime="text/csv", key=f"csv-{key}", on_click="ignore")
    chart = charts.chart_for(rows)
    if chart is not None:
        st.altair_chart(chart, width="stretch")


def show_sources(refs: list[SourceRef], key: int) -> None:
    """A choice of the answer's sources; the chosen one shown as its page (PDF) or lines (text)."""
    choice = st.pills("查看原文", list(range(1, len(refs) + 1)), key=f"source-{key}",
                      format_func=lambda n: label(f"{n} · {refs[n - 1].label}", 40))
    if choice is None:
        return
    settings = common.settings()
    view, error = common.attempt("showing a source", cached_view, str(settings.data_dir),
                                 data_version(settings), refs[choice - 1])
    if error:
        st.warning(escape(error))
        return
    found = "" if view.found else " · 未能在页面上定位，请在整页中查找"
    st.caption(f"{escape(view.file)} · {escape(view.where)}{found}")
    if view.image is not None:
        st.image(view.image, width="stretch", output_format="PNG")
        with st.expander("整页"):
            st.image(view.page_image, width="stretch", output_format="PNG")
    else:
        st.markdown(excerpt_markdown(view.lines))


@st.cache_data(show_spinner="正在打开原文…", max_entries=256)
def cached_view(data_dir: str, version: tuple[int, int], ref: SourceRef) -> SourceView:
    """The source view, kept per process and data version (the page images are also kept on disk)."""
    settings = Settings.from_env(data_dir=data_dir)
    with common.read_connection(settings) as connection:
        return source_view(connection, ref, settings.data_dir)


def show_sharing(answer: Answer, question: str, documents: list[str], key: int) -> None:
    """The link that asks the question again (with the chosen documents) and the Markdown export."""
    link = share.permalink(st.context.url, question, documents)
    with st.expander("分享与导出"):
        st.caption("复制这个链接，打开即重新提问并得到同样的回答：")
        st.code(link, language=None, wrap_lines=True)
        st.download_button("下载 Markdown（回答、引用、核对与 SQL）", share.answer_markdown(answer, link),
                           file_name=f"answer-{key}.md", mime="text/markdown", key=f"md-{key}", on_click="ignore")
