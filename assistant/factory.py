"""``build_assistant(settings)``: the one place that picks the concrete classes."""
from __future__ import annotations

import logging
from typing import Any, Callable

from assistant.assistant import Assistant
from assistant.checks import CellValues, NarrativeLinks
from index.errors import DatabaseMissingError
from assistant.engines.passages import PassageEngine
from assistant.router import Router, RuleSelector
from assistant.engines.sql import SqlEngine
from assistant.engines.sql_guard import connect_guarded
from assistant.question.catalog import Catalog
from index.config import Settings

logger = logging.getLogger(__name__)


def build_assistant(settings: Settings, load_retriever: Callable[[], Any] | None = None) -> Assistant:
    """An Assistant over ``settings.db_path`` and the narrative index.

    It holds one guarded read-only connection (catalog, generated SQL, passages, cell checks); ``close``
    ends it. SQL a person types runs elsewhere, in a ``SqlSandbox``.

    ``load_retriever`` returns the narrative retriever on first use; by default
    this Assistant loads its own. The app passes a loader of one retriever
    shared by all sessions (thread-safe), so a new session costs one connection.
    """
    if not settings.db_path.exists():
        raise DatabaseMissingError(str(settings.data_dir))
    connection = connect_guarded(settings.db_path, memory_mb=settings.sql_memory_mb)
    catalog = Catalog.load(connection)

    if load_retriever is None:
        def load_retriever():
            from index.search.retriever import NarrativeRetriever

            return NarrativeRetriever.load(settings)

    sql_engine = SqlEngine(connection=connection, catalog=catalog, max_rows=settings.sql_max_rows)
    passage_engine = PassageEngine(connection=connection, catalog=catalog, load_retriever=load_retriever,
                                   top_k=settings.retrieve_top_k)
    router = Router(RuleSelector(), sql_engine, passage_engine)

    return Assistant(catalog, router, CellValues.load(connection), NarrativeLinks.load(connection),
                     close=connection.close, max_question_chars=settings.max_question_chars)
