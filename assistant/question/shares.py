"""The two sides of a share (占比) in a parsed question: which subjects are the parts, which the whole.

Read from the question's structure only — 占 and the container words (中, 里, 当中 …) — never from its
wording as a whole.
"""
from __future__ import annotations

import re

from assistant.question.concepts import FUND_WORDS
from assistant.question.parse import ParsedQuestion, Subject

# X中Y占比, X里Y占多少: X is the whole that contains the part Y
CONTAINER = re.compile(r"当中|之中|里面|里边|中的|中|里|内")
_ENUMERATION = re.compile(r"^[,，、和与及以]*(?:以及)?$|^[,，、]?(?:和|与|及|以及)$")


def share_sides(parsed: ParsedQuestion) -> tuple[list[Subject], list[Subject], str | None, str | None] | None:
    """The parts and the whole of a share (占比), each with its fund: (parts, wholes, part fund, whole fund).

    "A占B": the whole is named after 占; "B中/里A占" and "A在B中占": before the container word, and its fund
    holds for the part too (财政拨款基本支出里公用经费占几成). Without a whole, parts listed together (A和B各占)
    are each over the default whole; two subjects in any other relation are not understood: None, rather
    than a share of the wrong pair.
    """
    text, subjects = parsed.text, parsed.subjects
    cut = text.find("占")
    funds = [(m.start(), fund) for word, fund in FUND_WORDS for m in re.finditer(re.escape(word), text)]
    funds.sort()
    if cut >= 0:
        wholes = [s for s in subjects if s.start > cut]
        if wholes:
            return ([s for s in subjects if s.start < cut], wholes, _fund_in(funds, 0, cut),
                    _fund_in(funds, cut, len(text)))
    head = text[:cut] if cut >= 0 else text
    spans = [(s.start, s.start + len(s.key or s.name)) for s in subjects]
    for match in CONTAINER.finditer(head):
        if any(a <= match.start() < b for a, b in spans):
            continue
        wholes = [s for s in subjects if s.start < match.start()]
        parts = [s for s in subjects if s.start >= match.end()]
        at = head.rfind("在", 0, match.start())  # A在B中占: the part before 在, the whole after it
        if not parts and at > 0:
            parts = [s for s in wholes if s.start < at]
            wholes = [s for s in wholes if s.start > at]
        if wholes:
            whole_fund = _fund_in(funds, 0, match.start())
            return parts, wholes, _fund_in(funds, match.end(), len(head)) or whole_fund, whole_fund
    if len(subjects) > 1 and not all(_ENUMERATION.match(text[b:subjects[i + 1].start])
                                     for i, (_, b) in enumerate(spans[:-1])):
        return None
    return subjects, [], parsed.fund, None


def _fund_in(funds: list[tuple[int, str]], start: int, end: int) -> str | None:
    return next((fund for position, fund in funds if start <= position < end), None)
