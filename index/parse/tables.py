"""Find the disclosure tables in a document and parse them (parse_tables).

A table starts at a title line (any line that reads as a table title, see
index.parse.templates.title_kind; a title wrapped over two lines is joined) and is followed — after its number (表1, 公开03表,
预算01表) and caption lines (编制部门：…, 预算单位：…, 单位：万元, 2023年度) — by rows. A
title that no rows follow (the table of contents, 目录) is no table. Header rows run
until the first row that carries an amount, a subject code or a bare 合计; then the
body runs until the next text line. Notes right after the body (备注/注/说明,
"(表4中不包含…)", "…为空表") go to ``Table.note``. Rows under no title are kept:
as the next page of the table before them, or as a table of kind OTHER.

Page-split tables: a part that repeats the previous title (with or without
its number), repeats its header rows with no title at all, or starts the next
page with as many columns and nothing but page furniture since, continues that
table; the parts are merged into one Table. Within a part, header rows printed
again at the top of a page are dropped, and a label wrapped over a page break
is joined into its row. Tables printed without a number get one from
index.parse.numbering (目录, note, neighbours).
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field, replace

from index.amounts import parse_number
from index.parse.layouts import Item, read_items
from index.model import Line, Table, TableKind
from index.parse.forms import form_header, indicator_column, performance_rows
from index.parse.numbering import PERFORMANCE, number_tables
from index.parse.rows import RowContext, build_rows, is_data_row
from index.parse.templates import (
    EMPTY_NOTE,
    META,
    NOTE,
    NUMBER,
    UNIT,
    split_title,
    title_kind,
)
from index.text import compact

logger = logging.getLogger(__name__)

_NOTE_CONTINUED = re.compile(r"^\d+[.、．]\s*本表")
_MAX_META = 8
_MAX_FURNITURE = 4  # text items (captions, page numbers, running headers) a table may continue after
_MAX_FORM_FURNITURE = 10  # … and a form, whose merged cells come out as loose text at a page break
_MAX_CAPTION_TAIL = 16
_CODE_HEADER = re.compile(r"^[类款项]$")
_MAX_FRAGMENT = 6
_MAX_TITLE_LINE = 40
_SENTENCE_END = re.compile(r"[，。；,;:：！？]")
_QUALIFIER = re.compile(r"^[(（][^()（）]+[)）]$")  # （按经济分类科目分）
_ORDINAL = re.compile(r"^([一二三四五六七八九十]+[、.．]|\d+[、.．]|[(（][一二三四五六七八九十\d]+[)）]|\d{3})")


@dataclass
class _Part:
    """One printed part of a table (a page-split table has several)."""

    name: str
    kind: TableKind
    number: str | None
    unit: str
    line_start: int
    line_end: int
    page: int | None
    titled: bool
    continues: bool = False  # the next page of the part before it
    header: list[Item] = field(default_factory=list)
    body: list[Item] = field(default_factory=list)
    notes: list[Item] = field(default_factory=list)
    page_end: int | None = None  # page of the last row
    width: int = 0  # cells per row
    truncated: bool = False  # a header and no body


def parse_tables(lines: list[Line], file: str) -> tuple[list[Table], list[str]]:
    """The document's tables, page-split parts merged, and warnings.

    A table whose header is printed but whose body is missing (a truncated
    table) is skipped with a warning naming it and its page; the rest loads.
    """
    items = read_items(lines)
    warnings: list[str] = []
    parts = _find_parts(items, warnings)
    tables = _merge(parts, file, warnings)
    number_tables(tables, items, warnings)
    logger.info("%s: %d tables (%d parts), %d warnings", file, len(tables), len(parts), len(warnings))
    return tables, warnings


def cell_coverage(lines: list[Line], tables: list[Table]) -> tuple[int, int]:
    """(numeric cells in tables of a recognised kind, numeric cells in all table rows) of a document.

    A row counts when it was stored in a table of a recognised kind (a 绩效 form's indicator values are
    kept as its texts); rows read but lost count against it. A row's numbers are its values:
    digits-only cells before its first text cell are subject codes. The share tells how much of a
    document's figures the parser understood; unrecognised tables are kept (kind OTHER) but count as
    not understood.
    """
    recognised_lines = {n for t in tables if t.kind is not TableKind.OTHER for r in t.rows
                        for n in (r.line, *(c.line for c in r.cells))}
    total = recognised = 0
    for item in read_items(lines):
        if not item.is_row:
            continue
        values = value_cells(item.cells or [])
        total += values
        stored = item.line in recognised_lines or not recognised_lines.isdisjoint(item.cell_lines)
        recognised += values if stored else 0
    return recognised, total


def value_cells(cells: list[str]) -> int:
    """How many cells of a row are values: numbers, less the digits-only codes before its first text cell."""
    first_text = next((i for i, cell in enumerate(cells) if cell and parse_number(cell) is None), len(cells))
    return sum(1 for i, cell in enumerate(cells) if parse_number(cell) is not None
               and not (i < first_text < len(cells) and cell.isdigit()))


def _item_text(item: Item) -> str:
    """The text of a text item, or of a row with one filled cell (许昌: '\\t公开01表')."""
    if not item.is_row:
        return item.text
    filled = item.filled
    return filled[0] if len(filled) == 1 else ""


def _title_of(item: Item) -> TableKind | None:
    text = _item_text(item)
    return title_kind(text) if text else None


def _number_of(item: Item) -> str | None:
    text = _item_text(item)
    return split_title(text)[0] if text else None


def _is_meta(item: Item) -> bool:
    texts = [item.text] if not item.is_row else item.filled
    return bool(texts) and all(META.search(compact(t)) for t in texts)


def _unit_of(item: Item) -> str | None:
    texts = [item.text] if not item.is_row else item.filled
    for text in texts:
        match = UNIT.search(compact(text))
        if match:
            return match.group(1)
    return None


def _find_parts(items: list[Item], warnings: list[str]) -> list[_Part]:
    """Every run of table rows becomes a part: of the title above it, of the table it continues, or untitled."""
    parts: list[_Part] = []
    i = 0
    end_of_last = 0  # the index after the last part read
    while i < len(items):
        _join_wrapped_title(items, i)
        item = items[i]
        kind = _title_of(item)
        part: _Part | None = None
        if kind is not None:
            part, end = _read_part(items, i, kind)
        elif item.is_row and item.filled and parts and _repeats_header(items, i, parts[-1]):
            part, end = _read_continuation(items, i, parts[-1])
        elif _starts_rows(item):
            part, end = _read_untitled(items, i, parts[-1] if parts else None, end_of_last)
        if part is None:
            i += 1
            continue
        if part.truncated:
            warnings.append(f"“{part.name}”（{_where(part)}）只有表头、没有数据行，已跳过")
        elif part.body or part.titled or part.continues:
            parts.append(part)
        i = end_of_last = end
    return parts


def _join_wrapped_title(items: list[Item], i: int) -> None:
    """A title printed over two lines becomes one title item.

    Either the first line is no title ('2022年部门综合预算政府采购（资产配置、购买服务）' / '预算表（不含上年
    结转）'), or the second only adds the classification ('…支出明细表' / '（按经济分类科目分）'). The joined
    text must name a kind the second line alone does not, and the first line is no caption, number or note.
    """
    if i + 1 >= len(items) or items[i].is_row or items[i + 1].is_row or items[i].page != items[i + 1].page:
        return
    first, second = compact(items[i].text), compact(items[i + 1].text)
    if len(first) > _MAX_TITLE_LINE or _SENTENCE_END.search(first) or NUMBER.match(first) \
            or META.search(first) or NOTE.search(first) or META.search(second):
        return
    joined = title_kind(first + second)
    if joined in (None, TableKind.OTHER) or title_kind(second) not in (None, TableKind.OTHER):
        return
    if title_kind(first) is not None and not _QUALIFIER.match(second):
        return
    items[i] = replace(items[i], text=first + second, end=items[i + 1].end)
    del items[i + 1]
    logger.info("line %d: title wrapped over two lines joined", items[i].line)


def _starts_rows(item: Item) -> bool:
    return item.is_row and len(item.filled) > 1


def _where(part: _Part) -> str:
    return f"第 {part.page} 页" if part.page is not None else f"第 {part.line_start} 行"


def _where_item(item: Item) -> str:
    return f"第 {item.page} 页" if item.page is not None else f"第 {item.line} 行"


def _read_part(items: list[Item], i: int, kind: TableKind) -> tuple[_Part | None, int]:
    """Read title, number, meta, header, body and notes from items[i]; None when no rows follow.

    The number is printed after the title (公开01表, 公开表一), before it (表1), or in it
    (预算01表收支总表, 收支总表（预算表1）).
    """
    title = items[i]
    number, name = split_title(_item_text(title))
    unit = "万元"
    j = i + 1
    while j < len(items) and j - i <= _MAX_META:
        item = items[j]
        if _number_of(item) and _title_of(item) is None:
            number = number or _number_of(item)
        elif _is_meta(item):
            unit = _unit_of(item) or unit
        elif not _wrapped_caption(items, j):
            break
        j += 1
    header_text = _header_line(items, j)
    if header_text is not None:
        items[j] = header_text
    if j >= len(items) or not items[j].is_row or _title_of(items[j]) is not None:
        return None, i + 1
    before = items[i - 1] if i > 0 and _title_of(items[i - 1]) is None else None
    start = title.line
    if number is None and before is not None and _number_of(before) and NUMBER.match(compact(_item_text(before))):
        number, start = _number_of(before), before.line
    part = _Part(name, kind, number, unit, start, title.line, title.page, titled=True)
    return part, _read_rows(items, j, part)


def _read_untitled(items: list[Item], i: int, previous: _Part | None, end_of_last: int) -> tuple[_Part, int]:
    """Rows with no title above them: the next page of the previous table, or a table of kind OTHER.

    A continuation starts on a later page than the previous part, with nothing but page
    furniture (captions, page numbers, a running header) since it, and as many columns.
    Otherwise the rows are kept as a table of their own, named by the line above them.
    """
    item = items[i]
    between = items[end_of_last:i]
    form = previous is not None and previous.kind in PERFORMANCE  # forms run on over pages with any widths
    if previous is not None and previous.body \
            and item.page is not None and previous.page_end is not None and item.page > previous.page_end \
            and len(between) <= (_MAX_FORM_FURNITURE if form else _MAX_FURNITURE) \
            and all(not _starts_rows(b) and _title_of(b) is None for b in between) \
            and (form or len(item.cells or []) == previous.width):
        part, end = _read_continuation(items, i, previous)
        if form:
            _name_form_columns(part, previous)
        return part, end
    unit = next((u for u in map(_unit_of, items[max(end_of_last, i - _MAX_META):i]) if u), "万元")
    above = next((b for b in reversed(items[max(end_of_last, i - 3):i]) if not b.is_row and b.text), None)
    named = above is not None and len(above.text) <= 40 and not re.search(r"[，。；,;:：]", above.text)
    name = compact(above.text) if named else f"未命名表格（{_where_item(item)}）"
    kind = TableKind.OTHER
    if _is_form_block(items, i):  # a 绩效 form's page without its title: the form's indicator rows
        kind = previous.kind if form else TableKind.PERFORMANCE_TARGET
        name = previous.name if form else name
    part = _Part(name, kind, None, unit, item.line, item.line, item.page, titled=False)
    end = _read_rows(items, i, part)
    if form and kind in PERFORMANCE:
        _name_form_columns(part, previous)
    return part, end


def _name_form_columns(part: _Part, previous: _Part) -> None:
    """A form's page printed without its header row: its columns named as on the form's first page."""
    if not part.body or form_header(part.body) is not None:
        return
    first = next((r for r in part.body if indicator_column(r.cells or []) is not None), part.body[0])
    header = form_header(previous.body, len(first.cells or []), indicator_column(first.cells or []))
    part.body = [header, *part.body] if header is not None else part.body


def _is_form_block(items: list[Item], i: int) -> bool:
    """The rows from items[i] name 绩效 indicators (产出指标 / 数量指标 / 满意度指标 …) in a cell.

    The indicator columns may follow the project's merged cells (name, amounts, objective), printed
    empty or filled, so any cell is looked at; the words are a closed list of whole cells.
    """
    j = i
    while j < len(items) and items[j].is_row:
        if indicator_column(items[j].cells or []) is not None:
            return True
        j += 1
    return False


def _header_line(items: list[Item], j: int) -> Item | None:
    """A header row printed as plain text above the grid ('单位编码 单位（项目）名称 项目金额 项目简介'): its
    words are the columns of the rows below when there are as many; the row item, or None."""
    if j + 1 >= len(items) or items[j].is_row or not items[j + 1].is_row:
        return None
    words = items[j].text.split()
    width = len(items[j + 1].cells or [])
    if width < 2 or len(words) != width or _title_of(items[j]) is not None or re.search(r"[，。；]", items[j].text):
        return None
    return replace(items[j], text="", cells=words, cell_lines=[items[j].line] * width)


def _wrapped_caption(items: list[Item], j: int) -> bool:
    """The rest of a caption printed in a narrow box: '部门名称：江苏省人大' / '单位:万元' / '常委会办公厅'."""
    item = items[j]
    if item.is_row or len(item.text) > _MAX_CAPTION_TAIL or not _is_meta(items[j - 1]):
        return False
    if re.search(r"[\d，。；:：,;]", item.text):
        return False
    return j + 1 < len(items) and (items[j + 1].is_row or _is_meta(items[j + 1]))


def _read_continuation(items: list[Item], i: int, previous: _Part) -> tuple[_Part, int]:
    part = _Part(previous.name, previous.kind, previous.number, previous.unit, items[i].line,
                 items[i].line, items[i].page, titled=False, continues=True)
    return part, _read_rows(items, i, part)


def _repeats_header(items: list[Item], i: int, previous: _Part) -> bool:
    """The rows at items[i] start with the previous part's header rows (a page continuation)."""
    if not previous.header or previous.kind in PERFORMANCE:
        return False
    for k, head in enumerate(previous.header):
        if i + k >= len(items) or not items[i + k].is_row:
            return False
        if [compact(c) for c in items[i + k].filled] != [compact(c) for c in head.filled]:
            return False
    return True


def _read_rows(items: list[Item], j: int, part: _Part) -> int:
    """Fill the part's header, body and notes from items[j]; return the index after it.

    A part with a header and no body (and no note saying the table is empty) is marked truncated.
    """
    rows: list[Item] = []
    while j < len(items) and items[j].is_row and _title_of(items[j]) is None:
        rows.append(items[j])
        j += 1
    if part.kind in PERFORMANCE:
        part.body = rows
    else:
        k = 0
        while k < len(rows) and not is_data_row(rows[k].cells or []):
            k += 1
        part.header = rows[:k]
        body = _join_page_fragments(_without_repeated_header([r for r in rows[k:] if r.filled], part.header))
        if part.header and body and _CODE_HEADER.match(body[0].cells[0] if body[0].cells else ""):
            part.header.append(_leading_words(body[0]))
            body[0] = _without_leading_words(body[0])
        part.body = body
    while j < len(items) and not items[j].is_row and (
        NOTE.search(items[j].text) or (part.notes and _NOTE_CONTINUED.match(items[j].text))
    ):
        part.notes.append(items[j])
        j += 1
    last = (part.notes or rows or [None])[-1]
    part.line_end = last.end if last is not None else part.line_end
    part.page_end = rows[-1].page if rows else part.page
    part.width = max((len(r.cells or []) for r in rows), default=0)
    part.truncated = not part.body and not any(EMPTY_NOTE.search(n.text) for n in part.notes)
    return j


def _without_repeated_header(body: list[Item], header: list[Item]) -> list[Item]:
    """Header rows printed again at the top of each continuation page (上海 表5) are no body rows."""
    heads = [[compact(c) for c in h.filled] for h in header if h.filled]
    if not heads:
        return body
    out: list[Item] = []
    k = 0
    while k < len(body):
        window = body[k:k + len(heads)]
        if len(window) == len(heads) and all([compact(c) for c in w.filled] == h for w, h in zip(window, heads)):
            logger.info("line %d: repeated header rows dropped", body[k].line)
            k += len(heads)
            continue
        out.append(body[k])
        k += 1
    return out


def _leading_words(item: Item) -> Item:
    """The 类/款/项 cells that open a row, as a header row of their own."""
    cells = item.cells or []
    n = next((k for k, c in enumerate(cells) if not _CODE_HEADER.match(c)), len(cells))
    return replace(item, cells=cells[:n] + [""] * (len(cells) - n))


def _without_leading_words(item: Item) -> Item:
    """'类⇥款⇥项⇥合计⇥2,946.25…' (09 表二): the body row the header words share a grid row with."""
    cells = item.cells or []
    n = next((k for k, c in enumerate(cells) if not _CODE_HEADER.match(c)), len(cells))
    return replace(item, cells=[""] * n + cells[n:])


def _join_page_fragments(body: list[Item]) -> list[Item]:
    """A label wrapped over a page break ('八、社会保障和就' / next page '业支出'): one row.

    The fragment is the first row of its page, carries no amount, and each of
    its texts is short, opens with no ordinal (一、 1. （一）) and sits under a
    text of the row above, which carries amounts.
    """
    out: list[Item] = []
    for k, item in enumerate(body):
        if k == 0 or not _is_fragment(item, body[k - 1]):
            out.append(item)
            continue
        above = out[-1].cells or []
        cells = item.cells or []
        joined = [a + (cells[i] if i < len(cells) else "") for i, a in enumerate(above)]
        out[-1] = replace(out[-1], cells=joined, end=item.end)
        logger.info("line %d: label continued from page %s joined", item.line, body[k - 1].page)
    return out


def _is_fragment(item: Item, previous: Item) -> bool:
    if item.page is None or previous.page is None or item.page == previous.page:
        return False
    cells, above = item.cells or [], previous.cells or []
    filled = [i for i, c in enumerate(cells) if c]
    if not filled or not any(parse_number(c) is not None for c in above):
        return False
    return all(
        len(cells[i]) <= _MAX_FRAGMENT
        and not _ORDINAL.match(cells[i])
        and parse_number(cells[i]) is None
        and i < len(above) and above[i] and parse_number(above[i]) is None
        for i in filled
    )


def _merge(parts: list[_Part], file: str, warnings: list[str]) -> list[Table]:
    tables: list[Table] = []
    last: _Part | None = None
    header: list[Item] = []  # the header of the table being merged: a page without one reads under it
    for part in parts:
        if last is not None and _continues(part, last):
            table = tables[-1]
            if not part.header and part.kind not in PERFORMANCE:
                part.header = header
            _add_rows(table, part, warnings)
            logger.info("%s: %s continues at line %d", file, table.name, part.line_start)
        else:
            table = Table(number=part.number, name=part.name, kind=part.kind, unit=part.unit,
                          line_start=part.line_start, line_end=part.line_end, page=part.page)
            tables.append(table)
            _add_rows(table, part, warnings)
            header = part.header
        last = part
    return tables


def _continues(part: _Part, last: _Part) -> bool:
    """A continuation continues the table before it; a titled part when it repeats the title (forms never do)."""
    if part.continues:
        return True
    if not part.titled:
        return False
    if part.kind in PERFORMANCE:
        return False
    return part.name == last.name and part.kind is last.kind and part.number in (None, last.number)


def _add_rows(table: Table, part: _Part, warnings: list[str]) -> None:
    ctx = RowContext(kind=part.kind, unit=part.unit)
    if part.kind in PERFORMANCE:
        columns, rows = [], performance_rows(part.body, part.unit)
    elif part.body:
        columns, rows = build_rows(part.header, part.body, ctx)
    else:
        columns, rows = build_rows(part.header, [], ctx) if part.header else ([], [])
    for path in columns:
        if path not in table.columns:
            table.columns.append(path)
    for row in rows:
        row.index = len(table.rows)
        table.rows.append(row)
    note = "\n".join(n.text for n in part.notes)
    table.note = "\n".join(t for t in (table.note, note) if t)
    table.line_end = max(table.line_end, part.line_end)
    if part.unit != table.unit:
        warnings.append(f"“{table.name}”第 {part.line_start} 行起的续表单位为{part.unit}，与首页的{table.unit}不同")
