"""Table layouts: turn source lines into text items and rows of cells.

Three layouts of the same template are read here, region by region (so one
document may mix them):

- tab-separated rows: one table row per line, cells split on tabs;
- markdown: the same rows with ``<b>``/``<p>`` markup and ``#`` headings
  (headings become plain text items, so a ``## 单位收入总体情况表`` heading is
  a title like any other line);
- one cell per line: each cell on its own line starting with a tab, a blank
  line ends the row (许昌 决算 layout).

Column-number rows (``※ ※ 1 2 3``, ``栏次 1 2``, ``1 2 3 … 12``) only number the
columns and are dropped.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from index.model import Line
from index.text import strip_markup

logger = logging.getLogger(__name__)

@dataclass
class Item:
    """A text line or a table row (cells with the line each came from)."""

    line: int
    end: int
    text: str = ""  # for text items
    cells: list[str] | None = None  # for rows
    cell_lines: list[int] = field(default_factory=list)
    page: int | None = None

    @property
    def is_row(self) -> bool:
        return self.cells is not None

    @property
    def filled(self) -> list[str]:
        """The non-empty cells of a row."""
        return [c for c in self.cells or [] if c]


def _is_cell_line(text: str) -> bool:
    return text.startswith("\t") and "\t" not in text[1:]


def _is_column_numbers(cells: list[str]) -> bool:
    """※ ※ 1 2 3 / ** ** / 栏次 … / 1 2 3 … n: a row that only numbers the columns."""
    filled = [c for c in cells if c]
    if not filled:
        return False
    if filled[0] in ("栏次", "栏 次"):
        return True
    if any(c in ("※", "*", "**") for c in filled) and all(c in ("※", "*", "**") or c.isdigit() for c in filled):
        return True
    digits = [c for c in filled if c.isdigit()]
    return len(digits) == len(filled) >= 3 and [int(d) for d in digits] == list(
        range(int(digits[0]), int(digits[0]) + len(digits))
    )


def read_items(lines: list[Line]) -> list[Item]:
    """Text items and rows, in document order; blank lines and column-number rows dropped."""
    items: list[Item] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        raw = line.text.rstrip("\r\n")
        if _is_cell_line(raw) and _starts_cell_group(lines, i):
            group: list[Line] = []
            texts: list[str] = []
            while i < len(lines):
                text = lines[i].text.rstrip("\r\n")
                if _is_cell_line(text):
                    group.append(lines[i])
                    texts.append(text[1:])
                    i += 1
                    continue
                more = _continued_cell(lines, i)
                if not more:
                    break
                texts[-1] += "".join(lines[k].text.strip() for k in range(i, i + more))
                i += more
            cells = [strip_markup(t) for t in texts]
            _append_row(items, Item(group[0].number, group[-1].number, cells=cells,
                                    cell_lines=[g.number for g in group], page=line.page), texts)
            continue
        i += 1
        if "\t" in raw:
            cells = [strip_markup(c) for c in raw.split("\t")]
            _append_row(items, Item(line.number, line.number, cells=cells,
                                    cell_lines=[line.number] * len(cells), page=line.page), raw.split("\t"))
        elif raw.strip():
            text = strip_markup(raw)
            if text:
                items.append(Item(line.number, line.number, text=text, page=line.page))
    return items


def _continued_cell(lines: list[Line], i: int) -> int:
    """How many lines from i continue the previous cell (a cell printed over several lines).

    They carry no tab, are not blank and sit directly between two cell lines.
    """
    k = i
    while k < len(lines) and lines[k].text.strip() and "\t" not in lines[k].text:
        k += 1
    if k == i or k >= len(lines) or not _is_cell_line(lines[k].text.rstrip("\r\n")):
        return 0
    return k - i


def _starts_cell_group(lines: list[Line], i: int) -> bool:
    """A cell line opens a one-cell-per-line row unless it sits among tab-separated rows."""
    prev_tabbed = i > 0 and "\t" in lines[i - 1].text and not _is_cell_line(lines[i - 1].text)
    nxt = lines[i + 1].text if i + 1 < len(lines) else ""
    next_tabbed = "\t" in nxt and not _is_cell_line(nxt)
    return not (prev_tabbed or next_tabbed)


def _append_row(items: list[Item], item: Item, printed: list[str]) -> None:
    """Keep a row unless it numbers the columns, as printed (``** ** 1``: markup removal empties ``**``)."""
    if _is_column_numbers(item.cells or []) or _is_column_numbers([c.strip() for c in printed]):
        logger.debug("line %d: column-number row dropped", item.line)
        return
    items.append(item)
