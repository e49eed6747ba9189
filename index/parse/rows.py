"""Header paths and rows: one table part (header rows + body rows) → Rows with Cells.

A multi-row header is read as a person reads it: a blank header cell under a
spanning cell takes that cell's text (from the left, when the columns below
split it; from above, when nothing below is filled). Each value column gets a
path such as ``财政拨款(补助)/一般公共预算`` and a Measure (index.parse.templates).

Side-by-side panels (表1 收入|支出, 公开06表 人员经费|公用经费) are found by
the columns themselves: a label or code column after a value column opens a
new panel; each panel of a printed line becomes its own Row.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace

from index.amounts import DASHES, parse_number, to_wan
from index.parse.metadata import is_organisation
from index.parse.codes import join_code, make_subject, split_leading_code
from index.parse.layouts import Item
from index.model import Cell, Measure, Row, TableKind
from index.parse.templates import (
    CODE_COLUMN,
    LABEL_COLUMN,
    PROJECT_COLUMN,
    SKIP_COLUMN,
    TOTAL_LABEL,
    column_measure,
    column_unit,
)
from index.text import compact

logger = logging.getLogger(__name__)

_CODE_CELL = re.compile(r"^\d{3}(\s?\d{2}){0,2}$|^\d{2}$")

_PANEL_TOTAL = re.compile(r"^(人员经费|公用经费)合计$")
_SPACED = re.compile(r"^[^\s\d]( +[^\s\d])+$")  # '合 计', '收 入 总 计': letter-spaced words

CODE, LABEL, PROJECT, VALUE, SKIP = "code", "label", "project", "value", "skip"
# where 项目名称 names projects; in the first four, a row's name is its project unless it names a unit
PROJECT_TABLES = (TableKind.GENERAL_PROJECT, TableKind.PROJECTS, TableKind.FISCAL_PROJECT, TableKind.CARRYOVER,
                  TableKind.OTHER)
_PROJECT_ROWS = PROJECT_TABLES[:4]


_ITEM_LABEL = re.compile(r"^(?:[一二三四五六七八九十]{1,3}、|\d{1,2}、|[（(][一二三四五六七八九十\d]{1,3}[)）])\s*[\u4e00-\u9fff]")


def is_data_row(cells: list[str]) -> bool:
    """A body row: it carries an amount, opens with a subject code, or is a bare 合计 line."""
    filled = [c for c in cells if c]
    if not filled:
        return False
    if any(parse_number(c) is not None for c in filled):
        return True
    if _CODE_CELL.match(filled[0]) or split_leading_code(filled[0])[0]:
        return True
    if any(_ITEM_LABEL.match(c) for c in filled):  # "22、其他支出", "二、上年结转": an item, even with no amount
        return True
    return len(filled) == 1 and bool(TOTAL_LABEL.match(compact(filled[0])))


@dataclass
class Column:
    index: int
    path: list[str]
    role: str
    top: str  # the outermost header cell over this column (panel name)

    @property
    def path_text(self) -> str:
        return "/".join(self.path)


def header_columns(header: list[list[str]], width: int) -> list[Column]:
    """Fill merged header cells and give every column its path and role."""
    grid = [[compact(c) for c in row] + [""] * (width - len(row)) for row in header]
    _place_orphan_subheaders(grid)
    filled = [list(row) for row in grid]
    for r, row in enumerate(grid):
        for c in range(1, width):
            if row[c] or not filled[r][c - 1]:
                continue
            below = any(grid[k][c] for k in range(r + 1, len(grid)))
            same_parent = all(filled[k][c] == filled[k][c - 1] for k in range(r))
            if below and same_parent:
                filled[r][c] = filled[r][c - 1]
    columns = []
    for c in range(width):
        path: list[str] = []
        for r in range(len(filled)):
            if filled[r][c] and (not path or path[-1] != filled[r][c]):
                path.append(filled[r][c])
        top = filled[0][c] if filled else ""
        role = _role(path)
        if not path:  # under a label header spanning to the right, or no header at all
            left = columns[-1].role if columns else SKIP
            role = left if left in (CODE, LABEL, PROJECT) else SKIP
        columns.append(Column(c, path, role, top))
    return columns


def _place_orphan_subheaders(grid: list[list[str]]) -> None:
    """Move a sub-header printed past the end of its group back into the group (in place).

    Some exports drop a column from the top header row and push the group's last
    sub-header to the far right, under no top cell (巴州 表2: 上级国有资本经营预算安排的
    转移支付 after 非财政拨款结转结余). A sub-header whose nearest top cell to the left is a
    leaf (no sub-header under it) cannot belong to that cell; it is the last sub-column
    of the nearest group to the left, so it moves next to that group's sub-headers and
    the leaf top cells between move one column right, as the data rows have them.
    """
    if len(grid) < 2:
        return
    top, sub = grid[0], grid[-1]
    for j in range(len(top) - 1, 0, -1):
        if top[j] or not sub[j]:
            continue
        left = next((i for i in range(j - 1, -1, -1) if top[i]), None)
        if left is None or sub[left]:
            continue  # under a spanning group: an ordinary merged header
        group = next((i for i in range(left - 1, -1, -1) if top[i] and sub[i]), None)
        if group is None:
            return
        end = group
        while end + 1 < j and not top[end + 1] and sub[end + 1]:
            end += 1
        if any(sub[k] for k in range(end + 1, j)):
            return
        label = sub[j]
        for row in grid:
            row[end + 1: j + 1] = [""] + row[end + 1: j]
        sub[end + 1] = label
        return


def _role(path: list[str]) -> str:
    leaf = re.sub(r"[（(][^（()）]*[)）]$", "", path[-1]) if path else ""  # 支出项目类别（资金使用单位）: 支出项目类别
    if SKIP_COLUMN.match(leaf):
        return SKIP
    if CODE_COLUMN.search(leaf):
        return CODE
    if PROJECT_COLUMN.search(leaf) or (leaf.endswith("项目") and any(PROJECT_COLUMN.search(p) for p in path[:-1])):
        return PROJECT  # 项目名称 / 一级项目, 二级项目
    if LABEL_COLUMN.search(leaf):
        return LABEL
    return VALUE


def panels(columns: list[Column]) -> list[list[Column]]:
    """Split columns into side-by-side panels: a label/code column after a value column opens one.

    A group of code columns with no name column (部门经济科目 类/款 beside an item's amount) is not a
    panel: it stays in the row, its codes unread.
    """
    groups: list[list[Column]] = [[]]
    seen_value = False
    for col in columns:
        if col.role in (CODE, LABEL, PROJECT) and seen_value:
            groups.append([])
            seen_value = False
        if col.role == VALUE:
            seen_value = True
        groups[-1].append(col)
    merged: list[list[Column]] = []
    for group in (g for g in groups if g):
        if merged and not any(c.role in (LABEL, PROJECT) for c in group):
            merged[-1].extend(replace(c, role=SKIP) if c.role == CODE else c for c in group)
        else:
            merged.append(group)
    return merged


def panel_name(group: list[Column], body: list[Item] = ()) -> str:
    """收入 / 支出 / 人员经费 / 公用经费, from the top header cell over the panel.

    A panel whose header names only the classification (经济分类) takes its
    name from its total row instead ('人员经费合计', 上海 决算 表六).
    """
    top = group[0].top
    for side in ("收入", "支出"):
        if top.endswith(side):
            return side
    labels = [c.index for c in group if c.role in (CODE, LABEL)]
    for item in body:
        cells = item.cells or []
        for index in labels:
            match = _PANEL_TOTAL.match(compact(cells[index])) if index < len(cells) else None
            if match:
                return match.group(1)
    return top


@dataclass
class RowContext:
    kind: TableKind
    unit: str  # the table's unit (元 / 万元 / 亿元): money is converted to 万元
    body_rows: int = 1  # rows in the part being read


_PERIOD_COLUMN = re.compile(r"^(?:预算)?(?:年度|年份)$")
_PERIOD = re.compile(r"^(?:(?:19|20)\d{2}年(?:度)?(?:预算数?|决算数?)?|增减(?:变化)?(?:金额|数)?|比上年增减)$")


def build_rows(header: list[Item], body: list[Item], ctx: RowContext) -> tuple[list[str], list[Row]]:
    """Value column paths and the rows of one table part."""
    width = max(len(i.cells or []) for i in header + body)
    columns = header_columns([i.cells or [] for i in header], width)
    if ctx.kind not in PROJECT_TABLES:  # 江苏 收入预算总表 '项目名称': the row's name, not a project
        columns = [replace(c, role=LABEL) if c.role == PROJECT else c for c in columns]
    groups = panels(columns)
    side_by_side = len(groups) > 1
    value_paths = [c.path_text for c in columns if c.role == VALUE]
    if ctx.kind is TableKind.THREE_PUBLIC and _items_as_columns(columns, body):
        return value_paths, _transpose_three_public(columns, body[0], ctx)
    names = [panel_name(group, body) for group in groups]
    ctx = replace(ctx, body_rows=len(body))
    rows: list[Row] = []
    for item in body:
        cells = (item.cells or []) + [""] * (width - len(item.cells or []))
        previous: Row | None = None
        for group, name in zip(groups, names):
            panel = name if side_by_side else None
            row = _group_row(item, cells, group, ctx, panel)
            if row is None:
                continue
            if previous is not None and _is_orphan_values(row) and previous.panel == panel and _no_values(previous):
                previous.cells = row.cells
                continue
            row.index = len(rows)
            rows.append(row)
            previous = row
    for row in rows:
        _add_panel_measure(row)
    return _fold_period_rows(value_paths, rows)


def _fold_period_rows(value_paths: list[str], rows: list[Row]) -> tuple[list[str], list[Row]]:
    """Rows that print one unit's figures once per period (年度: 2025年 / 2026年 / 增减变化金额) are one row
    whose columns carry the period ("2026年/总计/一般公共预算"), as a table with year columns would print them.

    A period row with no label of its own continues the labelled row above it.
    """
    period = next((key for row in rows for key in row.texts if _PERIOD_COLUMN.match(key.rsplit("/", 1)[-1])), None)
    if period is None or not any(_PERIOD.match(row.texts.get(period, "")) for row in rows):
        return value_paths, rows
    folded: list[Row] = []
    heads: set[int] = set()  # ids of the rows that took their periods' cells
    for row in rows:
        when = compact(row.texts.get(period, ""))
        if not _PERIOD.match(when):
            folded.append(row)
            continue
        cells = [replace(c, column_path=f"{when}/{c.column_path}") for c in row.cells]
        head = folded[-1] if folded else None
        if row.label or head is None or id(head) not in heads:
            row.cells = cells
            row.texts.pop(period)
            heads.add(id(row))
            folded.append(row)
        else:
            head.cells += cells
    for index, row in enumerate(folded):
        row.index = index
    paths = list(dict.fromkeys(c.column_path for row in folded for c in row.cells)) or value_paths
    return paths, folded


def _add_panel_measure(row: Row) -> None:
    """公开06表: a 人员经费 / 公用经费 panel's 决算数 is also that measure (so views find it by measure)."""
    measure = column_measure([row.panel]) if row.panel else None
    if measure not in (Measure.PERSONNEL, Measure.PUBLIC) or any(c.measure is measure for c in row.cells):
        return
    for cell in [c for c in row.cells if c.measure is Measure.TOTAL]:
        row.cells.append(replace(cell, measure=measure))


def _is_orphan_values(row: Row) -> bool:
    return not row.label and row.subject is None and row.project is None and any(
        c.value is not None for c in row.cells
    )


def _no_values(row: Row) -> bool:
    return all(c.value is None for c in row.cells)


def _group_row(item: Item, cells: list[str], group: list[Column], ctx: RowContext, panel: str | None) -> Row | None:
    code_parts, label, project, code_text = [], "", None, ""
    for col in group:
        text = cells[col.index]
        if not text:
            continue
        if col.role == CODE:
            if _CODE_CELL.match(text):
                code_parts.append(text)
            elif code_parts and text.isdigit() and len(text) == 1:
                code_parts.append("0" + text)  # 款 '2' printed without its leading zero (301 | 2 → 30102)
            elif not code_text:
                code_text = text  # "合计" across the code columns, or a unit's own code (单位代码 105001)
        elif col.role == LABEL and not label:
            label = text
        elif col.role == PROJECT and project is None:
            project = text
    if not label and code_text and not code_text.isdigit():
        label = code_text
    if project is not None and TOTAL_LABEL.match(compact(project)):
        label, project = label or project, None
    code = join_code(code_parts) if code_parts else None
    if code is None and label:
        code, rest = split_leading_code(label)
        if code:
            label = rest
    value_cols = [col for col in group if col.role == VALUE]
    if not (label or code or project) and not any(cells[col.index] for col in value_cols):
        return None
    if not label:
        label = project or code or ""
    if not label and ctx.body_rows == 1 and not any(col.role in (CODE, LABEL, PROJECT) for col in group):
        label = "合计"  # 江苏 公开03表: one row of amounts under the column names, no label column
    if _SPACED.match(label):
        label = re.sub(r"\s+", "", label)
    named_projects = any(col.role == PROJECT for col in group)
    if project is None and not named_projects and code is None and ctx.kind in _PROJECT_ROWS and label \
            and not TOTAL_LABEL.match(compact(label)) and not code_text.isdigit() and not is_organisation(label):
        project = label  # a 项目支出表 names its projects in its name column; a unit's row (code 125001) is no project
    subject = make_subject(code, label, ctx.kind is TableKind.GENERAL_BASIC) if code else None
    row = Row(index=0, label=label, line=item.line, subject=subject, project=project, panel=panel)
    for col in value_cols:
        _add_value(row, col, cells[col.index], item, ctx)
    return row


def _add_value(row: Row, col: Column, raw: str, item: Item, ctx: RowContext) -> None:
    line = item.cell_lines[col.index] if col.index < len(item.cell_lines) else item.line
    amount = parse_number(raw)
    if raw and amount is None and raw not in DASHES:
        row.texts[col.path_text] = raw
        return
    row.cells.append(_cell(col.path_text, column_measure(col.path), amount, raw, line, item.page, ctx,
                           column_unit(col.path)))


def _cell(path: str, measure: Measure | None, amount: float | None, raw: str, line: int,
          page: int | None, ctx: RowContext, unit: str | None = None) -> Cell:
    """A money cell in 万元 (from the table's unit), or a value of its own ``unit`` (分, %, 人 …) as printed."""
    if unit is not None:
        return Cell(column_path=path, measure=Measure.OTHER, value=amount, raw=raw, line=line, page=page,
                    original_value=amount, original_unit=unit, unit=unit)
    value = None if amount is None else to_wan(amount, ctx.unit)
    return Cell(column_path=path, measure=measure, value=value, raw=raw, line=line, page=page,
                original_value=amount, original_unit=ctx.unit)


def _items_as_columns(columns: list[Column], body: list[Item]) -> bool:
    """公开09表: the 三公 items are header columns and a single row carries the amounts."""
    has_label = any(c.role in (LABEL, CODE) for c in columns)
    data = [i for i in body if any(parse_number(c) is not None for c in i.cells or [])]
    return not has_label and len(data) == 1 and len(body) == 1


def _transpose_three_public(columns: list[Column], item: Item, ctx: RowContext) -> list[Row]:
    """One row per 三公 item; 决算 tables give 预算数 (全年预算数) and 决算数 cells.

    The budget/final word may sit above or below the item in the header
    (预算数/合计 or 合计/预算数); a header cell over every column is dropped.
    """
    value_cols = [c for c in columns if c.role == VALUE and c.path and c.index < len(item.cells or [])]
    common = _common_prefix([c.path for c in value_cols])
    final_table = any("决算" in part for c in value_cols for part in c.path)
    rows: dict[str, Row] = {}
    for col in value_cols:
        group = next((p for p in col.path if re.search(r"预算|决算", p)), "")
        names = [p for p in col.path[len(common):] if p not in (group, "小计")]
        name = names[-1] if names else group or col.path[-1]
        if len(names) > 1 and names[-2].startswith("公务用车") and not name.startswith("公务用车"):
            name = "公务用车" + name  # 上海 表9: 公务用车购置及运行费 / 购置费 → 公务用车购置费
        if "决算" in group:
            measure = Measure.FINAL
        elif final_table and "预算" in group:
            measure = Measure.ADJUSTED_BUDGET
        else:
            measure = Measure.TOTAL
        row = rows.setdefault(name, Row(index=len(rows), label=name, line=item.line))
        raw = item.cells[col.index]
        line = item.cell_lines[col.index] if col.index < len(item.cell_lines) else item.line
        row.cells.append(_cell(col.path_text, measure, parse_number(raw), raw, line, item.page, ctx))
    return list(rows.values())


def _common_prefix(paths: list[list[str]]) -> list[str]:
    prefix: list[str] = []
    for parts in zip(*paths):
        if len(set(parts)) != 1:
            break
        prefix.append(parts[0])
    return prefix
