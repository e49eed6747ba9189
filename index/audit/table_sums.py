"""Internal table checks (表内 / 表间核对): the tables' own sums, as audit findings.

- parent_sum: a subject row equals the sum of its children (类 = Σ款, 款 = Σ项, 合计 = Σ类),
  and the “三公” 合计 the sum of its items;
- total_split: 合计 = 基本支出 + 项目支出 (人员经费 + 公用经费; 表7's economic columns);
- cross_table: the same total printed in two tables has one value.

- table_note: a note saying its table is empty (“本表为空表”) under a table that holds amounts.

A sum of rounded cells may miss its rounded total by the rounding of each printed figure (尾差:
half a unit of its last digit, ``CellRef.slack`` — 0.005 万元 for "609.30", nothing for a 元 table's
whole 元); only a larger difference is a finding; only failed checks are returned.
"""
from __future__ import annotations

import logging
import re
from typing import Sequence

from index.audit.linking import CellIndex, CellRef, first_total, format_amount, item_name, three_public_item, where
from index.parse.codes import PERSONNEL_CLASSES

logger = logging.getLogger(__name__)

_SPLIT_KINDS = {"expenditure", "general_expenditure", "general_basic", "general_project", "gov_fund", "state_capital"}
_SPLIT_MEASURES = {"basic", "project", "personnel", "public"}
_PAIRS = ({"basic", "project"}, {"personnel", "public"})  # a total splits into both, or is not checked
_EMPTY_NOTE = re.compile(r"(?:为|是)空表|无数据")
_SUBTOTAL_COLUMN = re.compile(r"(?:小计|合计|总计|总数|总额)$")
_SUBSET_COLUMN = re.compile(r"其中|采购")


def check_tables(index: CellIndex, final: bool) -> list[dict]:
    """Failed internal checks, as Finding fields: parent = Σ children, 合计 = 基本 + 项目, one value per total."""
    checks: list[dict] = []
    for table_id, rows in index.tables.items():
        kind = next(iter(rows.values()))[0].table_kind
        if kind == "three_public":
            checks += _three_public_sums(rows)
        elif kind not in ("summary", "fiscal_summary", "carryover") and not kind.startswith("performance"):
            checks += _parent_sums(rows)
        if kind in _SPLIT_KINDS:
            checks += _total_splits(rows)
    checks += _cross_tables(index, final)
    logger.debug("%d internal checks failed", len(checks))
    return checks


def rounding_tolerance(total: CellRef, parts: Sequence[CellRef]) -> float:
    """How far a printed total may be from the sum of its printed parts: their roundings (尾差);
    none for one part (the same figure printed twice)."""
    return 0.0001 + (total.slack + sum(c.slack for c in parts) if len(parts) > 1 else 0.0)


def check_notes(document) -> list[dict]:
    """A note saying its table is empty (“故本表为空表”) under a table that holds amounts (a ``Document``)."""
    found = []
    for table_id, table in enumerate(document.tables, start=1):
        note = re.sub(r"\s+", "", table.note)
        if not _EMPTY_NOTE.search(note) or "如" in note:  # "此表如无数字则…" is a convention, not a claim
            continue
        cells = [c for r in table.rows for c in r.cells if c.is_money and c.value]
        if not cells:
            continue
        shown = "、".join(f"{format_amount(c.value)}" for c in cells[:4]) + ("…" if len(cells) > 4 else "")
        found.append(dict(kind="table_note", status="mismatch", statement=table.note.strip(),
                          line_start=cells[0].line, line_end=cells[-1].line, section=table.name,
                          stated_value=None, unit="万元", table_id=table_id, table_number=table.number,
                          table_name=table.name, row_label=None, column_path=None, table_value=cells[0].value,
                          difference=None, message=f"表注称本表为空表，但表中有数额（{shown} 万元）"))
    return found


def _check(kind: str, left: CellRef, right: CellRef, right_value: float, left_text: str, right_text: str,
           tolerance: float, parts: Sequence[CellRef] = ()) -> dict | None:
    """A failed check as Finding fields (left: the cell checked; right: what it should equal), or None."""
    difference = round((left.value or 0.0) - right_value, 4)
    if abs(difference) <= tolerance:
        return None
    lines = [c.line for c in (left, right, *parts) if c.line]
    return dict(kind=kind, status="mismatch", statement=left_text, line_start=min(lines, default=None),
                line_end=max(lines, default=None), section=left.table_title, stated_value=left.value,
                unit="万元", table_id=right.table_id, table_number=right.table_number, table_name=right.table_name,
                row_label=right.row_label, column_path=right.column_path, table_value=round(right_value, 4),
                difference=difference, message=f"{left_text} ≠ {right_text}（差 {difference:+.2f}）")


def _describe(cell: CellRef, value: float | None = None) -> str:
    shown = cell.value if value is None else value
    return f"{where(cell)}（第 {cell.line} 行）{format_amount(0.0 if shown is None else shown)}"


def _parent_sums(rows: dict[int, list[CellRef]]) -> list[dict]:
    """A subject row (or the total row) equals the sum of its children, column by column."""
    found = []
    section = _sections(rows)
    subject_rows = [cells for cells in rows.values() if cells[0].subject_code]
    for cells in rows.values():
        first = cells[0]
        if first.subject_code:
            children = [r for r in subject_rows if _parent_code(r[0]) == first.subject_code
                        and r[0].subject_system == first.subject_system and r[0].panel == first.panel
                        and section[r[0].row_index] == section[first.row_index]]
        elif len(set(section.values())) != 1:
            continue
        elif _fund_class(first.row_label) is not None:
            children = _class_rows(subject_rows, _fund_class(first.row_label))
        elif first.is_total_row or (first.panel and _is_named_total(first.row_label)):
            children = [r for r in subject_rows if r[0].subject_level == 1 and r[0].panel == first.panel]
        else:
            continue
        children = _one_row_per_code(children)
        if not children:
            continue
        for cell in _one_cell_per_column(cells):
            cells_in = [c for r in children for c in r if c.column_path == cell.column_path
                        and c.measure == cell.measure]
            parts = [c.value for c in cells_in]
            if cell.value is None and not any(parts):
                continue
            total = round(sum(v for v in parts if v is not None), 4)
            names = "、".join(r[0].subject_code or r[0].row_label for r in children[:6])
            more = "…" if len(children) > 6 else ""
            tolerance = rounding_tolerance(cell, [c for c in cells_in if c.value is not None])
            check = _check("parent_sum", cell, cell, total, _describe(cell),
                           f"下级科目（{names}{more}）之和 {format_amount(total)}", tolerance, cells_in)
            if check:
                found.append(check)
    return found


def _sections(rows: dict[int, list[CellRef]]) -> dict[int, int]:
    """Each row's section: a consolidated table lists its subjects again for each unit (单位 rows between),
    so a 类 printed a second time starts a new section; sums hold within a section."""
    section, seen, current = {}, set(), 0
    for index in sorted(rows):
        first = rows[index][0]
        key = (first.subject_code, first.subject_system, first.panel)
        if first.subject_level == 1 and first.project_name is None:
            if key in seen:
                current, seen = current + 1, set()
            seen.add(key)
        section[index] = current
    return section


def _fund_class(label: str) -> bool | None:
    """人员经费合计 → True, 公用经费合计 → False (a 基本支出 table's own totals), else None."""
    name = re.sub(r"\s", "", label)
    return {"人员经费合计": True, "公用经费合计": False}.get(name)


def _class_rows(subject_rows: list[list[CellRef]], personnel: bool) -> list[list[CellRef]]:
    """The economic classes a 人员经费 / 公用经费 total sums, wherever the table prints them: 人员经费 = 301 + 303,
    公用经费 = the other classes (a 决算 template prints the 公用经费 classes over two panels)."""
    return [r for r in subject_rows if r[0].subject_level == 1 and r[0].subject_system == "economic"
            and (r[0].subject_code in PERSONNEL_CLASSES) == personnel]


def _one_cell_per_column(cells: list[CellRef]) -> list[CellRef]:
    """A printed figure read as two cells of one column (合计 and 公用经费 of the same 决算数) is checked once."""
    first: dict[str, CellRef] = {}
    for cell in cells:
        first.setdefault(cell.column_path, cell)
    return list(first.values())


def _is_named_total(label: str) -> bool:
    """A panel's own total row: 人员经费合计 / 公用经费合计."""
    return bool(re.search(r"合计$", re.sub(r"\s", "", label)))


def _parent_code(cell: CellRef) -> str | None:
    code, level = cell.subject_code, cell.subject_level
    if not code or not level or level == 1:
        return None
    return code[: 3 if level == 2 else 5]


def _one_row_per_code(children: list[list[CellRef]]) -> list[list[CellRef]]:
    """A subject printed once as a row and again per project counts once (its own row)."""
    by_code: dict[str, list[list[CellRef]]] = {}
    for row in children:
        by_code.setdefault(row[0].subject_code or "", []).append(row)
    kept = []
    for rows in by_code.values():
        plain = [r for r in rows if r[0].project_name is None]
        kept += plain[:1] if plain else rows
    return kept


def _total_splits(rows: dict[int, list[CellRef]]) -> list[dict]:
    """合计 = 基本支出 + 项目支出 (人员经费 + 公用经费; the economic columns of 表7) on every row, for the
    row's total and for each column group's own total (当年预算/小计, 上年结转结余/小计)."""
    found = []
    for cells in rows.values():
        for total in [c for c in cells if c.measure == "total" and c.value is not None]:
            parts = _split_parts(total, cells)
            if parts is None:
                continue
            value = round(sum(c.value or 0.0 for c in parts), 4)
            names = " + ".join(c.column_path.split("/")[-1] for c in parts)
            check = _check("total_split", total, parts[0], value, _describe(total),
                           f"{names} = {format_amount(value)}",
                           rounding_tolerance(total, [c for c in parts if c.value is not None]))
            if check:
                found.append(check)
    return found


def _split_parts(total: CellRef, cells: list[CellRef]) -> list[CellRef] | None:
    """The cells a total splits into, or None when the row's columns do not name a whole split.

    The parts sit in the total's own column group; a group with its own subtotal (基本支出/小计,
    项目支出/项目支出总数) counts by that subtotal; “其中” and 政府采购 columns are subsets beside the split.
    A column with an amount that is no part (专项业务经费 in a template whose kinds the split does not
    know) would make any sum wrong, so the row is not checked.
    """
    group = total.column_path.rpartition("/")[0]
    prefix = f"{group}/" if group else ""
    members = [c for c in cells if c.column_path.startswith(prefix) and c.column_path != total.column_path
               and not _SUBSET_COLUMN.search(c.column_path)]
    subtotalled = {c.column_path.rpartition("/")[0] + "/" for c in members
                   if c.column_path.rpartition("/")[0] != group and _SUBTOTAL_COLUMN.search(c.column_path)}
    members = [c for c in members if not any(c.column_path.startswith(g) and not _is_subtotal_of(c, g)
                                             for g in subtotalled)]
    kind = total.table_kind
    parts = [c for c in members if c.measure in _SPLIT_MEASURES
             or (c.measure == "other" and kind in ("expenditure", "general_project"))]
    parts = [c for c in parts if not (c.measure == "basic" and any(p.measure in ("personnel", "public")
                                                                  and p.column_path.startswith(c.column_path)
                                                                  for p in parts))]
    if any(c.value for c in members if c not in parts):
        return None
    if not any(c.value is not None for c in parts) or not any(pair <= {c.measure for c in parts} for pair in _PAIRS):
        return None  # a split column the template does not name (人员类 …) would make any sum wrong
    return parts


def _is_subtotal_of(cell: CellRef, group: str) -> bool:
    return cell.column_path.rpartition("/")[0] + "/" == group and bool(_SUBTOTAL_COLUMN.search(cell.column_path))


def _three_public_sums(rows: dict[int, list[CellRef]]) -> list[dict]:
    """“三公”合计 = 出国 + 接待 + 公务用车小计; 公务用车小计 = 购置 + 运行."""
    items: dict[str | None, list[CellRef]] = {}
    for cells in rows.values():
        key = three_public_item(cells[0].row_label)
        if key not in items or "三公" in cells[0].row_label:  # “三公”经费 over a 合计 that adds 会议费 / 培训费
            items[key] = cells
    found = []
    for whole, parts in (("total", ("abroad", "reception", "vehicles")), ("vehicles", ("vehicle_purchase",
                                                                                       "vehicle_operation"))):
        if whole not in items or not all(p in items for p in parts):
            continue
        for cell in items[whole]:
            cells = [_same_column(cell, items[p]) for p in parts]
            if any(c is None for c in cells):
                continue
            values = [c.value for c in cells]
            if cell.value is None and not any(values):
                continue
            total = round(sum(v or 0.0 for v in values), 4)
            check = _check("parent_sum", cell, cell, total, _describe(cell), f"分项之和 {format_amount(total)}",
                           rounding_tolerance(cell, [c for c in cells if c.value is not None]))
            if check:
                found.append(check)
    return found


def _same_column(cell: CellRef, row: list[CellRef]) -> CellRef | None:
    """An item's cell in the whole's column; where the items sit under one header (当年预算 / 因公出国费 /
    小计 beside 当年预算 / 公务用车购置及运行费 / 小计), its first cell of the same column group and measure."""
    same = next((c for c in row if c.column_path == cell.column_path and c.measure == cell.measure), None)
    group = cell.column_path.split("/")[0] if "/" in cell.column_path else None
    return same or next((c for c in row if group and c.column_path.split("/")[0] == group
                         and c.measure == cell.measure), None)


def _cross_tables(index: CellIndex, final: bool) -> list[dict]:
    """The same total printed in two tables has one value."""
    # a 财政拨款 total stands for the 一般公共预算 one only when no other fund spends
    fiscal_measures = ("general_budget",) if index.other_funds_spend() else ("general_budget", "total", "fiscal")
    pairs = [  # (table kind A, its measures, table kind B, its measures), compared subject by subject
        ("expenditure", ("total",), "summary", ("total",)),
        ("general_expenditure", ("total",), "fiscal_summary", fiscal_measures),
    ]
    if not final:
        pairs.append(("income", ("total",), "expenditure", ("total",)))
    found = []
    for kind_a, measures_a, kind_b, measures_b in pairs:
        for table_a in index.table_ids([kind_a]):
            for table_b in index.table_ids([kind_b]):
                found += _cross_subjects(index, table_a, measures_a, table_b, measures_b)
    found += _cross_totals(index)
    return found


def _subject_cells(index: CellIndex, table_id: int, measures: tuple[str, ...]) -> dict[str, CellRef]:
    """Functional subject → its cell (a summary table's rows are matched by their 类 name when uncoded)."""
    cells: dict[str, CellRef] = {}
    for row in index.rows(table_id).values():
        first = row[0]
        if first.project_name is not None or first.panel not in (None, "支出"):
            continue
        key = first.subject_code if first.subject_system == "functional" else None
        if key is None and first.panel == "支出" and not first.is_total_row:
            key = "name:" + item_name(first.row_label)
        if key is None:
            continue
        for measure in measures:
            cell = next((c for c in row if c.measure == measure), None)
            if cell is not None:
                cells.setdefault(key, cell)
                if first.subject_code and first.subject_level == 1:
                    cells.setdefault("name:" + item_name(first.subject_name or first.row_label), cell)
                break
    return cells


def _cross_subjects(index: CellIndex, table_a: int, measures_a: tuple[str, ...], table_b: int,
                    measures_b: tuple[str, ...]) -> list[dict]:
    a = _subject_cells(index, table_a, measures_a)
    b = _subject_cells(index, table_b, measures_b)
    found, seen = [], set()
    for key, left in a.items():
        right = b.get(key)
        if right is None or (left.table_id, left.row_index) in seen:
            continue
        seen.add((left.table_id, left.row_index))
        check = _check("cross_table", left, right, right.value or 0.0, _describe(left),
                       _describe(right), left.slack + right.slack + 0.0001)
        if check:
            found.append(check)
    return found


def _cross_totals(index: CellIndex) -> list[dict]:
    """收入总计 = 支出总计 (表1, 表4); 表6 合计 = 表5 基本支出; 表7 合计 = 表5 项目支出."""
    found = []
    for table_id in index.table_ids(["summary", "fiscal_summary"]):
        income = index.total_row(table_id, "收入", grand=True)
        spending = index.total_row(table_id, "支出", grand=True)
        if income and spending:
            left, right = first_total(income), first_total(spending)
            if left is not None and right is not None and right.value is not None:
                check = _check("cross_table", left, right, right.value, _describe(left),
                               _describe(right), left.slack + right.slack + 0.0001)
                if check:
                    found.append(check)
    for table_e in index.table_ids(["general_expenditure"]):
        row_e = index.total_row(table_e)
        if not row_e:
            continue
        for kind, measure in (("general_basic", "basic"), ("general_project", "project")):
            right = next((c for c in row_e if c.measure == measure), None)
            for table_id in index.table_ids([kind]):
                row = index.total_row(table_id)
                left = first_total(row) if row else None
                if left is None or right is None or right.value is None:
                    continue
                check = _check("cross_table", left, right, right.value, _describe(left),
                               _describe(right), left.slack + right.slack + 0.0001)
                if check:
                    found.append(check)
    return found
