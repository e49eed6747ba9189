"""The section tree (章节): 第一部分 > 一、 > （一） > 1. > （1）.

A heading is a line that opens with one of these markers and reads as a
title: short, no sentence punctuation, no "label: content", no amounts. So
"1. 教育支出(类)…：2024 年预算数为 0.82 万元，…" is an item of its section,
not a heading, and a run of numbered lines with nothing between them
(1.许昌市社会保险中心 / 2.许昌市劳动人事争议仲裁院 …) is a list. Markdown
"#" levels are ignored: the marker decides the level, because converted
files use "##" for parts and subsections alike.

The table of contents (目录) is skipped; where the body does not number a
heading the contents number ("六、其他相关情况说明" → "其他相关情况说明"), the
contents entry makes that body line a heading. A heading wrapped over two lines
("四、…财政拨款收" / "支预算情况的总体说明", or "第一部分" / "…概况") is one
heading. A section covers the lines from its heading to the next heading of
the same or an outer level, so its children lie inside its range; its
``text`` is its own lines only (heading included, children and table lines
excluded).
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from index.model import Line, Section
from index.text import clean_line

logger = logging.getLogger(__name__)

MAX_HEADING_CHARS = 60
MAX_WRAP_CHARS = 30  # the second line of a wrapped heading is short
MAX_WRAP_GAP = 3  # … and follows within this many lines (blank lines between)
MAX_UNNUMBERED_CHARS = 40  # an unnumbered heading named in the contents

_CN = "一二三四五六七八九十百零〇"
# (rank, pattern): rank 0 is outermost.
_MARKERS = (
    (0, re.compile(rf"^第[{_CN}\d]+部分")),
    (1, re.compile(rf"^[{_CN}]{{1,3}}\s*[、，,.．]")),
    (2, re.compile(rf"^[（(]\s*[{_CN}]{{1,3}}\s*[)）]")),
    (3, re.compile(r"^\d{1,2}\s*(?:[、．]|\.(?!\d)|\.(?=(?:19|20)\d{2}\s*年))")),  # not "2.5万元"
    (4, re.compile(r"^[（(]\s*\d{1,2}\s*[)）]")),
)
_SENTENCE = re.compile(r"[，,。；;！!？?]")
_LABELLED = re.compile(r"[:：]\s*\S")
_SUBJECT = re.compile(r"[（(]\s*[类款项]\s*[)）]")  # 教育支出(类)…: an explanation item
_CITATION = re.compile(r"[《〔]")  # a cited document: a list entry, not a title
_AMOUNT = re.compile(r"\d\s*(?:万元|亿元|元|%|％)")
_UNFINISHED = ("、", "的", "和", "及", "与", "或", "（", "(")  # a line cut mid-sentence ends like this
_TOC = re.compile(r"^目\s*录$")
_LEADER = re.compile(r"\s*(?:[.…·．]{2,}|-{3,}|_{3,})\s*\d*\s*$|\s+\d{1,3}$")
_PAGE_NUMBER = re.compile(r"^[-—–\s]*\d{1,3}[-—–\s]*$")
_COMPLETE = re.compile(
    r"(说明|情况|概况|解释|职能|职责|设置|构成|表|目标|任务|事项|依据|分析|结果|公开|预算|决算|经费|"
    r"采购|资产|绩效|附件|其他|部分|收入|支出|收支|项目|资金|工作|管理|成效|措施|计划|制度|安排|重点|内容|概述|"
    r"简介|背景|原则|结构|变化|明细|汇总|组成|清单|执行|评价|自评|机构|单位|部门)$"
)


@dataclass
class Heading:
    line: int
    rank: float  # marker rank; an unnumbered heading named in the contents ranks just above its entry
    title: str
    page: int | None
    last_line: int  # the heading's own last line (its second line when wrapped)


def parse_sections(lines: list[Line], table_ranges: list[tuple[int, int]]) -> list[Section]:
    """Sections of the document in order, each with its path from the outermost heading."""
    in_table = _table_lines(table_ranges)
    texts = {line.number: clean_line(line.text) for line in lines}
    contents, entries = _toc_lines(lines, texts)
    headings = _headings(lines, texts, in_table, contents)
    headings = sorted(headings + _unnumbered(lines, texts, in_table, contents, entries, headings), key=_line_of)
    sections = _build(headings, lines, texts, in_table, contents)
    logger.info("%d sections (%d table-of-contents lines skipped)", len(sections), len(contents))
    return sections


def marker_rank(text: str) -> int | None:
    """Level of the heading marker the text opens with (0 for 第X部分), or None."""
    for rank, pattern in _MARKERS:
        if pattern.match(text):
            return rank
    return None


def is_title(text: str, rank: int) -> bool:
    """Reads as a title, not as content: short, no sentences, no "label: content", no amounts."""
    if rank == 0:
        return len(text) <= MAX_HEADING_CHARS and not _SENTENCE.search(text) and not text.endswith(_UNFINISHED)
    return bool(_MARKERS[rank][1].sub("", text, count=1).strip()) and _reads_as_title(text)


def _reads_as_title(text: str) -> bool:
    return not (
        len(text) > MAX_HEADING_CHARS
        or text.endswith(_UNFINISHED)
        or any(p.search(text) for p in (_SENTENCE, _LABELLED, _AMOUNT, _SUBJECT, _CITATION))
    )


def _table_lines(table_ranges: list[tuple[int, int]]) -> set[int]:
    lines: set[int] = set()
    for start, end in table_ranges:
        lines.update(range(start, end + 1))
    return lines


def _toc_lines(lines: list[Line], texts: dict[int, str]) -> tuple[set[int], list[tuple[int, str]]]:
    """Lines of the table of contents: from "目录" through its entries, until the body begins.

    The body begins where an entry's numbering repeats (the second "第一部分",
    or a second "一、" under the same parent), or at the first line that is
    neither an entry, a wrapped entry's tail, a page number nor blank.
    Returns the skipped lines and the entries (rank, text; wrapped entries joined).
    """
    skipped: set[int] = set()
    entries: list[tuple[int, str]] = []
    index = next((i for i, line in enumerate(lines) if _TOC.match(texts[line.number])), None)
    if index is None:
        return skipped, entries
    skipped.add(lines[index].number)
    seen: set[tuple[str, ...]] = set()
    stack: list[tuple[int, str]] = []
    for line in lines[index + 1:]:
        text = _LEADER.sub("", texts[line.number]).strip()
        if not text or _PAGE_NUMBER.match(text):
            skipped.add(line.number)
            continue
        rank = marker_rank(text)
        if rank is not None and "\t" not in line.text:
            stack = [entry for entry in stack if entry[0] < rank] + [(rank, _numeral(text, rank))]
            key = tuple(numeral for _, numeral in stack)
            if key in seen:
                break
            seen.add(key)
            skipped.add(line.number)
            entries.append((rank, text))
            continue
        if entries and _is_wrap_tail(entries[-1][1], text):
            skipped.add(line.number)
            entries[-1] = (entries[-1][0], entries[-1][1] + text)
            continue
        break
    return skipped, entries


def _numeral(text: str, rank: int) -> str:
    """The number of a marker: "第一部分" → "0一", "（二）" → "2二", "3、" → "33"."""
    marker = _MARKERS[rank][1].match(text).group(0)
    return f"{rank}" + re.sub(r"[\s（()）、，,.．第部分]", "", marker)


def _is_wrap_tail(head: str, tail: str) -> bool:
    """``tail`` completes a heading cut at a line break."""
    return (
        not _COMPLETE.search(head)
        and len(tail) <= MAX_WRAP_CHARS
        and marker_rank(tail) is None
        and not _SENTENCE.search(tail)
        and not _LABELLED.search(tail)
        and bool(_COMPLETE.search(tail))
    )


def _headings(lines: list[Line], texts: dict[int, str], in_table: set[int], contents: set[int]) -> list[Heading]:
    """Heading candidates; a 第X部分 line inside a table range still counts (a part outranks a table)."""
    candidates: list[Heading] = []
    consumed: set[int] = set()
    excluded = in_table | contents
    for i, line in enumerate(lines):
        text = texts[line.number]
        if line.number in consumed or line.number in contents or not text or "\t" in line.text:
            continue
        rank = marker_rank(text)
        if rank is None or (line.number in in_table and rank != 0):
            continue
        last_line = line.number
        tail = _next_text(lines, i, texts, excluded)
        if tail is not None and _joins(text, rank, texts[tail.number]):
            text = _join(text, texts[tail.number])
            consumed.add(tail.number)
            last_line = tail.number
        elif tail is not None and _cut_item(text, rank, texts[tail.number]):
            continue
        if is_title(text, rank):
            candidates.append(Heading(line.number, rank, text, line.page, last_line))
    return _drop_lists(candidates, lines, texts, excluded)


def _unnumbered(
    lines: list[Line], texts: dict[int, str], in_table: set[int], contents: set[int],
    entries: list[tuple[int, str]], numbered: list[Heading],
) -> list[Heading]:
    """Unnumbered body headings named by a contents entry ("六、其他相关情况说明" → "其他相关情况说明").

    Some templates number the contents but not the body, and prefix body
    headings with the department ("二、部门机构设置" → "上海市普陀区人民政府办公室机构设置").
    Entries for tables (…表) are left to the table parser. Matches follow
    the contents' order; one entry may head several parts (one per project).
    """
    found = {_core(h.title, int(h.rank)) for h in numbered}
    wanted = [(rank, _core(text, rank)) for rank, text in entries]
    wanted = [(r, core) for r, core in wanted if len(core) >= 4 and not core.endswith("表") and core not in found]
    if not wanted:
        return []
    start = max(contents)  # the body follows the contents
    headings: list[Heading] = []
    next_entry = 0
    for line in lines:
        text = texts[line.number]
        if line.number <= start or line.number in in_table or not text or "\t" in line.text:
            continue
        if marker_rank(text) is not None or len(text) > MAX_UNNUMBERED_CHARS or not _reads_as_title(text):
            continue
        compact = re.sub(r"\s+", "", text)
        match = next((k for k in range(next_entry, len(wanted)) if compact.endswith(wanted[k][1])), None)
        if match is not None:
            headings.append(Heading(line.number, wanted[match][0] - 0.5, text, line.page, line.number))
            next_entry = match
    return headings


def _core(title: str, rank: int) -> str:
    """A heading without marker, spaces and a leading 部门/单位: what a body heading ends with."""
    text = _MARKERS[rank][1].sub("", title, count=1)
    return re.sub(r"^(?:部门|单位)", "", re.sub(r"\s+", "", text))


def _line_of(heading: Heading) -> int:
    return heading.line


def _joins(text: str, rank: int, tail: str) -> bool:
    if rank == 0 and not _MARKERS[0][1].sub("", text).strip():
        return len(tail) <= MAX_HEADING_CHARS and marker_rank(tail) is None and not _SENTENCE.search(tail)
    return _is_wrap_tail(text, tail)


def _cut_item(text: str, rank: int, tail: str) -> bool:
    """An unfinished numbered line whose next line carries on as content: an item cut by a line break."""
    return (
        rank > 0
        and not _COMPLETE.search(text)
        and marker_rank(tail) is None
        and (not is_title(_join(text, tail), rank) or not _COMPLETE.search(tail))
    )


def _join(head: str, tail: str) -> str:
    separator = " " if _MARKERS[0][1].fullmatch(head) else ""
    return head + separator + tail


def _next_text(lines: list[Line], index: int, texts: dict[int, str], excluded: set[int]) -> Line | None:
    """The next non-blank line within the wrap gap, unless it is a table line."""
    for line in lines[index + 1: index + 2 + MAX_WRAP_GAP]:
        if texts[line.number]:
            if line.number in excluded or "\t" in line.text:
                return None
            return line
    return None


def _drop_lists(
    candidates: list[Heading], lines: list[Line], texts: dict[int, str], excluded: set[int]
) -> list[Heading]:
    """A marked line next to another of its rank is a list entry, not a heading.

    Numbered lines (1. / （1）) next to each other are a list; a （一） next to a
    （一）-style content line ("（三）召集本级人民代表大会会议；") is one too.
    """
    content = [line.number for line in lines if texts[line.number] and line.number not in excluded]
    order = {number: i for i, number in enumerate(content)}

    def listed_beside(i: int, rank: int) -> bool:
        if not 0 <= i < len(content):
            return False
        text = texts[content[i]]
        return marker_rank(text) == rank and (rank >= 3 or not is_title(text, rank))

    kept = []
    for head in candidates:
        if head.rank >= 2 and head.line in order:
            before, after = order[head.line] - 1, order.get(head.last_line, order[head.line]) + 1
            if listed_beside(before, head.rank) or listed_beside(after, head.rank):
                continue
        kept.append(head)
    return kept


def _build(
    headings: list[Heading], lines: list[Line], texts: dict[int, str], in_table: set[int], contents: set[int]
) -> list[Section]:
    """Ranges, paths and own text of the headings."""
    sections = []
    stack: list[Heading] = []
    position = {line.number: i for i, line in enumerate(lines)}
    last = lines[-1].number if lines else 0
    for i, head in enumerate(headings):
        stack = [h for h in stack if h.rank < head.rank] + [head]
        end = next((h.line - 1 for h in headings[i + 1:] if h.rank <= head.rank), last)
        own_end = min(headings[i + 1].line - 1 if i + 1 < len(headings) else last, end)
        body = [n.number for n in lines[position[head.last_line] + 1: position[end] + 1] if texts[n.number]]
        body = [n for n in body if n not in contents]
        end = body[-1] if body else head.last_line  # trailing blank lines are not the section's
        own = [texts[n] for n in body if n <= own_end and n not in in_table]
        text = "\n".join([head.title, *own])
        sections.append(Section(tuple(h.title for h in stack), head.line, end, text, head.page))
    return sections
