"""Cut the narrative (情况说明) into citable passages along the document's own structure.

A numbered explanation item (…（类）…（款）…（项）：2024年预算数为…主要原因是…) is one
passage, a project description (项目名称 … 预算安排规模 … 资金分配情况) is one passage,
a glossary entry (名词解释) is one passage; other paragraphs of one section are
grouped up to a modest length. Lines wrapped across line or page breaks are
joined first. Table lines (inside a parsed table, or tab-separated cells) and
headings are not passage text; headings give the section path. A table of
words (绩效目标表: 年度目标, 指标 and 指标值) is also narrative: its rows become
passages under the table's title.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from index.model import Document, Passage, PassageKind, Section, Table, TableKind
from index.text import clean_line

logger = logging.getLogger(__name__)

PARAGRAPH_MAX_CHARS = 360
WORD_TABLES = (TableKind.PERFORMANCE_TARGET, TableKind.PERFORMANCE_SELF_EVAL)  # tables of words, cited as passages
TABLE_PASSAGE_MAX_CHARS = 600
SENTENCE_CELL_CHARS = 30  # a cell this long is a sentence, not a name

# A line that opens a new unit: 1. 1、 1． (1) （1） (一) （一） 一、 第一部分
_ITEM_MARKER = re.compile(
    r"^(?:\d{1,2}\s*[.、．](?!\d)|[（(]\s*[\d一二三四五六七八九十]{1,3}\s*[)）]|"
    r"[一二三四五六七八九十]{1,3}\s*、|第[一二三四五六七八九十]+部分|目标\d)"
)
_NUMBERED = re.compile(r"^\d{1,2}\s*[.、．](?!\d)")
_SENTENCE_END = ("。", "；", ";", "！", "？", "!", "?")
_FIELD_START = re.compile(r"^(项目名称|设立的政策依据|预算安排规模|项目承担单位|资金分配情况|资金执行时间|"
                          r"资金来源|补贴人数|补贴标准|补贴范围|补贴方式|发放程序|受益人群和社会效益)\s*[:：]?")
_PROJECT_START = re.compile(r"^(?:[（(]\s*[一二三四五六七八九十\d]{1,3}\s*[)）]|\d{1,2}\s*[.、．])?\s*项目名称\s*[:：]")
_SUBJECT_ITEM = re.compile(r"[（(]类[)）]")
_CHANGE = re.compile(r"(?:比|较)(?:上年|\d{4}\s*年)(?:度)?(?:预算|决算)?(?:数)?(?:增加|减少|增长|下降)|与(?:上年|\d{4}\s*年)度?相比")
_NOISE = re.compile(
    r"^(?:表\s*\d+$|编制(?:部门|单位)\s*[:：]|单位\s*[:：]\s*(?:万?元)|[（(]表\s*\d+中|注\s*[:：]|\d\.\s*本表|"
    r"备注\s*[:：]|说明\s*[:：].*本表|[（(]\s*\d{4}\s*年\s*[)）]$|.{0,30}表$)"
)
MAX_WRAP_GAP = 4  # a wrapped line may continue after this many blank / page-break lines
ITEM_TAIL_MAX_CHARS = 60  # a short unmarked line right after a numbered item belongs to it
PROJECT_MAX_GAP = 12  # a project's fields may be separated by this many lines
_CJK = re.compile(r"[\u4e00-\u9fff]")
_TOC_LEADER = re.compile(r"…{2,}|\.{4,}|·{4,}|-{6,}")  # 目录 entry: title …… page


@dataclass
class Block:
    """A passage under construction: its text and the source line of each character run."""

    kind: PassageKind
    section_path: tuple[str, ...]
    text: str = ""
    offsets: list[tuple[int, int]] = field(default_factory=list)  # (char offset, line number)
    page: int | None = None

    @property
    def line_start(self) -> int:
        return self.offsets[0][1]

    @property
    def line_end(self) -> int:
        return self.offsets[-1][1]

    def add(self, other: "Block", sep: str | None = None) -> None:
        sep = joiner(self.text, other.text) if sep is None else sep
        base = len(self.text) + len(sep)
        self.text += sep + other.text
        self.offsets.extend((base + off, line) for off, line in other.offsets)

    def line_at(self, offset: int) -> int:
        """The source line holding character ``offset`` of the text."""
        line = self.offsets[0][1]
        for off, number in self.offsets:
            if off > offset:
                break
            line = number
        return line

    def to_passage(self, doc_id: str) -> Passage:
        return Passage(
            passage_id=f"{doc_id}#L{self.line_start}-{self.line_end}",
            doc_id=doc_id,
            kind=self.kind,
            section_path=self.section_path,
            text=self.text,
            line_start=self.line_start,
            line_end=self.line_end,
            page=self.page,
        )


def cut_passages(document: Document, blocks: list[Block] | None = None) -> list[Passage]:
    """Passages of the narrative and of the tables of words, in document order (段落切分).

    ``blocks`` are the narrative's blocks (``cut_blocks``), cut here when not given.
    """
    doc_id = document.meta.doc_id
    blocks = cut_blocks(document) if blocks is None else blocks
    every = sorted([*blocks, *table_blocks(document)], key=lambda b: b.line_start)
    passages = [block.to_passage(doc_id) for block in every]
    logger.info("%s: %d passages", doc_id, len(passages))
    return passages


def table_blocks(document: Document) -> list[Block]:
    """The rows of each table of words, as "label：words" lines under the table's title, a few rows per block.

    A 绩效目标表 or 绩效自评表 states targets and indicators in words; so does any table whose
    cells hold sentences rather than amounts.
    """
    blocks = []
    for table in document.tables:
        if table.kind not in WORD_TABLES and not _holds_sentences(table):
            continue
        title = f"{table.number} {table.name}" if table.number else table.name
        block: Block | None = None
        for row in table.rows:
            line = _row_words(row.label, list(row.texts.values()))
            if not line:
                continue
            if block is None or len(block.text) + len(line) > TABLE_PASSAGE_MAX_CHARS:
                block = Block(PassageKind.TABLE_TEXT, (title,), title, [(0, row.line)], table.page)
                blocks.append(block)
            block.add(Block(PassageKind.TABLE_TEXT, (title,), line, [(0, row.line)]), sep="\n")
    return blocks


def _holds_sentences(table: Table) -> bool:
    """Most rows carry no amount and some cell is a sentence."""
    rows = [r for r in table.rows if r.texts]
    if not rows or sum(1 for r in table.rows if r.cells) * 2 > len(table.rows):
        return False
    texts = (text for r in rows for text in r.texts.values())
    return any(len(text) >= SENTENCE_CELL_CHARS and any(p in text for p in "，。；") for text in texts)


def _row_words(label: str, texts: list[str]) -> str:
    """年度目标：通过开展… ; 产出指标 数量指标 空气监测站正常运转数量：=5座."""
    words = [clean_line(t) for t in dict.fromkeys([label, *texts]) if t and clean_line(t)]
    if len(words) < 2:
        return ""
    return " ".join(words[:-1]) + "：" + words[-1]


def cut_blocks(document: Document) -> list[Block]:
    """Like :func:`cut_passages`, keeping the line of every character (for variance lines)."""
    units = _join_wrapped(_narrative_lines(document), document.sections)
    return _group(units)


def joiner(left: str, right: str) -> str:
    """No space between CJK text; one space between two ASCII words."""
    if left and right and left[-1].isascii() and left[-1].isalnum() and right[0].isascii() and right[0].isalnum():
        return " "
    return ""


def is_heading_like(text: str) -> bool:
    """A title, not content: short, opens with a heading marker, no sentence punctuation."""
    if len(text) > 60 or any(p in text for p in "，,。；;"):
        return False
    if re.search(r"[:：]\s*\S", text):
        return False
    return bool(_ITEM_MARKER.match(text)) or text.endswith(("说明", "情况", "名词解释", "概况"))


def _section_paths(sections: list[Section]) -> list[tuple[str, ...]]:
    """By line number, the path of the deepest section holding the line (of equal depth, the later one).

    One pass per nesting level: linear in the document's length (a search per line was quadratic).
    """
    paths: list[tuple[str, ...]] = [()] * (max((s.line_end for s in sections), default=0) + 1)
    for section in sorted(sections, key=lambda s: s.level):
        start = max(section.line_start, 0)
        paths[start:section.line_end + 1] = [section.path] * (section.line_end + 1 - start)
    return paths


def _narrative_lines(document: Document) -> list[tuple[int, str, int | None]]:
    """(line, cleaned text, page) of the lines that may hold narrative."""
    in_table = set()
    for table in document.tables:
        in_table.update(range(table.line_start, table.line_end + 1))
    heading_lines = {s.line_start for s in document.sections}
    kept = []
    for line in document.lines:
        if line.number in in_table or _looks_tabular(line.text):
            continue
        text = clean_line(line.text.replace("\t", " "))
        if not text:
            continue
        if _NOISE.match(text) or _TOC_LEADER.search(text):
            kept.append((line.number, "", line.page))
            continue
        if line.number in heading_lines and is_heading_like(text):
            kept.append((line.number, "", line.page))  # a heading ends the unit before it
            continue
        kept.append((line.number, text, line.page))
    return kept


def _looks_tabular(text: str) -> bool:
    """A table row outside any parsed table: tab-separated short cells (a stray tab in prose is not)."""
    if "\t" not in text:
        return False
    cells = [c for c in text.split("\t") if c.strip()]
    return text.startswith("\t") or len(cells) != 2 or max(len(c) for c in cells) < 40


def _starts_unit(text: str) -> bool:
    return bool(_ITEM_MARKER.match(text) or _FIELD_START.match(text))


def _join_wrapped(lines: list[tuple[int, str, int | None]], sections: list[Section]) -> list[Block]:
    """Units: one logical line each, wrapped lines (also across blank lines and page breaks) joined."""
    paths = _section_paths(sections)
    units: list[Block] = []
    current: Block | None = None
    for number, text, page in lines:
        if not text:
            current = None
            continue
        if (
            current is not None
            and number - current.line_end <= MAX_WRAP_GAP
            and not current.text.endswith(_SENTENCE_END)
            and not _starts_unit(text)
        ):
            current.add(Block(current.kind, current.section_path, text, [(0, number)]))
            continue
        path = paths[number] if number < len(paths) else ()
        current = Block(PassageKind.PARAGRAPH, path, text, [(0, number)], page)
        units.append(current)
    return [u for u in units if not _is_noise(u.text)]


def _is_noise(text: str) -> bool:
    """Captions, table notes and table-of-contents entries (numbered lists of Arabic numerals stay)."""
    if len(_CJK.findall(text)) < 6 or _NOISE.match(text):
        return True
    return is_heading_like(text) and not _NUMBERED.match(text)


def _classify(unit: Block) -> PassageKind:
    if any("名词解释" in part for part in unit.section_path) and _ITEM_MARKER.match(unit.text):
        return PassageKind.GLOSSARY
    if _PROJECT_START.match(unit.text):
        return PassageKind.PROJECT
    if _NUMBERED.match(unit.text) and _SUBJECT_ITEM.search(unit.text) and re.search(r"预算数|决算数|预算为|决算为|上年", unit.text):
        return PassageKind.VARIANCE_ITEM
    if _CHANGE.search(unit.text) and "原因" in unit.text:
        return PassageKind.VARIANCE_ITEM
    return PassageKind.PARAGRAPH


def _group(units: list[Block]) -> list[Block]:
    """Project fields join their project; short paragraphs of one section join each other."""
    blocks: list[Block] = []
    for unit in units:
        unit.kind = _classify(unit)
        last = blocks[-1] if blocks else None
        same_section = last is not None and last.section_path == unit.section_path
        near = last is not None and unit.line_start - last.line_end <= MAX_WRAP_GAP
        if (
            last is not None
            and same_section
            and unit.line_start - last.line_end <= PROJECT_MAX_GAP
            and last.kind is PassageKind.PROJECT
            and unit.kind is PassageKind.PARAGRAPH
        ):
            last.add(unit, sep="\n")
            continue
        if (
            last is not None
            and same_section
            and near
            and last.kind is PassageKind.VARIANCE_ITEM
            and _NUMBERED.match(last.text)
            and unit.kind is PassageKind.PARAGRAPH
            and not _starts_unit(unit.text)
            and len(unit.text) <= ITEM_TAIL_MAX_CHARS
        ):  # a numbered item's last sentence wrapped onto its own line: "决算数与预算数基本持平。"
            last.add(unit, sep="\n")
            continue
        if (
            last is not None
            and same_section
            and near
            and last.kind is PassageKind.PARAGRAPH
            and unit.kind is PassageKind.PARAGRAPH
            and len(last.text) + len(unit.text) <= PARAGRAPH_MAX_CHARS
        ):
            last.add(unit, sep="\n")
            continue
        blocks.append(unit)
    return blocks
