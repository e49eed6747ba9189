"""The passage engine (段落检索): cited narrative passages for a parsed question.

Definitions (什么是…) are looked up in the 名词解释 entries by their head
word first; everything else goes to the hybrid retriever
(``index.search.retriever.NarrativeRetriever``), restricted to the documents the
question names. Passages the SQL engine points at (a variance item's own
text) are fetched by id. The retriever is loaded on first use: it holds the
embedding model, the slow part of a cold start.
"""
from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable

from assistant.engines.figures import Figure
from assistant.question.catalog import Catalog, term_key
from assistant.question.lexicon import FACT_CUES, NOT_NAME_WORDS, Intent, translate_english
from assistant.question.parse import ParsedQuestion
from index.text import name_key
from index.model import Passage, PassageKind

logger = logging.getLogger(__name__)

_DEFINE_TERM = re.compile(r"(?:什么是|何为|何谓)(.+?)(?:[？?。，,]|$)|(.+?)(?:是什么意思|是什么|指什么|的含义)")
_GLOSSARY_HEAD = re.compile(r"^(.{2,30}?)[：:]")
MAX_DOCUMENTS_APART = 4  # up to this many documents named: passages from each of them
CACHED_DOCUMENTS = 64


@dataclass(frozen=True)
class PassageHit:
    """A passage chosen for the answer, with its retrieval score (1.0 when looked up directly)."""

    passage: Passage
    score: float


def _rerank(parsed: ParsedQuestion, hits: list[PassageHit]) -> list[PassageHit]:
    """Prefer passages whose heading or text holds the question's cue words and names (stable otherwise)."""
    cues = [(c,) for c in FACT_CUES if c in parsed.text]
    cues += [s.concept.keys() if s.concept else (name_key(s.name),) for s in parsed.subjects]  # any wording
    if not cues:
        return hits

    def bonus(hit: PassageHit) -> float:
        heading = name_key(" ".join(hit.passage.section_path[-1:]))
        text = name_key(hit.passage.text)
        return (sum(1.0 for words in cues if any(w in heading for w in words))
                + sum(0.5 for words in cues if any(w in text for w in words)))

    return sorted(hits, key=lambda h: -bonus(h))


def _word_runs(text: str, shortest: int = 5, longest: int = 12) -> list[str]:
    """Runs of the question's Chinese words without question words, longest first (城市燃气管理)."""
    runs: set[str] = set()
    for chunk in re.findall(r"[\u4e00-\u9fff]+", text):
        for piece in NOT_NAME_WORDS.split(chunk):
            for size in range(shortest, min(longest, len(piece)) + 1):
                runs.update(piece[i:i + size] for i in range(len(piece) - size + 1))
    return sorted(runs, key=lambda r: (-len(r), r))


class PassageEngine:
    """Finds the passages that answer a question; the retriever comes from ``load_retriever`` on first use.

    ``router.as_query_engine(engine)`` wraps it as a llama-index query engine.
    """

    def __init__(self, connection: Any, catalog: Catalog, load_retriever: Callable[[], Any], top_k: int = 3) -> None:
        self.connection = connection
        self.catalog = catalog
        self.load_retriever = load_retriever
        self.top_k = top_k
        self._retriever: Any = None
        self._lock = threading.Lock()
        self._texts: OrderedDict[str, list[tuple[str, str]]] = OrderedDict()

    def describe(self, hits: list[PassageHit]) -> tuple[str, dict[str, Any]]:
        """Text and metadata of the hits, for the llama-index adapter."""
        return "\n\n".join(h.passage.text for h in hits), {"passage_ids": [h.passage.passage_id for h in hits]}

    def preload(self) -> threading.Thread:
        """Load the retriever (embedding model, tokenizer) in a background thread; returns the thread."""
        def load() -> None:
            try:
                self.retriever().retrieve("预算", k=1)
            except Exception:
                logger.exception("preloading the narrative index failed")

        thread = threading.Thread(target=load, name="preload-retriever", daemon=True)
        thread.start()
        return thread

    def run(self, parsed: ParsedQuestion, k: int | None = None) -> list[PassageHit]:
        k = k or self.top_k
        if not parsed.documents:
            return []
        if parsed.intent is Intent.DEFINE:
            glossary = self.glossary(parsed)
            if glossary:
                return glossary
        if parsed.named and 1 < len(parsed.documents) <= MAX_DOCUMENTS_APART:
            per_document = max(1, (k + 1) // 2)  # each document named answers for itself (审计局和大数据局各…)
            ranked = [self._ranked(parsed, [doc_id], k)[:per_document] for doc_id in parsed.doc_ids]
            return [group[i] for i in range(per_document) for group in ranked if i < len(group)]
        return self._ranked(parsed, parsed.doc_ids, k)[:k]

    def _ranked(self, parsed: ParsedQuestion, doc_ids: list[str], k: int) -> list[PassageHit]:
        hits = self.retriever().retrieve(parsed.question, doc_ids=doc_ids, k=max(4 * k, 8))
        found = [PassageHit(h.passage, h.score) for h in hits]
        seen = {h.passage.passage_id for h in found}
        found += [PassageHit(p, 0.0) for p in self.under_headings(parsed, doc_ids) if p.passage_id not in seen]
        literal = self.quoting(parsed, doc_ids) if parsed.named else []
        ids = {p.passage_id for p in literal}
        rest = [h for h in found if h.passage.passage_id not in ids]
        return [PassageHit(p, 1.0) for p in literal] + _rerank(parsed, rest)

    def quoting(self, parsed: ParsedQuestion, doc_ids: list[str]) -> list[Passage]:
        """Passages that print the longest run of the question's own words outside the names it understood
        (城市燃气管理, 执法执勤用车): a name no table prints is found where the narrative writes it, whatever the
        retriever ranks first."""
        unnamed = parsed.text
        for subject in parsed.subjects:  # names understood are found by their own rules
            unnamed = unnamed.replace(subject.key or subject.name, "|")
        runs = _word_runs(unnamed)
        if not runs:
            return []
        rows = [row for doc_id in doc_ids for row in self._squeezed(doc_id)]
        for run in runs:
            ids = [pid for pid, text in rows if run in text]
            if len(ids) > 2:
                return []  # the question's most particular words are common here: the retriever decides
            if ids:
                return self.passages(ids)
        return []

    def stating(self, figures: list[Figure], most: int = 2) -> list[PassageHit]:
        """The narrative sentences that state an answer's figures, as the audit linked them: a table figure where
        the sentence's amount is that very cell (match or rounding), a computed share where the sentence states
        the same rate. The answer cites the document's own words beside its table."""
        stated = [f for f in figures if not f.candidate]
        if not stated:
            return []
        rows = self.connection.execute(
            "SELECT f.doc_id, f.kind, f.unit, f.stated_value, f.table_number, f.row_label, p.passage_id "
            "FROM audit_findings f JOIN passages p "
            "ON p.doc_id = f.doc_id AND p.line_start <= f.line_start AND f.line_start <= p.line_end "
            "WHERE f.doc_id IN (SELECT unnest(?)) AND f.status IN ('match', 'rounding') "
            "AND f.kind IN ('narrative_vs_table', 'recomputed_ratio') AND p.kind <> 'glossary' ORDER BY f.seq",
            [list({f.doc.doc_id for f in stated})]).fetchall()
        ids: list[str] = []
        for figure in stated:
            source = figure.source or ""
            for doc_id, kind, unit, value, number, row, passage_id in rows:
                if doc_id != figure.doc.doc_id or unit != figure.unit or abs(value - figure.value) >= 0.006:
                    continue
                same = kind == "recomputed_ratio" if figure.formula else \
                    kind == "narrative_vs_table" and f"“{row}”" in source and (not number or source.startswith(number))
                if same and passage_id not in ids:
                    ids.append(passage_id)
                    break
            if len(ids) >= most:
                break
        return [PassageHit(p, 1.0) for p in self.passages(ids)]

    def _squeezed(self, doc_id: str) -> list[tuple[str, str]]:
        """A document's passages (no glossary) as (id, text without whitespace), read once (the last few kept)."""
        if doc_id in self._texts:
            self._texts.move_to_end(doc_id)
            return self._texts[doc_id]
        rows = self.connection.execute(
            "SELECT passage_id, regexp_replace(text, '\\s', '', 'g') FROM passages WHERE doc_id = ? "
            "AND kind <> 'glossary' ORDER BY line_start", [doc_id]).fetchall()
        self._texts[doc_id] = rows
        if len(self._texts) > CACHED_DOCUMENTS:
            self._texts.popitem(last=False)
        return rows

    def under_headings(self, parsed: ParsedQuestion, doc_ids: list[str]) -> list[Passage]:
        """Passages under a heading that holds one of the question's cue words (一、主要职能 for 职能)."""
        cues = [c for c in FACT_CUES if c in parsed.text]
        if not cues:
            return []
        rows = self.connection.execute(
            "SELECT passage_id FROM passages WHERE doc_id IN (SELECT unnest(?)) "
            "AND list_has_any(?, [c FOR c IN ? IF contains(section_path, c)]) ORDER BY doc_id, line_start LIMIT 6",
            [doc_ids, cues, cues]).fetchall()
        return self.passages([r[0] for r in rows])

    def glossary(self, parsed: ParsedQuestion) -> list[PassageHit]:
        """名词解释 entries whose head word is the term asked about (one per wording, first document first)."""
        match = _DEFINE_TERM.search(name_key(translate_english(parsed.question)))
        if not match:
            return []
        asked = term_key(match.group(1) or match.group(2) or "")
        if not asked:
            return []
        rows = self.connection.execute(  # entries whose text holds the term's first characters, quotes and spaces aside
            "SELECT passage_id FROM passages WHERE kind = 'glossary' AND doc_id IN (SELECT unnest(?)) "
            "AND contains(regexp_replace(text, '[\\s“”‘’\"]', '', 'g'), ?) ORDER BY doc_id, line_start",
            [parsed.doc_ids, asked[:2]]).fetchall()
        hits = []
        for passage in self.passages([r[0] for r in rows]):
            head = _GLOSSARY_HEAD.match(name_key(passage.text))
            name = term_key(head.group(1)) if head else ""
            if name and (asked in name or (name in asked and len(name) >= 0.6 * len(asked))):
                closeness = len(name) if name in asked else len(asked) - len(name)
                hits.append((asked == name, closeness, passage))
        hits.sort(key=lambda h: (not h[0], -h[1]))
        return [PassageHit(p, 1.0) for _, _, p in hits[:1]]

    def passages(self, passage_ids: list[str]) -> list[Passage]:
        """Passages by id, in the order given."""
        if not passage_ids:
            return []
        rows = self.connection.execute(
            "SELECT passage_id, doc_id, kind, section_path, text, line_start, line_end, page FROM passages "
            "WHERE passage_id IN (SELECT unnest(?))", [list(passage_ids)]).fetchall()
        by_id = {
            r[0]: Passage(r[0], r[1], PassageKind(r[2]), tuple((r[3] or "").split(" > ")) if r[3] else (),
                          r[4], r[5], r[6], r[7])
            for r in rows
        }
        return [by_id[p] for p in dict.fromkeys(passage_ids) if p in by_id]

    def retriever(self) -> Any:
        with self._lock:
            if self._retriever is None:
                self._retriever = self.load_retriever()
            return self._retriever
