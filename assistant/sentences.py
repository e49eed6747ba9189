"""Sentences of a passage (句子) and which of them answer a question.

A passage answer quotes the sentences that answer the question, not the whole
passage; the app highlights the same sentence. Scoring is character-pair
overlap with the question (no tokenizer needed), ties broken by position.
"""
from __future__ import annotations

import re

SENTENCE_END = re.compile(r"(?<=[。；！？!?;])|\n+")
NUMBER = re.compile(r"\d+(?:\.\d+)?")
WHOLE_PASSAGE_CHARS = 160  # a passage this short is quoted whole
LIST_QUESTION = re.compile(r"哪些|有什么|包括|职能|职责|情况")  # asks for the whole enumeration
AMOUNT_QUESTION = re.compile(r"多少钱|金额|多少万|安排多少|预算多少|花了多少|资金多少")
AMOUNT = re.compile(r"\d\.\d{2}(?!\d)|\d\s*万?元")
REASON_QUESTION = re.compile(r"原因|为什么|为何|怎么回事")
REASON = re.compile(r"原因|由于|因为|主要是")


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text``, in order, each with its closing punctuation."""
    return [p for p in SENTENCE_END.split(text) if p and p.strip()]


def char_pairs(text: str) -> set[str]:
    """Adjacent character pairs, spaces and digits left out: a tokenizer-free overlap measure."""
    chars = [c for c in text if not c.isspace() and not c.isdigit()]
    return {a + b for a, b in zip(chars, chars[1:])}


def key_sentences(sentences: list[str], question: str, limit: int = 3) -> list[int]:
    """Indices of the ``sentences`` that answer ``question`` best, in document order.

    Sentences sharing at least half as many character pairs with the question
    as the best one are kept, up to ``limit``; a short passage, or a question
    asking for a list (有哪些, 职能), keeps the passage whole.
    """
    if sum(map(len, sentences)) <= WHOLE_PASSAGE_CHARS or len(sentences) <= 1 or LIST_QUESTION.search(question):
        return list(range(len(sentences)))
    wanted = char_pairs(question)
    scores = [len(wanted & char_pairs(s)) for s in sentences]
    best = max(scores)
    if best == 0:
        return [0]
    ranked = sorted(range(len(sentences)), key=lambda i: (-scores[i], i))
    chosen = {i for i in ranked[:limit] if scores[i] * 2 >= best}
    _add_amount(chosen, ranked, sentences, question)
    _add_reason(chosen, ranked, sentences, question)
    for i in sorted(chosen):  # a clause closed by "；" goes on to the "。" (the reason often comes after it)
        while i + 1 < len(sentences) and sentences[i].rstrip().endswith(("；", ";")):
            i += 1
            chosen.add(i)
    return sorted(chosen)


def key_lines(lines: list[str], question: str, limit: int) -> list[int]:
    """Indices of a table's "label：words" lines whose label shares words with ``question`` (年度目标 for
    绩效目标是什么), best first up to ``limit``, in table order; the words themselves do not count."""
    wanted = char_pairs(question)
    scores = [len(wanted & char_pairs(line.split("：", 1)[0])) for line in lines]
    ranked = sorted(range(len(lines)), key=lambda i: (-scores[i], i))
    chosen = {i for i in ranked[:limit] if scores[i]} or {0}
    _add_amount(chosen, ranked, lines, question)
    return sorted(chosen)


def _add_reason(chosen: set[int], ranked: list[int], sentences: list[str], question: str) -> None:
    """A question asking why gets the best sentence giving a reason (“主要原因说明：1.…”), when none chosen does."""
    if REASON_QUESTION.search(question) and not any(REASON.search(sentences[i]) for i in chosen):
        chosen.update(next(([i] for i in ranked if REASON.search(sentences[i])), []))


def _add_amount(chosen: set[int], ranked: list[int], sentences: list[str], question: str) -> None:
    """A question asking an amount gets the best sentence stating one, when none chosen does."""
    if AMOUNT_QUESTION.search(question) and not any(AMOUNT.search(sentences[i]) for i in chosen):
        chosen.update(next(([i] for i in ranked if AMOUNT.search(sentences[i])), []))
