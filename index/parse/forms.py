"""绩效目标表 / 绩效自评表: rows of texts, with the few numbers that are clear.

These tables are forms, not grids: blocks (项目资金, 绩效指标, 总分) each with
their own header row. Every printed row becomes a Row whose ``texts`` hold
its cells by header word (or by column number, "1", "2", … before any
header). Numbers become Cells only where their meaning is clear:

- money of the 资金 block (年初预算数 / 全年预算数 / 全年执行数, 年度预算总额,
  财政拨款, 其他资金) in 万元 (converted from the table's unit), with Measures
  INITIAL_BUDGET / ADJUSTED_BUDGET / FINAL / TOTAL / FISCAL;
- scores (分值, 得分, and the 总分 row) as Measure.OTHER cells of unit "分"
  (their ``value`` is the score, not an amount).

Percentages (执行率 "3.25 %") and indicator values (">=95%") stay texts.
The project name (项目名称) goes to ``Row.project`` of every row of the table.
"""
from __future__ import annotations

import re
from dataclasses import replace

from index.parse.layouts import Item
from index.model import Cell, Measure, Row
from index.amounts import parse_number, to_wan
from index.text import compact

_HEADER_WORDS = {"年初预算数", "一级指标", "任务名称", "预期目标", "情况说明"}
_MONEY = {
    "年初预算数": Measure.INITIAL_BUDGET,
    "全年预算数": Measure.ADJUSTED_BUDGET,
    "全年执行数": Measure.FINAL,
}
_SCORE = re.compile(r"^(分值|得分|指标分值权重|分值权重|分值\(\d+\))$")
_PAIR_MONEY = [
    (re.compile(r"年度预算总额|资金总额"), Measure.TOTAL),
    (re.compile(r"财政拨款|财政资金"), Measure.FISCAL),
    (re.compile(r"上级安排"), Measure.TRANSFER),
    (re.compile(r"本级安排|其他资金|^其他$"), Measure.OTHER),
]
_PROJECT = re.compile(r"^项目名称$")
_INDICATOR = re.compile(r"^(?:产出|效益|成本|满意度|效果|数量|质量|时效|经济成本|社会成本|生态环境成本|经济效益|社会效益|"
                        r"生态效益|可持续影响|服务对象满意度)指标$")  # 一级 / 二级指标 of a 绩效目标表


def performance_rows(body: list[Item], unit: str = "万元") -> list[Row]:
    """Rows of a 绩效目标表 / 绩效自评表 (see the module docstring)."""
    rows: list[Row] = []
    header: list[str] | None = None
    project: str | None = None
    for item in body:
        cells = item.cells or []
        filled = [c for c in cells if c]
        if not filled:
            continue
        words = [compact(c) for c in cells]
        if _HEADER_WORDS & set(words) and not any(parse_number(c) is not None for c in filled):
            header = words
            continue
        if _PROJECT.match(compact(filled[0])) and len(filled) > 1:
            project = filled[1]
        if compact(filled[0]) == "总分":
            rows.append(_score_row(len(rows), item, filled))
            continue
        row = Row(index=len(rows), label=_label(cells, filled, header), line=item.line)
        for i, text in enumerate(cells):
            if text:
                row.texts[_key(header, i)] = text
        if header is not None and len(cells) <= len(header):
            _header_cells(row, item, header, unit)
        else:
            _pair_cells(row, item, unit)
        rows.append(row)
    for row in rows:
        row.project = project
    return rows


def _key(header: list[str] | None, i: int) -> str:
    if header is not None and i < len(header) and header[i]:
        return header[i]
    return str(i + 1)


def indicator_column(cells: list[str]) -> int | None:
    """The column of a row's first indicator word (产出指标, 数量指标, 满意度指标 …): its 一级指标; None without."""
    return next((i for i, c in enumerate(cells) if _INDICATOR.match(compact(c))), None)


def form_header(body: list[Item], width: int | None = None, indicators: int | None = None) -> Item | None:
    """The last header row (一级指标 / 二级指标 / 三级指标 …) of a form part; with ``width``, the header of a
    following page of that many cells: the whole row, or its columns from 一级指标 on moved to the page's
    indicator column ``indicators`` (0 for a page that carries on with the indicators only). The columns
    before it, the project's merged cells printed fewer or more, stay unnamed."""
    header = next((item for item in reversed(body) if _HEADER_WORDS & {compact(c) for c in item.cells or []}), None)
    if header is None or width is None or len(header.cells or []) == width:
        return header
    cells = [compact(c) for c in header.cells or []]
    start = cells.index("一级指标") if "一级指标" in cells else None
    at = indicators or 0
    if start is None or len(cells) - start != width - at:
        return None
    return replace(header, cells=[""] * at + (header.cells or [])[start:],
                   cell_lines=[header.line] * at + header.cell_lines[start:])


def _label(cells: list[str], filled: list[str], header: list[str] | None) -> str:
    """The 三级指标 of an indicator row, else the first filled cell."""
    if header is not None and "三级指标" in header:
        i = header.index("三级指标")
        if i < len(cells) and cells[i]:
            return cells[i].strip()
    return filled[0].strip()


def _line(item: Item, i: int) -> int:
    return item.cell_lines[i] if i < len(item.cell_lines) else item.line


def _header_cells(row: Row, item: Item, header: list[str], unit: str) -> None:
    for i, raw in enumerate(item.cells or []):
        name = header[i] if i < len(header) else ""
        amount = parse_number(raw)
        if amount is None:
            continue
        if name in _MONEY:
            row.cells.append(_money(name, _MONEY[name], amount, raw, _line(item, i), item, unit))
        elif _SCORE.match(name):
            row.cells.append(_score(name, amount, raw, _line(item, i), item))


def _pair_cells(row: Row, item: Item, unit: str) -> None:
    """'年度预算总额 | 51.00 | 其中：财政拨款 | 51.00': an amount after its name."""
    cells = item.cells or []
    for i in range(1, len(cells)):
        amount = parse_number(cells[i])
        name = compact(re.sub(r"^其中[:：]", "", cells[i - 1])).rstrip(":：")
        if amount is None or not name:
            continue
        for pattern, measure in _PAIR_MONEY:
            if pattern.search(name):
                row.cells.append(_money(name, measure, amount, cells[i], _line(item, i), item, unit))
                break


def _score_row(index: int, item: Item, filled: list[str]) -> Row:
    """'总分 | 100 | 90.36': full marks (分值) then the score (得分)."""
    row = Row(index=index, label="总分", line=item.line)
    numbers = [(i, c) for i, c in enumerate(item.cells or []) if parse_number(c) is not None]
    for (i, raw), name in zip(numbers, ("分值", "得分")):
        row.texts[name] = raw
        row.cells.append(_score(name, parse_number(raw), raw, _line(item, i), item))
    return row


def _money(path: str, measure: Measure, amount: float, raw: str, line: int, item: Item, unit: str) -> Cell:
    return Cell(column_path=path, measure=measure, value=to_wan(amount, unit), raw=raw, line=line, page=item.page,
                original_value=amount, original_unit=unit)


def _score(path: str, amount: float | None, raw: str, line: int, item: Item) -> Cell:
    return Cell(column_path=path, measure=Measure.OTHER, value=amount, raw=raw, line=line, page=item.page,
                original_value=amount, original_unit="分", unit="分")
