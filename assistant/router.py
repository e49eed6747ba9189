"""The router (路由): a selector picks the engines, the router runs them and falls back.

Shaped like llama-index's ``RouterQueryEngine`` + selector: the selector
returns a ``Selection`` (route and reason, as data) and the router runs the
selected engines. ``RuleSelector`` decides from the parsed intent; an
LLM-based selector only has to implement ``Selector.select``.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any, Protocol

from assistant.answer import Route
from assistant.engines.figures import SqlOutcome
from assistant.engines.passages import PassageEngine, PassageHit
from assistant.engines.sql import SqlEngine
from assistant.question.catalog import Catalog
from assistant.question.lexicon import FACT_CUES, USE_CUES, Intent
from assistant.question.parse import COUNT_QUESTION, ParsedQuestion, parse_question
from index.text import name_key

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Selection:
    """Which engines answer, and why (travels with the answer as ``Answer.reason``)."""

    route: Route
    reason: str


class Selector(Protocol):
    def select(self, parsed: ParsedQuestion) -> Selection: ...


class RuleSelector:
    """Picks the route from the intent: amounts → sql, narrative → passages, reasons → both."""

    def select(self, parsed: ParsedQuestion) -> Selection:
        intent = parsed.intent
        if intent is Intent.OUT_OF_SCOPE:
            return Selection("none", parsed.out_of_scope or "问题不涉及已载入的文件")
        if intent is Intent.DEFINE:
            return Selection("passages", "问的是名词含义：引用名词解释")
        if intent is Intent.FACT:
            return Selection("passages", "问的是叙述中的事实：检索说明段落")
        if intent is Intent.UNKNOWN:
            return Selection("passages", "问题没有指明金额或科目：检索说明段落")
        if intent is Intent.EXPLAIN:
            return Selection("both", "问原因：金额取自表格，原因引自说明")
        if intent is Intent.CHANGE:
            return Selection("both", "问增减变化：本年数取自表格，增减额和原因引自说明")
        if parsed.fact and intent is Intent.LOOKUP and not any(s.concept for s in parsed.subjects):
            return Selection("both", "问金额和叙述中的事实：金额取自表格，事实引自说明")
        if intent is Intent.LOOKUP and any(cue in parsed.text for cue in USE_CUES):
            return Selection("both", "问金额和用途：金额取自表格，用途引自说明")
        if "年初预算" in parsed.text:
            return Selection("both", "问年初预算与决算：取自决算说明，并核对表格")
        names = {Intent.RANK: "排序", Intent.SHARE: "占比", Intent.COMPARE: "对比", Intent.SUM: "合计",
                 Intent.SERIES: "历年"}
        return Selection("sql", f"问的是金额{('（' + names[intent] + '）') if intent in names else ''}：查询表格")


@dataclass
class RoutedResult:
    """What the engines returned for one question."""

    selection: Selection
    sql: SqlOutcome | None = None
    hits: list[PassageHit] = field(default_factory=list)
    stating: list[PassageHit] = field(default_factory=list)  # sentences stating a table figure: cited, not quoted


class Router:
    """Runs the selected engines; a route whose engine finds nothing falls back to the other one."""

    def __init__(self, selector: Selector, sql_engine: SqlEngine, passage_engine: PassageEngine) -> None:
        self.selector = selector
        self.sql_engine = sql_engine
        self.passage_engine = passage_engine

    def route(self, parsed: ParsedQuestion) -> RoutedResult:
        selection = self.selector.select(parsed)
        logger.info("route %s: %s", selection.route, selection.reason)
        if selection.route == "none":
            return RoutedResult(selection)
        if parsed.intent is Intent.FACT:
            counted = self.sql_engine.facts(parsed)
            if counted is not None:
                return RoutedResult(Selection("sql", "问的是表中印出的计数或评分：查询表格"), counted)
        outcome = self.sql_engine.run(parsed) if selection.route in ("sql", "both") else None
        if selection.route == "sql":
            if outcome is not None:
                return self._with_narrative(parsed, selection, outcome)
            selection = Selection("passages", selection.reason + "；表格中没有对应的行，改为检索说明段落")
        hits = self._passages(parsed, outcome)
        if selection.route == "passages" and parsed.intent is not Intent.FACT and _misses_terms(parsed, hits):
            return RoutedResult(Selection("none", _not_in_documents(parsed)))
        if selection.route == "passages" and parsed.intent is Intent.FACT and _misses_facts(parsed, hits):
            return RoutedResult(Selection("none", _fact_not_stated(parsed)))
        if selection.route == "both" and outcome is None:
            selection = Selection("passages", selection.reason + "；表格中没有对应的行，只引用说明")
        elif selection.route == "both" and not _uses_table(parsed, outcome):
            selection = Selection("passages", selection.reason + "；所述金额只见于说明（或问题已给出），以引用说明为主")
            outcome.sql, outcome.rows = "", []
        if not hits and outcome is None:
            return RoutedResult(Selection("none", "表格和说明中都没有找到相关内容"))
        return RoutedResult(selection, outcome, hits)

    def _with_narrative(self, parsed: ParsedQuestion, selection: Selection,
                                    outcome: SqlOutcome) -> RoutedResult:
        """The narrative beside a table answer. The tables answer part of the question: the passages that name
        its subjects, of the documents the tables did not answer for (a narrative published without its
        tables), else of all documents asked when some subject was not found (其中工程类 the tables do not
        split). They answer all of it: the sentences stating the same cells are cited (not quoted)."""
        answered = {f.doc.doc_id for f in outcome.figures}
        rest = [d for d in parsed.documents if d.doc_id not in answered]
        if not parsed.subjects or not answered or not (parsed.named and rest or outcome.note):
            return RoutedResult(selection, outcome, stating=self.passage_engine.stating(outcome.figures))
        asked = replace(parsed, documents=rest if parsed.named and rest else parsed.documents)
        hits = self.passage_engine.run(asked)
        if _misses_terms(asked, hits):
            return RoutedResult(selection, outcome)
        return RoutedResult(Selection("both", selection.reason + "；表格中没有的，引用说明"), outcome, hits)

    def _passages(self, parsed: ParsedQuestion, outcome: SqlOutcome | None) -> list[PassageHit]:
        if outcome is not None and outcome.passage_ids:
            return [PassageHit(p, 1.0) for p in self.passage_engine.passages(outcome.passage_ids)[:3]]
        k = 1 if parsed.intent is Intent.DEFINE else 2
        return self.passage_engine.run(parsed, k=k)


def _misses_terms(parsed: ParsedQuestion, hits: list[PassageHit]) -> bool:
    """An amount of a named subject was asked, no table row has it, and no passage found mentions it."""
    if parsed.intent not in (Intent.LOOKUP, Intent.COMPARE, Intent.RANK, Intent.SHARE) or not parsed.subjects:
        return False
    texts = [name_key(hit.passage.text) for hit in hits]
    names = [key for s in parsed.subjects for key in (s.concept.keys() if s.concept else (s.name,))]
    return not any(name in text for name in names for text in texts)


def _fact_words(parsed: ParsedQuestion) -> list[str]:
    """The question's fact words (编制, 实有, 人数), each once: a word holding another is left out."""
    cues = sorted((c for c in FACT_CUES if c in parsed.text and not c.startswith(("几", "多少"))), key=parsed.text.find)
    counted = COUNT_QUESTION.search(parsed.text)  # 多少批次: the passage must count 批次
    cues += [counted.group(1)] if counted and counted.group(1) not in cues else []
    return [c for c in cues if not any(other != c and other in c for other in cues)]


def _misses_facts(parsed: ParsedQuestion, hits: list[PassageHit]) -> bool:
    """A fact was asked and the passages found do not speak of it: some fact word appears in none of them
    (nor in their headings: the text under 一、主要职能 need not say 职能), or a count is asked (多少人) and
    none states one."""
    texts = [name_key(" ".join(hit.passage.section_path) + hit.passage.text) for hit in hits]
    if any(not any(word in text for text in texts) for word in _fact_words(parsed)):
        return True
    counted = COUNT_QUESTION.search(parsed.text)  # 多少人: some passage must state a count of 人
    return bool(counted) and not any(re.search(rf"\d\s*{counted.group(1)}", name_key(hit.passage.text))
                                     for hit in hits)


def _fact_not_stated(parsed: ParsedQuestion) -> str:
    words = "、".join(_fact_words(parsed))
    documents = "、".join(f"{d.department}{d.year}年{d.kind}" for d in parsed.documents[:3])
    return f"{documents}的说明中没有找到关于“{words}”的内容（文件没有说明）"


def _not_in_documents(parsed: ParsedQuestion) -> str:
    names = "、".join(f"“{s.name}”" for s in parsed.subjects)
    documents = "、".join(f"{d.department}{d.year}年{d.kind}" for d in parsed.documents[:3])
    return f"{documents}的表格中没有{names}的数额，说明中也没有提到（文件没有说明）"


def _uses_table(parsed: ParsedQuestion, outcome: SqlOutcome) -> bool:
    """Whether the answer states a table figure: a narrative item linked to a table row, not already in the question."""
    if outcome.kind not in ("change", "execution"):
        return True
    if outcome.kind == "execution" and parsed.intent is not Intent.EXPLAIN:
        return True
    if parsed.intent is Intent.EXPLAIN and re.search(r"\d", parsed.text):
        return False
    return any(row.get("linked_value") is not None for row in outcome.rows)


def as_query_engine(engine: SqlEngine | PassageEngine, catalog: Catalog) -> Any:
    """The engine as a llama-index ``CustomQueryEngine`` (query(str) -> Response with the SQL/passages as metadata).

    llama-index is imported here, not at module import: the SQL path starts without it.
    """
    return _adapter_class()(engine=engine, catalog=catalog)


@cache
def _adapter_class() -> type:
    from llama_index.core.base.response.schema import Response
    from llama_index.core.query_engine import CustomQueryEngine

    class EngineQueryEngine(CustomQueryEngine):
        """Parses the question and runs one of our engines."""

        engine: Any
        catalog: Any

        def custom_query(self, query_str: str) -> Response:
            parsed = parse_question(query_str, self.catalog)
            text, metadata = self.engine.describe(self.engine.run(parsed))
            return Response(text, metadata=metadata)

    return EngineQueryEngine
