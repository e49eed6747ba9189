"""The assistant (问答): ``ask(question) -> Answer``, the one call the CLI and app.py make."""
from __future__ import annotations

import logging
import threading
import time
from typing import Callable

from assistant.answer import Answer
from assistant.checks import CellValues, NarrativeLinks, QuotedRange, check_figures, check_text
from assistant.compose import citations, compose
from assistant.router import Router
from assistant.question.catalog import Catalog
from assistant.question.parse import parse_question
from index.errors import InvalidQuestionError

logger = logging.getLogger(__name__)

PRELOAD_WAIT_S = 60.0  # closing waits this long at most for the narrative index still loading


class Assistant:
    """Parses a question, routes it to the engines, writes the answer and checks its numbers."""

    def __init__(self, catalog: Catalog, router: Router, cells: CellValues, links: NarrativeLinks,
                 close: Callable[[], None] = lambda: None, max_question_chars: int = 500) -> None:
        self.catalog = catalog
        self.router = router
        self.cells = cells
        self.links = links
        self._close = close  # releases the database connection and the query process
        self.max_question_chars = max_question_chars
        self._preloading: threading.Thread | None = None

    def preload(self) -> None:
        """Start loading the narrative index in the background (a warm process answers passages sooner)."""
        self._preloading = self.router.passage_engine.preload()

    def close(self) -> None:
        """Release the connection, once a background load that uses it has finished (not under it)."""
        if self._preloading is not None:
            self._preloading.join(timeout=PRELOAD_WAIT_S)
        self._close()

    def warm_up(self) -> None:
        """Load the narrative index now, so the first passage question does not wait for it."""
        self.router.passage_engine.retriever()

    def ask(self, question: str) -> Answer:
        """The answer to ``question``; InvalidQuestionError when it is too long or not valid text."""
        started = time.perf_counter()
        _check_question(question or "", self.max_question_chars)
        question = " ".join((question or "").split())
        if not question:
            return Answer(question="", route="none", answer="请输入一个问题。", reason="空问题")
        parsed = parse_question(question, self.catalog)
        routed = self.router.route(parsed)
        text = compose(parsed, routed, self.catalog)
        outcome = routed.sql
        checks = check_figures(outcome.figures, self.cells, self.links) if outcome else []
        if routed.selection.route != "none":
            doc_ids = list(dict.fromkeys([h.passage.doc_id for h in routed.hits] + parsed.doc_ids))
            quoted = [QuotedRange(h.passage.doc_id, h.passage.line_start, h.passage.line_end) for h in routed.hits]
            checks += check_text(text, doc_ids, quoted, self.cells, self.links, checks)
        answer = Answer(
            question=question, route=routed.selection.route, answer=text,
            sql=outcome.sql if outcome and outcome.sql else None, rows=outcome.rows if outcome else [],
            citations=citations(routed.hits + routed.stating, self.catalog), checks=checks,
            reason=routed.selection.reason,
        )
        logger.info("answered in %.1f ms: route=%s, %d rows, %d citations, %d checks",
                    1000 * (time.perf_counter() - started), answer.route, len(answer.rows),
                    len(answer.citations), len(answer.checks))
        return answer


def _check_question(question: str, limit: int) -> None:
    """Refuse before any work what costs without bound or cannot be shown back."""
    if len(question) > limit:
        raise InvalidQuestionError(f"问题过长（{len(question)} 个字符，最多 {limit} 个）")
    try:
        question.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidQuestionError("含有无法识别的字符（不是有效的 UTF-8 文本）") from exc
