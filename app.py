"""预算问答 in a browser: ``streamlit run app.py``.

Streamlit only: widgets, session state, cached resources and error display.
Answers come from ``Assistant.ask`` (the same as the CLI); what the pages show
comes from ``ui.browse``, charts from ``ui.charts``, uploads go
through ``ui.uploads``. The data folder is ``BUDGET_DATA_DIR`` (default
``data``), read once per run by ``Settings.from_env()``.
"""
from __future__ import annotations

import logging
import re
import time
import weakref
from contextlib import contextmanager
from typing import Any, Callable, Iterator, TypeVar

import streamlit as st

from ui import browse, charts
from assistant.answer import Answer, Citation, NumberCheck
from assistant.engines.sql_guard import connect_guarded
from index.config import Settings
from index.errors import BudgetError
from index.search.retriever import data_version

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
logger = logging.getLogger(__name__)

T = TypeVar("T")
GENERIC_ERROR = "出现内部错误，详情已记入日志。请重试，或换个问法。"
CHECK_BADGES = {"match": "green", "mismatch": "red", "unverified": "orange", "computed": "blue"}
AUDIT_COLUMNS = {"doc_id": "文件", "line_start": "行", "kind": "类型", "status": "结果", "message": "说明",
                 "statement": "原文", "table_number": "表", "row_label": "行名", "column_path": "列",
                 "stated_value": "文中数", "table_value": "表中数", "difference": "差额", "section": "章节"}
WARM_UP_QUESTION = "支出为什么增加？"
MARKDOWN_SPECIAL = "\\`*_[]<>#|~:$"
LIST_START = re.compile(r"^(\s*)(?:([-+])|(\d+)\.)(?=\s)", re.MULTILINE)


# ---------------------------------------------------------------- resources


@st.cache_resource(show_spinner="正在载入文件并建立索引…")
def prepared_database(settings: Settings) -> list[str]:
    """Build the database from the data folder when missing (once per process); the failures, if any."""
    from index.ingest import ensure_database

    report = ensure_database(settings)
    if report is None:
        return []
    return [entry.detail for entry in report.entries if entry.status == "failed"]


@st.cache_resource(show_spinner="正在加载叙述索引…", max_entries=1)
def shared_retriever(settings: Settings, data_version: tuple[int, int]) -> Any:
    """The narrative index and embedding model, loaded once for every session (thread-safe)."""
    from index.search.retriever import NarrativeRetriever

    retriever = NarrativeRetriever.load(settings)
    retriever.retrieve(WARM_UP_QUESTION, k=1)
    return retriever


@st.cache_resource
def open_assistants() -> weakref.WeakSet:
    """Every session's Assistant, so an upload can close their connections before it writes."""
    return weakref.WeakSet()


def session_assistant(settings: Settings) -> Any:
    """This session's Assistant: its own read-only connection, the shared narrative retriever."""
    from assistant.factory import build_assistant

    version = data_version(settings)
    current = st.session_state.get("assistant")
    if current is None or current[0] != version:
        assistant = build_assistant(settings, load_retriever=lambda: shared_retriever(settings, version))
        open_assistants().add(assistant)
        st.session_state["assistant"] = (version, assistant)
    return st.session_state["assistant"][1]


def release_connections() -> None:
    """Close every session's connection: DuckDB lets no writer in while this process reads."""
    for assistant in list(open_assistants()):
        assistant.close()
    st.session_state.pop("assistant", None)
    shared_retriever.clear()


def ask(settings: Settings, question: str) -> Answer:
    return session_assistant(settings).ask(question)


@contextmanager
def read_connection(settings: Settings) -> Iterator[Any]:
    """A read-only connection of this session's run, closed at the end of the block.

    Opened like the Assistant's (guarded): DuckDB refuses two configurations of one file in a process.
    """
    connection = connect_guarded(settings.db_path)
    try:
        yield connection
    finally:
        connection.close()


def attempt(action: str, func: Callable[..., T], *args: Any) -> tuple[T | None, str | None]:
    """Run ``func``; on failure return the message to show: the error's own, or a generic one."""
    try:
        return func(*args), None
    except BudgetError as e:
        logger.info("%s: %s", action, e.user_message)
        return None, e.user_message
    except Exception:
        logger.exception("%s failed", action)
        return None, GENERIC_ERROR


def shown(action: str, func: Callable[..., T], *args: Any) -> T | None:
    result, error = attempt(action, func, *args)
    if error:
        st.error(error)
    return result


# ---------------------------------------------------------------- markdown


def escape(text: str) -> str:
    """Text shown literally in Markdown (a passage may hold *, #, <b> …)."""
    escaped = "".join("\\" + c if c in MARKDOWN_SPECIAL else c for c in text)
    return LIST_START.sub(lambda m: m.group(1) + (f"\\{m.group(2)}" if m.group(2) else f"{m.group(3)}\\."), escaped)


def text_markdown(text: str) -> str:
    """Plain answer text as Markdown: its own lines kept, its "- " items a list, nothing else interpreted."""
    lines = []
    in_list = False
    for line in text.splitlines():
        item = line.lstrip().startswith("- ")
        body = escape(line.lstrip()[2:] if item else line)
        if in_list and not item:
            lines.append("")  # a blank line ends the list, or the next line joins its last item
        lines.append(f"- {body}" if item else body + "  ")
        in_list = item
    return "\n".join(lines)


def quote(citation: Citation, question: str, answer: str) -> str:
    """The passage as a block quote with its key sentence highlighted."""
    before, sentence, after = browse.quoted_sentence(citation.text, question, answer)
    body = escape(before) + ":orange-background[" + escape(sentence) + "]" + escape(after)
    return "\n".join("> " + line for line in body.splitlines() if line.strip())


def check_line(check: NumberCheck) -> str:
    label = browse.CHECK_LABELS.get(check.status, check.status)
    expected = f"，表中为 {check.expected:g}" if check.expected is not None else ""
    color = CHECK_BADGES.get(check.status, "gray")
    return f"- :{color}-badge[{label}] {check.value:g} {escape(check.unit)}{expected} — {escape(check.source)}"


# ---------------------------------------------------------------- chat


def show_answer(message: dict[str, Any], key: int) -> None:
    """Text, route, SQL, rows (+ CSV), chart, citations and number checks of one answer."""
    if message.get("error"):
        st.error(message["error"])
        return
    answer: Answer = message["answer"]
    st.markdown(text_markdown(answer.answer))
    route = browse.ROUTE_LABELS.get(answer.route, answer.route)
    reason = f" · {answer.reason}" if answer.reason else ""
    st.caption(f"{route}{reason} · 用时 {message['seconds']:.2f} 秒")
    if answer.sql:
        with st.expander("SQL"):
            st.code(answer.sql, language="sql")
    if answer.rows:
        frame = browse.rows_frame(answer.rows)
        st.dataframe(frame, hide_index=True, width="stretch", column_config=browse.row_labels(frame.columns))
        st.download_button("下载 CSV", browse.rows_csv(answer.rows), file_name=f"answer-{key}.csv",
                           mime="text/csv", key=f"csv-{key}", on_click="ignore")
        chart = charts.chart_for(answer.rows)
        if chart is not None:
            st.altair_chart(chart, width="stretch")
    if answer.citations:
        st.markdown("**引用**")
        for citation in answer.citations:
            st.markdown(f"**{escape(browse.citation_heading(citation))}**\n\n"
                        + quote(citation, answer.question, answer.answer))
    if answer.checks:
        st.markdown("**数字核对**\n\n" + "\n".join(check_line(c) for c in answer.checks))


def ask_and_show(settings: Settings, question: str) -> None:
    messages = st.session_state.messages
    with st.chat_message("user"):
        st.markdown(escape(question))
    with st.chat_message("assistant"):
        with st.spinner("正在查找…"):
            started = time.perf_counter()
            answer, error = attempt("answering", ask, settings, question)
            seconds = time.perf_counter() - started
        message = {"role": "assistant", "answer": answer, "error": error, "seconds": seconds}
        show_answer(message, len(messages) + 1)
    if answer is not None:
        logger.info("answered in %.2fs by %s: %s", seconds, answer.route, question)
    messages.extend([{"role": "user", "question": question}, message])


def queue_question(question: str) -> None:
    st.session_state.pending_question = question


def chat_page() -> None:
    settings = Settings.from_env()
    st.session_state.setdefault("messages", [])
    st.title("预算问答")
    st.caption("问部门预算、决算里的数字和原因；每个数字都对照表格核对，每段引文都注明出处。")
    shown("loading the narrative index", lambda: session_assistant(settings).warm_up())
    for i, message in enumerate(st.session_state.messages):
        with st.chat_message(message["role"]):
            if message["role"] == "user":
                st.markdown(escape(message["question"]))
            else:
                show_answer(message, i)
    question = st.chat_input("输入问题，例如：三公经费一共多少？", key="question")
    question = question or st.session_state.pop("pending_question", None)
    if question:
        ask_and_show(settings, question.strip())


# ---------------------------------------------------------------- pages beside the chat


def show_passage(passage: dict[str, Any] | None, documents: dict[str, str]) -> None:
    if passage is None:
        st.info("这一行没有对应的段落。")
        return
    document = documents.get(passage["doc_id"], passage["doc_id"])
    st.markdown(f"**{escape(document)} · {escape(passage['section'])} · 第 {passage['lines']} 行**")
    st.text(passage["text"])


def show_rows_with_passages(connection: Any, frame: Any, labels: dict[str, str], documents: dict[str, str],
                            key: str) -> None:
    """A table whose selected row (the first when none is) shows the passage it came from."""
    if frame.empty:
        st.info("没有记录。")
        return
    columns = browse.shown_columns(frame, labels)
    event = st.dataframe(frame, hide_index=True, width="stretch", key=key, column_order=list(columns),
                         column_config=columns, on_select="rerun", selection_mode="single-row")
    selected = event.selection.rows if event is not None else []
    row = frame.iloc[selected[0] if selected else 0].to_dict()
    st.caption("所选行的原文段落：" if selected else "第一行的原文段落（选中一行可查看它的段落）：")
    show_passage(browse.row_passage(connection, row), documents)


def render_variances(settings: Settings) -> None:
    with read_connection(settings) as connection:
        documents = browse.loaded_documents(connection)
        labels = {browse.document_label(d): d.doc_id for d in documents}
        names = {doc_id: label for label, doc_id in labels.items()}
        choice = st.selectbox("文件", ["全部文件", *labels], key="variance-doc")
        largest_first = st.toggle("变动最大的在前", value=True, key="variance-order")
        doc_id = labels.get(choice)
        variances, executions = st.tabs(["增减变动说明", "预算执行（决算对比预算）"])
        with variances:
            frame = browse.sort_by_change(browse.variances(connection, doc_id), largest_first)
            frame = browse.with_document_labels(frame, documents)
            show_rows_with_passages(connection, frame, browse.VARIANCE_COLUMNS, names, "variance-table")
        with executions:
            frame = browse.sort_by_change(browse.budget_execution(connection, doc_id), largest_first)
            frame = browse.with_document_labels(frame, documents)
            show_rows_with_passages(connection, frame, browse.EXECUTION_COLUMNS, names, "execution-table")


def variance_page() -> None:
    st.title("增减变动")
    shown("variance page", render_variances, Settings.from_env())


def render_document(settings: Settings) -> None:
    with read_connection(settings) as connection:
        documents = browse.loaded_documents(connection)
        if not documents:
            st.info("还没有载入文件。")
            return
        labels = {browse.document_label(d): d.doc_id for d in documents}
        doc_id = labels[st.selectbox("文件", list(labels), key="document-doc")]
        tables_tab, sections_tab = st.tabs(["表格", "章节"])
        with tables_tab:
            for table in browse.document_tables(connection, doc_id).itertuples():
                title = " ".join(str(p) for p in (table.number, table.name) if p)
                with st.expander(f"{title}（单位：{table.unit or '—'}，第 {table.line_start}-{table.line_end} 行）"):
                    if table.note:
                        st.caption(table.note)
                    frames = browse.table_frames(connection, doc_id, table.table_id)
                    for column, (panel, frame) in zip(st.columns(max(1, len(frames))), frames):
                        with column:
                            if panel:
                                st.markdown(f"**{escape(panel)}**")
                            st.dataframe(frame, hide_index=True, width="stretch")
        with sections_tab:
            for section in browse.document_sections(connection, doc_id).itertuples():
                with st.expander(f"{section.path}（第 {section.line_start}-{section.line_end} 行）"):
                    st.text(section.text)


def document_page() -> None:
    st.title("文件浏览")
    shown("document page", render_document, Settings.from_env())


def render_audit(settings: Settings) -> None:
    from index.store.findings import read_findings
    from ui import audit_report as audit

    with read_connection(settings) as connection:
        documents = browse.loaded_documents(connection)
        labels = {browse.document_label(d): d.doc_id for d in documents}
        choice = st.selectbox("文件", ["全部文件", *labels], key="audit-doc")
        frame = read_findings(connection, labels.get(choice))
    st.dataframe(audit.summarize(frame).rename(columns=audit.SUMMARY_LABELS), hide_index=True)
    only_problems = st.toggle("只看不一致和未找到", value=True, key="audit-problems")
    shown_frame = frame[frame["status"] != "match"] if only_problems else frame
    if shown_frame.empty:
        st.success("没有发现不一致：文中数字都与表格一致。")
    else:
        labelled = shown_frame.assign(kind=shown_frame["kind"].map(audit.KIND_LABELS),
                                      status=shown_frame["status"].map(audit.STATUS_LABELS))
        st.dataframe(labelled[list(AUDIT_COLUMNS)].rename(columns=AUDIT_COLUMNS), hide_index=True)
    left, right = st.columns(2)
    left.download_button("下载 CSV", audit.render_findings(frame, "csv").encode("utf-8-sig"),
                         "audit_findings.csv", "text/csv", key="audit-csv")
    right.download_button("下载 Markdown", audit.render_findings(frame, "markdown").encode("utf-8"),
                          "audit_findings.md", "text/markdown", key="audit-md")


def audit_page() -> None:
    st.title("核对：文中数字与表格")
    st.caption("情况说明里的每个数额都对照它所说的表格单元格；占比、增减率、完成率按表格重算；表格上下级合计互相核对。")
    shown("audit page", render_audit, Settings.from_env())


def build_pages() -> list[Any]:
    """The pages, in menu order."""
    return [
        st.Page(chat_page, title="问答", icon=":material/forum:", url_path="chat", default=True),
        st.Page(variance_page, title="增减变动", icon=":material/trending_up:", url_path="variances"),
        st.Page(document_page, title="文件浏览", icon=":material/description:", url_path="documents"),
        st.Page(audit_page, title="核对", icon=":material/fact_check:", url_path="audit"),
    ]


# ---------------------------------------------------------------- sidebar


def loaded_documents(settings: Settings) -> list[Any]:
    if not settings.db_path.exists():
        return []
    with read_connection(settings) as connection:
        return browse.loaded_documents(connection)


def upload(settings: Settings, name: str, data: bytes) -> Any:
    """Ingest an uploaded file, unless its bytes are loaded already; connections are released first."""
    from ui.uploads import UploadResult, check_upload, ingest_upload, loaded_as

    check_upload(name, len(data), settings)
    if settings.db_path.exists():
        with read_connection(settings) as connection:
            doc_id = loaded_as(connection, data)
        if doc_id is not None:
            return UploadResult(name, "unchanged", doc_id, 0.0)
    bar = st.progress(0.0, text=f"正在处理 {name}…")
    release_connections()
    try:
        return ingest_upload(name, data, settings, step=lambda fraction, text: bar.progress(fraction, text=text))
    finally:
        bar.empty()


def show_upload(settings: Settings) -> None:
    uploaded = st.file_uploader(f"上传文件（txt、md、pdf，不超过 {settings.max_file_mb} MB）",
                                type=["txt", "md", "pdf"], max_upload_size=settings.max_file_mb, key="upload")
    if uploaded is None or st.session_state.get("uploaded_id") == uploaded.file_id:
        return
    st.session_state.uploaded_id = uploaded.file_id
    result, error = attempt("upload", upload, settings, uploaded.name, uploaded.getvalue())
    if error:
        st.session_state.upload_notice = ("error", error)
    elif result.status in ("unchanged", "duplicate"):
        st.session_state.upload_notice = ("info", f"{result.file} 已载入过（{result.doc_id}），未作改动。")
    else:
        verb = "已替换" if result.status == "replaced" else "已载入"
        st.session_state.upload_notice = ("success", f"{verb} {result.file} → {result.doc_id}")


def show_sidebar(settings: Settings, failures: list[str]) -> None:
    with st.sidebar:
        listing = st.container()
        show_upload(settings)
        kind, notice = st.session_state.get("upload_notice", (None, None))
        if notice:
            getattr(st, kind)(notice)
        with listing:
            st.subheader("已载入文件")
            for failure in failures:
                st.warning(failure)
            documents, error = attempt("listing documents", loaded_documents, settings)
            if error:
                st.error(error)
            elif not documents:
                st.info("还没有载入文件，请在下方上传。")
            for d in documents or []:
                st.markdown(f"**{escape(d.department)}**  \n{d.year} · {d.kind} · {d.scope} · "
                            f"{d.n_tables} 表 · {d.n_passages} 段")
            st.subheader("示例问题")
            for i, example in enumerate(browse.example_questions(documents or [])):
                st.button(example, key=f"example-{i}", on_click=queue_question, args=(example,), width="stretch")


def main() -> None:
    st.set_page_config(page_title="预算问答", page_icon="📊", layout="wide")
    settings = Settings.from_env()
    pages = build_pages()
    navigation = st.navigation(pages)
    failures, error = attempt("preparing the database", prepared_database, settings)
    if error:
        st.error(error)
    show_sidebar(settings, failures or [])
    if "pending_question" in st.session_state and navigation is not pages[0]:
        st.switch_page(pages[0])
    navigation.run()


main()
