"""Table numbers (表号) for tables printed without one.

A table's number is printed beside its title (表1, 公开03表, 公开表一); where it
is not, it comes from the document's table of contents (目录: '1. 2025年部门
收入预算总表 ……' → 表1, '一、收入支出决算总表' → 表一), else from its note
('(表10中…)') or its neighbours (表7 … ? … 表9 → 表8).
"""
from __future__ import annotations

import logging
import re

from index.parse.layouts import Item
from index.model import Table, TableKind
from index.parse.templates import NOTE_NUMBER, title_kind
from index.text import compact

logger = logging.getLogger(__name__)

PERFORMANCE = (TableKind.PERFORMANCE_TARGET, TableKind.PERFORMANCE_SELF_EVAL)
_CONTENTS_ENTRY = re.compile(r"^(\d{1,2}|[一二三四五六七八九十]{1,3})\s*[、.．]\s*(\S.*?)[\s.…·]*\d*$")


def number_tables(tables: list[Table], items: list[Item], warnings: list[str]) -> None:
    """Give unnumbered tables a number: from the 目录, then from their note or neighbours (with a warning)."""
    _number_from_contents(tables, items)
    _infer_numbers(tables, warnings)


def _number_from_contents(tables: list[Table], items: list[Item]) -> None:
    """Tables printed without a number take it from their 目录 entry.

    '1. 2025年部门财务收支预算总表 ……' → 表1; '一、收入支出决算总表' → 表一. The entry
    names the table as printed; else it is the only entry and the only
    unnumbered table of its kind ('七、政府性基金支出预算表' for
    '财政拨款政府性基金支出预算表').
    """
    entries = _contents_entries(items)
    by_name: dict[str, str | None] = {}
    by_kind: dict[TableKind, str | None] = {}
    for name, kind, number in entries:
        by_name[name] = None if name in by_name else number  # listed twice: no number
        by_kind[kind] = None if kind in by_kind else number
    unnumbered = [t for t in tables if t.number is None and t.kind not in PERFORMANCE]
    for table in unnumbered:
        number = by_name.get(table.name)
        if number is None and table.kind is not TableKind.OTHER and table.name not in by_name:
            alone = sum(t.kind is table.kind for t in unnumbered) == 1
            number = by_kind.get(table.kind) if alone else None
        if number and all(t.number != number for t in tables):
            table.number = number
            logger.info("“%s” numbered %s from the table of contents", table.name, number)


def _contents_entries(items: list[Item]) -> list[tuple[str, TableKind, str]]:
    """(title, kind, 表N) of the 目录 entries naming tables; an entry wrapped over two lines is joined."""
    entries = []
    for k, item in enumerate(items):
        match = None if item.is_row else _CONTENTS_ENTRY.match(item.text)
        if match is None:
            continue
        text = match.group(2)
        following = items[k + 1] if k + 1 < len(items) else None
        if title_kind(text) is None and following is not None and not following.is_row \
                and not _CONTENTS_ENTRY.match(following.text):
            text += following.text
        kind = title_kind(text)
        if kind is not None:
            entries.append((compact(text), kind, f"表{match.group(1)}"))
    return entries


def _infer_numbers(tables: list[Table], warnings: list[str]) -> None:
    """A table printed without its number: take it from its note '(表10中…)' or its neighbours."""
    for k, table in enumerate(tables):
        if table.number is not None or table.kind in PERFORMANCE:
            continue
        match = next((m for m in (NOTE_NUMBER.match(line) for line in table.note.splitlines()) if m), None)
        number = compact(match.group(1)) if match else _between(tables, k)
        if number:
            table.number = number
            warnings.append(f"“{table.name}”（第 {table.line_start} 行）未印表号，按上下文定为{number}")


def _between(tables: list[Table], k: int) -> str | None:
    """表7 … ? … 表9 → 表8."""
    def value(t: Table | None) -> tuple[str, int] | None:
        match = re.match(r"^(\D*?)(\d+)(\D*)$", t.number) if t is not None and t.number else None
        return (match.group(1) + "{}" + match.group(3), int(match.group(2))) if match else None

    before = value(tables[k - 1]) if k > 0 else None
    after = value(tables[k + 1]) if k + 1 < len(tables) else None
    if before and after and before[0] == after[0] and after[1] - before[1] == 2:
        return before[0].format(before[1] + 1)
    return None
