"""Tables people can read (表格显示), and CSV files that are safe to open (导出).

``readable`` turns a result frame into display strings: Chinese headers with
the unit (金额（万元）), blanks instead of None, thousands separators, changes
signed (a 减少 of 7,825.98 is −7,825.98), 是/否 for flags; it names the columns
to right-align. ``table_styler`` makes that a pandas Styler for ``st.table``
(cells are Markdown there, so they are escaped). ``safe_csv`` writes CSV
whose text cells cannot run as spreadsheet formulas.
"""
from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass
from typing import Any

import pandas as pd
from pandas.io.formats.style import Styler

from ui.markdown import escape

MINUS = "\u2212"
MONEY_UNIT = "万元"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
INTEGER = re.compile(r"(^|_)(line|lines|line_start|line_end|year|seq|index|row_index|table_id|level|term|page|id|n_\w+)$"
                     r"|^(行|行号|年度|序号|起始行|结束行)$")
RATE = re.compile(r"pct|percent|rate|ratio|率|%")
CHANGE = re.compile(r"change|difference|delta|增减|差额|变动")
CODE = re.compile(r"code|编码|代码")
LABELS = {
    "doc_id": "文件", "document": "文件", "department": "部门", "region": "地区", "year": "年度", "kind": "类型",
    "scope": "范围", "table_number": "表号", "table_name": "表", "measure": "口径", "subject": "科目",
    "subject_code": "科目编码", "subject_name": "科目名称", "project_name": "项目", "item": "项目", "source": "来源",
    "row_label": "行名", "column_path": "列", "total": "合计", "basic": "基本支出", "project": "项目支出",
    "personnel": "人员经费", "public": "公用经费", "amount": "金额", "value": "金额", "change_amount": "增减额",
    "change_pct": "增减率", "initial_budget": "年初预算", "final_amount": "决算数", "completion_pct": "完成率",
    "direction": "增减", "reason": "原因", "line": "行号", "line_start": "起始行", "line_end": "结束行",
    "linked_value": "表中数", "agrees": "与表格一致", "difference": "差额", "unit": "单位",
}
HIDDEN = ("passage_id", "term", "rowid")
NUMERIC_KINDS = ("money", "change", "rate", "change_rate", "integer")
MEASURE_LABELS = {
    "total": "合计", "basic": "基本支出", "project": "项目支出", "personnel": "人员经费", "public": "公用经费",
    "fiscal": "财政拨款", "general_budget": "一般公共预算", "gov_fund": "政府性基金预算", "state_capital": "国有资本经营预算",
    "transfer": "转移支付", "special_account": "财政专户", "unit_funds": "单位资金", "carryover": "上年结转",
    "initial_budget": "年初预算数", "adjusted_budget": "全年预算数", "final": "决算数", "other": "其他",
}


@dataclass(frozen=True)
class Readable:
    """A result frame made readable: ``values`` keeps the numbers under labelled headers, ``kinds`` says
    how each column is shown, ``frame`` holds the display strings."""

    values: pd.DataFrame
    kinds: dict[str, str]

    @property
    def frame(self) -> pd.DataFrame:
        """Every cell as shown (for grids and Markdown): blanks, separators, signs."""
        return pd.DataFrame({name: self.values[name].map(lambda v, k=kind: display_value(v, k))
                             for name, kind in self.kinds.items()})

    @property
    def numeric(self) -> list[str]:
        """The headers of the columns to right-align."""
        return [name for name, kind in self.kinds.items() if kind in NUMERIC_KINDS]


def signed_changes(frame: pd.DataFrame) -> pd.DataFrame:
    """Changes written as amounts with a direction (减少 7,825.98) made negative numbers (−7,825.98)."""
    if "direction" not in frame or frame.empty:
        return frame
    falling = frame["direction"].astype(str).str.contains("减|下降", regex=True, na=False)
    out = frame.copy()
    for column in ("change_amount", "change_pct"):
        if column in out and pd.api.types.is_numeric_dtype(out[column]):
            out[column] = out[column].where(~falling, -out[column].abs())
    return out


def readable(frame: pd.DataFrame, labels: dict[str, str] | None = None, unit: str | None = None) -> Readable:
    """``frame`` as display strings, with labelled headers carrying the unit.

    ``unit`` of the amounts: by default 万元 (the database's), or the frame's
    ``unit`` column when it holds one unit; "" puts no unit in the headers.
    """
    labels = {**LABELS, **(labels or {})}
    frame = signed_changes(frame)
    unit = _money_unit(frame) if unit is None else unit
    columns: dict[str, pd.Series] = {}
    kinds: dict[str, str] = {}
    for name in frame.columns:
        if name in HIDDEN or (name == "unit" and unit) or (name == "doc_id" and "department" in frame):
            continue
        series = frame[name].map(lambda v: MEASURE_LABELS.get(v, v)) if name == "measure" else frame[name]
        header = labels.get(str(name), str(name))
        kind = column_kind(str(name), series)
        if kind in ("rate", "change_rate"):
            header = f"{header}（%）"
        elif kind in ("money", "change") and unit:
            header = f"{header}（{unit}）"
        header = _unique(header, columns)
        columns[header] = series.reset_index(drop=True)
        kinds[header] = kind
    return Readable(pd.DataFrame(columns), kinds)


def column_kind(name: str, series: pd.Series) -> str:
    """money, change (signed), rate, change_rate (signed), integer, code, flag or text."""
    if pd.api.types.is_bool_dtype(series):
        return "flag"
    if not pd.api.types.is_numeric_dtype(series):
        return "code" if CODE.search(name) else "flag" if _is_flags(series) else "text"
    if CODE.search(name):
        return "code"
    if INTEGER.search(name) or pd.api.types.is_integer_dtype(series):
        return "integer"
    if RATE.search(name):
        return "change_rate" if CHANGE.search(name) else "rate"
    return "change" if CHANGE.search(name) else "money"


def display_value(value: Any, kind: str = "money") -> str:
    """One cell as shown: blank for None/NaN, 1,234.50, signed changes (+69.12 / −7,825.98), 是/否."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    if kind == "flag" and isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if kind == "integer":
        return str(int(value))
    if kind == "code":
        return str(int(value)) if float(value).is_integer() else str(value)
    text = f"{abs(value):,.2f}"
    if kind in ("change", "change_rate"):
        return ("+" if value > 0 else MINUS if value < 0 else "") + text
    return (MINUS if value < 0 else "") + text


def table_styler(table: Readable) -> Styler:
    """For ``st.table``: numbers stay numbers (right-aligned) shown as ``display_value``; text is escaped
    (cells are Markdown there); headers too."""
    values = table.values.copy()
    values.columns = [escape(c) for c in values.columns]
    formats = {escape(name): (lambda v, k=kind: escape(display_value(v, k))) for name, kind in table.kinds.items()}
    return values.style.format(formats).hide(axis="index")


def safe_csv(frame: pd.DataFrame) -> bytes:
    """CSV for spreadsheets: UTF-8 with BOM, text quoted (a line break stays inside its cell); a text cell
    starting with = + - @ (a formula) gets a leading '."""
    return neutralised(frame).to_csv(index=False, quoting=csv.QUOTE_NONNUMERIC).encode("utf-8-sig")


def neutralised(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells (and headers) that a spreadsheet would run as formulas, prefixed with a quote (OWASP)."""
    out = frame.map(_neutral)
    out.columns = [_neutral(c) for c in frame.columns]
    return out


def _neutral(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _money_unit(frame: pd.DataFrame) -> str:
    """万元 unless the frame's ``unit`` column says otherwise (one unit for every row), else no unit."""
    if "unit" not in frame:
        return MONEY_UNIT
    units = set(frame["unit"].dropna())
    return units.pop() if len(units) == 1 else ""


def _is_flags(series: pd.Series) -> bool:
    values = set(series.dropna())
    return bool(values) and values <= {True, False}


def _unique(header: str, taken: dict[str, Any]) -> str:
    while header in taken:
        header += " "
    return header
