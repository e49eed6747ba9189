"""What every page shares: settings, cached resources, connections and error display (Streamlit)."""
from __future__ import annotations

import logging
import weakref
from contextlib import contextmanager
from typing import Any, Callable, Iterator, TypeVar

import streamlit as st

from assistant.engines.sql_guard import connect_guarded
from index.config import Settings
from index.errors import BudgetError
from index.search.retriever import data_version
from ui import browse, frames

logger = logging.getLogger(__name__)

T = TypeVar("T")
EVERY_DOCUMENT = "全部文件"  # the picker's choice of every loaded document
MAX_TABLE_ROWS = 50  # longer tables scroll in a grid
GENERIC_ERROR = "出现内部错误，详情已记入日志。请重试，或换个问法。"
WARM_UP_QUESTION = "支出为什么增加？"


def settings() -> Settings:
    return Settings.from_env()


@st.cache_resource(show_spinner="正在载入文件并建立索引…")
def prepared_database(settings: Settings) -> list[str]:
    """Build the database from the data folder when missing (once per process); the failures, if any."""
    from index.ingest import ensure_database

    report = ensure_database(settings)
    if report is None:
        return []
    return [entry.detail for entry in report.entries if entry.status == "failed"]


@st.cache_resource(show_spinner="正在加载叙述索引…", max_entries=1)
def shared_retriever(settings: Settings, version: tuple[int, int]) -> Any:
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


@contextmanager
def read_connection(settings: Settings) -> Iterator[Any]:
    """A read-only connection for this run, closed at the end of the block.

    Opened like the Assistant's (guarded): DuckDB refuses two configurations of one file in a process.
    """
    connection = connect_guarded(settings.db_path)
    try:
        yield connection
    finally:
        connection.close()


def pick_document(documents: list[Any], every: bool = True) -> tuple[str | None, dict[str, str]]:
    """The 文件 picker, kept in the address: the chosen doc_id (None for 全部文件 when ``every``) and the labels."""
    labels = browse.document_labels(documents)
    options = [EVERY_DOCUMENT, *labels] if every else list(labels)
    doc_id = st.selectbox("文件", options, key="doc", bind="query-params", format_func=lambda d: labels.get(d, d))
    return (None if doc_id == EVERY_DOCUMENT else doc_id), labels


def loaded_documents(settings: Settings) -> list[Any]:
    if not settings.db_path.exists():
        return []
    with read_connection(settings) as connection:
        return browse.loaded_documents(connection)


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
    """``attempt``, with the message shown as an error."""
    result, error = attempt(action, func, *args)
    if error:
        st.error(error)
    return result


def show_table(table: frames.Readable, widths: dict[str, int] | None = None, **grid: Any) -> Any:
    """A readable table: a static table (text wraps, nothing clipped) up to ``MAX_TABLE_ROWS`` rows, else
    a scrolling grid with the amounts right-aligned; ``grid`` options (selection) force the grid."""
    if len(table.values) <= MAX_TABLE_ROWS and not grid:
        return st.table(frames.table_styler(table), hide_index=True)
    widths = widths or {}
    config = {c: st.column_config.TextColumn(c, alignment="right" if c in table.numeric else None,
                                             width=widths.get(c, 95 if widths and c in table.numeric else None))
              for c in table.kinds}
    return st.dataframe(table.frame, hide_index=True, width="stretch", column_config=config, **grid)
