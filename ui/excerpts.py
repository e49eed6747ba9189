"""The lines around a source with the cited span marked (原文摘录), for text documents (txt, md, html).

Spans are found in the ``compact`` form the database uses (NFKC, no
whitespace), so a sentence stored as one line is found over the lines it
wraps across, and "2,103.50" in a tab-separated row is told apart from
"12,103.50". Marks are character spans of each line; ``excerpt_markdown``
renders them with the text escaped.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from index.text import compact
from ui.markdown import escape

TAB = " │ "


@dataclass(frozen=True)
class ExcerptLine:
    """One source line: its number, its text, and the character spans to mark."""

    number: int
    text: str
    marks: tuple[tuple[int, int], ...] = ()


def excerpt(lines: Sequence[tuple[int, str]], start: int, end: int, needle: str, *, cell: bool = False,
            row_values: Sequence[str] = (), position: int = 0, around: int = 2) -> list[ExcerptLine]:
    """Lines ``start - around`` … ``end + around`` with ``needle`` marked within ``start`` … ``end``.

    A ``cell`` needle is a printed value: it must stand alone (a whole
    tab-separated field, or a number not inside a longer one); ``position``
    picks among equal values of one row (``row_values`` in column order).
    """
    shown = [(n, text) for n, text in lines if start - around <= n <= end + around]
    cited = [(n, text) for n, text in shown if start <= n <= end]
    marks = _cell_marks(cited, needle, row_values, position) if cell else _text_marks(cited, needle)
    return [ExcerptLine(n, text, tuple(marks.get(n, ()))) for n, text in shown]


def excerpt_markdown(lines: Sequence[ExcerptLine]) -> str:
    """The lines as Markdown: the number in grey, the text escaped, marks on an orange background."""
    out = []
    for line in lines:
        parts, last = [], 0
        for a, b in line.marks:
            parts.append(_escaped(line.text[last:a]))
            parts.append(":orange-background[**" + _escaped(line.text[a:b]) + "**]")
            last = b
        parts.append(_escaped(line.text[last:]))
        out.append(f":gray[{line.number}]  " + "".join(parts))
    return "  \n".join(out)


def is_marked(lines: Sequence[ExcerptLine]) -> bool:
    return any(line.marks for line in lines)


def _escaped(text: str) -> str:
    return escape(text.replace("\t", TAB))


def _compact_index(lines: Sequence[tuple[int, str]]) -> tuple[str, list[tuple[int, int]]]:
    """The lines' text in compact form, each character with its (line number, offset in the line)."""
    text: list[str] = []
    where: list[tuple[int, int]] = []
    for n, line in lines:
        for i, char in enumerate(line):
            for piece in compact(char):
                text.append(piece)
                where.append((n, i))
    return "".join(text), where


def _text_marks(lines: Sequence[tuple[int, str]], needle: str) -> dict[int, list[tuple[int, int]]]:
    text, where = _compact_index(lines)
    key = compact(needle)
    start = text.find(key) if key else -1
    if start < 0:
        return {}
    texts = dict(lines)
    spans: dict[int, list[tuple[int, int]]] = {}
    for n, i in where[start:start + len(key)]:
        line_spans = spans.setdefault(n, [])
        if line_spans and not texts[n][line_spans[-1][1]:i].strip():
            line_spans[-1] = (line_spans[-1][0], i + 1)
        else:
            line_spans.append((i, i + 1))
    return spans


def _cell_marks(lines: Sequence[tuple[int, str]], raw: str, row_values: Sequence[str],
                position: int) -> dict[int, list[tuple[int, int]]]:
    """The field holding ``raw`` on the cited line(s): by tab-separated fields, else the standalone number."""
    key = compact(raw)
    found: list[tuple[int, tuple[int, int]]] = []
    for n, line in lines:
        offset = 0
        for field in line.split("\t"):
            if compact(field) == key:
                lead = len(field) - len(field.lstrip())
                found.append((n, (offset + lead, offset + len(field.rstrip()))))
            offset += len(field) + 1
    if not found:
        for n, line in lines:
            for span in _standalone(line, raw):
                found.append((n, span))
    if not found:
        return {}
    same = [v for v in row_values if compact(v) == key]
    pick = found[position] if len(same) == len(found) and 0 <= position < len(found) else None
    chosen = [pick] if pick else found
    marks: dict[int, list[tuple[int, int]]] = {}
    for n, span in chosen:
        marks.setdefault(n, []).append(span)
    return marks


def _standalone(line: str, raw: str) -> list[tuple[int, int]]:
    spans = []
    raw = raw.strip()
    start = line.find(raw) if raw else -1
    while start >= 0:
        end = start + len(raw)
        before = line[start - 1] if start else ""
        after = line[end] if end < len(line) else ""
        if not (before.isdigit() or before in ".," or after.isdigit()):
            spans.append((start, end))
        start = line.find(raw, start + 1)
    return spans
